"""``planner demo``: build the demo council and show it beside the report, or remove it.

The demo is for trying the planner and for training; it is refused in production.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from planner.core.cli_support import console, fail, migrated_engine, parse_day, progress_bar

app = typer.Typer()


def _has_data(engine) -> bool:  # type: ignore[no-untyped-def]
    from planner.core.db import unit_of_work
    from planner.demo.council import holds_any_records

    with unit_of_work(engine) as session:
        return holds_any_records(session)


def _in_production() -> bool:
    from planner.core.settings import Settings

    try:
        return Settings().environment == "production"
    except ValueError as exc:  # production without its secret key is still production
        if "production" in str(exc):
            return True
        fail(str(exc))


@app.command("demo")
def demo_command(
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same council")
    ] = 2024,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Snapshot date YYYY-MM-DD (default today)")
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete the records already in the database first")
    ] = False,
    remove: Annotated[
        bool,
        typer.Option(
            "--remove",
            help="Remove the demo's records and accounts (refused if anything else was "
            "imported or changed since it was built)",
        ),
    ] = False,
) -> None:
    """Build the synthetic demo council and print it beside the report's figures.

    Never in production (PLANNER_ENVIRONMENT=production): the demo's accounts and records
    are for trying the planner out. `planner demo --remove` takes it away again.
    """
    from planner.accounts.service import create_demo_users
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.demo import council as demo
    from planner.inventory.cli import report_table
    from planner.inventory.status import summarise

    if _in_production():
        fail(
            "the demo council is not available in production (PLANNER_ENVIRONMENT="
            "production): it would mix made-up young people and demo accounts with the "
            "council's own. Try it on another machine or database."
        )
    if remove and reset:
        fail("use either --remove or --reset, not both")
    if remove:
        _remove_demo()
        return
    day = parse_day(as_of)
    engine = migrated_engine(create=True)
    with progress_bar() as progress:
        task = progress.add_task("Checking the database", total=None)
        if _has_data(engine):
            with unit_of_work(engine) as session:
                only_demo = demo.holds_only_demo_records(session)
            if not (reset or only_demo):
                fail(
                    "the database holds records imported by someone other than the demo; "
                    "use --reset to replace them"
                )
            progress.update(task, description="Removing the records already there")
            with unit_of_work(engine) as session:
                demo.clear_records(session)
        progress.update(task, description=f"Generating the demo council (seed {seed})")
        council = demo.generate_council(seed, day)
        progress.update(task, description="Loading it through the importer")
        with unit_of_work(engine) as session:
            counts = demo.load_council(session, council, actor=demo.DEMO_ACTOR)
            counts["escalations"] = demo.seed_escalation_trail(session, council)
            audit.record(session, actor=audit.cli_actor(), action="demo", entity="all")
        progress.update(task, description="Demo council loaded", completed=1, total=1)
    console.print(
        f"Loaded {counts['young_people']} young people (incl. those who left in the last "
        f"5 years), {counts['provisions']} provisions, {counts['places']} places, "
        f"{counts['stays']} stays, {counts['vacancies']} vacancies and "
        f"{counts['escalations']} open escalations."
    )
    with unit_of_work(engine) as session:
        summary = summarise(session, day)
        accounts = create_demo_users(session)
    console.print(report_table(summary))
    console.print("`planner demo --remove` removes the demo again, its accounts included.")
    sign_in = Table(title="Demo accounts (passwords are new each time the demo is built)")
    for col in ("Username", "Role", "Password"):
        sign_in.add_column(col)
    for username, role, password in accounts:
        sign_in.add_row(username, role.replace("_", " "), password)
    console.print(sign_in)
    from planner.core.settings import Settings

    console.print(f"The demo council is in {Settings().database_label}", soft_wrap=True)
    console.print("Run `planner serve`, then sign in at http://127.0.0.1:8000/sign-in")


def _remove_demo() -> None:
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.core.errors import PlannerError
    from planner.demo import council as demo

    try:
        with unit_of_work(migrated_engine()) as session:
            counts = demo.remove_demo(session, actor=audit.cli_actor())
    except PlannerError as exc:
        fail(exc.message)
    console.print(
        f"Removed the demo council: the records of {counts['young_people']} young people, "
        f"the provisions, places and vacancies, and {counts['accounts']} demo accounts. "
        "The database is ready for your own files (see the README)."
    )
