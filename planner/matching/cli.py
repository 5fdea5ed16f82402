"""Matching commands: ``planner propose|proposals|decide`` on the planner's records, and
``planner match`` on two spreadsheets (for analysts and for testing), which lives in
`planner.matching.match_cli` so that it can run without the command-line library; its typer
command is built here from the same options.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table

from planner.core import clock
from planner.core.cli_support import (
    Field,
    FormatOption,
    OutputFormat,
    console,
    fail,
    migrated_engine,
    parse_day,
    print_csv,
    print_json,
    print_listing,
)
from planner.core.errors import PlannerError
from planner.domain.text import code_words
from planner.matching.match_cli import OPTIONS, run_match

app = typer.Typer()


@app.command("propose")
def propose_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Run date YYYY-MM-DD")] = None,
    solver: Annotated[str, typer.Option(help="cbc (default) or highs")] = "cbc",
    time_limit: Annotated[float, typer.Option(min=1, help="Seconds for the solve")] = 60,
) -> None:
    """Run the matching model on the records and save its proposals for people to decide."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.matching import queries as matching_queries
    from planner.matching import service as matching
    from planner.matching import words

    engine = migrated_engine()
    try:
        with unit_of_work(engine) as session:
            run = matching.run_matching(
                session,
                actor=audit.cli_actor(),
                as_of=parse_day(as_of),
                solver=solver,
                time_limit_seconds=time_limit,
            )
            proposals = matching.list_proposals(session, match_run_id=run.id)
            refs = matching_queries.young_person_references(session)
            details = matching.run_details(run)
    except PlannerError as exc:
        fail(exc.message)
    table = Table(title=f"Match run {run.id}: {words.run_status_words(run.status)}")
    for col in ("Proposal", "Young person", "Urgency", "Fit (of 100)", "Why"):
        table.add_column(col)
    for p in proposals:
        table.add_row(
            str(p.id),
            refs[p.young_person_id],
            words.group_words(p.stage),
            str(words.points(p.score)),
            p.reasons,
        )
    console.print(table)
    counts = details["summary"]["counts"]
    moved, stuck = (
        counts.get("moved_out_of_unsuitable", 0),
        counts.get("in_unsuitable_accommodation", 0),
    )
    left = counts.get("unmatched_needing_a_move", 0)
    console.print(
        f"{moved} of {stuck} moved out of unsuitable accommodation; {left} needing a move "
        "left unmatched (reasons: `planner proposals --unmatched`)."
    )


@app.command("proposals")
def proposals_command(
    run_id: Annotated[int | None, typer.Option("--run", help="Match run (default latest)")] = None,
    unmatched: Annotated[
        bool, typer.Option("--unmatched", help="Show who was left unmatched and why")
    ] = False,
    output: Annotated[OutputFormat, FormatOption] = OutputFormat.table,
) -> None:
    """List a match run's proposals and their decisions, or who it left unmatched."""
    from planner.core.db import unit_of_work
    from planner.matching import queries as matching_queries
    from planner.matching import service as matching
    from planner.matching import words

    with unit_of_work(migrated_engine()) as session:
        run = matching_queries.get_match_run_or_raise(session, run_id) if run_id else None
        proposals = matching.list_proposals(session, match_run_id=run_id)
        if run is None and proposals:
            run = matching_queries.get_match_run_or_raise(session, proposals[0].match_run_id)
        refs = matching_queries.young_person_references(session)
        labels = matching_queries.vacancy_labels(session, {p.vacancy_id for p in proposals})
    if run is None:
        fail("no match run yet; run `planner propose` first")
    if unmatched:
        rows = [
            {"match_run": run.id, "young_person": r["person_id"],
             "need": code_words(r["need"]), "why": r["reasons"]}
            for r in matching.run_details(run)["unmatched"]
            if r["need"] != "no_move_needed"
        ]  # fmt: skip
        print_listing(
            output,
            UNMATCHED_FIELDS,
            rows,
            title=f"Match run {run.id}: young people left unmatched",
        )
        return
    rows = [
        {
            "proposal": p.id,
            "match_run": p.match_run_id,
            "young_person": refs[p.young_person_id],
            "vacancy": f"V{p.vacancy_id}",
            "place": f"{labels[p.vacancy_id].provision}, {labels[p.vacancy_id].place}"
            if p.vacancy_id in labels
            else "",
            "urgency": words.group_words(p.stage),
            "stage": p.stage,
            "status": code_words(p.status),
            "version": p.version,
        }
        for p in proposals
    ]
    print_listing(
        output, PROPOSAL_FIELDS, rows, title=f"Match run {run.id} of {run.as_of:%d %B %Y}"
    )


PROPOSAL_FIELDS = (
    Field("proposal", "Proposal", ref=True, justify="right"),
    Field("match_run", "Run", in_table=False),
    Field("young_person", "Young person", ref=True),
    Field("vacancy", "Vacancy", ref=True),
    Field("place", "Place"),
    Field("urgency", "Urgency"),
    Field("stage", "Stage", in_table=False),  # the model's letter, for files only
    Field("status", "Status"),
    # the record's version, for a script that decides through the API (its stale check)
    Field("version", "Version", justify="right", in_table=False),
)
UNMATCHED_FIELDS = (
    Field("match_run", "Run", in_table=False),
    Field("young_person", "Young person", ref=True),
    Field("need", "Need"),
    Field("why", "Why"),
)


@app.command("decide")
def decide_command(
    proposal_id: Annotated[int, typer.Argument(help="The proposal's number")],
    decision: Annotated[str, typer.Argument(help="accept or decline")],
    start: Annotated[str | None, typer.Option(help="Move-in date YYYY-MM-DD (accept)")] = None,
    reason: Annotated[str | None, typer.Option(help="Why it was declined (decline)")] = None,
    note: Annotated[str, typer.Option(help="A note kept on the proposal")] = "",
) -> None:
    """Record a decision on a proposal: accept (moves the young person) or decline (with
    --reason: why, e.g. provider_declined; a reason it does not know lists them all)."""
    # One transaction, done again (reading the proposal afresh) if the database refused it
    # because another decision was being made at the same moment; a refusal that remains is
    # printed as the pages word it, never as a traceback.
    from planner.core import audit
    from planner.core.db import run_in_transaction
    from planner.domain import DeclineReason
    from planner.domain.text import day_words
    from planner.matching import queries as matching_queries
    from planner.matching import service as matching
    from planner.matching.rules import decision_words

    if decision not in ("accept", "decline"):
        fail(f"decision {decision!r} is not valid; expected accept or decline")
    if decision == "decline" and reason not in {r.value for r in DeclineReason}:
        choices = ", ".join(r.value for r in DeclineReason)
        fail(f"a decline needs --reason, one of: {choices}")
    move_in = parse_day(start, "--start") or clock.today()

    def decide(session) -> str:  # type: ignore[no-untyped-def]
        proposal = matching.get_proposal_or_raise(session, proposal_id)
        if decision == "accept":
            matching.accept_proposal(
                session,
                proposal_id=proposal_id,
                expected_version=proposal.version,
                actor=audit.cli_actor(),
                start=move_in,
            )
            if move_in > clock.today():
                who = matching_queries.young_person_references(session)[proposal.young_person_id]
                return (
                    f"Proposal {proposal_id} accepted. Move planned for {day_words(move_in)};"
                    f" {who} stays where they are until then."
                )
            return f"Proposal {proposal_id} accepted: the move begins {day_words(move_in)}."
        matching.decline_proposal(
            session,
            proposal_id=proposal_id,
            expected_version=proposal.version,
            actor=audit.cli_actor(),
            reason=reason or "",
            note=note,
        )
        return f"Proposal {proposal_id} declined: {decision_words(reason or '', clock.today())}."

    try:
        message = run_in_transaction(decide, migrated_engine())
    except PlannerError as exc:
        fail(exc.message)
    console.print(message)


@app.command("fairness")
def fairness_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
    min_count: Annotated[
        int | None,
        typer.Option(
            "--min-count",
            min=1,
            help="Show counts below this as 'fewer than N' (default PLANNER_SMALL_NUMBER)",
        ),
    ] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only the flagged groups")] = False,
    output: Annotated[OutputFormat, FormatOption] = OutputFormat.table,
) -> None:
    """Fairness audit: who is proposed, who is moved and who waits in unsuitable accommodation,
    by gender, ethnicity, UASC status, age group and area, with small counts suppressed and
    the groups that differ from everyone else flagged (docs/matching-workflow.md)."""
    from planner.core.db import unit_of_work
    from planner.matching import fairness

    with unit_of_work(migrated_engine()) as session:
        result = fairness.fairness_audit(session, as_of=parse_day(as_of), min_count=min_count)
    rows = [r for r in result.records() if r["flags"] or not flagged]
    print_listing(
        output,
        FAIRNESS_FIELDS,
        rows,
        title=f"Fairness audit across {result.match_runs} match run(s); counts under"
        f" {result.min_count} suppressed",
    )


FAIRNESS_FIELDS = (
    Field("dimension", "By"),
    Field("group", "Group"),
    Field("needing_a_move", "Needing a move", in_table=False),
    Field("proposed", "Proposed", in_table=False),
    Field("proposed_rate", "Proposed", justify="right"),
    Field("others_proposed_rate", "Others", justify="right"),
    Field("people_needing_a_move", "People needing a move", in_table=False),
    Field("moved", "Moved", in_table=False),
    Field("moved_rate", "Moved", justify="right"),
    Field("others_moved_rate", "Others moved", in_table=False),
    Field("unsuitable_stays", "Unsuitable stays", in_table=False),
    Field("average_days_waiting", "Days waiting", justify="right"),
    Field("others_average_days_waiting", "Others", in_table=False),
    Field("flags", "Differs from everyone else"),
)


exclusions_app = typer.Typer(
    help="Declines remembered: pairs kept out of matching, young people withdrawn from it.",
    invoke_without_command=True,
)
app.add_typer(exclusions_app, name="exclusions")

EXCLUSION_HEADER = (
    "proposal",
    "young_person",
    "vacancy",
    "decision",
    "reason",
    "decided_by",
    "decided_on",
)


@exclusions_app.callback()
def exclusions_command(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, csv or json for scripts")
    ] = OutputFormat.table,
) -> None:
    """List the declines that still keep a pair (or a young person) out of matching.

    A decline holds until someone lifts it (`planner exclusions lift PROPOSAL --reason ...`)
    or the records of either side change in a way that matters (docs/matching-workflow.md)."""
    if ctx.invoked_subcommand is not None:
        return
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.matching import service as matching

    with unit_of_work(migrated_engine()) as session:
        exclusions = matching.current_exclusions(session, parse_day(as_of))
    rows = [
        (
            e.proposal_id,
            e.young_person,
            f"V{e.vacancy_id}" if e.vacancy_id else "",
            e.words,
            e.reason,
            e.decided_by,
            e.decided_on.isoformat(),
        )
        for e in exclusions
    ]
    if output == OutputFormat.json:
        print_json([dict(zip(EXCLUSION_HEADER, row, strict=True)) for row in rows])
        return
    if output == OutputFormat.csv:
        print_csv(EXCLUSION_HEADER, rows)
        return
    if not rows:
        console.print("No declines keep anyone out of matching.")
        return
    table = Table(title="Declines that keep a pair or a young person out of matching")
    for col in ("Proposal", "Young person", "Vacancy", "Decision", "By"):
        table.add_column(col)
    for e in exclusions:
        vacancy = f"V{e.vacancy_id}" if e.vacancy_id else "every vacancy (withdrawn)"
        by = audit.actor_words(e.decided_by)
        table.add_row(str(e.proposal_id), e.young_person, vacancy, e.words, by)
    console.print(table)


@exclusions_app.command("lift")
def lift_command(
    proposal_id: Annotated[int, typer.Argument(help="The declined proposal's number")],
    reason: Annotated[str, typer.Option("--reason", help="Why the exclusion is lifted")],
) -> None:
    """Lift a remembered decline: the pair (or the young person) comes back in the next run."""
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.matching import service as matching

    try:
        with unit_of_work(migrated_engine()) as session:
            matching.lift_exclusion(session, proposal_id, audit.cli_actor(), reason)
    except PlannerError as exc:
        fail(exc.message)
    console.print(
        f"Exclusion of proposal {proposal_id} lifted: the next match run may propose it again."
    )


def _match_command() -> Callable[..., None]:
    """`planner match` as typer reads it: the parameters of `run_match` declared from
    `planner.matching.match_cli.OPTIONS`, the one home of the options' names, kinds,
    defaults, limits and help (its quick reader reads the same table)."""
    parameters = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(option.default, option.flag, help=option.help, min=option.min),
            annotation=option.kind,
        )
        for name, option in OPTIONS.items()
    ]

    def match(**values: object) -> None:
        code = run_match(**values)  # type: ignore[arg-type]
        if code:
            raise typer.Exit(code)

    match.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    match.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    match.__doc__ = run_match.__doc__
    return match


app.command("match")(_match_command())
