"""The inventory: provisions, their places and vacancies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.domain import (
    Cohort,
    Contract,
    GenderRule,
    PlacementType,
    SupportLevel,
    VacancyStatus,
)
from planner.models.base import _enum, utcnow


class Provision(SQLModel, table=True):
    """A scheme, host household, framework contract or block of flats, with its rules."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=sa.String(40), unique=True, index=True)
    name: str = Field(sa_type=sa.String(120))
    placement_type: PlacementType = _enum(PlacementType.supported_accommodation, index=True)
    area: str = Field(default="", sa_type=sa.String(80))
    provider: str = Field(default="", sa_type=sa.String(120))
    cohort: Cohort = _enum(Cohort.any)
    min_age: int = 16
    max_age: int = 25
    gender_rule: GenderRule = _enum(GenderRule.any)
    support_level: SupportLevel = _enum(SupportLevel.low)
    ofsted_registered: bool = False
    max_stay_months: int | None = None
    pets_allowed: bool = False
    step_free: bool = False
    parent_and_child: bool = False
    excluded_risks: str = Field(default="", sa_type=sa.String(255))
    weekly_cost: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(10, 2))
    # block: the council pays for every place whether filled or not; spot: when used
    contract: Contract = _enum(Contract.spot)
    opens_on: date | None = None
    closes_on: date | None = None
    version: int = 1  # optimistic concurrency: changes are compare-and-set on it


class Place(SQLModel, table=True):
    """One bed or unit of capacity in a provision; may be reserved for one young person."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=sa.String(60), unique=True, index=True)
    provision_id: int = Field(foreign_key="provision.id", index=True)
    label: str = Field(default="", sa_type=sa.String(80))
    reserved_for_id: int | None = Field(default=None, foreign_key="young_person.id")
    opens_on: date | None = None
    closes_on: date | None = None
    version: int = 1  # optimistic concurrency: changes are compare-and-set on it


class Vacancy(SQLModel, table=True):
    """A place free from a date. ``version`` makes accepting it a compare-and-set."""

    __table_args__ = (
        sa.Index(
            "uq_vacancy_one_open_per_place",
            "place_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    place_id: int = Field(foreign_key="place.id", index=True)
    available_from: date
    status: VacancyStatus = _enum(VacancyStatus.open, index=True)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
