"""``planner status``: where the service stands on a day, young people and vacancies.

It describes the council's own records; the comparison with the annual report the demo
council is built from appears only while the database holds nothing but the demo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from planner.core.cli_support import (
    OutputFormat,
    console,
    migrated_engine,
    parse_day,
    print_csv,
    print_json,
)
from planner.domain import PlacementType

if TYPE_CHECKING:
    from planner.inventory.status import Summary

app = typer.Typer()


def _comparison(summary: Summary) -> list[dict[str, object]]:
    """The demo council's figures beside the annual report's: one row per measure."""
    from planner.inventory.status import REPORT_FIGURES

    return [
        {
            "measure": fig.label,
            "report": fig.figure,
            "planner": summary.figures.get(fig.key, 0),
            "note": fig.note,
        }
        for fig in REPORT_FIGURES
    ]


def report_table(summary: Summary) -> Table:
    """The demo council beside the annual report it is calibrated to (only the demo's)."""
    table = Table(
        title=f"The demo council on {summary.as_of:%d %B %Y} beside its 2023-24 annual report"
    )
    table.add_column("Measure")
    table.add_column("Report (31 Mar 2024)", justify="right")
    table.add_column("Planner", justify="right")
    table.add_column("Note")
    for row in _comparison(summary):
        report, ours = row["report"], row["planner"]
        mark = "" if report is None or ours == report else "[yellow]differs[/yellow] "
        table.add_row(str(row["measure"]), str(report), str(ours), mark + str(row["note"]))
    return table


def _sections(summary: Summary, demo_only: bool) -> dict[str, list[dict[str, object]]]:
    """Every figure the tables show, as plain rows: the one source for table, CSV and JSON."""
    people: list[dict[str, object]] = [
        {
            "placement_type": ptype.value,
            "label": ptype.label,
            "ssda903": ptype.accom_letter,
            "suitable": ok,
            "unsuitable": bad,
        }
        for ptype, ok, bad in summary.by_type
        if ok or bad
    ]
    people.append(
        {
            "placement_type": "all",
            "label": "All",
            "ssda903": "",
            "suitable": sum(r[1] for r in summary.by_type),
            "unsuitable": sum(r[2] for r in summary.by_type),
        }
    )
    sections: dict[str, list[dict[str, object]]] = {
        "young_people": people,
        "vacancies": [
            {
                "placement_type": PlacementType(ptype).value,
                "label": PlacementType(ptype).label,
                "free_now": now,
                "free_later": later,
            }
            for ptype, now, later in summary.vacancies
        ],
        "framework_lots": [
            {"lot": lot, "places": n, "our_young_people": ours, "vacant": vac, "used_by_others": o}
            for lot, n, ours, vac, o in summary.lots
        ],
        "council_flats": [
            {"scheme": s, "area": a, "places": n, "occupied": occ, "vacant": vac, "opens": op}
            for s, a, n, occ, vac, op in summary.flats
        ],
    }
    if demo_only:
        sections["demo_report_comparison"] = _comparison(summary)
    return sections


@app.command()
def status(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, csv or json for scripts")
    ] = OutputFormat.table,
) -> None:
    """Your council's young people by placement type and suitability; vacancies, lots and
    flats. The demo council is also shown beside the annual report it is built from."""
    from planner.core.db import unit_of_work
    from planner.demo.council import holds_any_records, holds_only_demo_records
    from planner.inventory.status import summarise

    engine = migrated_engine()
    with unit_of_work(engine) as session:
        summary = summarise(session, parse_day(as_of))
        has_records = holds_any_records(session)
        demo_only = has_records and holds_only_demo_records(session)
    sections = _sections(summary, demo_only)
    if output == OutputFormat.json:
        print_json(
            {
                "as_of": summary.as_of.isoformat(),
                "holds_records": has_records,
                "demo_council": demo_only,
                **sections,
            }
        )
        return
    if output == OutputFormat.csv:
        print_csv(
            ("table", "row", "column", "value"),
            (
                (name, n, column, value)
                for name, rows in sections.items()
                for n, row in enumerate(rows, start=1)
                for column, value in row.items()
            ),
        )
        return
    if not has_records:
        console.print(
            "No young people or provisions are recorded yet. Load your council's files "
            '(the README\'s "Loading your own data" says in which order), or try the demo '
            "council with `planner demo` on a test database."
        )
    people = Table(title=f"Young people by where they live on {summary.as_of:%d %B %Y}")
    people.add_column("Placement type")
    people.add_column("SSDA903", justify="center")
    people.add_column("Suitable", justify="right")
    people.add_column("Unsuitable", justify="right")
    *by_type, total = sections["young_people"]
    for row in by_type:
        bad = row["unsuitable"]
        people.add_row(str(row["label"]), str(row["ssda903"]), str(row["suitable"]), str(bad or ""))
    people.add_row("[b]All[/b]", "", f"[b]{total['suitable']}[/b]", f"[b]{total['unsuitable']}[/b]")
    console.print(people)

    vac = Table(title="Open vacancies")
    vac.add_column("Placement type")
    vac.add_column("Free now", justify="right")
    vac.add_column("Free later", justify="right")
    for row in sections["vacancies"]:
        vac.add_row(str(row["label"]), str(row["free_now"]), str(row["free_later"]))
    console.print(vac)

    lots = Table(title="Supported accommodation framework lots")
    for col in ("Lot", "Places", "Our young people", "Vacant", "Used by others"):
        lots.add_column(col, justify="left" if col == "Lot" else "right")
    for row in sections["framework_lots"]:
        lots.add_row(*(str(x) for x in row.values()))
    console.print(lots)

    flats = Table(title="Council flats and houses")
    for col in ("Scheme", "Area", "Places", "Occupied", "Vacant", "Opens"):
        flats.add_column(col)
    for row in sections["council_flats"]:
        flats.add_row(*(str(x) for x in row.values()))
    console.print(flats)
    if demo_only:
        console.print(report_table(summary))
