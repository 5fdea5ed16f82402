"""``planner status|template|import|export``: the council's records in and out as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from planner.core import audit
from planner.core.cli_support import console, fail, migrated_engine, parse_day
from planner.core.db import unit_of_work
from planner.domain import PlacementType
from planner.inventory.status import REPORT_FIGURES, Summary, summarise
from planner.records import exporting, importing
from planner.records.spreadsheets import FileRefused
from planner.records.templates import KIND_ALIASES

app = typer.Typer()

KindArg = Annotated[str, typer.Argument(help=f"One of: {', '.join(KIND_ALIASES)}")]


def _kind(kind: str) -> str:
    name = KIND_ALIASES.get(kind, kind)
    if name not in KIND_ALIASES.values():
        fail(f"unknown kind {kind!r}; expected one of {', '.join(KIND_ALIASES)}")
    return name


def _report_table(summary: Summary) -> Table:
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
    console.print(_report_table(summary))


@app.command("import")
def import_command(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(help="A .csv or .xlsx file in the template's layout")],
) -> None:
    """Import records from a CSV or XLSX file: all rows or none; re-imports change nothing."""
    name = _kind(kind)
    engine = migrated_engine()
    try:
        checking = console.status(f"Checking every row of {path.name}, then importing")
        with checking, unit_of_work(engine) as session:
            report = importing.import_file(session, name, path, actor=audit.cli_actor())
    except (importing.ImportRefused, FileRefused) as exc:
        fail(str(exc))
    console.print(
        f"{path.name}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


@app.command("export")
def export_command(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(help="Where to write: a .csv or .xlsx file")],
) -> None:
    """Export records to CSV or XLSX in the same template the importer reads."""
    name = _kind(kind)
    engine = migrated_engine()
    try:
        with unit_of_work(engine) as session:
            count = exporting.export_file(session, name, path, actor=audit.cli_actor())
    except FileRefused as exc:
        fail(str(exc))
    console.print(f"Wrote {count} {name.replace('_', ' ')} to {path}")


@app.command()
def template(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(help="Where to write: a .csv or .xlsx file")],
) -> None:
    """Write an empty template (the header row) to fill in and import."""
    from planner.records.spreadsheets import write_rows
    from planner.records.templates import template_for

    try:
        write_rows(path, template_for(_kind(kind)).names, [])
    except FileRefused as exc:
        fail(str(exc))
    console.print(f"Wrote the {kind} template to {path}; see docs/data-templates.md")
