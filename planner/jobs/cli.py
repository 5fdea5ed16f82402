"""``planner scheduler``: the scheduler process and running a job by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from planner.core.cli_support import (
    Field,
    FormatOption,
    OutputFormat,
    console,
    fail,
    migrated_engine,
    print_listing,
)

app = typer.Typer()


@app.command("scheduler")
def scheduler_command(
    run_now: Annotated[
        str | None, typer.Option("--run-now", help="Run one job by its id now, then exit")
    ] = None,
    list_jobs: Annotated[bool, typer.Option("--list", help="List the jobs and exit")] = False,
    output: Annotated[OutputFormat, FormatOption] = OutputFormat.table,
) -> None:
    """Run the scheduled jobs: one scheduler per database holds a lock, a second stands by.

    ``--list --format csv|json`` lists them for scripts."""
    from planner.jobs import scheduler

    if list_jobs:
        rows = [{"id": j.id, "when": j.when, "what": j.description} for j in scheduler.JOBS]
        fields = (Field("id", "Id", ref=True), Field("when", "When"), Field("what", "What"))
        print_listing(output, fields, rows, title="Scheduled jobs (Europe/London)")
        return
    engine = migrated_engine()
    if run_now:
        try:
            scheduler.job_spec(run_now)
        except KeyError as exc:
            fail(str(exc.args[0]))
        run = scheduler.run_job(run_now, engine.url.render_as_string(hide_password=False))
        console.print(f"{run.job_id}: {run.outcome} {run.detail}")
        if run.outcome != "succeeded":
            raise typer.Exit(code=1)
        return
    import signal
    import threading

    from planner.core.settings import Settings

    log_to_stderr()
    stop = threading.Event()
    # docker stops a container with SIGTERM: finish the running job, release the lock.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print("Scheduler starting (one per database: a second one stands by); Ctrl+C to stop.")
    try:
        scheduler.run_scheduler(engine, poll_seconds=Settings().scheduler_poll_seconds, stop=stop)
    except KeyboardInterrupt:
        stop.set()


def log_to_stderr() -> None:
    """The scheduler's own messages (standing by, lock taken, job started, ended, failed:
    ids and exception types, never data) and APScheduler's, on standard error."""
    import logging

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("planner.jobs", "apscheduler"):
        logging.getLogger(name).setLevel(logging.INFO)
    # APScheduler's executor logs two lines per run of every job, and the work queue's poll
    # runs every few seconds: tens of thousands of lines a day that bury the ones that matter
    # (planner.jobs says when a real job starts, ends or fails; the executor still logs a
    # job that raises or is missed, at WARNING and above)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
