"""Reading young people's records, within what the viewer's role allows.

The data-level half of least privilege lives here, not in the web layer, so the pages, the
JSON API and any later command all get the same answer:

* housing officers and managers see every current young person;
* personal advisers see only the young people they are the adviser of; anyone else's record
  is "not found", so ids cannot be probed;
* commissioners and administrators see no named young person at all (``Forbidden``).

Every view of one young person's record writes an audit event naming the record by id, so
"who looked at my file" can be answered for a subject access request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from planner.core import audit, clock
from planner.core.errors import NotFound
from planner.core.listing import ListParams, Reversed, page_query
from planner.domain import PlacementType, age_on, in_care_after_18, in_care_on, legal_status_on
from planner.domain.permissions import Permission, check
from planner.domain.stays import StayState, stay_state
from planner.domain.suitability import is_suitable, unsuitable_condition
from planner.models import Place, Provision, Stay, User, YoungPerson
from planner.records import contact
from planner.young_people.lives import LIVES_IN, area_of, join_current_stay
from planner.young_people.scope import is_closed, scope_condition


@dataclass(frozen=True)
class YoungPersonRow:
    """One line of a caseload list: enough to find the person, nothing sensitive."""

    id: int
    reference: str
    age: int
    legal_status: str
    placement_type: str | None
    placement_label: str
    suitable: bool | None
    area: str  # where they live today (planner.young_people.lives)
    personal_adviser: str


# the columns the young people list can be sorted by (the keys of its ``sort`` parameter)
YOUNG_PEOPLE_SORTS = ("reference", "age", "legal_status", "placement", "area", "adviser")


@dataclass(frozen=True)
class YoungPeoplePage:
    rows: list[YoungPersonRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class StayLine:
    placement_type: str
    placement_label: str
    provision: str
    area: str
    start_date: date
    end_date: date | None
    expected_end: date | None
    suitable: bool
    state: StayState  # on the day the record is read: planned, current or ended
    id: int = 0
    version: int = 1  # for a change to this stay (a notice to end), compare-and-set
    end_reason: str = ""


@dataclass(frozen=True)
class ContactLine:
    """A care leaver's contact from a day on (OC3's in touch and activity, 903 codes)."""

    recorded_on: date
    in_touch: str
    latest_contact_on: date | None
    activity: str


@dataclass(frozen=True)
class YoungPersonRecord:
    """What a personal adviser, housing officer or manager reads about one young person."""

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
    area: str  # where they live on the day the record is read (planner.young_people.lives)
    preferred_areas: list[str]
    excluded_areas: list[str]
    education_area: str
    work_area: str
    network_area: str
    asked_to_move: bool
    personal_adviser: str
    pathway_plan_review_due: date | None
    current_stay: StayLine | None
    planned_stay: StayLine | None  # a move accepted for a later day
    stays: list[StayLine]
    version: int = 1  # send it back with a change: a stale version is refused (409)
    # a care leaver's contact now (903 codes, blank if not recorded) and how it changed
    in_touch: str = ""
    latest_contact_on: date | None = None
    activity: str = ""
    contact_history: list[ContactLine] = field(default_factory=list)  # most recent first
    # the area kept on the record: where they live only when no current stay says (the
    # details form edits it; a move never does)
    home_area: str = ""
    # their 18th birthday, when the current stay is still foster or residential care after
    # it (planner.domain.dates.in_care_after_18): where they live now needs recording
    in_care_until: date | None = None


def _split(text: str) -> list[str]:
    return [part for part in (p.strip() for p in text.split(";")) if part]


def _scoped(
    viewer: User, *, include_closed: bool = False, today: date | None = None
) -> sa.ColumnElement[bool]:
    """The WHERE clause for the young people ``viewer`` may see in the records (those who
    have left the service only if asked for and the role may, see young_people/scope.py)."""
    check(viewer.role, Permission.view_young_people)
    return scope_condition(viewer, include_closed=include_closed, today=today)


def _label(placement_type: str | None) -> str:
    return PlacementType(placement_type).label if placement_type else "Not known"


def list_young_people(
    session: Session,
    *,
    viewer: User,
    unsuitable_only: bool = False,
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
    search: str = "",
    adviser: str = "",
    area: str = "",
    placement_type: str = "",
    suitable: bool | None = None,
    sort: ListParams | None = None,
) -> YoungPeoplePage:
    """The current young people ``viewer`` may see, by reference (or as ``sort`` says: a
    key of :data:`YOUNG_PEOPLE_SORTS`), one page at a time; optionally those whose reference
    contains ``search``, of one personal adviser (a username), living in one area, in one
    placement type or in suitable (``suitable`` True) or unsuitable (False, or
    ``unsuitable_only``) accommodation now."""
    today = today or clock.today()
    where = [_scoped(viewer), col(YoungPerson.left_service_on).is_(None)]
    if unsuitable_only:
        suitable = False
    needs_stay = suitable is not None or bool(placement_type)
    if suitable is False:
        where.append(unsuitable_condition(Stay.placement_type, Stay.suitable))
    elif suitable is True:
        where.append(sa.not_(unsuitable_condition(Stay.placement_type, Stay.suitable)))
    if placement_type:
        where.append(col(Stay.placement_type) == PlacementType(placement_type))
    if search.strip():
        where.append(
            sa.func.upper(col(YoungPerson.reference)).contains(
                search.strip().upper(), autoescape=True
            )
        )
    if adviser:
        where.append(sa.func.lower(col(User.username)) == adviser.strip().lower())
    if area:
        where.append(sa.literal(area) == LIVES_IN)
    base = (
        join_current_stay(select(YoungPerson, Stay, User, LIVES_IN), today, outer=not needs_stay)
        .join(User, User.id == YoungPerson.personal_adviser_id, isouter=True)  # type: ignore[arg-type]
        .where(*where)
    )
    params = sort or ListParams(sort="reference", page=page, per_page=per_page)
    columns = {
        "reference": [col(YoungPerson.reference)],
        "age": [Reversed(col(YoungPerson.date_of_birth))],
        "legal_status": [col(YoungPerson.legal_status)],
        "placement": [col(Stay.placement_type)],
        "area": [LIVES_IN],
        "adviser": [col(User.username)],
    }
    found = page_query(session, base, params, columns, tie_break=[col(YoungPerson.reference)])
    rows, total, page, pages = found.rows, found.total, found.page, found.pages
    return YoungPeoplePage(
        rows=[
            YoungPersonRow(
                id=person.id,  # type: ignore[arg-type]
                reference=person.reference,
                age=age_on(person.date_of_birth, today),
                legal_status=str(legal_status_on(person.legal_status, person.date_of_birth, today)),
                placement_type=str(stay.placement_type) if stay else None,
                placement_label=_label(str(stay.placement_type) if stay else None),
                suitable=is_suitable(stay.placement_type, stay.suitable) if stay else None,
                area=lives or "",
                personal_adviser=adviser.username if adviser else "",
            )
            for person, stay, adviser, lives in rows
        ],
        total=total,
        page=page,
        pages=pages,
    )


def list_filters(session: Session, *, viewer: User) -> tuple[list[str], list[str]]:
    """The personal advisers (usernames) and areas of the young people ``viewer`` may see,
    for the list's filters."""
    where = [_scoped(viewer), col(YoungPerson.left_service_on).is_(None)]
    advisers = session.exec(
        select(User.username)
        .join(YoungPerson, col(YoungPerson.personal_adviser_id) == User.id)
        .where(*where)
        .distinct()
    ).all()
    areas = session.exec(
        join_current_stay(select(LIVES_IN), clock.today()).where(*where).distinct()
    ).all()
    return sorted(advisers), sorted({a for a in areas if a})


def _stay_lines(session: Session, person_id: int, today: date) -> list[StayLine]:
    rows = session.exec(
        select(Stay, Provision)
        .join(Place, Place.id == Stay.place_id, isouter=True)  # type: ignore[arg-type]
        .join(Provision, Provision.id == Place.provision_id, isouter=True)  # type: ignore[arg-type]
        .where(Stay.young_person_id == person_id)
        .order_by(col(Stay.start_date).desc())
    ).all()
    return [
        StayLine(
            placement_type=str(stay.placement_type),
            placement_label=_label(str(stay.placement_type)),
            provision=provision.name if provision else "",
            area=area_of(stay.area, provision.area if provision else "", ""),
            start_date=stay.start_date,
            end_date=stay.end_date,
            expected_end=stay.expected_end,
            suitable=is_suitable(stay.placement_type, stay.suitable),
            state=stay_state(stay, today),
            id=stay.id,  # type: ignore[arg-type]
            version=stay.version,
            end_reason=stay.end_reason,
        )
        for stay, provision in rows
    ]


def get_record(
    session: Session, *, viewer: User, young_person_id: int, today: date | None = None
) -> YoungPersonRecord:
    """One young person's record, audited as a view by ``viewer``.

    Raises ``Forbidden`` for roles that see no named young person and ``NotFound`` for a
    record outside the viewer's scope (or that does not exist): the two look the same.
    Someone who has left the service is outside every scope, except for a role with
    ``view_closed_records``, whose view is audited as ``view_closed_record``.
    """
    today = today or clock.today()
    where = _scoped(viewer, include_closed=True, today=today)
    person = session.exec(
        select(YoungPerson).where(YoungPerson.id == young_person_id, where)
    ).first()
    if person is None:
        raise NotFound()
    adviser = session.get(User, person.personal_adviser_id) if person.personal_adviser_id else None
    stays = _stay_lines(session, young_person_id, today)
    current = next((s for s in stays if s.state == "current"), None)
    audit.record(
        session,
        actor=viewer.username,
        action="view_closed_record" if is_closed(person, today) else "view",
        entity="young_person",
        entity_id=str(person.id),
    )
    return YoungPersonRecord(
        id=person.id,  # type: ignore[arg-type]
        reference=person.reference,
        date_of_birth=person.date_of_birth,
        age=age_on(person.date_of_birth, today),
        gender=str(person.gender),
        legal_status=str(legal_status_on(person.legal_status, person.date_of_birth, today)),
        in_care=in_care_on(person.in_care, person.date_of_birth, today),
        uasc=person.uasc,
        asylum_status=str(person.asylum_status),
        support_need=str(person.support_need),
        risk_flags=_split(person.risk_flags),
        needs_step_free=person.needs_step_free,
        has_child=person.has_child,
        pregnant=person.pregnant,
        has_pet=person.has_pet,
        area=area_of(current.area if current else "", "", person.area),
        preferred_areas=_split(person.preferred_areas),
        excluded_areas=_split(person.excluded_areas),
        education_area=person.education_area,
        work_area=person.work_area,
        network_area=person.network_area,
        asked_to_move=person.asked_to_move,
        personal_adviser=adviser.username if adviser else "",
        pathway_plan_review_due=person.pathway_plan_review_due,
        current_stay=current,
        planned_stay=next((s for s in stays if s.state == "planned"), None),
        stays=stays,
        version=person.version,
        in_touch=person.in_touch,
        latest_contact_on=person.latest_contact_on,
        activity=person.activity,
        contact_history=[
            ContactLine(c.recorded_on, c.in_touch, c.latest_contact_on, c.activity)
            for c in reversed(contact.history_of(session, young_person_id))
        ],
        home_area=person.area,
        in_care_until=in_care_after_18(
            current.placement_type if current else None, person.date_of_birth, today
        ),
    )
