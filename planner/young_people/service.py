"""Keeping young people's records in the planner: moves, ended stays, leaving the service,
cancelling or re-dating a planned move, and editing a young person's details.

Every change here is written inside the caller's unit of work and never commits, and each
one is:

* **optimistic**: a compare-and-set on the young person's ``version`` (the one the person
  saw); a stale version is :class:`planner.core.errors.StaleRecord` (409) and nothing is
  kept. The compare-and-set is the first write, so on PostgreSQL it also queues any other
  change to the same young person behind this one;
* **permission-checked and scoped** when a ``viewer`` is given (the API, later the pages):
  the role needs the permission, and a personal adviser reaches only their own young people
  (anyone else's is "not found", as for reading). The command line passes no viewer: it is
  run by whoever administers the installation, like the imports;
* **audited** (``planner.core.audit.record``) by id and codes, never personal data;
* **live for escalations**: any change that may move someone into or out of unsuitable
  accommodation (or make a planned move current) calls
  :func:`planner.escalations.service.settle` in the same transaction, so the manager's
  queue is never stale.

A move dated after today is a *planned* stay (:mod:`planner.domain.stays`): the young
person stays where they are, escalated and counted, until that day. A move into a place
fills the place's open vacancy (a compare-and-set on the vacancy, as accepting a proposal
does) and is refused if someone lives there on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import Session, col, select

from planner.core import audit, clock
from planner.core.db import compare_and_set
from planner.core.errors import FieldInvalid, Forbidden, NotFound, StaleRecord
from planner.domain import PlacementType, ProposalStatus, Role, VacancyStatus
from planner.domain.permissions import Permission, check
from planner.domain.stays import not_ended_on, stay_state
from planner.domain.text import check_choice, check_day, day_words
from planner.escalations.service import settle
from planner.inventory.rules import free_from
from planner.models import Place, Proposal, Provision, Stay, User, Vacancy, YoungPerson, utcnow
from planner.records import contact
from planner.young_people.rules import (
    LeavingReason,
    MoveChangeReason,
    StayEndReason,
    check_move,
    clean_details,
    placement_type,
)
from planner.young_people.scope import scope_condition


@dataclass(frozen=True)
class Change:
    """What a change left behind: the young person's new version and the stay it touched."""

    young_person_id: int
    version: int
    stay_id: int | None = None
    vacancy_id: int | None = None
    planned: bool = False


def young_person_id(session: Session, reference: str) -> int:
    """The id of the young person with ``reference`` (for commands, which name people by
    reference); :class:`NotFound` if there is none."""
    found = session.exec(select(YoungPerson.id).where(YoungPerson.reference == reference)).first()
    if found is None:
        raise NotFound(f"There is no young person {reference}.")
    return found


def current_version(session: Session, person_id: int) -> int:
    """The young person's version now: a command acts on the latest, a page or API client
    sends the version its user saw."""
    person = session.get(YoungPerson, person_id)
    if person is None:
        raise NotFound()
    return person.version


def _claim(
    session: Session,
    person_id: int,
    expected_version: int,
    viewer: User | None,
    permission: Permission,
) -> YoungPerson:
    """Check the viewer may change this young person, then compare-and-set their version.

    A record outside the viewer's scope is :class:`NotFound` (ids cannot be probed); a
    version other than ``expected_version`` is :class:`StaleRecord`."""
    if viewer is not None:
        check(viewer.role, permission)
        seen = session.exec(
            select(YoungPerson.id).where(col(YoungPerson.id) == person_id, scope_condition(viewer))
        ).first()
        if seen is None:
            raise NotFound()
    return compare_and_set(session, YoungPerson, person_id, expected_version, updated_at=utcnow())


def _actor(actor: str, viewer: User | None) -> str:
    return viewer.username if viewer is not None else actor


def _open_ended(session: Session, person_id: int) -> Stay | None:
    """The young person's stay with no end: where they live now, or a move planned."""
    return session.exec(
        select(Stay).where(Stay.young_person_id == person_id, col(Stay.end_date).is_(None))
    ).first()


def _stays_from(session: Session, person_id: int, day: date) -> list[Stay]:
    """The young person's stays not ended on ``day`` (current then, or starting later)."""
    return list(
        session.exec(
            select(Stay)
            .where(Stay.young_person_id == person_id, not_ended_on(Stay, day))
            .order_by(col(Stay.start_date))
        )
    )


def _bump(stay: Stay) -> None:
    stay.version += 1


def _planned(session: Session, person_id: int, today: date) -> Stay | None:
    latest = _open_ended(session, person_id)
    if latest is not None and stay_state(latest, today) == "planned":
        return latest
    return None


def _occupant(session: Session, place_id: int, day: date, *, besides: int | None = None) -> bool:
    """Whether someone (other than stay ``besides``) lives in the place on ``day`` or moves
    in later without having left by then."""
    query = select(Stay.id).where(Stay.place_id == place_id, not_ended_on(Stay, day))
    if besides is not None:
        query = query.where(col(Stay.id) != besides)
    return session.exec(query).first() is not None


def _withdraw_open_proposals(session: Session, condition: sa.ColumnElement[bool]) -> int:
    found = list(
        session.exec(
            select(Proposal)
            .where(col(Proposal.status) == ProposalStatus.proposed, condition)
            .order_by(col(Proposal.id))
        )
    )
    for proposal in found:
        proposal.status = ProposalStatus.withdrawn
        proposal.version += 1
    return len(found)


# -- moves ---------------------------------------------------------------------------------------


def _fill_place(
    session: Session, place_id: int, person: YoungPerson, start: date, kind: PlacementType | None
) -> tuple[Place, Provision, Vacancy | None]:
    """Check a move into the place on ``start`` and fill its open vacancy, if it has one."""
    place = session.get(Place, place_id)
    if place is None:
        raise FieldInvalid("place_id", "There is no such place.")
    provision = session.get(Provision, place.provision_id)
    assert provision is not None
    if kind is not None and kind != provision.placement_type:
        raise FieldInvalid(
            "placement_type",
            f"The place is {PlacementType(provision.placement_type).label}, not {kind.label}.",
        )
    for closes in (place.closes_on, provision.closes_on):
        if closes is not None and closes <= start:
            raise FieldInvalid("place_id", f"The place closes on {day_words(closes)}.")
    if _occupant(session, place_id, start):
        raise FieldInvalid("place_id", f"The place is occupied on {day_words(start)}.")
    if place.reserved_for_id not in (None, person.id):
        raise FieldInvalid("place_id", "The place is held for another young person.")
    vacancy = session.exec(
        select(Vacancy)
        .where(Vacancy.place_id == place_id, Vacancy.status == VacancyStatus.open)
        .with_for_update(key_share=True)
    ).first()
    if vacancy is None:
        opens = max(place.opens_on or date.min, provision.opens_on or date.min)
        if start < opens:
            raise FieldInvalid("start", f"The place opens on {day_words(opens)}.")
        return place, provision, None
    free_on = free_from(vacancy, place, provision)
    if start < free_on:
        raise FieldInvalid("start", f"The place is free from {day_words(free_on)}.")
    filled = session.exec(  # type: ignore[call-overload]
        update(Vacancy)
        .where(
            col(Vacancy.id) == vacancy.id,
            col(Vacancy.status) == VacancyStatus.open,
            col(Vacancy.version) == vacancy.version,
        )
        .values(status=VacancyStatus.filled, version=Vacancy.version + 1, closed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if filled.rowcount != 1:
        raise StaleRecord("This vacancy was filled or withdrawn by someone else; reload.")
    _withdraw_open_proposals(session, col(Proposal.vacancy_id) == vacancy.id)
    return place, provision, vacancy


def record_move(
    session: Session,
    *,
    young_person_id: int,
    expected_version: int,
    start: date,
    placement_type_code: str | None = None,
    place_id: int | None = None,
    suitable: bool | None = None,
    expected_end: date | None = None,
    area: str = "",
    actor: str = "",
    viewer: User | None = None,
) -> Change:
    """Record a move to a new stay starting on ``start``; the stay they are in ends that day.

    Any placement type may be recorded (into bed and breakfast, custody with an expected
    release date, a place of a provision, "other suitable"...). With ``place_id`` the type
    is the provision's and the place's open vacancy is filled; the move is refused if
    someone lives in the place on that day. ``suitable`` may mark a suitable type
    unsuitable (:mod:`planner.domain.suitability`); an unsuitable type always is."""
    person = _claim(session, young_person_id, expected_version, viewer, Permission.record_moves)
    today = clock.today()
    if person.left_service_on is not None:
        raise FieldInvalid("start", "This young person has left the service.")
    kind = placement_type(placement_type_code) if placement_type_code else None
    if kind is None and place_id is None:
        raise FieldInvalid("placement_type", "Choose a placement type or a place.")
    check_day(start, "start", "date of the move")
    later = _stays_from(session, young_person_id, start)
    planned = _planned(session, young_person_id, today)
    if planned is not None:
        raise FieldInvalid(
            "start",
            f"A move is already planned for {day_words(planned.start_date)}; "
            "cancel or re-date it first.",
        )
    blocking = [s for s in later if s.start_date >= start]
    if blocking:
        first = min(blocking, key=lambda s: s.start_date)
        raise FieldInvalid(
            "start",
            f"A stay from {day_words(first.start_date)}"
            f" ({PlacementType(first.placement_type).label.lower()}) is already recorded; the"
            " move must be after it begins.",
        )
    ending = later[0] if later else None
    place = provision = vacancy = None
    if place_id is not None:
        place, provision, vacancy = _fill_place(session, place_id, person, start, kind)
        kind = PlacementType(provision.placement_type)
    assert kind is not None
    check_move(
        kind=kind,
        start=start,
        expected_end=expected_end,
        previous_start=ending.start_date if ending else None,
    )
    if ending is not None:
        ending.end_date = start
        ending.end_reason = StayEndReason.moved
        _bump(ending)
        session.add(ending)
        session.flush()
    where = check_area(area) or (provision.area if provision else "")
    stay = Stay(
        young_person_id=young_person_id,
        placement_type=kind,
        place_id=place.id if place else None,
        start_date=start,
        suitable=kind.suitable_by_policy if suitable is None else suitable,
        expected_end=expected_end,
        area=where,
        vacancy_id=vacancy.id if vacancy else None,
    )
    session.add(stay)
    # where they live is read from the stay on each day (planner.young_people.lives): the
    # record's own area is their home area, which a move (planned or not) never changes
    if place is not None:
        person.asked_to_move = False
    _withdraw_open_proposals(session, col(Proposal.young_person_id) == young_person_id)
    session.flush()
    who = _actor(actor, viewer)
    settle(session, young_person_id=young_person_id, today=today, actor=who)
    audit.record(
        session,
        actor=who,
        action="move",
        entity="young_person",
        entity_id=str(young_person_id),
        detail=(
            f"stay={stay.id} type={kind.value} place={place.id if place else ''} "
            f"vacancy={vacancy.id if vacancy else ''} "
            f"state={stay_state(stay, today)}"
        ),
    )
    return Change(
        young_person_id,
        person.version,
        stay.id,
        vacancy.id if vacancy else None,
        planned=stay.start_date > today,
    )


def check_area(area: str) -> str:
    """An area typed for a stay, checked like a young person's area."""
    return str(clean_details({"area": area})["area"]) if area else ""


def end_stay(
    session: Session,
    *,
    young_person_id: int,
    expected_version: int,
    on: date,
    reason: str,
    actor: str = "",
    viewer: User | None = None,
) -> Change:
    """End the young person's current stay on ``on`` (for a reason, a code), leaving no stay
    recorded after it: for a stay whose end is known before where they go next is."""
    person = _claim(session, young_person_id, expected_version, viewer, Permission.record_moves)
    check_choice(reason, StayEndReason, "reason", "reason the stay ended")
    check_day(on, "on", "date the stay ended")
    today = clock.today()
    if _planned(session, young_person_id, today) is not None:
        raise FieldInvalid("on", "A move is planned: cancel or re-date it instead.")
    stays = _stays_from(session, young_person_id, on)
    if not stays:
        raise FieldInvalid("on", f"No stay is recorded on {day_words(on)}.")
    stay = stays[0]
    if on <= stay.start_date:
        raise FieldInvalid(
            "on", f"The stay began on {day_words(stay.start_date)}; it must end after that."
        )
    stay.end_date = on
    stay.end_reason = reason
    _bump(stay)
    session.add(stay)
    session.flush()
    who = _actor(actor, viewer)
    settle(session, young_person_id=young_person_id, today=today, actor=who)
    audit.record(
        session,
        actor=who,
        action="end_stay",
        entity="stay",
        entity_id=str(stay.id),
        detail=f"young_person={young_person_id} reason={reason}",
    )
    return Change(young_person_id, person.version, stay.id)


def leave_service(
    session: Session,
    *,
    young_person_id: int,
    expected_version: int,
    on: date,
    reason: str,
    actor: str = "",
    viewer: User | None = None,
) -> Change:
    """Record that the young person left the service on ``on`` (not a later day): their
    current stay ends then, their proposals awaiting a decision are withdrawn and an open
    escalation closes ("left the service")."""
    person = _claim(session, young_person_id, expected_version, viewer, Permission.record_moves)
    check_choice(reason, LeavingReason, "reason", "reason they left")
    check_day(on, "on", "date they left")
    today = clock.today()
    if on > today:
        raise FieldInvalid("on", "The day they left cannot be in the future.")
    if person.left_service_on is not None:
        raise FieldInvalid(
            "on", f"They left the service on {day_words(person.left_service_on)} already."
        )
    if _planned(session, young_person_id, today) is not None:
        raise FieldInvalid("on", "A move is planned: cancel it before recording they left.")
    stay_id = None
    for stay in _stays_from(session, young_person_id, on):
        if stay.start_date >= on:
            raise FieldInvalid("on", "A stay starting on or after that day is recorded.")
        stay.end_date = on
        stay.end_reason = StayEndReason.left_service
        _bump(stay)
        session.add(stay)
        stay_id = stay.id
    person.left_service_on = on
    session.add(person)
    withdrawn = _withdraw_open_proposals(session, col(Proposal.young_person_id) == young_person_id)
    session.flush()
    who = _actor(actor, viewer)
    settle(session, young_person_id=young_person_id, today=today, actor=who)
    audit.record(
        session,
        actor=who,
        action="leave_service",
        entity="young_person",
        entity_id=str(young_person_id),
        detail=f"reason={reason} stay={stay_id or ''} proposals_withdrawn={withdrawn}",
    )
    return Change(young_person_id, person.version, stay_id)


def _previous(session: Session, planned: Stay) -> Stay | None:
    """The stay a planned move ends: the young person's stay that ends on its first day."""
    return session.exec(
        select(Stay).where(
            Stay.young_person_id == planned.young_person_id,
            Stay.end_date == planned.start_date,
            col(Stay.id) != planned.id,
        )
    ).first()


def cancel_move(
    session: Session,
    *,
    young_person_id: int,
    expected_version: int,
    reason: str,
    actor: str = "",
    viewer: User | None = None,
) -> Change:
    """Cancel the young person's planned move: the planned stay is removed, the stay it
    would have ended is open-ended again, and the vacancy it filled reopens (the same row,
    back to open, unless the place has another open vacancy by now); a proposal accepted
    for it is marked ``cancelled``, so the record shows the move was agreed and then called
    off. The audit trail keeps the removed stay's id and the reason."""
    person = _claim(session, young_person_id, expected_version, viewer, Permission.record_moves)
    check_choice(reason, MoveChangeReason, "reason", "reason")
    today = clock.today()
    planned = _planned(session, young_person_id, today)
    if planned is None:
        raise FieldInvalid("young_person", "No move is planned for this young person.")
    previous = _previous(session, planned)
    reopened = ""
    if planned.vacancy_id is None and planned.place_id is not None:
        # a move accepted before stays kept their vacancy: the accepted proposal knows it
        planned.vacancy_id = session.exec(
            select(Proposal.vacancy_id)
            .join(Vacancy, col(Vacancy.id) == Proposal.vacancy_id)
            .where(
                Proposal.young_person_id == young_person_id,
                Proposal.status == ProposalStatus.accepted,
                Vacancy.place_id == planned.place_id,
            )
            .order_by(col(Proposal.id).desc())
        ).first()
    if planned.vacancy_id is not None:
        vacancy = session.get(Vacancy, planned.vacancy_id)
        other_open = session.exec(
            select(Vacancy.id).where(
                Vacancy.place_id == planned.place_id, Vacancy.status == VacancyStatus.open
            )
        ).first()
        if vacancy is not None and vacancy.status == VacancyStatus.filled and other_open is None:
            vacancy.status = VacancyStatus.open
            vacancy.closed_at = None
            vacancy.version += 1
            session.add(vacancy)
            reopened = str(vacancy.id)
        for proposal in session.exec(
            select(Proposal).where(
                Proposal.vacancy_id == planned.vacancy_id,
                Proposal.young_person_id == young_person_id,
                Proposal.status == ProposalStatus.accepted,
            )
        ):
            proposal.status = ProposalStatus.cancelled
            proposal.version += 1
            session.add(proposal)
    removed = planned.id
    session.delete(planned)
    session.flush()  # the planned stay goes before the previous one is open-ended again
    if previous is not None:
        previous.end_date = None
        previous.end_reason = ""
        _bump(previous)
        session.add(previous)
        session.flush()
    who = _actor(actor, viewer)
    settle(session, young_person_id=young_person_id, today=today, actor=who)
    audit.record(
        session,
        actor=who,
        action="cancel_move",
        entity="young_person",
        entity_id=str(young_person_id),
        detail=f"stay={removed} reason={reason} vacancy_reopened={reopened}",
    )
    return Change(
        young_person_id,
        person.version,
        previous.id if previous else None,
        int(reopened) if reopened else None,
    )


def redate_move(
    session: Session,
    *,
    young_person_id: int,
    expected_version: int,
    start: date,
    reason: str,
    actor: str = "",
    viewer: User | None = None,
) -> Change:
    """Move the day of a planned move: the planned stay starts on ``start`` and the stay it
    replaces ends that day. A new day of today or earlier makes the move current now (and
    settles the escalation in this transaction)."""
    person = _claim(session, young_person_id, expected_version, viewer, Permission.record_moves)
    check_choice(reason, MoveChangeReason, "reason", "reason")
    check_day(start, "start", "new date of the move")
    today = clock.today()
    planned = _planned(session, young_person_id, today)
    if planned is None:
        raise FieldInvalid("young_person", "No move is planned for this young person.")
    previous = _previous(session, planned)
    if previous is not None and start <= previous.start_date:
        raise FieldInvalid(
            "start",
            f"The move must be after the current stay began ({day_words(previous.start_date)}).",
        )
    if planned.expected_end is not None and planned.expected_end < start:
        raise FieldInvalid("start", "The move cannot start after its expected end.")
    if planned.place_id is not None:
        place = session.get(Place, planned.place_id)
        assert place is not None
        provision = session.get(Provision, place.provision_id)
        assert provision is not None
        if _occupant(session, place.id, start, besides=planned.id):  # type: ignore[arg-type]
            raise FieldInvalid("start", f"The place is occupied on {day_words(start)}.")
        vacancy = session.get(Vacancy, planned.vacancy_id) if planned.vacancy_id else None
        free_on = (
            free_from(vacancy, place, provision)
            if vacancy
            else max(place.opens_on or date.min, provision.opens_on or date.min)
        )
        if start < free_on:
            raise FieldInvalid("start", f"The place is free from {day_words(free_on)}.")
    was = planned.start_date
    # the order keeps end_date >= start_date true after each statement
    if start > was and previous is not None:
        previous.end_date = start
        _bump(previous)
        session.add(previous)
        session.flush()
    planned.start_date = start
    _bump(planned)
    session.add(planned)
    session.flush()
    if start < was and previous is not None:
        previous.end_date = start
        _bump(previous)
        session.add(previous)
        session.flush()
    who = _actor(actor, viewer)
    settle(session, young_person_id=young_person_id, today=today, actor=who)
    audit.record(
        session,
        actor=who,
        action="redate_move",
        entity="stay",
        entity_id=str(planned.id),
        detail=f"young_person={young_person_id} from={was.isoformat()} "
        f"to={start.isoformat()} reason={reason}",
    )
    return Change(young_person_id, person.version, planned.id, planned.vacancy_id, start > today)


# -- details -------------------------------------------------------------------------------------


def edit_details(
    session: Session,
    *,
    young_person_id: int,
    expected_version: int,
    changes: dict[str, object],
    actor: str = "",
    viewer: User | None = None,
) -> Change:
    """Change a young person's details (needs, preferences, risks, areas, adviser, support
    need, step-free, child, pet, pathway plan review, asked to move). A personal adviser may
    edit only their own young people, and cannot hand one to another adviser. The audit
    trail names the fields changed, never their values."""
    cleaned = clean_details(changes)
    if not cleaned:
        raise FieldInvalid("changes", "Nothing to change.")
    person = _claim(
        session, young_person_id, expected_version, viewer, Permission.edit_young_people
    )
    # after the scope check: another adviser's young person stays "not found"
    adviser_changes = viewer is not None and "personal_adviser" in cleaned
    if adviser_changes and viewer.role == Role.personal_adviser:  # type: ignore[union-attr]
        raise Forbidden("Only a housing officer or a manager can change the adviser.")
    if "personal_adviser" in cleaned:
        name = str(cleaned.pop("personal_adviser")).lower()
        adviser = None
        if name:
            adviser = session.exec(
                select(User).where(sa.func.lower(User.username) == name, col(User.active))
            ).first()
            if adviser is None or adviser.role != Role.personal_adviser:
                raise FieldInvalid(
                    "personal_adviser", "There is no personal adviser with that username."
                )
        cleaned["personal_adviser_id"] = adviser.id if adviser else None
    contact_changes = contact.changes(person, cleaned)
    if contact_changes:
        contact.note_before_change(session, person, clock.today())
    for field, value in cleaned.items():
        setattr(person, field, value)
    session.add(person)
    session.flush()
    if contact_changes:  # kept with its day, so a past year's return reads what was true
        contact.note_values_of(session, person, clock.today())
        session.flush()
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="edit",
        entity="young_person",
        entity_id=str(young_person_id),
        detail="fields=" + ",".join(sorted(changes)),
    )
    return Change(young_person_id, person.version)
