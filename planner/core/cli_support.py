"""What every feature's commands share: the consoles, the migrated engine, the error exit.

Only typer, rich and the standard library at module level: every command module imports
this one, so whatever it imports is paid by ``planner --help`` too. The database (SQLAlchemy,
Alembic, pydantic settings) is imported by :func:`migrated_engine`, when a command needs it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy.engine import Engine

console = Console()
err = Console(stderr=True)


def migrated_engine() -> Engine:
    """The configured database, its schema brought to the latest migration (a no-op when
    it is there already), so no command ever meets an older schema."""
    from planner.core import migrate
    from planner.core.db import get_engine
    from planner.core.settings import Settings

    engine = get_engine(Settings().database_url)
    migrate.upgrade(engine)
    return engine


def fail(message: str) -> NoReturn:
    err.print(f"[red]Error:[/red] {message}", highlight=False, markup=True)
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


def parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of {text!r} is not a date; expected YYYY-MM-DD")
    return None
