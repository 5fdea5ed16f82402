"""Saved forecast runs and scenarios."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.models.base import utcnow


class ForecastRun(SQLModel, table=True):
    """A saved forecast of one scenario: when, by whom, from which data, and its tables.

    ``data_fingerprint`` is a hash of the input frames, so two forecasts can be told apart
    by the data they saw, not only by date; ``tables`` is the aggregate output as JSON."""

    __tablename__ = "forecast_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    created_by: str = Field(sa_type=sa.String(80))
    scenario: str = Field(sa_type=sa.String(60), index=True)
    # the saved scenario's name as typed ("UASC arrivals tripled (2026)"), kept with the run
    # so it still reads so if the scenario is deleted; "" for a catalogue scenario
    scenario_title: str = Field(
        default="", sa_type=sa.String(120), sa_column_kwargs={"server_default": ""}
    )
    as_of: date
    months: int
    runs: int
    seed: int
    data_fingerprint: str = Field(sa_type=sa.String(64))
    young_people: int
    stays: int
    tables: str = Field(sa_type=sa.Text)


class Scenario(SQLModel, table=True):
    """A scenario a commissioner named and saved: its levers as JSON, each entered as
    the lowest, most likely and highest plausible value (``low``, ``central``, ``high``) and
    drawn per run within that range like the catalogue's. The catalogue in
    ``forecasts.scenarios.standard_scenarios`` stays in code; these sit beside it."""

    __tablename__ = "saved_scenario"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(60), unique=True, index=True)
    # the name as the commissioner typed it, capitals and punctuation kept: what every page,
    # CSV and paper shows; ``name`` is the slug made from it that commands and files use
    title: str = Field(default="", sa_type=sa.String(120), sa_column_kwargs={"server_default": ""})
    description: str = Field(default="", sa_type=sa.String(300))
    levers: str = Field(default="[]", sa_type=sa.Text)  # JSON: a list of lever objects
    created_by: str = Field(sa_type=sa.String(80))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
