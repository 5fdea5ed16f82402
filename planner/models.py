"""The planner's tables.

Design choices that later features rely on:

* Every record a council keeps has a ``reference`` (its own identifier, pseudonymous for
  young people) so imports upsert by it and exports round-trip.
* Enumerations are stored as plain strings (not native PostgreSQL enums) so a new placement
  type is a code change, not a schema migration, and SQLite and PostgreSQL hold the same data.
* Lists (areas, risk flags) are ``;``-separated text: the same shape as the templates, and
  small enough that a join table would add nothing but queries.
* "At most one current stay per young person" and "at most one young person in a place at a
  time" are partial unique indexes, so the database refuses a double placement even when two
  officers accept at the same moment. Vacancies carry a version for compare-and-set updates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.domain import (
    AsylumStatus,
    Cohort,
    Ethnicity,
    Gender,
    GenderRule,
    LegalStatus,
    PlacementType,
    ProposalStatus,
    Role,
    SupportLevel,
    VacancyStatus,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(default: object, *, index: bool = False) -> Any:
    """An enumeration stored as its string value."""
    return Field(default=default, sa_type=sa.String(40), index=index)


class User(SQLModel, table=True):
    """A member of council staff; personal advisers are linked to their young people."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_type=sa.String(80), unique=True, index=True)
    display_name: str = Field(default="", sa_type=sa.String(120))
    role: Role = _enum(Role.housing_officer)
    password_hash: str | None = Field(default=None, sa_type=sa.String(255))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


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
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


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
    opens_on: date | None = None
    closes_on: date | None = None


class Place(SQLModel, table=True):
    """One bed or unit of capacity in a provision; may be reserved for one young person."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=sa.String(60), unique=True, index=True)
    provision_id: int = Field(foreign_key="provision.id", index=True)
    label: str = Field(default="", sa_type=sa.String(80))
    reserved_for_id: int | None = Field(default=None, foreign_key="young_person.id")
    opens_on: date | None = None
    closes_on: date | None = None


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


class Stay(SQLModel, table=True):
    """Who lived where, from when to when, and whether it was suitable.

    A stay with no ``end_date`` is current: where the young person lives now.
    ``expected_end`` holds what is known ahead: a release date from custody, the 18-month
    limit of a framework place, a 21st birthday in staying put.
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


class AuditEvent(SQLModel, table=True):
    """Who changed, exported or viewed what, and when. Never holds personal data itself:
    records are named by table and id, not by anything that identifies a young person."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(sa_type=sa.String(80), index=True)
    action: str = Field(sa_type=sa.String(40), index=True)
    entity: str = Field(sa_type=sa.String(40))
    entity_id: str = Field(default="", sa_type=sa.String(80))
    detail: str = Field(default="", sa_type=sa.String(500))


# -- accounts and sign-in (the web service) ---------------------------------------------------


class AuthSession(SQLModel, table=True):
    """One signed-in browser. The cookie holds an opaque secret; only its SHA-256 is stored,
    so a copy of the database cannot be replayed as live sessions. Revocation is a column,
    checked on every request, so signing out or disabling an account takes effect at once."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=sa.String(64), unique=True, index=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    csrf_token: str = Field(sa_type=sa.String(64))
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A machine client's bearer token for the JSON API, owned by one user and acting with
    that user's role. Stored as a SHA-256 digest (the token is 256 random bits, so a slow hash
    adds nothing); the short prefix lets a person recognise a token without revealing it."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    name: str = Field(sa_type=sa.String(80))
    prefix: str = Field(sa_type=sa.String(16))
    token_hash: str = Field(sa_type=sa.String(64), unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, kept for rate limiting. The username and the client address are
    stored as keyed digests: attempts must be countable, but a password typed into the
    username box, or a member of staff's address, must not sit in the database in clear."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    username_key: str = Field(sa_type=sa.String(64), index=True)
    client_key: str = Field(sa_type=sa.String(64), index=True)
    succeeded: bool = False


class JobRun(SQLModel, table=True):
    """One run of a scheduled job: when it started and ended, and how it went.

    ``detail`` holds a short aggregate summary (counts), never personal data, because
    managers read it on a page."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(sa_type=sa.String(80), index=True)
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    outcome: str = Field(default="running", sa_type=sa.String(20))
    detail: str = Field(default="", sa_type=sa.Text)


class ForecastRun(SQLModel, table=True):
    """A saved forecast of one scenario: when, by whom, from which data, and its tables.

    ``data_fingerprint`` is a hash of the input frames, so two forecasts can be told apart
    by the data they saw, not only by date; ``tables`` is the aggregate output as JSON."""

    __tablename__ = "forecast_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    created_by: str = Field(sa_type=sa.String(80))
    scenario: str = Field(sa_type=sa.String(60), index=True)
    as_of: date
    months: int
    runs: int
    seed: int
    data_fingerprint: str = Field(sa_type=sa.String(64))
    young_people: int
    stays: int
    tables: str = Field(sa_type=sa.Text)


class MatchRun(SQLModel, table=True):
    """One solve of the matching model on the records of a day: who ran it, the solver and
    its honest status, a fingerprint of its inputs, and what it could not do (unmatched
    young people with reasons, alternatives, unmet need) as JSON for the pages."""

    __tablename__ = "match_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    created_by: str = Field(sa_type=sa.String(80))
    as_of: date
    solver: str = Field(sa_type=sa.String(20))
    status: str = Field(sa_type=sa.String(20))
    input_fingerprint: str = Field(sa_type=sa.String(64))
    summary: str = Field(default="{}", sa_type=sa.Text)
    unmatched: str = Field(default="[]", sa_type=sa.Text)
    alternatives: str = Field(default="[]", sa_type=sa.Text)


class Proposal(SQLModel, table=True):
    """A suggested young person-to-vacancy match and the decision a person made about it.

    ``version`` makes deciding a compare-and-set; the partial unique index means a vacancy
    can have one accepted proposal at most, whatever two officers do at the same moment."""

    __table_args__ = (
        sa.Index(
            "uq_proposal_one_accepted_per_vacancy",
            "vacancy_id",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    match_run_id: int = Field(foreign_key="match_run.id", index=True)
    young_person_id: int = Field(foreign_key="young_person.id", index=True)
    vacancy_id: int = Field(foreign_key="vacancy.id", index=True)
    stage: str = Field(sa_type=sa.String(4))
    need: str = Field(default="", sa_type=sa.String(30))
    score: float = 0.0
    components: str = Field(default="{}", sa_type=sa.Text)
    reasons: str = Field(default="", sa_type=sa.Text)
    status: ProposalStatus = _enum(ProposalStatus.proposed, index=True)
    version: int = 1
    decided_by: str | None = Field(default=None, sa_type=sa.String(80))
    decided_at: datetime | None = None
    decision_reason: str = Field(default="", sa_type=sa.String(40))
    decision_note: str = Field(default="", sa_type=sa.String(500))


class Escalation(SQLModel, table=True):
    """The review trail of one unsuitable stay: its level, exit plan, supervision and close.

    One per stay (a unique stay id), opened by the daily sweep the first day it sees the
    stay and closed when the young person moves somewhere suitable. ``version`` makes a
    manager's update a compare-and-set, like decisions on proposals."""

    id: int | None = Field(default=None, primary_key=True)
    stay_id: int = Field(foreign_key="stay.id", unique=True, index=True)
    young_person_id: int = Field(foreign_key="young_person.id", index=True)
    opened_on: date
    level: int = 1
    exit_plan_agreed_on: date | None = None
    exit_plan_target: date | None = None  # when the young person should have moved
    pathway_plan_updated_on: date | None = None
    last_supervision_on: date | None = None
    closed_on: date | None = None
    closure: str = Field(default="", sa_type=sa.String(40))
    version: int = 1


class EscalationAction(SQLModel, table=True):
    """Something done on an escalation: opened, supervision, exit plan, level change, note.
    ``note`` stays with the case record; the audit trail names only the action."""

    __tablename__ = "escalation_action"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    on: date
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(sa_type=sa.String(80))
    kind: str = Field(sa_type=sa.String(30))
    note: str = Field(default="", sa_type=sa.String(1000))


class ExceptionReport(SQLModel, table=True):
    """A weekly report to the director or a monthly one to the Corporate Parenting Board,
    kept as it was sent. Board reports are pseudonymised (case letters, age bands)."""

    __tablename__ = "exception_report"

    id: int | None = Field(default=None, primary_key=True)
    audience: str = Field(sa_type=sa.String(20), index=True)  # director | board
    as_of: date
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(sa_type=sa.String(80))
    content: str = Field(sa_type=sa.Text)  # JSON: totals and one row per open escalation


class Scenario(SQLModel, table=True):
    """A scenario a commissioner named and saved: its levers as JSON, each an 80% interval
    (``low``, ``central``, ``high``) drawn per run like the catalogue's. The catalogue in
    ``forecasts.scenarios.standard_scenarios`` stays in code; these sit beside it."""

    __tablename__ = "saved_scenario"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(60), unique=True, index=True)
    description: str = Field(default="", sa_type=sa.String(300))
    levers: str = Field(default="[]", sa_type=sa.Text)  # JSON: a list of lever objects
    created_by: str = Field(sa_type=sa.String(80))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
