"""``planner escalations|escalation``: the escalation review (``planner report``, the
exception reports and their papers, is in :mod:`planner.reports.cli`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from planner.core import clock
from planner.core.cli_support import console, fail, migrated_engine, parse_day
from planner.core.errors import PlannerError
from planner.domain import PlacementType

app = typer.Typer()


@app.command("escalations")
def escalations_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """The escalation queue: everyone in unsuitable accommodation, most urgent first."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.escalations import service as escalations

    day = parse_day(as_of) or clock.today()
    with unit_of_work(migrated_engine()) as session:
        escalations.sweep(session, today=day, actor=audit.cli_actor())
        items = escalations.queue(session, today=day)
    table = Table(title=f"Escalations open on {day:%d %B %Y}")
    for col in (
        "Id",
        "Young person",
        "Age",
        "Where",
        "Days",
        "Level",
        "Why",
        "Exit plan",
        "Supervision due",
        "PA",
    ):
        table.add_column(col)
    for i in items:
        due = (
            f"[red]{i.supervision_due} overdue[/red]"
            if i.supervision_overdue
            else str(i.supervision_due)
        )
        plan = f"by {i.exit_plan_target}" if i.exit_plan_target else "[red]none[/red]"
        table.add_row(
            str(i.escalation_id),
            i.reference,
            str(i.age),
            PlacementType(i.placement_type).label,
            str(i.days),
            f"{i.level} {i.level_label}",
            i.reason,
            plan,
            due,
            i.personal_adviser,
        )
    console.print(table)


@app.command("escalation")
def escalation_command(
    escalation_id: Annotated[int, typer.Argument(help="The escalation's number")],
    action: Annotated[str, typer.Argument(help="supervision, exit_plan, pathway_plan or note")],
    on: Annotated[
        str | None, typer.Option(help="Date it happened YYYY-MM-DD (default today)")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Exit plan: date to have moved by")] = None,
    note: Annotated[str, typer.Option(help="A note kept with the case")] = "",
) -> None:
    """Record management supervision, an agreed exit plan, an updated pathway plan or a note."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.escalations import service as escalations

    try:
        with unit_of_work(migrated_engine()) as session:
            escalations.record_action(
                session,
                escalation_id=escalation_id,
                expected_version=escalations.current_version(session, escalation_id),
                kind=action.replace("-", "_"),
                on=parse_day(on) or clock.today(),
                target=parse_day(target),
                actor=audit.cli_actor(),
                note=note,
            )
    except PlannerError as exc:
        fail(exc.message)
    console.print(f"Escalation {escalation_id}: {action} recorded.")
