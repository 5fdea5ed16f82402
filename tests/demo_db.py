"""The demo council as a SQLite file, built once per test run and copied by each test module
that needs it (a file copy takes milliseconds; building the demo takes seconds).

Built as ``planner demo --as-of 2024-03-31`` builds it, through the command itself, so the
reports' and notices' tests run on the very data a user tries the planner with: 654 young
people, five years of stays and the escalation trail of a well-run service. 31 March 2024 is
a Sunday, so the fortnight after it holds two Mondays, the first of them 1 April (the first
of a month: the board's report too).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

DEMO_AS_OF = date(2024, 3, 31)


def build_demo(folder: Path) -> Path:
    """Build the demo in ``folder``; the SQLite file's path."""
    from planner.cli import app
    from planner.core.db import get_engine

    path = folder / "demo.sqlite3"
    url = f"sqlite:///{path}"
    built = CliRunner().invoke(
        app,
        ["demo", "--as-of", DEMO_AS_OF.isoformat()],
        env={"PLANNER_DATABASE_URL": url, "COLUMNS": "200"},
    )
    assert built.exit_code == 0, built.output
    get_engine(url).dispose()
    return path


def copy_demo(template: Path, folder: Path) -> str:
    """A private copy of the demo for one module or test; its database URL."""
    path = folder / "planner.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
