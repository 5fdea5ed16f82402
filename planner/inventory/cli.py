"""``planner status``: where the service stands on a day, young people and vacancies; and
``planner vacancy|provision|place``: keeping the inventory current.

It describes the council's own records; the comparison with the annual report the demo
council is built from appears only while the database holds nothing but the demo.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from planner.core.cli_support import (
    OutputFormat,
    console,
    fail,
    migrated_engine,
    parse_day,
    print_csv,
    print_json,
    required_day,
    run_write,
)
from planner.domain import Cohort, PlacementType
from planner.domain.text import day_words

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
        # free now and free later as in the vacancies table (one definition, status.py)
        "framework_lots": [
            {
                "lot": lot,
                "places": n,
                "our_young_people": ours,
                "free_now": now,
                "free_later": later,
                "used_by_others": o,
            }
            for lot, n, ours, now, later, o in summary.lots
        ],
        "council_flats": [
            {
                "scheme": s,
                "area": a,
                "places": n,
                "occupied": occ,
                "free_now": now,
                "free_later": later,
                "opens": op.isoformat() if op else "open",  # data: an ISO day
            }
            for s, a, n, occ, now, later, op in summary.flats
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
    people = Table(title=f"Young people by where they live on {day_words(summary.as_of)}")
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

    vac = Table(
        title="Open vacancies",
        caption="Free now: an open vacancy free today. Free later: one free from a later day "
        "(in use or not open until then). The same in every table.",
    )
    vac.add_column("Placement type")
    vac.add_column("Free now", justify="right")
    vac.add_column("Free later", justify="right")
    for row in sections["vacancies"]:
        vac.add_row(str(row["label"]), str(row["free_now"]), str(row["free_later"]))
    console.print(vac)

    lots = Table(title="Supported accommodation framework lots")
    for col in ("Lot", "Places", "Our young people", "Free now", "Free later", "Used by others"):
        lots.add_column(col, justify="left" if col == "Lot" else "right")
    for row in sections["framework_lots"]:
        cells = [str(x) for x in row.values()]
        if cells[0] in Cohort._value2member_map_:  # the lot in words; CSV and JSON keep the code
            cells[0] = Cohort(cells[0]).label
        lots.add_row(*cells)
    console.print(lots)

    flats = Table(title="Council flats and houses")
    for col in ("Scheme", "Area", "Places", "Occupied", "Free now", "Free later", "Opens"):
        flats.add_column(col, justify="left" if col in ("Scheme", "Area", "Opens") else "right")
    for scheme, area, n, occupied, now, later, opens in summary.flats:
        words = day_words(opens) if opens else "open"  # the table is read: a day in words
        flats.add_row(scheme, area, str(n), str(occupied), str(now), str(later), words)
    console.print(flats)
    if demo_only:
        console.print(report_table(summary))


# -- keeping the inventory: vacancies, provisions and places -------------------------------------

vacancy_app = typer.Typer(help="Declare, hold, withdraw or reopen a vacancy.", no_args_is_help=True)
provision_app = typer.Typer(help="Add or close a provision.", no_args_is_help=True)
place_app = typer.Typer(help="Add, close or convert a place.", no_args_is_help=True)
app.add_typer(vacancy_app, name="vacancy")
app.add_typer(provision_app, name="provision")
app.add_typer(place_app, name="place")


@vacancy_app.command("declare")
def vacancy_declare(
    place: Annotated[str, typer.Argument(help="The place's reference")],
    free_from: Annotated[str, typer.Option("--from", help="Free from YYYY-MM-DD")],
) -> None:
    """Declare a place free from a date."""
    from planner.core import audit
    from planner.inventory import service

    day = required_day(free_from, "--from")
    saved = run_write(
        lambda s: service.declare_vacancy(
            s, place_id=service.place_id(s, place), available_from=day, actor=audit.cli_actor()
        )
    )
    console.print(f"Vacancy {saved.id}: place {place} is free from {day_words(day)}.")


@vacancy_app.command("notice")
def vacancy_notice(
    place: Annotated[str, typer.Argument(help="The place's reference")],
    last_day: Annotated[str, typer.Option("--last-day", help="The stay's last day YYYY-MM-DD")],
) -> None:
    """Whoever lives in the place has notice: free the day after their last day."""
    from planner.core import audit, clock
    from planner.inventory import service

    day = required_day(last_day, "--last-day")

    def work(s: Any) -> Any:
        stay_id, version = service.occupant_stay(s, service.place_id(s, place), clock.today())
        return service.declare_from_notice(
            s, stay_id=stay_id, expected_version=version, last_day=day, actor=audit.cli_actor()
        )

    saved = run_write(work)
    free = day + timedelta(days=1)
    console.print(f"Vacancy {saved.id}: place {place} is free from {day_words(free)}.")


@vacancy_app.command("hold")
def vacancy_hold(
    vacancy: Annotated[int, typer.Argument(help="The vacancy's number")],
    for_: Annotated[str | None, typer.Option("--for", help="The young person's reference")] = None,
    release: Annotated[bool, typer.Option("--release", help="Release the hold")] = False,
) -> None:
    """Hold a vacancy for one young person (or release it)."""
    from planner.core import audit
    from planner.inventory import service

    if bool(for_) == release:
        fail("Give --for REFERENCE to hold the vacancy, or --release.")

    def work(s: Any) -> Any:
        return service.hold_vacancy(
            s,
            vacancy_id=vacancy,
            expected_version=service.vacancy_version(s, vacancy),
            young_person_id=service.young_person_for_hold(s, for_) if for_ else None,
            actor=audit.cli_actor(),
        )

    run_write(work)
    console.print(
        f"Vacancy {vacancy} is held for {for_}." if for_ else f"Vacancy {vacancy} is released."
    )


@vacancy_app.command("withdraw")
def vacancy_withdraw(
    vacancy: Annotated[int, typer.Argument(help="The vacancy's number")],
    reason: Annotated[str, typer.Option(help="repairs, provider_withdrew, declared_in_error, ...")],
) -> None:
    """Withdraw a vacancy."""
    from planner.core import audit
    from planner.inventory import service

    run_write(
        lambda s: service.withdraw_vacancy(
            s,
            vacancy_id=vacancy,
            expected_version=service.vacancy_version(s, vacancy),
            reason=reason,
            actor=audit.cli_actor(),
        )
    )
    console.print(f"Vacancy {vacancy} is withdrawn.")


@vacancy_app.command("reopen")
def vacancy_reopen(
    vacancy: Annotated[int, typer.Argument(help="The vacancy's number")],
    free_from: Annotated[str | None, typer.Option("--from", help="Free from YYYY-MM-DD")] = None,
) -> None:
    """Reopen a withdrawn vacancy."""
    from planner.core import audit
    from planner.inventory import service

    day = parse_day(free_from, "--from")
    run_write(
        lambda s: service.reopen_vacancy(
            s,
            vacancy_id=vacancy,
            expected_version=service.vacancy_version(s, vacancy),
            available_from=day,
            actor=audit.cli_actor(),
        )
    )
    console.print(f"Vacancy {vacancy} is open again.")


@provision_app.command("add")
def provision_add(
    reference: Annotated[str, typer.Argument(help="A new reference")],
    name: Annotated[str, typer.Option(help="The provision's name")],
    kind: Annotated[str, typer.Option("--type", help="e.g. supported_lodgings, council_flat")],
    area: Annotated[str, typer.Option()] = "",
    provider: Annotated[str, typer.Option()] = "",
    opens: Annotated[str | None, typer.Option(help="Opens on YYYY-MM-DD")] = None,
) -> None:
    """Add a provision (a scheme, host, framework contract or block of flats)."""
    from planner.core import audit
    from planner.inventory import service

    details = {"area": area, "provider": provider, "opens_on": parse_day(opens, "--opens")}
    run_write(
        lambda s: service.add_provision(
            s,
            reference=reference,
            name=name,
            placement_type=kind,
            details=details,
            actor=audit.cli_actor(),
        )
    )
    console.print(f"Provision {reference} added.")


@provision_app.command("close")
def provision_close(
    reference: Annotated[str, typer.Argument(help="The provision's reference")],
    on: Annotated[str, typer.Option("--on", help="Closes on YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="contract_ended, decommissioned, ...")],
) -> None:
    """Close a provision from a date (refused while anyone lives there)."""
    from planner.core import audit
    from planner.inventory import service

    day = required_day(on, "--on")

    def work(s: Any) -> Any:
        ident = service.provision_id(s, reference)
        return service.close_provision(
            s,
            provision_id=ident,
            expected_version=service.provision_version(s, ident),
            closes_on=day,
            reason=reason,
            actor=audit.cli_actor(),
        )

    run_write(work)
    console.print(f"Provision {reference} closes on {day_words(day)}.")


@place_app.command("add")
def place_add(
    provision: Annotated[str, typer.Argument(help="The provision's reference")],
    reference: Annotated[str, typer.Argument(help="A new reference for the place")],
    label: Annotated[str, typer.Option(help="e.g. Flat 2, Room 1")] = "",
    opens: Annotated[str | None, typer.Option(help="Opens on YYYY-MM-DD")] = None,
    vacant: Annotated[bool, typer.Option("--vacant/--not-vacant")] = True,
) -> None:
    """Add a place (a host joins); vacant from its opening day unless --not-vacant."""
    from planner.core import audit
    from planner.inventory import service

    day = parse_day(opens, "--opens")
    run_write(
        lambda s: service.add_place(
            s,
            provision_id=service.provision_id(s, provision),
            reference=reference,
            label=label,
            opens_on=day,
            vacant=vacant,
            actor=audit.cli_actor(),
        )
    )
    console.print(f"Place {reference} added to {provision}.")


@place_app.command("close")
def place_close(
    reference: Annotated[str, typer.Argument(help="The place's reference")],
    on: Annotated[str, typer.Option("--on", help="Closes on YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="host_left, decommissioned, ...")],
) -> None:
    """Close a place from a date (a host leaves; refused while someone lives there)."""
    from planner.core import audit
    from planner.inventory import service

    day = required_day(on, "--on")

    def work(s: Any) -> Any:
        ident = service.place_id(s, reference)
        return service.close_place(
            s,
            place_id=ident,
            expected_version=service.place_version(s, ident),
            closes_on=day,
            reason=reason,
            actor=audit.cli_actor(),
        )

    run_write(work)
    console.print(f"Place {reference} closes on {day_words(day)}.")


@place_app.command("convert")
def place_convert(
    reference: Annotated[str, typer.Argument(help="The place's reference")],
    to: Annotated[str, typer.Option("--to", help="The provision it joins")],
    on: Annotated[str, typer.Option("--on", help="Date of the conversion YYYY-MM-DD")],
    new_reference: Annotated[str, typer.Option(help="Its reference in the new provision")],
) -> None:
    """A planned conversion: the place closes here and opens in another provision."""
    from planner.core import audit
    from planner.inventory import service

    day = required_day(on, "--on")

    def work(s: Any) -> Any:
        ident = service.place_id(s, reference)
        return service.convert_place(
            s,
            place_id=ident,
            expected_version=service.place_version(s, ident),
            to_provision_id=service.provision_id(s, to),
            on=day,
            new_reference=new_reference,
            actor=audit.cli_actor(),
        )

    run_write(work)
    console.print(f"Place {reference} becomes {new_reference} in {to} on {day_words(day)}.")
