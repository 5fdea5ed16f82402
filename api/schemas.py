"""What the JSON API returns: public schemas built from the services' read models, never
table models (a table model would carry every column, present and future, to the client)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from planner.domain import DeclineReason

NOTE = r"^[^\x00-\x08\x0A-\x1F]*$"  # no control characters but tab (PostgreSQL refuses NUL)


def _in_range(value: date) -> date:
    if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise ValueError("a date from 2000 to 2100")
    return value


Day = Annotated[date, AfterValidator(_in_range)]


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MePublic(Public):
    username: str
    display_name: str
    role: str
    permissions: list[str]


class YoungPersonRowPublic(Public):
    id: int
    reference: str
    age: int
    legal_status: str
    placement_type: str | None
    suitable: bool | None
    area: str
    personal_adviser: str


class YoungPeoplePagePublic(Public):
    rows: list[YoungPersonRowPublic]
    total: int
    page: int
    pages: int


class StayPublic(Public):
    placement_type: str
    provision: str
    area: str
    start_date: date
    end_date: date | None
    expected_end: date | None
    suitable: bool
    state: str  # planned, current or ended on the day it was read


class YoungPersonRecordPublic(Public):
    id: int
    reference: str
    date_of_birth: date
    age: int
    gender: str
    legal_status: str
    in_care: bool
    uasc: bool
    asylum_status: str
    support_need: str
    risk_flags: list[str]
    needs_step_free: bool
    has_child: bool
    pregnant: bool
    has_pet: bool
    area: str
    preferred_areas: list[str]
    excluded_areas: list[str]
    education_area: str
    work_area: str
    network_area: str
    asked_to_move: bool
    personal_adviser: str
    pathway_plan_review_due: date | None
    current_stay: StayPublic | None
    planned_stay: StayPublic | None
    stays: list[StayPublic]


class ProvisionPublic(Public):
    id: int
    reference: str
    name: str
    placement_type: str
    area: str
    provider: str
    cohort: str
    min_age: int
    max_age: int
    support_level: str
    ofsted_registered: bool
    places: int
    occupied: int
    open_vacancies: int


class VacancyPublic(Public):
    id: int
    provision_reference: str
    provision: str
    placement_type: str
    area: str
    place: str
    available_from: date
    min_age: int
    max_age: int
    support_level: str
    ofsted_registered: bool


class PlacementCount(Public):
    placement_type: str
    suitable: int
    unsuitable: int


class VacancyCount(Public):
    placement_type: str
    free_now: int
    free_later: int


class OverviewPublic(Public):
    as_of: date
    figures: dict[str, int]
    placements: list[PlacementCount]
    vacancies: list[VacancyCount]


class AuditEventPublic(Public):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: str


class AuditPagePublic(Public):
    events: list[AuditEventPublic]
    total: int
    page: int
    pages: int


class ApiTokenPublic(Public):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ForecastRunPublic(Public):
    id: int
    created_at: datetime
    created_by: str
    scenario: str
    description: str
    as_of: date
    months: int
    runs: int
    seed: int
    data_fingerprint: str
    young_people: int
    stays: int


class ForecastRunDetailPublic(ForecastRunPublic):
    tables: list[str]


class ForecastTablePublic(Public):
    run_id: int
    table: str
    columns: list[str]
    rows: list[dict[str, Any]]


# -- scenarios --------------------------------------------------------------------------------

LEVER_KIND = Literal["arrivals", "exit_rate", "move_share", "places", "nts_rate"]
STATE_NAME = r"^[a-z0-9_/]*$"


class LeverPublic(Public):
    kind: str
    low: float
    central: float
    high: float
    stream: str
    state: str
    destination: str
    start: date | None


class ScenarioPublic(Public):
    name: str
    description: str
    saved: bool = Field(description="False for the catalogue (read-only)")
    created_by: str
    created_at: datetime | None
    levers: list[LeverPublic]


class LeverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: LEVER_KIND
    central: float = Field(description="The most likely value (see docs/forecasts.md)")
    low: float | None = Field(default=None, description="Low end of an 80% interval")
    high: float | None = Field(default=None, description="High end of an 80% interval")
    stream: str = Field(default="", max_length=20, pattern=STATE_NAME, description="arrivals")
    state: str = Field(default="", max_length=60, pattern=STATE_NAME)
    destination: str = Field(default="", max_length=60, pattern=STATE_NAME)
    start: Day | None = Field(default=None, description="places only: from this date")


class ScenarioCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{2,59}$", max_length=60)
    description: str = Field(default="", max_length=300, pattern=NOTE)
    levers: list[LeverRequest] = Field(min_length=1, max_length=12)


# -- matching --------------------------------------------------------------------------------


class MatchRunPublic(Public):
    id: int
    created_at: datetime
    created_by: str
    as_of: date
    solver: str
    status: str
    input_fingerprint: str


class MatchRunDetailPublic(MatchRunPublic):
    summary: dict[str, Any]
    unmatched: list[dict[str, Any]]
    alternatives: list[dict[str, Any]]


class ProposalVacancyPublic(Public):
    vacancy_id: int
    provision: str
    provision_reference: str
    placement_type: str
    area: str
    place: str
    available_from: date
    status: str


class ProposalPublic(Public):
    id: int
    match_run_id: int
    version: int
    stage: str
    need: str
    score: float
    components: dict[str, Any]
    reasons: str
    status: str
    decided_by: str | None
    decision_reason: str
    young_person_id: int
    reference: str
    vacancy: ProposalVacancyPublic


class PlacementPublic(Public):
    proposal_id: int
    stay_id: int
    vacancy_id: int


# -- escalations -----------------------------------------------------------------------------


class EscalationQueuePublic(Public):
    escalation_id: int
    version: int
    young_person_id: int
    reference: str
    age: int
    placement_type: str
    days: int
    level: int
    level_label: str
    reason: str
    exit_plan_agreed_on: date | None
    exit_plan_target: date | None
    last_supervision_on: date | None
    supervision_due: date
    supervision_overdue: bool
    release_date: date | None
    personal_adviser: str


class EscalationActionPublic(Public):
    id: int
    on: date
    at: datetime
    actor: str
    kind: str
    note: str


class EscalationPublic(Public):
    id: int
    version: int
    young_person_id: int
    reference: str
    placement_type: str
    stay_start: date
    release_date: date | None
    opened_on: date
    closed_on: date | None
    closure: str
    level: int
    level_label: str
    exit_plan_agreed_on: date | None
    exit_plan_target: date | None
    pathway_plan_updated_on: date | None
    last_supervision_on: date | None
    supervision_due: date
    supervision_overdue: bool
    personal_adviser: str
    history: list[EscalationActionPublic]


# -- decisions (request bodies) ----------------------------------------------------------------


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected_version: int = Field(
        ge=1, le=2**31 - 1, description="The version you saw; 409 if it has changed since"
    )


class AcceptRequest(Decision):
    start: Day = Field(description="Move-in date, not before the vacancy's date (2000-2100)")


class DeclineRequest(Decision):
    reason: DeclineReason
    note: str = Field(default="", max_length=500, pattern=NOTE)


class LiftExclusionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=500, pattern=NOTE, description="Why the exclusion is lifted"
    )


class ExclusionPublic(BaseModel):
    """A decline that still keeps a pair (or, with no vacancy, a young person) out of
    matching, worded as people read it."""

    model_config = ConfigDict(from_attributes=True)
    proposal_id: int
    young_person: str
    vacancy_id: int | None
    reason: str
    words: str
    decided_by: str
    decided_on: date


class EscalationActionRequest(Decision):
    kind: Literal["supervision", "exit_plan", "pathway_plan", "note"]
    on: Day = Field(description="When it happened (not in the future; 2000-2100)")
    target: Day | None = Field(default=None, description="Exit plan only: the target date")
    note: str = Field(default="", max_length=1000, pattern=NOTE)
