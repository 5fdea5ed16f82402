"""Young people and their stays: where each one lived, from when to when."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.domain import (
    AsylumStatus,
    Ethnicity,
    Gender,
    LegalStatus,
    PlacementType,
    SupportLevel,
)
from planner.models.base import _enum, utcnow


class YoungPerson(SQLModel, table=True):
    """A young person aged 16-25 in or leaving care, known by a pseudonymous reference."""

    __tablename__ = "young_person"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=sa.String(40), unique=True, index=True)
    date_of_birth: date
    gender: Gender = _enum(Gender.not_stated)
    ethnicity: Ethnicity = _enum(Ethnicity.not_stated)
    legal_status: LegalStatus = _enum(LegalStatus.former_relevant)
    in_care: bool = False
    uasc: bool = False
    asylum_status: AsylumStatus = _enum(AsylumStatus.not_applicable)
    support_need: SupportLevel = _enum(SupportLevel.low)
    risk_flags: str = Field(default="", sa_type=sa.String(255))
    needs_step_free: bool = False
    has_child: bool = False
    pregnant: bool = False
    has_pet: bool = False
    area: str = Field(default="", sa_type=sa.String(80))
    preferred_areas: str = Field(default="", sa_type=sa.String(255))
    excluded_areas: str = Field(default="", sa_type=sa.String(255))
    education_area: str = Field(default="", sa_type=sa.String(80))
    work_area: str = Field(default="", sa_type=sa.String(80))
    network_area: str = Field(default="", sa_type=sa.String(80))
    asked_to_move: bool = False
    personal_adviser_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    pathway_plan_review_due: date | None = None
    left_service_on: date | None = None
    # what OC3 and Ofsted's List 9 ask of a care leaver (903 codes, blank if not recorded):
    # in touch (IN_TOUCH), when the council last had contact, and main activity (ACTIV).
    # The eligibility category is ``legal_status``.
    in_touch: str = Field(default="", sa_type=sa.String(4), sa_column_kwargs={"server_default": ""})
    latest_contact_on: date | None = None
    activity: str = Field(default="", sa_type=sa.String(2), sa_column_kwargs={"server_default": ""})
    # optimistic concurrency: every change is a compare-and-set on the version its user saw
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Stay(SQLModel, table=True):
    """Who lived where, from when to when, and whether it was suitable.

    Whether a stay is planned, current or ended on a day is decided by one rule,
    :func:`planner.domain.stays.stay_state` (current: started on or before the day and not
    ended by it). A move accepted for a later day is a planned stay with no ``end_date``;
    the stay it replaces ends on the move date. ``expected_end`` holds what is known ahead:
    a release date from custody, the 18-month limit of a framework place, a 21st birthday
    in staying put.

    The partial unique indexes keep at most one *open-ended* stay (no ``end_date``) per
    young person and per place: the last stay of each, whether current or planned. With the
    stay it replaces ending on the move date, that still allows only one current stay.
    """

    __table_args__ = (
        sa.Index(
            "uq_stay_one_current_per_young_person",
            "young_person_id",
            unique=True,
            sqlite_where=sa.text("end_date IS NULL"),
            postgresql_where=sa.text("end_date IS NULL"),
        ),
        sa.Index(
            "uq_stay_one_current_per_place",
            "place_id",
            unique=True,
            sqlite_where=sa.text("end_date IS NULL AND place_id IS NOT NULL"),
            postgresql_where=sa.text("end_date IS NULL AND place_id IS NOT NULL"),
        ),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="stay_dates"),
    )

    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_person.id", index=True)
    placement_type: PlacementType = _enum(PlacementType.other_suitable, index=True)
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    start_date: date
    end_date: date | None = None
    suitable: bool = True
    expected_end: date | None = None
    area: str = Field(default="", sa_type=sa.String(80))
    # why it ended (a code: planner.young_people.rules.StayEndReason), and the vacancy it
    # filled, if any, so cancelling a planned move can reopen that vacancy
    end_reason: str = Field(default="", sa_type=sa.String(40))
    vacancy_id: int | None = None
    version: int = 1


class ContactRecord(SQLModel, table=True):
    """What a care leaver's contact was from a day on: in touch, latest contact, activity.

    ``young_person`` holds the values now; each change through the services (an edit, an
    import) adds a row here with the day it became true, so an OC3 return for a past year
    reads what was true on that year's birthday, not today's values. One row per young
    person and day: a second change on the same day replaces the first."""

    __tablename__ = "contact_record"
    __table_args__ = (
        sa.UniqueConstraint("young_person_id", "recorded_on", name="uq_contact_record_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_person.id", index=True)
    recorded_on: date  # the day these values became true
    in_touch: str = Field(default="", sa_type=sa.String(4))
    latest_contact_on: date | None = None
    activity: str = Field(default="", sa_type=sa.String(2))
    created_at: datetime = Field(default_factory=utcnow)
