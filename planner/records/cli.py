"""``planner status|template|import|export``: the council's records in and out as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.core.cli_support import console, fail, migrated_engine
from planner.records.templates import KIND_ALIASES

app = typer.Typer()

KindArg = Annotated[str, typer.Argument(help=f"One of: {', '.join(KIND_ALIASES)}")]


def _kind(kind: str) -> str:
    name = KIND_ALIASES.get(kind, kind)
    if name not in KIND_ALIASES.values():
        fail(f"unknown kind {kind!r}; expected one of {', '.join(KIND_ALIASES)}")
    return name


@app.command("import")
def import_command(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(help="A .csv or .xlsx file in the template's layout")],
) -> None:
    """Import records from a CSV or XLSX file: all rows or none; re-imports change nothing."""
    from planner.core import audit
    from planner.core.db import run_in_transaction, unit_of_work
    from planner.records import importing
    from planner.records.spreadsheets import FileRefused

    name = _kind(kind)
    engine = migrated_engine()
    try:
        checking = console.status(f"Checking every row of {path.name}, then importing")
        with checking:  # a deadlock with another writer: the whole import again (at most 3)
            report = run_in_transaction(
                lambda session: importing.import_file(session, name, path, actor=audit.cli_actor()),
                engine,
            )
    except (importing.ImportRefused, FileRefused) as exc:
        # the import's transaction is rolled back; the refusal is kept in one of its own
        rows, errors = (
            (exc.rows, len(exc.errors)) if isinstance(exc, importing.ImportRefused) else (0, 1)
        )
        with unit_of_work(engine) as session:
            importing.audit_refusal(
                session, name, actor=audit.cli_actor(), rows=rows, errors=errors
            )
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
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.records import exporting
    from planner.records.spreadsheets import FileRefused

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
    from planner.records.spreadsheets import FileRefused, write_rows
    from planner.records.templates import template_for

    try:
        write_rows(path, template_for(_kind(kind)).names, [])
    except FileRefused as exc:
        fail(str(exc))
    console.print(f"Wrote the {kind} template to {path}; see docs/data-templates.md")
