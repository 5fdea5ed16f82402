"""Builders for the planner's rows, so a test makes only the rows its rule needs.

Each builder is keyword-only, adds one row (and whatever it must hang from, when not given),
flushes so the row has its id, and returns it. Defaults satisfy the schema on SQLite and
PostgreSQL; references are unique within the test run, so a test can call a builder as often
as it likes. Any column can be overridden by name::

    person = factories.young_person(session, age=17)
    bnb = factories.stay(session, young_person=person, placement_type="bed_and_breakfast")

Dates default to the planner's one clock (``planner.core.clock.today()``), so a test that
freezes the clock gets rows that are current on its frozen day.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from planner.core import clock
from planner.domain import PlacementType, Role
from planner.models import (
    Escalation,
    MatchRun,
    Place,
    Proposal,
    Provision,
    Stay,
    User,
    Vacancy,
    YoungPerson,
)

# A per-process tag as well as a counter: references stay unique even in a database that
# outlives one run of the tests (a committed web database, a PostgreSQL server kept up).
_RUN = secrets.token_hex(2).upper()
_numbers = itertools.count(1)
AREA = "Weymouth"  # young people and schemes are in one area unless a test says otherwise


def reference(prefix: str) -> str:
    """A reference no other call in this run returns, e.g. ``YP-3F2A-0007``."""
    return f"{prefix}-{_RUN}-{next(_numbers):04d}"


def _save(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def _new(name: str) -> Any:
    """The builder called ``name``, where a parameter of the same name hides it."""
    return globals()[name]


def _born(age: int, on: date) -> date:
    """A date of birth that makes someone ``age`` on ``on`` (halfway to their next birthday)."""
    return on - timedelta(days=round((age + 0.5) * 365.25))


def user(session: Session, *, role: Role = Role.housing_officer, **overrides: Any) -> User:
    """An active member of staff with no password (sign-in tests set one through the
    accounts service, which hashes it)."""
    fields = {"username": reference("user").lower(), "role": role} | overrides
    return _save(session, User(**fields))


def young_person(
    session: Session, *, age: int = 19, on: date | None = None, **overrides: Any
) -> YoungPerson:
    """A care leaver aged ``age`` on ``on`` (today by default) living in :data:`AREA`, still
    in the service."""
    fields = {
        "reference": reference("YP"),
        "date_of_birth": _born(age, on or clock.today()),
        "area": AREA,
    } | overrides
    return _save(session, YoungPerson(**fields))


def provision(session: Session, **overrides: Any) -> Provision:
    """A supported accommodation scheme in :data:`AREA` for anyone aged 16-25, no other rules."""
    ref = overrides.pop("reference", None) or reference("PR")
    fields = {
        "reference": ref,
        "name": f"Scheme {ref}",
        "placement_type": PlacementType.supported_accommodation,
        "area": AREA,
    } | overrides
    return _save(session, Provision(**fields))


def place(session: Session, *, provision: Provision | None = None, **overrides: Any) -> Place:
    """One place in ``provision`` (a new scheme when not given)."""
    owner = provision or _new("provision")(session)
    fields = {"reference": reference("PL"), "provision_id": owner.id} | overrides
    return _save(session, Place(**fields))


def stay(
    session: Session,
    *,
    young_person: YoungPerson | None = None,
    place: Place | None = None,
    **overrides: Any,
) -> Stay:
    """A stay that is current today: started 30 days ago, not ended.

    Give ``start_date`` in the future for a planned stay, or ``end_date`` for one that has
    ended (or will: a stay ending on a later day is still current until then). With a
    ``place``, the placement type is its provision's; otherwise ``other_suitable``.
    ``suitable`` follows the placement type's policy unless given."""
    person = young_person or _new("young_person")(session)
    ptype = PlacementType.other_suitable
    if place is not None:
        ptype = PlacementType(session.get(Provision, place.provision_id).placement_type)
    ptype = PlacementType(overrides.pop("placement_type", ptype))
    fields = {
        "young_person_id": person.id,
        "place_id": place.id if place is not None else None,
        "placement_type": ptype,
        "start_date": clock.today() - timedelta(days=30),
        "suitable": ptype.suitable_by_policy,
    } | overrides
    return _save(session, Stay(**fields))


def vacancy(session: Session, *, place: Place | None = None, **overrides: Any) -> Vacancy:
    """An open vacancy, available today, in ``place`` (a new place when not given)."""
    where = place or _new("place")(session)
    fields = {"place_id": where.id, "available_from": clock.today()} | overrides
    return _save(session, Vacancy(**fields))


def match_run(session: Session, **overrides: Any) -> MatchRun:
    """A finished, optimal match run as of today with no unmatched young people."""
    fields = {
        "created_by": "test",
        "as_of": clock.today(),
        "solver": "cbc",
        "status": "optimal",
        "input_fingerprint": secrets.token_hex(32),
    } | overrides
    return _save(session, MatchRun(**fields))


def proposal(
    session: Session,
    *,
    match_run: MatchRun | None = None,
    young_person: YoungPerson | None = None,
    vacancy: Vacancy | None = None,
    **overrides: Any,
) -> Proposal:
    """An undecided stage-``a`` proposal (out of unsuitable accommodation) of ``young_person``
    for ``vacancy`` in ``match_run``, each made when not given."""
    run = match_run or _new("match_run")(session)
    person = young_person or _new("young_person")(session)
    free = vacancy or _new("vacancy")(session)
    fields = {
        "match_run_id": run.id,
        "young_person_id": person.id,
        "vacancy_id": free.id,
        "stage": "a",
    } | overrides
    return _save(session, Proposal(**fields))


def escalation(session: Session, *, stay: Stay | None = None, **overrides: Any) -> Escalation:
    """An open level-1 escalation of ``stay`` (a new current stay in bed and breakfast when
    not given), opened the day the stay started."""
    unsuitable = stay or _new("stay")(session, placement_type=PlacementType.bed_and_breakfast)
    fields = {
        "stay_id": unsuitable.id,
        "young_person_id": unsuitable.young_person_id,
        "opened_on": unsuitable.start_date,
    } | overrides
    return _save(session, Escalation(**fields))
