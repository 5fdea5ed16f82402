"""What every feature's commands share: the consoles, the migrated engine, the error exit.

Only typer, rich and the standard library at module level: every command module imports
this one, so whatever it imports is paid by ``planner --help`` too. The database (SQLAlchemy,
Alembic, pydantic settings) is imported by :func:`migrated_engine`, when a command needs it.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table
    from sqlalchemy.engine import Engine


def _console(**options: Any) -> Console:
    """A console that measures the terminal (and COLUMNS) each time it prints.

    Rich fixes the width once if COLUMNS is set when the console is made; this module's
    consoles are made at import, so one process running many commands (the test suite, a
    worker) would keep the width of whichever command imported it first."""
    made = Console(**options)
    made._width = None  # rich's own "not fixed" (Console.size then reads COLUMNS live)
    return made


console = _console()
err = _console(stderr=True)


def migrated_engine(*, create: bool = False) -> Engine:
    """The configured database, its schema brought to the latest migration (a no-op when
    it is there already), so no command ever meets an older schema.

    It is named on standard error (the file, or the URL without its password), so a person
    always knows which database a command used and scripts reading standard output are not
    disturbed. A SQLite file that does not exist is an error unless ``create`` is true
    (``planner init`` and ``planner demo``): a command run from another folder, or with a
    mistyped setting, must never silently start an empty database."""
    from planner.core import migrate
    from planner.core.db import get_engine
    from planner.core.settings import Settings

    try:
        settings = Settings()
    except ValueError as exc:  # a setting that cannot be used, e.g. PLANNER_TIMEZONE
        fail(str(exc))
    path = settings.sqlite_path
    if path is not None and not path.exists() and not create:
        fail(
            f"No planner database at {path}. Run `planner init` to create one, "
            "or set PLANNER_DATA_DIR."
        )
    err.print(
        f"Database: {settings.database_label}",
        style="dim",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    engine = get_engine(settings.database_url)
    migrate.upgrade(engine)
    return engine


def fail(message: str) -> NoReturn:
    # soft wrap: a path or a command in the message is never broken across lines
    err.print(f"[red]Error:[/red] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code=2)


def progress_bar() -> Progress:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def parse_day(text: str | None, option: str = "--as-of") -> date | None:
    """A date typed for ``option``, or None if it was left out; anything else that is not
    a YYYY-MM-DD date ends the command with code 2, naming the option and the value."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: value {text!r}, expected a date as YYYY-MM-DD")


def required_day(text: str | None, option: str) -> date:
    """A date the command cannot do without (``--on``, ``--from``...): as :func:`parse_day`,
    and leaving it out ends the command too."""
    day = parse_day(text, option)
    if day is None:
        fail(f"{option}: enter a date as YYYY-MM-DD")
    return day


def run_write(work: Callable[[Any], Any]) -> Any:
    """``work(session)`` as one transaction on the planner's database (done again after a
    deadlock, see ``planner.core.db.run_in_transaction``); a refusal a person can fix ends
    the command with its message and code 2, never a traceback."""
    from planner.core.db import run_in_transaction
    from planner.core.errors import PlannerError

    try:
        return run_in_transaction(work, migrated_engine())
    except PlannerError as exc:
        fail(exc.message)


class OutputFormat(StrEnum):
    """How a listing command prints: tables for people, CSV or JSON for scripts."""

    table = "table"
    csv = "csv"
    json = "json"


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Plain CSV on standard output (no colours, no wrapping), for spreadsheets and scripts."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def print_json(data: Any) -> None:
    """Plain JSON on standard output (no colours, no wrapping), for scripts."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


# What every listing command offers (docs/architecture.md, "Where is rule X?").
FormatOption = typer.Option(
    "--format", help="table for people, csv or json for scripts (plain, on standard output)"
)


@dataclass(frozen=True)
class Field:
    """One column of a listing: its key in CSV and JSON, its heading in the table.

    ``ref`` marks what a person must read whole and may type into another command (a
    reference, a username, an id): it is never wrapped or cut; the other columns wrap so
    the table fits the terminal (80 columns included)."""

    key: str
    heading: str
    ref: bool = False
    justify: str = "left"
    in_table: bool = True  # False: only in CSV and JSON (to keep the table within 80 columns)


def listing_table(title: str | None, fields: Sequence[Field]) -> Table:
    """An empty table for ``fields``: reference columns whole, text columns wrapping."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", pad_edge=False, collapse_padding=True)
    for f in fields:
        table.add_column(
            f.heading,
            justify=f.justify,  # type: ignore[arg-type]
            no_wrap=f.ref,
            overflow="fold",
            min_width=len(f.heading) if f.ref else None,
        )
    return table


def print_listing(
    output: OutputFormat,
    fields: Sequence[Field],
    rows: Sequence[dict[str, Any]],
    *,
    title: str | None = None,
    cells: Sequence[Sequence[str]] | None = None,
) -> None:
    """A listing in the chosen format: JSON (a list of objects with the fields' keys), CSV
    (a header of the keys), or a table for people of the fields ``in_table`` (``cells``, if
    given, are the table's rendered cells, e.g. with colours; otherwise the values as text)."""
    if output == OutputFormat.json:
        print_json([{f.key: row.get(f.key) for f in fields} for row in rows])
        return
    if output == OutputFormat.csv:
        values = ([_plain(row.get(f.key)) for f in fields] for row in rows)
        print_csv([f.key for f in fields], values)
        return
    shown = [f for f in fields if f.in_table]
    table = listing_table(title, shown)
    if cells is None:
        cells = [[_text(row.get(f.key)) for f in shown] for row in rows]
    for line in cells:
        table.add_row(*line)
    console.print(table)


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def _text(value: Any) -> str:
    return str(_plain(value))
