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
    id: int
    version: int
    end_reason: str


class ContactPublic(Public):
    recorded_on: date = Field(description="The day these values became true")
    in_touch: str = Field(description="SSDA903 IN_TOUCH code; blank if not recorded")
    latest_contact_on: date | None
    activity: str = Field(description="SSDA903 ACTIV code; blank if not recorded")


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
    area: str = Field(
        description="Where they live today: their current stay's area, else home_area"
    )
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
    version: int = Field(description="Send it back with a change; 409 if it has changed")
    in_touch: str = Field("", description="SSDA903 IN_TOUCH code now; blank if not recorded")
    latest_contact_on: date | None = None
    activity: str = Field("", description="SSDA903 ACTIV code now; blank if not recorded")
    contact_history: list[ContactPublic] = Field(
        default_factory=list, description="Each change of contact with its day, latest first"
    )
    home_area: str = Field(
        "",
        description="The area kept on the record (what a change of `area` sets): where they"
        " live only when no current stay records an area; a move never changes it",
    )
    in_care_until: date | None = Field(
        None,
        description="Their 18th birthday, when their current stay is still foster or"
        " residential care after it: where they live now needs recording",
    )


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
    version: int
    closes_on: date | None


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
    version: int
    place_id: int
    reserved: bool


class PlacePublic(Public):
    id: int
    reference: str
    label: str
    opens_on: date | None
    closes_on: date | None
    occupied: bool
    held: bool
    open_vacancy_id: int | None
    version: int


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
    scenario_title: str = Field(
        default="", description="A saved scenario's name as typed; empty for the catalogue's"
    )
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
    title: str = Field(
        description="The name as typed (a saved scenario), or the name in words (the catalogue)"
    )
    description: str
    saved: bool = Field(description="False for the catalogue (read-only)")
    created_by: str
    created_at: datetime | None
    levers: list[LeverPublic]


class LeverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: LEVER_KIND
    central: float = Field(description="The most likely value (see docs/forecasts.md)")
    low: float | None = Field(
        default=None, description="The lowest plausible value: runs never draw below it"
    )
    high: float | None = Field(
        default=None, description="The highest plausible value: runs never draw above it"
    )
    stream: str = Field(default="", max_length=20, pattern=STATE_NAME, description="arrivals")
    state: str = Field(default="", max_length=60, pattern=STATE_NAME)
    destination: str = Field(default="", max_length=60, pattern=STATE_NAME)
    start: Day | None = Field(default=None, description="places only: from this date")


class ScenarioCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{2,59}$", max_length=60)
    title: str = Field(
        default="",
        max_length=120,
        pattern=NOTE,
        description="The name as people read it (capitals and punctuation kept); the name in "
        "words when empty",
    )
    description: str = Field(default="", max_length=300, pattern=NOTE)
    levers: list[LeverRequest] = Field(min_length=1, max_length=12)


# -- matching --------------------------------------------------------------------------------


class MatchRunPublic(Public):
    id: int
    created_at: datetime
    created_by: str
    as_of: date
    # "solved", or "manual" for proposals made by hand before any run (solver and status
    # are then empty: nothing was solved)
    kind: str
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


class PlannedMovePublic(Public):
    on: date
    placement_type: str
    place: str = Field(
        description="The provision's name and the place's label, for a place of the inventory"
    )


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
    has_exit_plan: bool = Field(
        description="An exit plan agreed, or a move somewhere suitable planned (still in"
        " unsuitable accommodation until the move's day)"
    )
    planned_move: PlannedMovePublic | None = None


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
    supervision_due: date | None  # none once the escalation is closed
    supervision_overdue: bool
    personal_adviser: str
    has_exit_plan: bool = Field(
        description="An exit plan agreed, or (while open) a move somewhere suitable planned"
    )
    planned_move: PlannedMovePublic | None = None
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


# -- records kept in the planner (request bodies and answers) ----------------------------------

SHORT = r"^[^\x00-\x08\x0A-\x1F;]*$"  # one name: no control characters, no ';'


class MoveRequest(Decision):
    start: Day = Field(description="The day of the move; after today it is a planned move")
    placement_type: str | None = Field(
        default=None, max_length=40, description="Any placement type; the place's if omitted"
    )
    place_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    suitable: bool | None = Field(
        default=None, description="Mark a suitable type unsuitable; the type's policy if omitted"
    )
    expected_end: Day | None = Field(default=None, description="e.g. a custody release date")
    area: str = Field(default="", max_length=80, pattern=SHORT)


class EndStayRequest(Decision):
    on: Day
    reason: str = Field(max_length=40, description="moved, notice, evicted, abandoned, ...")


class LeaveRequest(Decision):
    on: Day = Field(description="Not after today")
    reason: str = Field(max_length=40, description="aged_out, declined_support, ...")


class MoveChangeRequest(Decision):
    reason: str = Field(max_length=40, description="young_person_declined, place_not_ready, ...")


class RedateRequest(MoveChangeRequest):
    start: Day


class YoungPersonEditRequest(Decision):
    """Only the fields sent are changed."""

    support_need: str | None = Field(default=None, max_length=20)
    risk_flags: list[Annotated[str, Field(max_length=60, pattern=SHORT)]] | None = None
    preferred_areas: list[Annotated[str, Field(max_length=80, pattern=SHORT)]] | None = None
    excluded_areas: list[Annotated[str, Field(max_length=80, pattern=SHORT)]] | None = None
    # the home area: where they live only when no current stay records one
    area: str | None = Field(default=None, max_length=80, pattern=SHORT)
    education_area: str | None = Field(default=None, max_length=80, pattern=SHORT)
    work_area: str | None = Field(default=None, max_length=80, pattern=SHORT)
    network_area: str | None = Field(default=None, max_length=80, pattern=SHORT)
    personal_adviser: str | None = Field(
        default=None, max_length=80, pattern=SHORT, description="A username; '' for none"
    )
    needs_step_free: bool | None = None
    has_child: bool | None = None
    pregnant: bool | None = None
    has_pet: bool | None = None
    asked_to_move: bool | None = None
    pathway_plan_review_due: Day | None = None
    # a care leaver's contact, kept with today's date in its history (SSDA903 codes)
    in_touch: str | None = Field(
        default=None, max_length=4, description="IN_TOUCH: YES, NO, DIED, REFU, NREQ, RHOM or ''"
    )
    activity: str | None = Field(
        default=None, max_length=2, description="ACTIV: F1 P1 F2 P2 F4 P4 F5 P5 G4 G5 G6 0 or ''"
    )
    latest_contact_on: Day | None = None


class ChangePublic(Public):
    """What a change to a young person's records left: their new version, the stay."""

    young_person_id: int
    version: int
    stay_id: int | None
    vacancy_id: int | None
    planned: bool


class SavedPublic(Public):
    """The record a change wrote and its new version (send it with the next change)."""

    id: int
    version: int


class VacancyDeclareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    place_id: int = Field(ge=1, le=2**31 - 1)
    available_from: Day


class NoticeRequest(Decision):
    last_day: Day = Field(description="The stay's last day; the place is free the day after")


class HoldRequest(Decision):
    young_person_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="None releases the hold"
    )


class WithdrawRequest(Decision):
    reason: str = Field(max_length=40, description="repairs, provider_withdrew, ...")


class ReopenRequest(Decision):
    available_from: Day | None = None


class ProvisionCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=40, pattern=SHORT)
    name: str = Field(min_length=1, max_length=120, pattern=NOTE)
    placement_type: str = Field(max_length=40)
    area: str = Field(default="", max_length=80, pattern=SHORT)
    provider: str = Field(default="", max_length=120, pattern=NOTE)
    cohort: str = Field(default="any", max_length=40)
    min_age: int = Field(default=16, ge=16, le=25)
    max_age: int = Field(default=25, ge=16, le=25)
    gender_rule: str = Field(default="any", max_length=40)
    support_level: str = Field(default="low", max_length=40)
    ofsted_registered: bool = False
    max_stay_months: int | None = Field(default=None, ge=1, le=120)
    pets_allowed: bool = False
    step_free: bool = False
    parent_and_child: bool = False
    weekly_cost: float = Field(default=0, ge=0, lt=100_000)
    contract: Literal["block", "spot"] = Field(
        default="spot", description="block: paid for whether filled or not; spot: when used"
    )
    opens_on: Day | None = None


class CloseRequest(Decision):
    closes_on: Day
    reason: str = Field(max_length=40, description="contract_ended, host_left, ...")


class PlaceCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provision_id: int = Field(ge=1, le=2**31 - 1)
    reference: str = Field(min_length=1, max_length=60, pattern=SHORT)
    label: str = Field(default="", max_length=80, pattern=NOTE)
    opens_on: Day | None = None
    vacant: bool = Field(default=True, description="Declare an open vacancy from opens_on")
