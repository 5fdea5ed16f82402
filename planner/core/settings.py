"""Settings read from the environment (``PLANNER_*``) or a ``.env`` file.

The embedded default is a SQLite file in the user's data folder (``$XDG_DATA_HOME`` or
``~/.local/share``, ``%LOCALAPPDATA%`` on Windows, then ``care-leaver-planner``), the same
whichever folder a command is run from, so a council analyst can run the planner with nothing
but Python; ``PLANNER_DATA_DIR`` moves it, and production points ``PLANNER_DATABASE_URL`` at
PostgreSQL.
A secret key left at its development default is refused outside development, so a demo
configuration can never reach a live deployment unnoticed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development
APP_FOLDER = "care-leaver-planner"
DATABASE_FILE = "planner.sqlite3"


def default_data_dir() -> Path:
    """The per-user data folder (XDG on Linux and macOS, LOCALAPPDATA on Windows): one
    database per user, wherever a command is run from (not ``./var`` of the current folder)."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / APP_FOLDER
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / APP_FOLDER


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLANNER_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    secret_key: str = DEV_SECRET
    timezone: str = "Europe/London"  # "today" everywhere is the date here (core/clock.py)
    host: str = "127.0.0.1"
    port: int = 8000
    # Whether `planner serve` also runs the scheduled jobs. Unset: yes on SQLite (the
    # embedded default, one machine), no on PostgreSQL, where a `planner scheduler` process
    # (docker-compose's `scheduler` service) runs them; `true` turns it on there explicitly.
    # Either way one scheduler per database runs the jobs (jobs/lock.py), the others stand by.
    run_scheduler: bool | None = None
    # How often a standing-by scheduler tries to take the lock, and the lock holder checks it
    # still has it, in seconds.
    scheduler_poll_seconds: float = 10.0
    # How often the scheduler looks for match runs and forecasts asked for from the pages
    # (the work queue, planner/work), in seconds: the wait before one starts.
    work_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    # The council's population aged 0-17 (ONS mid-year estimate): the UASC National
    # Transfer Scheme asks a council to hold up to 0.1% of it. The default is the demo's.
    child_population: int = 67_300
    # The council's name as its pages and papers carry it ("Dorset Council"), in their
    # header, title and footer (PLANNER_COUNCIL_NAME). Unset, they name no council: a board
    # paper must never carry another council's name, nor an example's.
    council_name: str = Field(default="", max_length=80)
    # The council's own SSDA903 code mapping (ACCOM letters and PLACE codes to placement
    # types) for `planner import-903`; unset: planner/returns/mapping.csv (docs/returns.md).
    ssda903_mapping: Path | None = None
    # Database connections each process keeps (PLANNER_DB_POOL_SIZE). The default matches
    # the 40 worker threads that run the API's routes, so a busy API never has threads
    # queueing for a connection; lower it when several replicas share one PostgreSQL server
    # (replicas x pool size + the scheduler must stay below its max_connections, 100 by
    # default). The API admits that many requests to the database at once; the others wait.
    db_pool_size: int = Field(default=40, ge=1, le=500)
    # Seconds a request waits for a connection before it is answered 503 with Retry-After
    # (PLANNER_DB_POOL_TIMEOUT): short, so a client learns it should back off instead of
    # hanging for SQLAlchemy's default 30 seconds and then getting a 500.
    db_pool_timeout: float = Field(default=5.0, gt=0, le=60)
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto the API believes
    # (PLANNER_FORWARDED_ALLOW_IPS): addresses or networks, comma-separated, or "*" when
    # only the proxy can reach the API. Set, sign-in throttling counts each client's own
    # address; unset, every request behind a proxy looks like the proxy, so throttling counts
    # by username only (a slower back-off per username) and no client can lock out others.
    forwarded_allow_ips: str = ""
    # Seconds a transaction on a SQLite file waits for the one writer before it (another
    # request, an import, a forecast, another process) to finish (PLANNER_SQLITE_BUSY_TIMEOUT):
    # long enough for two 2,000-row imports one after the other on a busy 2-core machine
    # (about 20 s each, docs/performance.md "Reliability"); past it, 503 with Retry-After in
    # the API and a clear message in the CLI, nothing changed. Not used on PostgreSQL.
    sqlite_busy_timeout: float = Field(default=60.0, gt=0, le=600)

    # Email notices and the reports' distribution (docs/reports.md). Off while smtp_host is
    # empty (the default): nothing is queued or sent. The password is read from the
    # environment (PLANNER_SMTP_PASSWORD) and never stored in the database.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_sender: str = "care-leaver-planner@localhost"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    # The address people open the planner at: every email's link starts with it.
    base_url: str = "http://127.0.0.1:8000"
    # Comma-separated addresses the scheduled exception reports are announced to.
    director_report_to: str = ""
    board_report_to: str = ""
    # The one small-number threshold, wherever figures leave the service: a count from 1 to
    # N-1 shows as "fewer than N" and the rates or averages built on it are withheld, in the
    # board paper's trends (docs/reports.md) and the fairness audit's page, CSV and command,
    # which also never flags a group that small (docs/matching-workflow.md).
    # PLANNER_SMALL_NUMBER; PLANNER_FAIRNESS_MIN_COUNT, its earlier name, is still read.
    small_number: int = Field(
        default=5,
        ge=1,
        le=100,
        validation_alias=AliasChoices(
            "PLANNER_SMALL_NUMBER", "PLANNER_FAIRNESS_MIN_COUNT", "small_number"
        ),
    )

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _defaults_and_guards(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / DATABASE_FILE).as_posix()}"
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"PLANNER_TIMEZONE {self.timezone!r} is not a time zone (e.g. Europe/London)"
            ) from None
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("PLANNER_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def email_on(self) -> bool:
        """Whether notices are queued and sent: only with an SMTP server configured."""
        return bool(self.smtp_host)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file the settings name, or None for a server or an in-memory database."""
        from sqlalchemy.engine import make_url

        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        return Path(database) if database and database != ":memory:" else None

    @property
    def database_label(self) -> str:
        """Which database this is, fit to print: the file, or the URL without its password."""
        from sqlalchemy.engine import make_url

        path = self.sqlite_path
        if path is not None:
            return str(path.resolve())
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def scheduler_in_serve(self) -> bool:
        """Whether `planner serve` runs a scheduler: as set, else only on SQLite."""
        return self.run_scheduler if self.run_scheduler is not None else self.is_sqlite


@lru_cache
def get_settings() -> Settings:
    return Settings()
