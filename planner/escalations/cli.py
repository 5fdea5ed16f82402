"""``planner escalations|escalation``: the escalation review (``planner report``, the
exception reports and their papers, is in :mod:`planner.reports.cli`)."""

from __future__ import annotations

from typing import Annotated

import typer

from planner.core import clock
from planner.core.cli_support import (
    Field,
    FormatOption,
    OutputFormat,
    console,
    fail,
    migrated_engine,
    parse_day,
    print_listing,
)
from planner.core.errors import PlannerError
from planner.domain import PlacementType

app = typer.Typer()


ESCALATION_FIELDS = (
    Field("escalation", "Id", ref=True, justify="right"),
    Field("young_person", "Young person", ref=True),
    Field("age", "Age", in_table=False),
    Field("where", "Where"),
    Field("days", "Days", justify="right"),
    Field("level", "Level"),
    Field("why", "Why", in_table=False),  # the days there, said in words
    Field("exit_plan_target", "Exit plan"),  # the planned move or the target, in words
    Field("supervision_due", "Supervise by"),
    Field("personal_adviser", "PA", ref=True),
)


@app.command("escalations")
def escalations_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
    output: Annotated[OutputFormat, FormatOption] = OutputFormat.table,
) -> None:
    """The escalation queue: everyone in unsuitable accommodation, most urgent first."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.domain.text import day_words
    from planner.escalations import service as escalations

    day = parse_day(as_of) or clock.today()
    with unit_of_work(migrated_engine()) as session:
        escalations.sweep(session, today=day, actor=audit.cli_actor())
        items = escalations.queue(session, today=day)
    rows = [
        {
            "escalation": i.escalation_id,
            "young_person": i.reference,
            "age": i.age,
            "where": PlacementType(i.placement_type).label,
            "placement_type": i.placement_type,
            "days": i.days,
            "level": i.level,
            "level_label": i.level_label,
            "why": i.reason,
            "exit_plan_target": i.exit_plan_target,  # the agreed plan's
            "exit_plan": i.exit_plan_words,  # agreed, or a move planned (rules.has_exit_plan)
            "has_exit_plan": i.has_exit_plan,
            "planned_move_on": i.planned_move.on if i.planned_move else None,
            "supervision_due": i.supervision_due,
            "supervision_overdue": i.supervision_overdue,
            "personal_adviser": i.personal_adviser,
        }
        for i in items
    ]
    if output != OutputFormat.table:  # every field, plain, for scripts
        keys = (
            "placement_type",
            "level_label",
            "supervision_overdue",
            "exit_plan",
            "has_exit_plan",
            "planned_move_on",
        )
        fields = (*ESCALATION_FIELDS, *(Field(k, k) for k in keys))
        print_listing(output, fields, rows)
        return
    cells = [
        [
            str(i.escalation_id),
            i.reference,
            PlacementType(i.placement_type).label,
            str(i.days),
            f"{i.level} {i.level_label}",
            i.exit_plan_brief if i.has_exit_plan else "[red]none[/red]",
            f"[red]{day_words(i.supervision_due)} overdue[/red]"
            if i.supervision_overdue
            else day_words(i.supervision_due),
            i.personal_adviser,
        ]
        for i in items
    ]
    print_listing(
        output, ESCALATION_FIELDS, rows, title=f"Escalations open on {day_words(day)}", cells=cells
    )


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
    from planner.domain.text import code_words
    from planner.escalations import service as escalations

    kind = action.replace("-", "_")
    try:
        with unit_of_work(migrated_engine()) as session:
            escalations.record_action(
                session,
                escalation_id=escalation_id,
                expected_version=escalations.current_version(session, escalation_id),
                kind=kind,
                on=parse_day(on) or clock.today(),
                target=parse_day(target),
                actor=audit.cli_actor(),
                note=note,
            )
    except PlannerError as exc:
        fail(exc.message)
    # in words ("exit plan recorded"), not the code typed
    console.print(f"Escalation {escalation_id}: {code_words(kind).lower()} recorded.")
