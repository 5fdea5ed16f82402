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

from typing import Annotated

import typer

from planner.entry import end_refused


class _PlannerApp(typer.Typer):
    """The root command: a refusal no command caught itself (the database stayed busy past
    PLANNER_SQLITE_BUSY_TIMEOUT, even while migrating; a deadlock that outlasted its
    retries...) prints its message and exits 2, like every other refusal, never a traceback.

    The features' commands join the first time typer reads `registered_groups` (building the
    command line: `app()`, typer's CliRunner, `typer.main.get_command`), not when this module
    is imported. (A plain ``planner match ARGS`` never gets here: the command's entry point,
    `planner.entry`, runs it without typer.)"""

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
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            end_refused(exc)
            raise


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
