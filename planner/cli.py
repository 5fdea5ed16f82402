"""The ``planner`` command line: set-up, the demo council, imports, exports, status, serve.

Commands call services inside one unit of work each and render with rich; they never run
SQL themselves. Errors a user can fix (a bad file, an unknown kind) print a precise message
and exit with code 2, having changed nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import select

from planner import audit, demo, exporting, importing, migrate
from planner.accounts import create_demo_users
from planner.db import get_engine, unit_of_work
from planner.domain import PlacementType
from planner.models import YoungPerson
from planner.settings import Settings
from planner.spreadsheets import FileRefused
from planner.status import REPORT_FIGURES, Summary, summarise
from planner.templates import KIND_ALIASES

app = typer.Typer(
    help="Accommodation placement and capacity planner for care leavers.",
    no_args_is_help=True,
    add_completion=False,
    # an unexpected error must never print local variables: they may hold case data
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)

KindArg = Annotated[str, typer.Argument(help=f"One of: {', '.join(KIND_ALIASES)}")]


def _engine():  # type: ignore[no-untyped-def]
    """The configured database, its schema brought to the latest migration (a no-op when
    it is there already), so no command ever meets an older schema."""
    engine = get_engine(Settings().database_url)
    migrate.upgrade(engine)
    return engine


def _fail(message: str) -> None:
    err.print(f"[red]Error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code=2)


def _kind(kind: str) -> str:
    name = KIND_ALIASES.get(kind, kind)
    if name not in KIND_ALIASES.values():
        _fail(f"unknown kind {kind!r}; expected one of {', '.join(KIND_ALIASES)}")
    return name


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@app.command()
def init() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    engine = _engine()
    console.print(f"Database ready: {engine.url.render_as_string(hide_password=True)}")


def _has_data(engine) -> bool:  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        return session.exec(select(YoungPerson.id).limit(1)).first() is not None


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
) -> None:
    """Build the synthetic demo council and print it beside the report's figures."""
    day = _parse_day(as_of)
    engine = _engine()
    with _progress() as progress:
        task = progress.add_task("Checking the database", total=None)
        if _has_data(engine):
            with unit_of_work(engine) as session:
                only_demo = demo.holds_only_demo_records(session)
            if not (reset or only_demo):
                _fail(
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
    console.print(_report_table(summary))
    sign_in = Table(title="Demo accounts (passwords are new each time the demo is built)")
    for col in ("Username", "Role", "Password"):
        sign_in.add_column(col)
    for username, role, password in accounts:
        sign_in.add_row(username, role.replace("_", " "), password)
    console.print(sign_in)
    console.print("Run `planner serve`, then sign in at http://127.0.0.1:8000/sign-in")


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--as-of {text!r} is not a date; expected YYYY-MM-DD")
    return None


def _report_table(summary: Summary) -> Table:
    table = Table(title=f"Demo council on {summary.as_of:%d %B %Y} beside the 2023-24 report")
    table.add_column("Measure")
    table.add_column("Report (31 Mar 2024)", justify="right")
    table.add_column("Planner", justify="right")
    table.add_column("Note")
    for fig in REPORT_FIGURES:
        ours = summary.figures.get(fig.key, 0)
        mark = "" if fig.figure is None or ours == fig.figure else "[yellow]differs[/yellow] "
        table.add_row(fig.label, str(fig.figure), str(ours), mark + fig.note)
    return table


@app.command()
def status(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """Young people by placement type and suitability; vacancies, lots and flats."""
    engine = _engine()
    with unit_of_work(engine) as session:
        summary = summarise(session, _parse_day(as_of))
    people = Table(title=f"Young people by where they live on {summary.as_of:%d %B %Y}")
    people.add_column("Placement type")
    people.add_column("SSDA903", justify="center")
    people.add_column("Suitable", justify="right")
    people.add_column("Unsuitable", justify="right")
    for ptype, ok, bad in summary.by_type:
        if ok or bad:
            people.add_row(ptype.label, ptype.accom_letter, str(ok), str(bad) if bad else "")
    total_ok = sum(r[1] for r in summary.by_type)
    total_bad = sum(r[2] for r in summary.by_type)
    people.add_row("[b]All[/b]", "", f"[b]{total_ok}[/b]", f"[b]{total_bad}[/b]")
    console.print(people)

    vac = Table(title="Open vacancies")
    vac.add_column("Placement type")
    vac.add_column("Free now", justify="right")
    vac.add_column("Free later", justify="right")
    for ptype, now, later in summary.vacancies:
        vac.add_row(PlacementType(ptype).label, str(now), str(later))
    console.print(vac)

    lots = Table(title="Supported accommodation framework lots")
    for col in ("Lot", "Places", "Our young people", "Vacant", "Used by others"):
        lots.add_column(col, justify="left" if col == "Lot" else "right")
    for lot, places, ours, vacant, other in summary.lots:
        lots.add_row(lot, str(places), str(ours), str(vacant), str(other))
    console.print(lots)

    flats = Table(title="Council flats and houses")
    for col in ("Scheme", "Area", "Places", "Occupied", "Vacant", "Opens"):
        flats.add_column(col)
    for row in summary.flats:
        flats.add_row(*(str(x) for x in row))
    console.print(flats)
    console.print(_report_table(summary))


@app.command("import")
def import_command(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(help="A .csv or .xlsx file in the template's layout")],
) -> None:
    """Import records from a CSV or XLSX file: all rows or none; re-imports change nothing."""
    name = _kind(kind)
    engine = _engine()
    try:
        checking = console.status(f"Checking every row of {path.name}, then importing")
        with checking, unit_of_work(engine) as session:
            report = importing.import_file(session, name, path, actor=audit.cli_actor())
    except (importing.ImportRefused, FileRefused) as exc:
        _fail(str(exc))
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
    name = _kind(kind)
    engine = _engine()
    try:
        with unit_of_work(engine) as session:
            count = exporting.export_file(session, name, path, actor=audit.cli_actor())
    except FileRefused as exc:
        _fail(str(exc))
    console.print(f"Wrote {count} {name.replace('_', ' ')} to {path}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
) -> None:
    """Serve the web application and JSON API (health at /health, docs at /docs)."""
    import uvicorn

    settings = Settings()
    engine = _engine()
    if settings.run_scheduler:
        from planner.scheduler import build_scheduler

        build_scheduler(engine, background=True).start()
        console.print("Scheduled jobs run in this process (PLANNER_RUN_SCHEDULER=false to stop).")
    # by import string: the planner never imports the api package (the layers contract)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


@app.command()
def template(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(help="Where to write: a .csv or .xlsx file")],
) -> None:
    """Write an empty template (the header row) to fill in and import."""
    from planner.spreadsheets import write_rows
    from planner.templates import template_for

    try:
        write_rows(path, template_for(_kind(kind)).names, [])
    except FileRefused as exc:
        _fail(str(exc))
    console.print(f"Wrote the {kind} template to {path}; see docs/data-templates.md")


@app.command("forecast")
def forecast_command(
    out: Annotated[Path, typer.Option(help="Folder for the CSV tables, forecast.xlsx, summary")],
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="Scenario name; repeat to compare several side by side"),
    ] = None,
    horizon: Annotated[int, typer.Option(min=3, max=120, help="Months ahead")] = 60,
    runs: Annotated[int, typer.Option(min=50, max=20000, help="Monte Carlo runs")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same forecast)")] = 0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """Forecast demand, capacity and shortfall by placement type and lot from the records."""
    from planner import forecasting

    names = scenario or ["central"]
    settings = Settings()
    engine = _engine()
    day = _parse_day(as_of)
    try:
        with _progress() as progress:
            progress.add_task(f"Forecasting {', '.join(names)} ({runs} runs)", total=None)
            with unit_of_work(engine) as session:
                report = forecasting.make_forecast(
                    session,
                    scenarios=names,
                    months=horizon,
                    runs=runs,
                    seed=seed,
                    as_of=day,
                    child_population=settings.child_population,
                    actor=audit.cli_actor(),
                )
    except (forecasting.UnknownScenario, ValueError) as exc:
        _fail(str(exc))
    forecasting.write_report(report, out)
    demand = report.tables["demand"]
    first = demand[(demand["scenario"] == names[0]) & demand["capacity"].notna()]
    quarters = sorted(first["quarter_start"].unique())[:6]
    table = Table(title=f"{names[0]}: places needed (95% target) / planned, by quarter")
    table.add_column("Placement type")
    for q in quarters:
        table.add_column(pd_quarter(q), justify="right")
    for (ptype, lot), rows in first.groupby(["placement_type", "lot"], sort=True):
        need = dict(zip(rows["quarter_start"], rows["places_needed"], strict=False))
        have = dict(zip(rows["quarter_start"], rows["capacity"], strict=False))
        cells = []
        for q in quarters:
            text = f"{need[q]:.0f}/{have[q]:.0f}"
            cells.append(f"[red]{text}[/red]" if need[q] > have[q] else text)
        label = PlacementType(ptype).label + (f" ({lot})" if lot else "")
        table.add_row(label, *cells)
    console.print(table)
    console.print(
        f"Saved forecast run(s) {report.run_ids}; wrote {len(report.tables)} tables and "
        f"forecast.xlsx to {out} (red: more places needed than planned)."
    )


def pd_quarter(value) -> str:  # type: ignore[no-untyped-def]
    """A quarter as commissioners write it, e.g. 2027 Q2."""
    import pandas as pd

    stamp = pd.Timestamp(value)
    return f"{stamp.year} Q{stamp.quarter}"


@app.command("propose")
def propose_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Run date YYYY-MM-DD")] = None,
    solver: Annotated[str, typer.Option(help="cbc (default) or highs")] = "cbc",
    time_limit: Annotated[float, typer.Option(min=1, help="Seconds for the solve")] = 60,
) -> None:
    """Run the matching model on the records and save its proposals for people to decide."""
    from planner import matching

    engine = _engine()
    try:
        with unit_of_work(engine) as session:
            run = matching.run_matching(
                session,
                actor=audit.cli_actor(),
                as_of=_parse_day(as_of),
                solver=solver,
                time_limit_seconds=time_limit,
            )
            proposals = matching.list_proposals(session, match_run_id=run.id)
            refs = {p.id: p.reference for p in session.exec(select(YoungPerson))}
            details = matching.run_details(run)
    except matching.PlannerError as exc:
        _fail(exc.message)
    table = Table(title=f"Match run {run.id}: {run.status} ({run.solver})")
    for col in ("Proposal", "Young person", "Stage", "Score", "Why"):
        table.add_column(col)
    for p in proposals:
        table.add_row(str(p.id), refs[p.young_person_id], p.stage, f"{p.score:.0f}", p.reasons)
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
) -> None:
    """List a match run's proposals and their decisions, or who it left unmatched."""
    from planner import matching
    from planner.models import MatchRun

    with unit_of_work(_engine()) as session:
        run = session.get(MatchRun, run_id) if run_id else None
        proposals = matching.list_proposals(session, match_run_id=run_id)
        if run is None and proposals:
            run = session.get(MatchRun, proposals[0].match_run_id)
        refs = {p.id: p.reference for p in session.exec(select(YoungPerson))}
    if run is None:
        _fail("no match run yet; run `planner propose` first")
    if unmatched:
        table = Table(title=f"Match run {run.id}: young people left unmatched")
        for col in ("Young person", "Need", "Why"):
            table.add_column(col)
        for row in matching.run_details(run)["unmatched"]:
            if row["need"] != "no_move_needed":
                table.add_row(row["person_id"], row["need"], row["reasons"])
        console.print(table)
        return
    table = Table(title=f"Match run {run.id} of {run.as_of:%d %B %Y}")
    for col in ("Proposal", "Young person", "Vacancy", "Stage", "Status", "Version"):
        table.add_column(col)
    for p in proposals:
        table.add_row(
            str(p.id),
            refs[p.young_person_id],
            f"V{p.vacancy_id}",
            p.stage,
            p.status,
            str(p.version),
        )
    console.print(table)


@app.command("decide")
def decide_command(
    proposal_id: Annotated[int, typer.Argument(help="The proposal's number")],
    decision: Annotated[str, typer.Argument(help="accept or decline")],
    start: Annotated[str | None, typer.Option(help="Move-in date YYYY-MM-DD (accept)")] = None,
    reason: Annotated[str | None, typer.Option(help="Why it was declined (decline)")] = None,
    note: Annotated[str, typer.Option(help="A note kept on the proposal")] = "",
) -> None:
    """Record a decision on a proposal: accept (moves the young person) or decline."""
    from planner import matching
    from planner.models import Proposal

    if decision not in ("accept", "decline"):
        _fail(f"decision {decision!r} is not valid; expected accept or decline")
    try:
        with unit_of_work(_engine()) as session:
            proposal = session.get(Proposal, proposal_id)
            if proposal is None:
                raise matching.NotFound()
            if decision == "accept":
                placed = matching.accept_proposal(
                    session,
                    proposal_id=proposal_id,
                    expected_version=proposal.version,
                    actor=audit.cli_actor(),
                    start=_parse_day(start) or date.today(),
                )
                message = f"Proposal {proposal_id} accepted: stay {placed.stay_id} begins."
            else:
                if not reason:
                    _fail("a decline needs --reason")
                matching.decline_proposal(
                    session,
                    proposal_id=proposal_id,
                    expected_version=proposal.version,
                    actor=audit.cli_actor(),
                    reason=reason or "",
                    note=note,
                )
                message = f"Proposal {proposal_id} declined ({reason})."
    except matching.PlannerError as exc:
        _fail(exc.message)
    console.print(message)


@app.command("escalations")
def escalations_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """The escalation queue: everyone in unsuitable accommodation, most urgent first."""
    from planner import escalations

    day = _parse_day(as_of) or date.today()
    with unit_of_work(_engine()) as session:
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
    from planner import escalations
    from planner.models import Escalation

    try:
        with unit_of_work(_engine()) as session:
            esc = session.get(Escalation, escalation_id)
            if esc is None:
                raise escalations.EscalationNotFound()
            escalations.record_action(
                session,
                escalation_id=escalation_id,
                expected_version=esc.version,
                kind=action.replace("-", "_"),
                on=_parse_day(on) or date.today(),
                target=_parse_day(target),
                actor=audit.cli_actor(),
                note=note,
            )
    except escalations.PlannerError as exc:
        _fail(exc.message)
    console.print(f"Escalation {escalation_id}: {action} recorded.")


@app.command("report")
def report_command(
    audience: Annotated[str, typer.Argument(help="director (weekly) or board (monthly)")],
    out: Annotated[Path, typer.Option(help="Where to write: .md, .csv or .xlsx")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """Write the exception report; the board's is pseudonymised (case letters, age bands)."""
    import json

    from planner import escalations
    from planner.spreadsheets import write_rows

    if out.suffix.lower() not in (".md", ".csv", ".xlsx"):
        _fail(f"{out.name}: expected a .md, .csv or .xlsx file")
    day = _parse_day(as_of) or date.today()
    try:
        with unit_of_work(_engine()) as session:
            report = escalations.build_report(
                session, audience=audience, today=day, actor=audit.cli_actor()
            )
    except escalations.PlannerError as exc:
        _fail(exc.message)
    content = json.loads(report.content)
    if out.suffix.lower() == ".md":
        out.write_text(escalations.report_markdown(report))
    else:
        rows = content["rows"]
        write_rows(out, list(rows[0]) if rows else ["case"], rows)
    console.print(
        f"Exception report {report.id} for the {audience}: "
        f"{content['totals']['in_unsuitable_accommodation']} in unsuitable accommodation, "
        f"supervision within 4 weeks {content['totals']['supervision_within_4_weeks_percent']}%. "
        f"Written to {out}."
    )


@app.command("scheduler")
def scheduler_command(
    run_now: Annotated[
        str | None, typer.Option("--run-now", help="Run one job by its id now, then exit")
    ] = None,
    list_jobs: Annotated[bool, typer.Option("--list", help="List the jobs and exit")] = False,
) -> None:
    """Run the scheduled jobs (one process only: it owns the job store)."""
    from planner import scheduler

    if list_jobs:
        table = Table(title="Scheduled jobs (Europe/London)")
        for col in ("Id", "When", "What"):
            table.add_column(col)
        for spec in scheduler.JOBS:
            at = f"{spec.cron.get('hour', 0):02d}:{spec.cron.get('minute', 0):02d}"
            when = (
                f"{spec.cron['day_of_week']} {at}"
                if "day_of_week" in spec.cron
                else f"day {spec.cron['day']} {at}"
                if "day" in spec.cron
                else f"daily {at}"
            )
            table.add_row(spec.id, when, spec.description)
        console.print(table)
        return
    engine = _engine()
    if run_now:
        try:
            scheduler.job_spec(run_now)
        except KeyError as exc:
            _fail(str(exc.args[0]))
        run = scheduler.run_job(run_now, engine.url.render_as_string(hide_password=False))
        console.print(f"{run.job_id}: {run.outcome} {run.detail}")
        if run.outcome != "succeeded":
            raise typer.Exit(code=1)
        return
    console.print("Scheduler running; Ctrl+C to stop.")
    scheduler.build_scheduler(engine, background=False).start()


def _register_commands() -> None:
    """Commands that live in their own modules (one idea each) join the one CLI here."""
    from planner import cli_forecast, cli_match, cli_scenarios, cli_users

    cli_match.register(app)
    cli_forecast.register(app)
    cli_scenarios.register(app)
    cli_users.register(app)


_register_commands()
