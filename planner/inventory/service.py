"""Keeping the inventory in the planner: vacancies (declared by hand or from a stay's notice,
held for a young person, withdrawn, reopened), provisions and places (added, closed).

As in :mod:`planner.young_people.service`: every write is inside the caller's unit of work,
a compare-and-set on the record's ``version`` (:class:`StaleRecord`, 409, if someone changed
it first), permission-checked when a ``viewer`` is given (``manage_inventory``), audited by
id and code, and every refusal names its field (:class:`FieldInvalid`).

A place holds one young person at a time and has at most one open vacancy (the partial
unique indexes); a place or provision cannot close while someone lives there on that day,
and closing withdraws its open vacancies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from planner.core import audit, clock
from planner.core.db import compare_and_set
from planner.core.errors import FieldInvalid, NotFound
from planner.domain import (
    Cohort,
    Contract,
    GenderRule,
    PlacementType,
    ProposalStatus,
    SupportLevel,
    VacancyStatus,
)
from planner.domain.permissions import Permission, check
from planner.domain.stays import not_ended_on
from planner.domain.text import check_choice, check_day, check_text, day_words
from planner.models import Place, Proposal, Provision, Stay, User, Vacancy, YoungPerson, utcnow


class WithdrawReason(StrEnum):
    """Why a vacancy was withdrawn (kept in the audit trail)."""

    filled_outside_planner = "filled_outside_planner"
    provider_withdrew = "provider_withdrew"
    repairs = "repairs"
    declared_in_error = "declared_in_error"
    other = "other"


class ClosureReason(StrEnum):
    """Why a provision or a place closed."""

    contract_ended = "contract_ended"
    host_left = "host_left"
    decommissioned = "decommissioned"
    converted = "converted"
    other = "other"


@dataclass(frozen=True)
class Saved:
    """The record a change wrote, and its new version (for the next compare-and-set)."""

    id: int
    version: int


def _allowed(viewer: User | None) -> None:
    if viewer is not None:
        check(viewer.role, Permission.manage_inventory)


def _actor(actor: str, viewer: User | None) -> str:
    return viewer.username if viewer is not None else actor


def _occupied(session: Session, place_ids: list[int], day: date, besides: int | None = None) -> int:
    """How many of the places someone lives in on ``day`` (or moves into later)."""
    query = select(Stay.place_id).where(col(Stay.place_id).in_(place_ids), not_ended_on(Stay, day))
    if besides is not None:
        query = query.where(col(Stay.id) != besides)
    return len(set(session.exec(query)))


def _open_vacancy(session: Session, place_id: int) -> Vacancy | None:
    return session.exec(
        select(Vacancy).where(Vacancy.place_id == place_id, Vacancy.status == VacancyStatus.open)
    ).first()


def _withdraw_proposals(session: Session, vacancy_ids: list[int]) -> None:
    for proposal in session.exec(
        select(Proposal).where(
            col(Proposal.vacancy_id).in_(vacancy_ids),
            col(Proposal.status) == ProposalStatus.proposed,
        )
    ):
        proposal.status = ProposalStatus.withdrawn
        proposal.version += 1


def place_id(session: Session, reference: str) -> int:
    found = session.exec(select(Place.id).where(Place.reference == reference)).first()
    if found is None:
        raise NotFound(f"There is no place {reference}.")
    return found


def provision_id(session: Session, reference: str) -> int:
    found = session.exec(select(Provision.id).where(Provision.reference == reference)).first()
    if found is None:
        raise NotFound(f"There is no provision {reference}.")
    return found


def young_person_for_hold(session: Session, reference: str) -> int:
    """The id of the young person a vacancy is to be held for, by reference (commands)."""
    found = session.exec(select(YoungPerson.id).where(YoungPerson.reference == reference)).first()
    if found is None:
        raise NotFound(f"There is no young person {reference}.")
    return found


def occupant_stay(session: Session, place_id: int, day: date) -> tuple[int, int]:
    """The stay of whoever lives in the place on ``day`` (its id and version), for a notice
    typed by place; :class:`FieldInvalid` if nobody does."""
    stay = session.exec(
        select(Stay).where(
            Stay.place_id == place_id, col(Stay.start_date) <= day, not_ended_on(Stay, day)
        )
    ).first()
    if stay is None:
        raise FieldInvalid("place_id", "Nobody lives in this place today.")
    return stay.id, stay.version  # type: ignore[return-value]


def vacancy_version(session: Session, vacancy_id: int) -> int:
    return version_of(session, Vacancy, vacancy_id)


def place_version(session: Session, place_id: int) -> int:
    return version_of(session, Place, place_id)


def provision_version(session: Session, provision_id: int) -> int:
    return version_of(session, Provision, provision_id)


def version_of(session: Session, table: Any, row_id: int) -> int:
    """A record's version now (commands act on the latest)."""
    row = session.get(table, row_id)
    if row is None:
        raise NotFound()
    return int(row.version)


# -- vacancies -----------------------------------------------------------------------------------


def declare_vacancy(
    session: Session,
    *,
    place_id: int,
    available_from: date,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Declare the place free from ``available_from``; refused if it already has an open
    vacancy, is closed by then, or someone lives there that day."""
    _allowed(viewer)
    check_day(available_from, "available_from", "date the place is free")
    place = session.get(Place, place_id)
    if place is None:
        raise FieldInvalid("place_id", "There is no such place.")
    provision = session.get(Provision, place.provision_id)
    assert provision is not None
    for closes in (place.closes_on, provision.closes_on):
        if closes is not None and closes <= available_from:
            raise FieldInvalid("available_from", f"The place closes on {day_words(closes)}.")
    if _open_vacancy(session, place_id) is not None:
        raise FieldInvalid("place_id", "This place already has an open vacancy.")
    if _occupied(session, [place_id], available_from):
        raise FieldInvalid(
            "available_from",
            f"Someone lives in this place on {day_words(available_from)}; "
            "declare it from their notice instead.",
        )
    vacancy = Vacancy(place_id=place_id, available_from=available_from)
    session.add(vacancy)
    session.flush()
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="declare",
        entity="vacancy",
        entity_id=str(vacancy.id),
        detail=f"place={place_id}",
    )
    return Saved(vacancy.id, vacancy.version)  # type: ignore[arg-type]


def declare_from_notice(
    session: Session,
    *,
    stay_id: int,
    expected_version: int,
    last_day: date,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Someone in a place has been given (or given) notice: their stay is expected to end
    after ``last_day``, and the place is free the day after. The stay ends then (its
    ``expected_end`` is ``last_day``, its ``end_date`` the day after, reason ``notice``) and
    an open vacancy is declared from that day. Where they go next is recorded as a move."""
    _allowed(viewer)
    check_day(last_day, "last_day", "last day of the stay")
    stay = session.get(Stay, stay_id)
    if stay is None or stay.place_id is None:
        raise FieldInvalid("stay", "There is no such stay in a place.")
    if last_day < stay.start_date:
        raise FieldInvalid("last_day", "The last day cannot be before the stay began.")
    if stay.end_date is not None and stay.end_date <= last_day:
        raise FieldInvalid("last_day", "The stay has ended by then.")
    free = last_day + timedelta(days=1)
    if (
        session.exec(
            select(Stay.id).where(
                Stay.young_person_id == stay.young_person_id, col(Stay.start_date) > stay.start_date
            )
        ).first()
        is not None
    ):
        raise FieldInvalid("stay", "A later stay is recorded for this young person.")
    compare_and_set(
        session,
        Stay,
        stay_id,
        expected_version,
        end_date=free,
        expected_end=last_day,
        end_reason="notice",
    )
    if _open_vacancy(session, stay.place_id) is not None:
        raise FieldInvalid("stay", "This place already has an open vacancy.")
    if _occupied(session, [stay.place_id], free, besides=stay_id):
        raise FieldInvalid("last_day", f"Someone else moves in by {day_words(free)}.")
    vacancy = Vacancy(place_id=stay.place_id, available_from=free)
    session.add(vacancy)
    session.flush()
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="declare",
        entity="vacancy",
        entity_id=str(vacancy.id),
        detail=f"place={stay.place_id} notice_stay={stay_id}",
    )
    return Saved(vacancy.id, vacancy.version)  # type: ignore[arg-type]


def hold_vacancy(
    session: Session,
    *,
    vacancy_id: int,
    expected_version: int,
    young_person_id: int | None,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Hold an open vacancy for one young person (its place is reserved for them, so the
    matching offers it to nobody else), or release it (``young_person_id`` None)."""
    _allowed(viewer)
    if young_person_id is not None:
        person = session.get(YoungPerson, young_person_id)
        if person is None or person.left_service_on is not None:
            raise FieldInvalid("young_person_id", "There is no such young person in the service.")
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound("There is no such vacancy.")
    if vacancy.status != VacancyStatus.open:
        raise FieldInvalid("vacancy", "Only an open vacancy can be held.")
    vacancy = compare_and_set(session, Vacancy, vacancy_id, expected_version)
    place = session.get(Place, vacancy.place_id)
    assert place is not None
    place.reserved_for_id = young_person_id
    place.version += 1
    session.add(place)
    session.flush()
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="hold" if young_person_id else "release",
        entity="vacancy",
        entity_id=str(vacancy_id),
        detail=f"young_person={young_person_id or ''}",
    )
    return Saved(vacancy_id, vacancy.version)


def withdraw_vacancy(
    session: Session,
    *,
    vacancy_id: int,
    expected_version: int,
    reason: str,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Withdraw an open vacancy (for a reason, a code); its proposals awaiting a decision are
    withdrawn and a hold on the place is released."""
    _allowed(viewer)
    check_choice(reason, WithdrawReason, "reason", "reason")
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound("There is no such vacancy.")
    if vacancy.status != VacancyStatus.open:
        raise FieldInvalid("vacancy", "Only an open vacancy can be withdrawn.")
    vacancy = compare_and_set(
        session,
        Vacancy,
        vacancy_id,
        expected_version,
        status=VacancyStatus.withdrawn,
        closed_at=utcnow(),
    )
    _withdraw_proposals(session, [vacancy_id])
    place = session.get(Place, vacancy.place_id)
    if place is not None and place.reserved_for_id is not None:
        place.reserved_for_id = None
        place.version += 1
    session.flush()
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="withdraw",
        entity="vacancy",
        entity_id=str(vacancy_id),
        detail=f"reason={reason}",
    )
    return Saved(vacancy_id, vacancy.version)


def reopen_vacancy(
    session: Session,
    *,
    vacancy_id: int,
    expected_version: int,
    available_from: date | None = None,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Reopen a withdrawn vacancy (from ``available_from`` if given); refused if the place
    has another open vacancy, is closed, or someone lives there by then. A filled vacancy
    reopens only by cancelling the planned move that filled it."""
    _allowed(viewer)
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound("There is no such vacancy.")
    if vacancy.status != VacancyStatus.withdrawn:
        raise FieldInvalid("vacancy", "Only a withdrawn vacancy can be reopened.")
    day = check_day(available_from, "available_from", "date") if available_from else None
    start = day or vacancy.available_from
    place = session.get(Place, vacancy.place_id)
    assert place is not None
    provision = session.get(Provision, place.provision_id)
    assert provision is not None
    for closes in (place.closes_on, provision.closes_on):
        if closes is not None and closes <= start:
            raise FieldInvalid("available_from", f"The place closes on {day_words(closes)}.")
    if _open_vacancy(session, vacancy.place_id) is not None:
        raise FieldInvalid("vacancy", "This place has another open vacancy.")
    if _occupied(session, [vacancy.place_id], start):
        raise FieldInvalid("available_from", f"Someone lives there on {day_words(start)}.")
    vacancy = compare_and_set(
        session,
        Vacancy,
        vacancy_id,
        expected_version,
        status=VacancyStatus.open,
        closed_at=None,
        available_from=start,
    )
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="reopen",
        entity="vacancy",
        entity_id=str(vacancy_id),
    )
    return Saved(vacancy_id, vacancy.version)


# -- provisions and places -----------------------------------------------------------------------

PROVISION_TEXT = {"name": 120, "area": 80, "provider": 120, "excluded_risks": 255}


def add_provision(
    session: Session,
    *,
    reference: str,
    name: str,
    placement_type: str,
    details: dict[str, Any] | None = None,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Add a provision (a scheme, host, framework contract or block of flats) with its rules.

    ``details`` may set: area, provider, cohort, min_age, max_age, gender_rule,
    support_level, ofsted_registered, max_stay_months, pets_allowed, step_free,
    parent_and_child, excluded_risks, weekly_cost, contract (block or spot), opens_on."""
    _allowed(viewer)
    values: dict[str, Any] = {}
    ref = check_text(reference or "", "The reference").strip()
    if not ref or len(ref) > 40:
        raise FieldInvalid("reference", "Enter a reference of 40 characters or fewer.")
    if session.exec(select(Provision.id).where(Provision.reference == ref)).first() is not None:
        raise FieldInvalid("reference", "A provision with this reference exists already.")
    try:
        kind = PlacementType(placement_type)
    except ValueError:
        raise FieldInvalid("placement_type", "Choose a placement type from the list.") from None
    if not kind.allocatable:
        raise FieldInvalid("placement_type", f"{kind.label} is not a provision with places.")
    for field, value in {"name": name, **(details or {})}.items():
        if field in PROVISION_TEXT:
            text = check_text(str(value or ""), f"The {field}").strip()
            if len(text) > PROVISION_TEXT[field] or (field == "name" and not text):
                raise FieldInvalid(field, f"Enter a {field} of {PROVISION_TEXT[field]} or fewer.")
            values[field] = text
        elif field in ("cohort", "gender_rule", "support_level", "contract"):
            vocabulary = {
                "cohort": Cohort,
                "gender_rule": GenderRule,
                "support_level": SupportLevel,
                "contract": Contract,
            }
            try:
                values[field] = vocabulary[field](str(value))
            except ValueError:
                raise FieldInvalid(
                    field, f"Choose a {field.replace('_', ' ')} from the list."
                ) from None
        elif field in ("min_age", "max_age", "max_stay_months"):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise FieldInvalid(field, "Enter a whole number.")
            values[field] = value
        elif field in ("ofsted_registered", "pets_allowed", "step_free", "parent_and_child"):
            if not isinstance(value, bool):
                raise FieldInvalid(field, "This is yes or no.")
            values[field] = value
        elif field == "weekly_cost":
            try:
                cost = Decimal(str(value))
            except InvalidOperation:
                raise FieldInvalid(field, "Enter the weekly cost in pounds.") from None
            if not Decimal(0) <= cost < Decimal(100_000):
                raise FieldInvalid(field, "Enter the weekly cost in pounds.")
            values[field] = cost
        elif field == "opens_on":
            values[field] = check_day(value, field, "opening date") if value else None
        else:
            raise FieldInvalid(field, f"{field} is not a detail of a provision.")
    low, high = values.get("min_age", 16), values.get("max_age", 25)
    if not 16 <= low <= high <= 25:
        raise FieldInvalid("min_age", "Ages run from 16 to 25, the youngest first.")
    if values.get("max_stay_months") is not None and not 1 <= values["max_stay_months"] <= 120:
        raise FieldInvalid("max_stay_months", "The longest stay is 1 to 120 months.")
    provision = Provision(reference=ref, placement_type=kind, **values)
    session.add(provision)
    session.flush()
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="create",
        entity="provision",
        entity_id=str(provision.id),
        detail=f"type={kind.value}",
    )
    return Saved(provision.id, provision.version)  # type: ignore[arg-type]


def close_provision(
    session: Session,
    *,
    provision_id: int,
    expected_version: int,
    closes_on: date,
    reason: str,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Close a provision from ``closes_on``: refused while anyone lives in one of its places
    that day (record their moves first); its open vacancies are withdrawn."""
    _allowed(viewer)
    check_day(closes_on, "closes_on", "closing date")
    check_choice(reason, ClosureReason, "reason", "reason")
    provision = session.get(Provision, provision_id)
    if provision is None:
        raise NotFound("There is no such provision.")
    if provision.opens_on is not None and closes_on <= provision.opens_on:
        raise FieldInvalid("closes_on", "It must close after it opens.")
    places = list(session.exec(select(Place.id).where(Place.provision_id == provision_id)))
    living = _occupied(session, places, closes_on)  # type: ignore[arg-type]
    if living:
        raise FieldInvalid(
            "closes_on",
            f"{living} place(s) are occupied on {day_words(closes_on)}; record the moves first.",
        )
    provision = compare_and_set(
        session, Provision, provision_id, expected_version, closes_on=closes_on
    )
    withdrawn = _close_vacancies(session, places)  # type: ignore[arg-type]
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="close",
        entity="provision",
        entity_id=str(provision_id),
        detail=f"reason={reason} vacancies_withdrawn={withdrawn}",
    )
    return Saved(provision_id, provision.version)


def _close_vacancies(session: Session, place_ids: list[int]) -> int:
    found = list(
        session.exec(
            select(Vacancy).where(
                col(Vacancy.place_id).in_(place_ids), Vacancy.status == VacancyStatus.open
            )
        )
    )
    for vacancy in found:
        vacancy.status = VacancyStatus.withdrawn
        vacancy.closed_at = utcnow()
        vacancy.version += 1
    _withdraw_proposals(session, [v.id for v in found])  # type: ignore[misc]
    session.flush()
    return len(found)


def add_place(
    session: Session,
    *,
    provision_id: int,
    reference: str,
    label: str = "",
    opens_on: date | None = None,
    vacant: bool = True,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Add a place to a provision (a host joins, a flat is handed over), open from
    ``opens_on``; with ``vacant`` an open vacancy is declared from that day too."""
    _allowed(viewer)
    provision = session.get(Provision, provision_id)
    if provision is None:
        raise FieldInvalid("provision_id", "There is no such provision.")
    ref = check_text(reference or "", "The reference").strip()
    if not ref or len(ref) > 60:
        raise FieldInvalid("reference", "Enter a reference of 60 characters or fewer.")
    if session.exec(select(Place.id).where(Place.reference == ref)).first() is not None:
        raise FieldInvalid("reference", "A place with this reference exists already.")
    text = check_text(label or "", "The label").strip()
    if len(text) > 80:
        raise FieldInvalid("label", "Enter a label of 80 characters or fewer.")
    opens = check_day(opens_on, "opens_on", "opening date") if opens_on else None
    if provision.closes_on is not None and (opens or date.min) >= provision.closes_on:
        raise FieldInvalid("opens_on", f"The provision closes on {day_words(provision.closes_on)}.")
    place = Place(reference=ref, provision_id=provision_id, label=text, opens_on=opens)
    session.add(place)
    session.flush()
    vacancy_id = ""
    if vacant:
        start = max(opens or date.min, provision.opens_on or date.min)
        if start == date.min:
            start = clock.today()
        vacancy = Vacancy(place_id=place.id, available_from=start)  # type: ignore[arg-type]
        session.add(vacancy)
        session.flush()
        vacancy_id = str(vacancy.id)
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="create",
        entity="place",
        entity_id=str(place.id),
        detail=f"provision={provision_id} vacancy={vacancy_id}",
    )
    return Saved(place.id, place.version)  # type: ignore[arg-type]


def close_place(
    session: Session,
    *,
    place_id: int,
    expected_version: int,
    closes_on: date,
    reason: str,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """Close a place from ``closes_on`` (a host leaves, a flat is handed back): refused while
    someone lives there that day; its open vacancy is withdrawn, a hold released."""
    _allowed(viewer)
    check_day(closes_on, "closes_on", "closing date")
    check_choice(reason, ClosureReason, "reason", "reason")
    place = session.get(Place, place_id)
    if place is None:
        raise NotFound("There is no such place.")
    if place.opens_on is not None and closes_on <= place.opens_on:
        raise FieldInvalid("closes_on", "It must close after it opens.")
    if _occupied(session, [place_id], closes_on):
        raise FieldInvalid(
            "closes_on",
            f"Someone lives in this place on {day_words(closes_on)}; record their move first.",
        )
    place = compare_and_set(
        session, Place, place_id, expected_version, closes_on=closes_on, reserved_for_id=None
    )
    withdrawn = _close_vacancies(session, [place_id])
    audit.record(
        session,
        actor=_actor(actor, viewer),
        action="close",
        entity="place",
        entity_id=str(place_id),
        detail=f"reason={reason} vacancies_withdrawn={withdrawn}",
    )
    return Saved(place_id, place.version)


def convert_place(
    session: Session,
    *,
    place_id: int,
    expected_version: int,
    to_provision_id: int,
    on: date,
    new_reference: str,
    actor: str = "",
    viewer: User | None = None,
) -> Saved:
    """A planned conversion: the place closes in its provision on ``on`` and a new place
    opens in ``to_provision_id`` that day (with an open vacancy from then)."""
    close_place(
        session,
        place_id=place_id,
        expected_version=expected_version,
        closes_on=on,
        reason=ClosureReason.converted,
        actor=actor,
        viewer=viewer,
    )
    return add_place(
        session,
        provision_id=to_provision_id,
        reference=new_reference,
        opens_on=on,
        vacant=True,
        actor=actor,
        viewer=viewer,
    )
