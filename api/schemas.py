"""What the JSON API returns: public schemas built from the services' read models, never
table models (a table model would carry every column, present and future, to the client)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


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
