"""Reading the inventory: provisions, their places and open vacancies, and the totals.

None of this names a young person: a vacancy is a place free from a date, and the counts of
occupied places are counts. That is what lets commissioners use these pages while never
seeing a named young person (a place reserved for someone is shown only as a count).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from planner.core import clock
from planner.core.errors import NotFound
from planner.core.listing import ListParams, Paged, page_query, page_rows
from planner.domain import PlacementType, VacancyStatus
from planner.domain.permissions import Permission, check
from planner.domain.stays import current_on
from planner.domain.text import check_text
from planner.inventory.rules import free_from
from planner.inventory.status import Summary, summarise
from planner.models import Place, Provision, Stay, User, Vacancy


@dataclass(frozen=True)
class ProvisionRow:
    id: int
    reference: str
    name: str
    placement_type: str
    placement_label: str
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
    version: int = 1  # send it back with a change (close): a stale version is refused
    closes_on: date | None = None


@dataclass(frozen=True)
class VacancyRow:
    id: int
    provision_reference: str
    provision: str
    placement_type: str
    placement_label: str
    area: str
    place: str
    available_from: date
    min_age: int
    max_age: int
    support_level: str
    ofsted_registered: bool
    version: int = 1  # send it back with a change (hold, withdraw): stale is refused
    place_id: int = 0
    reserved: bool = False


@dataclass(frozen=True)
class PlaceRow:
    """One place of a provision, with what a change to it needs (its version). Whether it
    is occupied or held is a yes or no: never who."""

    id: int
    reference: str
    label: str
    opens_on: date | None
    closes_on: date | None
    occupied: bool
    held: bool
    open_vacancy_id: int | None
    version: int


def _placement_filter(placement_type: str | None) -> PlacementType | None:
    return PlacementType(placement_type) if placement_type else None


def list_provisions(
    session: Session,
    *,
    viewer: User,
    placement_type: str | None = None,
    today: date | None = None,
) -> list[ProvisionRow]:
    """Every provision (or those of one placement type) with its places, occupancy on
    ``today`` (a place someone moves into later is not occupied yet) and open vacancies,
    by placement type then name."""
    check(viewer.role, Permission.view_provisions)
    kind = _placement_filter(placement_type)
    query = select(Provision)
    if kind is not None:
        query = query.where(Provision.placement_type == kind)
    provisions = list(session.exec(query.order_by(Provision.placement_type, Provision.name)))
    return _provision_rows(session, provisions, today or clock.today())


# the columns the provisions list can be sorted by (the keys of its ``sort`` parameter)
PROVISION_SORTS = ("name", "placement", "area", "ages", "places", "occupied", "vacancies")


def page_provisions(
    session: Session,
    *,
    viewer: User,
    params: ListParams,
    placement_type: str | None = None,
    area: str = "",
    search: str = "",
    today: date | None = None,
) -> Paged[ProvisionRow]:
    """One page of the provisions list, sorted by a key of :data:`PROVISION_SORTS` and
    filtered by placement type, area and a part of the name or reference, in SQL (the
    counts are counted in SQL too, so sorting by them needs no whole list in memory)."""
    check(viewer.role, Permission.view_provisions)
    day = today or clock.today()
    kind = _placement_filter(placement_type)
    places = (
        select(sa.func.count()).where(col(Place.provision_id) == Provision.id).scalar_subquery()
    )
    occupied = (
        select(sa.func.count())
        .select_from(Stay)
        .join(Place, col(Place.id) == Stay.place_id)
        .where(col(Place.provision_id) == Provision.id, current_on(Stay, day))
        .scalar_subquery()
    )
    vacancies = (
        select(sa.func.count())
        .select_from(Vacancy)
        .join(Place, col(Place.id) == Vacancy.place_id)
        .where(col(Place.provision_id) == Provision.id, Vacancy.status == VacancyStatus.open)
        .scalar_subquery()
    )
    query = select(Provision)
    if kind is not None:
        query = query.where(Provision.placement_type == kind)
    if area:
        query = query.where(Provision.area == check_text(area, "The area"))
    if search.strip():
        text = search.strip().upper()
        query = query.where(
            sa.or_(
                sa.func.upper(col(Provision.name)).contains(text, autoescape=True),
                sa.func.upper(col(Provision.reference)).contains(text, autoescape=True),
            )
        )
    columns = {
        "name": [col(Provision.name)],
        "placement": [col(Provision.placement_type)],
        "area": [col(Provision.area)],
        "ages": [col(Provision.min_age), col(Provision.max_age)],
        "places": [places],
        "occupied": [occupied],
        "vacancies": [vacancies],
    }
    found = page_query(session, query, params, columns, tie_break=[col(Provision.name)])
    rows = _provision_rows(session, list(found.rows), day)
    return Paged(rows=rows, total=found.total, page=found.page, pages=found.pages)


def _provision_rows(session: Session, provisions: list[Provision], day: date) -> list[ProvisionRow]:
    """The rows of ``provisions`` (in their order) with their counts on ``day``."""
    ids = [p.id for p in provisions]
    places = {
        p.id: p.provision_id
        for p in session.exec(select(Place).where(col(Place.provision_id).in_(ids)))
    }
    occupied: Counter[int | None] = Counter(
        places[s.place_id]
        for s in session.exec(
            select(Stay).where(current_on(Stay, day), col(Stay.place_id).in_(list(places)))
        )
        if s.place_id in places
    )
    vacancies: Counter[int | None] = Counter(
        places[v.place_id]
        for v in session.exec(
            select(Vacancy).where(
                Vacancy.status == VacancyStatus.open, col(Vacancy.place_id).in_(list(places))
            )
        )
    )
    per_provision: Counter[int | None] = Counter(places.values())
    return [
        ProvisionRow(
            id=p.id,  # type: ignore[arg-type]
            reference=p.reference,
            name=p.name,
            placement_type=str(p.placement_type),
            placement_label=PlacementType(p.placement_type).label,
            area=p.area,
            provider=p.provider,
            cohort=str(p.cohort),
            min_age=p.min_age,
            max_age=p.max_age,
            support_level=str(p.support_level),
            ofsted_registered=p.ofsted_registered,
            places=per_provision[p.id],
            occupied=occupied[p.id],
            open_vacancies=vacancies[p.id],
            version=p.version,
            closes_on=p.closes_on,
        )
        for p in provisions
    ]


def list_vacancies(
    session: Session,
    *,
    viewer: User,
    placement_type: str | None = None,
    area: str | None = None,
) -> list[VacancyRow]:
    """Open vacancies, soonest first, optionally of one placement type or in one area.

    A vacancy's date is the day someone can move in (:func:`free_from`), not the day it was
    declared free: a place that has not opened yet is not free, whatever the vacancy says."""
    check(viewer.role, Permission.view_vacancies)
    kind = _placement_filter(placement_type)
    query = (
        select(Vacancy, Place, Provision)
        .join(Place, Place.id == Vacancy.place_id)  # type: ignore[arg-type]
        .join(Provision, Provision.id == Place.provision_id)  # type: ignore[arg-type]
        .where(Vacancy.status == VacancyStatus.open)
    )
    if kind is not None:
        query = query.where(Provision.placement_type == kind)
    if area:
        query = query.where(Provision.area == check_text(area, "The area"))
    rows = session.exec(query.order_by(Provision.name, Place.reference))
    found = [
        VacancyRow(
            id=vacancy.id,  # type: ignore[arg-type]
            provision_reference=provision.reference,
            provision=provision.name,
            placement_type=str(provision.placement_type),
            placement_label=PlacementType(provision.placement_type).label,
            area=provision.area,
            place=place.label or place.reference,
            available_from=free_from(vacancy, place, provision),
            min_age=provision.min_age,
            max_age=provision.max_age,
            support_level=str(provision.support_level),
            ofsted_registered=provision.ofsted_registered,
            version=vacancy.version,
            place_id=place.id,  # type: ignore[arg-type]
            reserved=place.reserved_for_id is not None,
        )
        for vacancy, place, provision in rows
    ]
    return sorted(found, key=lambda row: row.available_from)


# the columns the vacancies list can be sorted by (the keys of its ``sort`` parameter)
VACANCY_SORTS = ("provision", "placement", "area", "place", "free_from", "ages", "support")
_SUPPORT_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3}


def page_vacancies(
    session: Session,
    *,
    viewer: User,
    params: ListParams,
    placement_type: str | None = None,
    area: str | None = None,
) -> Paged[VacancyRow]:
    """One page of the open vacancies, sorted by a key of :data:`VACANCY_SORTS`. Sorted in
    Python, not SQL: the day a vacancy is free from is worked out per place
    (:func:`free_from`), and the open vacancies are a few hundred at most."""
    rows = list_vacancies(session, viewer=viewer, placement_type=placement_type, area=area)
    keys = {
        "provision": lambda r: (r.provision.lower(), r.place.lower()),
        "placement": lambda r: r.placement_label,
        "area": lambda r: r.area.lower(),
        "place": lambda r: r.place.lower(),
        "free_from": lambda r: r.available_from,
        "ages": lambda r: (r.min_age, r.max_age),
        "support": lambda r: _SUPPORT_ORDER.get(r.support_level, 9),
    }
    return page_rows(rows, params, keys)


def areas(session: Session, *, viewer: User) -> list[str]:
    """The areas provisions are in, for filters."""
    check(viewer.role, Permission.view_vacancies)
    return sorted({a for a in session.exec(select(Provision.area)) if a})


def overview(session: Session, *, viewer: User, as_of: date | None = None) -> Summary:
    """Today's totals (placements by type and suitability, vacancies, lots, flats)."""
    check(viewer.role, Permission.view_overview)
    return summarise(session, as_of)


def list_places(
    session: Session, *, viewer: User, provision_id: int, today: date | None = None
) -> list[PlaceRow]:
    """The places of one provision by reference, occupied or not on ``today``."""
    check(viewer.role, Permission.view_provisions)
    if session.get(Provision, provision_id) is None:
        raise NotFound("There is no such provision.")
    day = today or clock.today()
    places = list(
        session.exec(
            select(Place).where(Place.provision_id == provision_id).order_by(Place.reference)
        )
    )
    ids = [p.id for p in places]
    occupied = set(
        session.exec(
            select(Stay.place_id).where(col(Stay.place_id).in_(ids), current_on(Stay, day))
        )
    )
    vacancies = dict(
        session.exec(
            select(Vacancy.place_id, Vacancy.id).where(
                col(Vacancy.place_id).in_(ids), Vacancy.status == VacancyStatus.open
            )
        ).all()
    )
    return [
        PlaceRow(
            id=p.id,  # type: ignore[arg-type]
            reference=p.reference,
            label=p.label,
            opens_on=p.opens_on,
            closes_on=p.closes_on,
            occupied=p.id in occupied,
            held=p.reserved_for_id is not None,
            open_vacancy_id=vacancies.get(p.id),  # type: ignore[arg-type]
            version=p.version,
        )
        for p in places
    ]


@dataclass(frozen=True)
class VacancyDetail:
    """One vacancy of any status, for its own page (held as yes or no, never for whom)."""

    id: int
    status: str
    provision_id: int
    provision: str
    placement_label: str
    area: str
    place: str
    place_id: int
    available_from: date  # the day someone can move in (:func:`free_from`)
    held: bool
    version: int


def get_provision(
    session: Session, *, viewer: User, provision_id: int, today: date | None = None
) -> ProvisionRow:
    """One provision with its counts, as :func:`list_provisions` shows it."""
    check(viewer.role, Permission.view_provisions)
    provision = session.get(Provision, provision_id)
    if provision is None:
        raise NotFound("There is no such provision.")
    rows = list_provisions(
        session, viewer=viewer, placement_type=str(provision.placement_type), today=today
    )
    return next(r for r in rows if r.id == provision_id)


def get_vacancy(session: Session, *, viewer: User, vacancy_id: int) -> VacancyDetail:
    """One vacancy (open, filled or withdrawn) with its place and provision."""
    check(viewer.role, Permission.view_vacancies)
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound("There is no such vacancy.")
    place = session.get(Place, vacancy.place_id)
    assert place is not None
    provision = session.get(Provision, place.provision_id)
    assert provision is not None
    return VacancyDetail(
        id=vacancy_id,
        status=str(vacancy.status),
        provision_id=provision.id,  # type: ignore[arg-type]
        provision=provision.name,
        placement_label=PlacementType(provision.placement_type).label,
        area=provision.area,
        place=place.label or place.reference,
        place_id=place.id,  # type: ignore[arg-type]
        available_from=free_from(vacancy, place, provision),
        held=place.reserved_for_id is not None,
        version=vacancy.version,
    )
