"""``planner status``: where the service stands on a day, young people and vacancies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from planner.core.cli_support import console, migrated_engine, parse_day
from planner.domain import PlacementType

if TYPE_CHECKING:
    from planner.inventory.status import Summary

app = typer.Typer()


def report_table(summary: Summary) -> Table:
    from planner.inventory.status import REPORT_FIGURES

    table = Table(title=f"Demo council on {summary.as_of:%d %B %Y} beside the 2023-24 report")
    table.add_column("Measure")
    table.add_column("Report (31 Mar 2024)", justify="right")
    table.add_column("Planner", justify="right")
    table.add_column("Note")
    for fig in REPORT_FIGURES:
        ours = summary.figures.get(fig.key, 0)
        mark = "" if fig.figure is None or ours == fig.figure else "[yellow]differs[/yellow] "
        table.add_row(fig.label, str(fig.figure), str(ours), mark + fig.note)
    return table


@app.command()
def status(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """Young people by placement type and suitability; vacancies, lots and flats."""
    from planner.core.db import unit_of_work
    from planner.inventory.status import summarise

    engine = migrated_engine()
    with unit_of_work(engine) as session:
        summary = summarise(session, parse_day(as_of))
    people = Table(title=f"Young people by where they live on {summary.as_of:%d %B %Y}")
    people.add_column("Placement type")
    people.add_column("SSDA903", justify="center")
    people.add_column("Suitable", justify="right")
    people.add_column("Unsuitable", justify="right")
    for ptype, ok, bad in summary.by_type:
        if ok or bad:
            people.add_row(ptype.label, ptype.accom_letter, str(ok), str(bad) if bad else "")
    total_ok = sum(r[1] for r in summary.by_type)
    total_bad = sum(r[2] for r in summary.by_type)
    people.add_row("[b]All[/b]", "", f"[b]{total_ok}[/b]", f"[b]{total_bad}[/b]")
    console.print(people)

    vac = Table(title="Open vacancies")
    vac.add_column("Placement type")
    vac.add_column("Free now", justify="right")
    vac.add_column("Free later", justify="right")
    for ptype, now, later in summary.vacancies:
        vac.add_row(PlacementType(ptype).label, str(now), str(later))
    console.print(vac)

    lots = Table(title="Supported accommodation framework lots")
    for col in ("Lot", "Places", "Our young people", "Vacant", "Used by others"):
        lots.add_column(col, justify="left" if col == "Lot" else "right")
    for lot, places, ours, vacant, other in summary.lots:
        lots.add_row(lot, str(places), str(ours), str(vacant), str(other))
    console.print(lots)

    flats = Table(title="Council flats and houses")
    for col in ("Scheme", "Area", "Places", "Occupied", "Vacant", "Opens"):
        flats.add_column(col)
    for row in summary.flats:
        flats.add_row(*(str(x) for x in row))
    console.print(flats)
    console.print(report_table(summary))
