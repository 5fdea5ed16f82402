"""The ``planner`` command line: set-up, the demo council, imports, exports, status, serve.

Commands call services inside one unit of work each and render with rich; they never run
SQL themselves. Errors a user can fix (a bad file, an unknown kind) print a precise message
and exit with code 2, having changed nothing.

A command imports only what it uses: this module and every feature's ``cli.py`` import
typer, rich, the standard library and the small vocabulary of ``planner.domain`` at module
level, and the services (with pandas, PuLP, SQLAlchemy...) inside the command functions, so
``planner --help`` starts without the database, the models or the web stack
(tests/test_cli_imports.py, docs/performance.md "CLI start-up").
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Annotated

import typer


class _PlannerApp(typer.Typer):
    """The root command: a refusal no command caught itself (the database stayed busy past
    PLANNER_SQLITE_BUSY_TIMEOUT, even while migrating; a deadlock that outlasted its
    retries...) prints its message and exits 2, like every other refusal, never a traceback.

    The features' commands join the first time typer reads `registered_groups` (building the
    command line: `app()`, typer's CliRunner, `typer.main.get_command`), not when this module
    is imported: a plain ``planner match ARGS`` runs before that (`__call__`) and so never
    imports the features' command modules, rich or the database layer (about 0.05 s)."""

    _features_joined = False

    @property  # type: ignore[override]
    def registered_groups(self) -> list[typer.models.TyperInfo]:
        if not self._features_joined:
            self._features_joined = True
            _register_commands()
        return self._registered_groups

    @registered_groups.setter
    def registered_groups(self, groups: list[typer.models.TyperInfo]) -> None:
        self._registered_groups = groups

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            # `planner match ARGS` in its plain forms runs without building every command's
            # parameters (planner.matching.match_cli.quick_match_arguments): a fifth of its time
            given = args[0] if args else kwargs.get("args")
            argv = list(sys.argv[1:] if given is None else given)
            if argv[:1] == ["match"]:
                _match_process()
                from planner.matching.match_cli import run_quick_match

                run_quick_match(argv[1:])
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            from planner.core.db import as_planner_error
            from planner.core.errors import PlannerError

            refused = exc if isinstance(exc, PlannerError) else as_planner_error(exc)
            if refused is None:
                raise
            from planner.core.cli_support import err

            err.print(f"[red]Error:[/red] {refused.message}", highlight=False, markup=True)
            raise SystemExit(2) from None


def _match_process() -> None:
    """Set up a process that runs `planner match`: one BLAS thread and no cyclic collector.

    OpenBLAS starts a pool of busy-waiting threads when numpy is imported, one per core. A
    match run does no large matrix products (its arrays are sparse pairs, its solvers plain
    Python or compiled single-threaded code), so on a shared 2-core machine the pool only
    burns CPU beside the command: with it, a council-size run cost about 0.3 s more CPU and
    0.2 s more wall time (docs/performance.md).

    Python's cyclic garbage collector walks every container object each time enough of them
    have been made: about 340 collections in a council-size run, 0.1 s in all. A match run
    leaves under a thousand objects in reference cycles, at council and at county size
    alike (the rest is freed by reference counting as usual), so the walks find next to
    nothing; the collector stays off until the process ends, which it does after the one
    command.

    Only this command's process is affected: the web application and the scheduled jobs
    (forecasts included) run in `planner serve` and `planner scheduler`, which keep both; a
    thread count set by the user is kept (setdefault). Both must be set before numpy is
    imported, so nothing is changed when numpy already is (a test running the command in
    its own process)."""
    if "numpy" in sys.modules:
        return
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    gc.disable()


app = _PlannerApp(
    help="Accommodation placement and capacity planner for care leavers.",
    no_args_is_help=True,
    add_completion=False,
    # an unexpected error must never print local variables: they may hold case data
    pretty_exceptions_show_locals=False,
)


@app.command()
def init() -> None:
    """Create or upgrade the database schema (Alembic migrations).

    With no settings the database is a SQLite file in your data folder (see the README's
    settings); PLANNER_DATA_DIR or PLANNER_DATABASE_URL choose another."""
    from planner.core.cli_support import console, migrated_engine
    from planner.core.settings import Settings

    migrated_engine(create=True)
    console.print(f"Database ready: {Settings().database_label}", soft_wrap=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
) -> None:
    """Serve the web application and JSON API (health at /health, docs at /docs)."""
    import uvicorn

    from planner.core.cli_support import console, migrated_engine
    from planner.core.settings import Settings

    settings = Settings()
    engine = migrated_engine()
    if settings.scheduler_in_serve:
        import threading

        from planner.jobs.cli import log_to_stderr
        from planner.jobs.scheduler import run_scheduler

        log_to_stderr()
        # A daemon thread: it takes the scheduler lock or stands by, and ends with the server.
        threading.Thread(
            target=run_scheduler,
            args=(engine,),
            kwargs={"poll_seconds": settings.scheduler_poll_seconds, "stop": threading.Event()},
            name="planner-scheduler",
            daemon=True,
        ).start()
        console.print(
            "Scheduled jobs run in this process unless another scheduler has this database "
            "(PLANNER_RUN_SCHEDULER=false to stop)."
        )
    # by import string: the planner never imports the api package (the layers contract)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        # X-Forwarded-* are read by the app itself, from PLANNER_FORWARDED_ALLOW_IPS only
        # (api/app.py): uvicorn would otherwise believe them from 127.0.0.1 by default
        proxy_headers=False,
    )


def _register_commands() -> None:
    """Each feature's commands join the one ``planner`` command here."""
    from planner.accounts import cli as accounts
    from planner.demo import cli as demo
    from planner.escalations import cli as escalations
    from planner.forecasting import cli as forecasting
    from planner.inventory import cli as inventory
    from planner.jobs import cli as jobs
    from planner.matching import cli as matching
    from planner.records import cli as records
    from planner.reports import cli as reports
    from planner.returns import cli as returns
    from planner.work import cli as work
    from planner.young_people import cli as young_people

    for feature in (
        demo,
        inventory,
        records,
        returns,
        young_people,
        forecasting,
        matching,
        escalations,
        reports,
        jobs,
        work,
        accounts,
    ):
        app.add_typer(feature.app)
