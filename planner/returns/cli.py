"""``planner import-903|export-903|export-list9``: the council's returns in and out."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from planner.core.cli_support import console, fail, migrated_engine

app = typer.Typer()


@app.command("import-903")
def import_903_command(
    directory: Annotated[Path, typer.Argument(help="A folder of 903 CSVs, one or several years")],
    year: Annotated[
        int | None,
        typer.Option(help="Collection year (its end year) of files with no year in their name"),
    ] = None,
    quarantine: Annotated[
        bool, typer.Option(help="Import the valid rows; list the others in --report")
    ] = False,
    report: Annotated[
        Path, typer.Option(help="Where --quarantine lists the rows left out (.csv or .xlsx)")
    ] = Path("903-quarantine.csv"),
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="The council's code mapping CSV (default: PLANNER_SSDA903_MAPPING, else "
            "the planner's planner/returns/mapping.csv)"
        ),
    ] = None,
) -> None:
    """Import young people and their stays from SSDA903 CSVs (tables recognised by their
    columns): all rows or none unless --quarantine; re-importing changes nothing."""
    from planner.core import audit
    from planner.core.db import run_in_transaction, unit_of_work
    from planner.core.settings import Settings
    from planner.records.spreadsheets import FileRefused, file_format
    from planner.returns import rules, service

    engine = migrated_engine()
    try:
        if quarantine:
            file_format(report)  # a report that cannot be written is refused before importing
        codes = rules.load_mapping(mapping or Settings().ssda903_mapping)
        result = run_in_transaction(
            lambda session: service.import_903(
                session,
                directory,
                actor=audit.cli_actor(),
                year=year,
                quarantine=quarantine,
                mapping=codes,
            ),
            engine,
        )
    except (service.ReturnRefused, FileRefused, rules.MappingRefused) as exc:
        rows = exc.rows if isinstance(exc, service.ReturnRefused) else 0
        errors = len(exc.errors) if isinstance(exc, service.ReturnRefused) else 1
        with unit_of_work(engine) as session:
            service.audit_refusal(session, actor=audit.cli_actor(), rows=rows, errors=errors)
        fail(str(exc))
    console.print(
        f"{result.files} file(s), {result.rows} row(s): young people {result.people_created} "
        f"created, {result.people_updated} updated, {result.people_unchanged} unchanged; stays "
        f"{result.stays_created} created, {result.stays_updated} updated, "
        f"{result.stays_unchanged} unchanged; {result.out_of_scope} child(ren) outside the "
        "service's ages not imported."
    )
    if result.unsuitable_by_policy:
        console.print(
            f"{result.unsuitable_by_policy} ACCOM code(s) marked suitable by the 903 were "
            "recorded unsuitable: the council's policy never counts that type as suitable."
        )
    if result.quarantined:
        service.write_quarantine(report, result.quarantined)
        console.print(
            f"{len(result.quarantined)} problem(s): those rows were left out; see {report}"
        )


@app.command("export-903")
def export_903_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write YYYY_oc3.csv and YYYY_header.csv")
    ],
    year: Annotated[int, typer.Option(help="Collection year: the year ending 31 March YYYY")],
) -> None:
    """Write the 903 OC3 and Header tables for a collection year (DfE's cohort rules)."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.returns import service

    engine = migrated_engine()
    with unit_of_work(engine) as session:
        oc3, header, count = service.export_903(session, year, directory, actor=audit.cli_actor())
    console.print(f"Wrote {count} care leaver(s) to {oc3} and {header}")
    blank = _blank_rows(oc3)
    if blank:
        console.print(
            f"{blank} row(s) have IN_TOUCH, ACTIV and ACCOM blank (contact, or where they "
            "lived on the birthday, not recorded): complete them before submitting."
        )


def _blank_rows(oc3: Path) -> int:
    import csv

    with oc3.open(newline="", encoding="utf-8") as handle:
        return sum(1 for row in csv.DictReader(handle) if not row["IN_TOUCH"])


@app.command("export-list9")
def export_list9_command(
    path: Annotated[Path, typer.Argument(help="Where to write: a .csv or .xlsx file")],
    as_of: Annotated[str, typer.Option("--as-of", help="The day the list describes, YYYY-MM-DD")],
) -> None:
    """Write Ofsted Annex A List 9 (care leavers) with its lettered labels."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.records.spreadsheets import FileRefused
    from planner.returns import service

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        fail(f"--as-of {as_of!r}: expected a date as YYYY-MM-DD")
    engine = migrated_engine()
    try:
        with unit_of_work(engine) as session:
            count = service.export_list9(session, day, path, actor=audit.cli_actor())
    except FileRefused as exc:
        fail(str(exc))
    console.print(f"Wrote {count} young people to {path}")


@app.command("import-ssd")
def import_ssd_command(
    directory: Annotated[
        Path,
        typer.Argument(help="A folder of SSD CSVs: ssd_person, ssd_care_leavers, ..."),
    ],
    quarantine: Annotated[
        bool, typer.Option(help="Import the valid rows; list the others in --report")
    ] = False,
    report: Annotated[
        Path, typer.Option(help="Where --quarantine lists the rows left out (.csv or .xlsx)")
    ] = Path("ssd-quarantine.csv"),
) -> None:
    """Import young people from a Standard Safeguarding Dataset extract (ssd_person,
    ssd_care_leavers, ssd_immigration_status): all rows or none unless --quarantine."""
    from planner.core import audit
    from planner.core.db import run_in_transaction, unit_of_work
    from planner.records.spreadsheets import FileRefused, file_format
    from planner.returns import service, ssd

    engine = migrated_engine()
    try:
        if quarantine:
            file_format(report)
        result = run_in_transaction(
            lambda session: ssd.import_ssd(
                session, directory, actor=audit.cli_actor(), quarantine=quarantine
            ),
            engine,
        )
    except (service.ReturnRefused, FileRefused) as exc:
        rows = exc.rows if isinstance(exc, service.ReturnRefused) else 0
        errors = len(exc.errors) if isinstance(exc, service.ReturnRefused) else 1
        with unit_of_work(engine) as session:
            service.audit_refusal(
                session,
                actor=audit.cli_actor(),
                rows=rows,
                errors=errors,
                action="import_ssd_refused",
            )
        fail(str(exc))
    console.print(
        f"{result.files} file(s), {result.rows} row(s): young people {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged; {result.not_imported} not "
        "imported (no current eligibility, or outside the service's ages)."
    )
    if result.quarantined:
        service.write_quarantine(report, result.quarantined)
        console.print(
            f"{len(result.quarantined)} problem(s): those rows were left out; see {report}"
        )
