"""Matching commands: ``planner propose|proposals|decide`` on the planner's records, and
``planner match`` on two spreadsheets (for analysts and for testing).

On bad input ``planner match`` prints every bad cell (file, line, column, value, what was
expected), exits with code 2 and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
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
    table = Table(title=f"Match run {run.id}: {run.status} ({run.solver})")
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
    if run is None:
        fail("no match run yet; run `planner propose` first")
    if unmatched:
        rows = [
            {"match_run": run.id, "young_person": r["person_id"], "need": r["need"],
             "why": r["reasons"]}
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
            "urgency": words.group_words(p.stage),
            "stage": p.stage,
            "status": p.status,
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
    Field("urgency", "Urgency"),
    Field("stage", "Stage", in_table=False),  # the model's letter, for files only
    Field("status", "Status"),
    Field("version", "Version", justify="right"),
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
    """Record a decision on a proposal: accept (moves the young person) or decline.

    Run as one transaction that is done again (reading the proposal afresh) if the database
    refused it because another decision was being made at the same moment; a refusal that
    remains is printed as the pages word it, never as a traceback."""
    from planner.core import audit
    from planner.core.db import run_in_transaction
    from planner.domain.text import day_words
    from planner.matching import queries as matching_queries
    from planner.matching import service as matching

    if decision not in ("accept", "decline"):
        fail(f"decision {decision!r} is not valid; expected accept or decline")
    if decision == "decline" and not reason:
        fail("a decline needs --reason")
    move_in = parse_day(start) or clock.today()

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
        return f"Proposal {proposal_id} declined ({reason})."

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
        table.add_row(str(e.proposal_id), e.young_person, vacancy, e.words, e.decided_by)
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


BAD_INPUT = 2


class Solver(StrEnum):
    cbc = "cbc"
    highs = "highs"


class Backend(StrEnum):
    """How stages reach the solver: see docs/optimiser.md ("Paths")."""

    auto = "auto"
    pulp = "pulp"
    arrays = "arrays"
    flow = "flow"


def match_command(
    people: Path = typer.Option(..., "--people", help="People template (.csv or .xlsx)."),
    vacancies: Path = typer.Option(..., "--vacancies", help="Vacancies template (.csv or .xlsx)."),
    out: Path = typer.Option(..., "--out", help="Directory for the results."),
    as_of: str = typer.Option(None, "--as-of", help="Run date, YYYY-MM-DD (default today)."),
    solver: Solver = typer.Option(Solver.cbc, "--solver", help="cbc (default) or highs."),
    time_limit: float = typer.Option(60.0, "--time-limit", min=1, help="Seconds for the solve."),
    travel_times: Path = typer.Option(
        None, "--travel-times", help="Optional area-to-area minutes (.csv or .xlsx)."
    ),
    backend: Backend = typer.Option(
        Backend.auto,
        "--backend",
        help="auto (the flow path without side constraints, HiGHS on arrays with them), "
        "pulp (the reference model, the chosen solver through PuLP), arrays or flow.",
    ),
    mix_limits: Path = typer.Option(
        None,
        "--mix-limits",
        help="Optional side constraints: at most N young people with a risk flag per provision "
        "(.csv or .xlsx: provision_id, risk_flag, max_young_people).",
    ),
    lot_limits: Path = typer.Option(
        None,
        "--lot-limits",
        help="Optional side constraints: proposals per lot (.csv or .xlsx: lot, "
        "min_young_people, max_young_people).",
    ),
    max_travel: float = typer.Option(
        None,
        "--max-travel-minutes",
        min=1,
        help="Optional hard limit on the travel time to education, work and network areas.",
    ),
    place_values: bool = typer.Option(
        True,
        "--place-values/--no-place-values",
        help="Work out what one more place of each kind would change (place_values.csv).",
    ),
    alternatives: bool = typer.Option(
        True,
        "--alternatives/--no-alternatives",
        help="Work out the alternatives for each vacancy and young person (alternatives.csv),"
        " the slowest explanation.",
    ),
) -> None:
    """Propose vacancies to young people: out of unsuitable accommodation first, then deadlines,
    then best fit. Writes proposals.csv, unmatched.csv, alternatives.csv, unmet_need.csv,
    exclusions.csv, place_values.csv (what one more place of each kind would change) and
    summary.json."""
    from optimiser import MatchSettings, match_inputs
    from optimiser.place_values import PlaceValueError, place_values_inputs
    from planner.matching.files import MatchFileError, read_match_inputs, write_match_outputs

    settings = MatchSettings(
        as_of=parse_day(as_of) or clock.today(),
        solver=solver.value,
        time_limit_seconds=time_limit,
        backend=backend.value,
        alternatives=alternatives,
        max_travel_minutes=max_travel,
    )
    try:
        inputs = read_match_inputs(
            people,
            vacancies,
            settings,
            travel_times_path=travel_times,
            mix_limits_path=mix_limits,
            lot_limits_path=lot_limits,
        )
    except MatchFileError as error:
        typer.echo(f"Nothing written: {len(error.problems)} problem(s) in the input.", err=True)
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    result = match_inputs(inputs)
    values, values_note = None, None
    if place_values:
        try:
            optimal = result.status == "optimal"
            values = place_values_inputs(
                inputs, proposals=result.proposals if optimal else None, needs=result.needs
            )
        except PlaceValueError as error:
            values_note = f"place_values.csv not written: {error}"
    else:
        values_note = "place_values.csv not written (--no-place-values)"
    written = write_match_outputs(
        result,
        out,
        place_values=values,
        alternatives=alternatives,
        extra={
            "place_values": values_note or "place_values.csv",
            "alternatives": "alternatives.csv"
            if alternatives
            else "alternatives.csv not written (--no-alternatives)",
            "as_of": settings.as_of.isoformat(),
            "inputs": {
                "people": str(people),
                "vacancies": str(vacancies),
                "travel_times": None if travel_times is None else str(travel_times),
                "mix_limits": None if mix_limits is None else str(mix_limits),
                "lot_limits": None if lot_limits is None else str(lot_limits),
            },
            "max_travel_minutes": max_travel,
        },
    )
    counts = result.counts
    typer.echo(
        f"Match run {result.status} ({result.solver}): {counts['proposals']} proposals; "
        f"{counts['moved_out_of_unsuitable']} of {counts['in_unsuitable_accommodation']} moved "
        f"out of unsuitable accommodation; {counts['imminent_needs_met_on_time']} of "
        f"{counts['with_imminent_need']} imminent needs met on time; "
        f"{counts['unmatched_needing_a_move']} needing a move left unmatched."
    )
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if values_note and place_values:
        typer.echo(f"Warning: {values_note}", err=True)
    typer.echo(f"Wrote {', '.join(p.name for p in written)} to {out}")
    solved = any(status in ("optimal", "time_limit") for status in result.stages.get("status", []))
    if len(result.stages) and not solved:
        raise typer.Exit(1)  # infeasible side constraints or no solution in time: say so


app.command("match")(match_command)


def quick_match_arguments(args: Sequence[str]) -> dict[str, object] | None:
    """The arguments of ``planner match ARGS`` as typer would hand them to `match_command`,
    read straight from its signature, or None for anything this reader does not settle.

    Building every command's parameters (typer imports pydantic to coerce them) costs about
    0.2-0.3 s of CPU per run, a fifth of a council-size match (docs/performance.md,
    "`planner match` at council size"). This reader takes only the plain forms: each
    option once, as ``--name VALUE`` or a ``--flag/--no-flag``, dates and paths as typed,
    numbers as digits with an optional decimal part, within the option's limits, choices
    spelt as their values. Anything else (``--help``, ``--name=VALUE``, an unknown or
    repeated option, a missing required one, a value out of range) returns None and typer
    reads the arguments itself, with its own messages. `tests/matching/test_match_command.py`
    checks that whatever this returns equals what typer makes of the same arguments."""
    import inspect
    import re
    import typing

    hints = typing.get_type_hints(match_command)
    values: dict[str, object] = {}
    flags: dict[str, tuple[str, bool]] = {}
    takes_value: dict[str, str] = {}
    infos = {}
    for name, parameter in inspect.signature(match_command).parameters.items():
        info = parameter.default
        infos[name] = info
        values[name] = info.default
        for declaration in info.param_decls:
            on, _, off = declaration.partition("/")
            if off:
                flags[on], flags[off] = (name, True), (name, False)
            else:
                takes_value[on] = name
    seen: set[str] = set()
    position = 0
    while position < len(args):
        token = args[position]
        if token in flags and flags[token][0] not in seen:
            name, values[name] = flags[token]
            seen.add(name)
            position += 1
            continue
        name = takes_value.get(token, "")
        if not name or name in seen or position + 1 >= len(args):
            return None
        raw = args[position + 1]
        if not raw or raw.startswith("-"):
            return None
        kind, info = hints[name], infos[name]
        kind = next((k for k in typing.get_args(kind) if k is not type(None)), kind)
        value: object
        if kind is float:
            if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw):
                return None
            value = float(raw)
            if (info.min is not None and value < info.min) or (
                info.max is not None and value > info.max
            ):
                return None
        elif isinstance(kind, type) and issubclass(kind, StrEnum):
            if raw not in {member.value for member in kind}:
                return None
            value = kind(raw)
        elif kind is Path:
            value = Path(raw)
        elif kind is str:
            value = raw
        else:
            return None
        values[name] = value
        seen.add(name)
        position += 2
    if any(value is ... for value in values.values()):
        return None
    return values


def run_quick_match(args: Sequence[str]) -> bool:
    """Run ``planner match ARGS`` without building the command line if
    `quick_match_arguments` settles ARGS; False if it does not (typer runs it then).
    Ends like typer does: SystemExit with the command's exit code (0 when it returns)."""
    arguments = quick_match_arguments(args)
    if arguments is None:
        return False
    try:
        match_command(**arguments)  # type: ignore[arg-type]
    except typer.Exit as exit_:
        raise SystemExit(exit_.exit_code) from None
    except (KeyboardInterrupt, EOFError):
        typer.echo("\nAborted!", err=True)  # as typer (click) ends an interrupted command
        raise SystemExit(1) from None
    raise SystemExit(0)
