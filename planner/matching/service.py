"""Match runs on the planner's records, and the decisions people make about proposals.

The matching model (``optimiser/``) is pure; this service shapes today's young people and
open vacancies into its frames, saves what it proposes, and records what a housing officer
decides. Accepting is the one write that must never race: it is a compare-and-set on the
vacancy (``status = 'open'``) and on the proposal (its ``version``), inside one transaction
with the end of the old stay, the start of the new one and the audit event. If two officers
accept proposals for the same vacancy at the same moment, exactly one update finds the
vacancy open; the other gets :class:`Conflict` and nothing it did is kept. The partial
unique indexes (one accepted proposal per vacancy, one open-ended stay per place and per
young person) are the last line of defence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import update
from sqlmodel import Session, col, select

from optimiser import InputError, match
from planner.core import audit, clock, errors
from planner.domain import DeclineReason, PlacementType, ProposalStatus, VacancyStatus, birthday
from planner.domain.stays import current_on, not_ended_on, planned_on, stay_state
from planner.domain.suitability import is_suitable, is_unsuitable
from planner.escalations.service import settle
from planner.inventory.rules import free_from
from planner.models import MatchRun, Place, Proposal, Provision, Stay, Vacancy, YoungPerson, utcnow

FRAMEWORK_MONTHS = 18


class Conflict(errors.Conflict):
    """Someone else changed the record first; reload and decide again."""

    status_code = 409
    code = "conflict"
    message = "This proposal or vacancy was changed by someone else; reload and try again."


class NotFound(errors.NotFound):
    status_code = 404
    code = "not_found"
    message = "No such proposal."


class InvalidDecision(errors.InvalidInput):
    status_code = 422
    code = "invalid_decision"
    message = "The decision is not valid."


def _current_stays(session: Session, day: date) -> dict[int, Stay]:
    """Each young person's stay current on ``day`` (:func:`planner.domain.stays.current_on`)."""
    stays = session.exec(select(Stay).where(current_on(Stay, day)))
    return {s.young_person_id: s for s in stays}


def _planned_moves(session: Session, day: date) -> set[int]:
    """The young people with a move accepted for a day after ``day``."""
    return set(session.exec(select(Stay.young_person_id).where(planned_on(Stay, day))))


def people_frame(session: Session, as_of: date) -> pd.DataFrame:
    """Everyone the service supports today, in the optimiser's people template.

    Needs the model cannot see by itself are filled in here: a 16-17 year old in care with
    no place after 18 (no staying put place tied to them) must move by their 18th birthday;
    a custody stay's release date is when they are free to move.

    A young person with a planned move (a proposal accepted for a later day) is where they
    are until that day, but is not offered other places: the planned move meets their need.
    They stay escalated and counted until the move (:mod:`planner.escalations`)."""
    stays = _current_stays(session, as_of)
    moving = _planned_moves(session, as_of)
    reserved = {
        p.reserved_for_id
        for p in session.exec(select(Place).where(Place.reserved_for_id.is_not(None)))  # type: ignore[union-attr]
    }
    rows = []
    people = session.exec(select(YoungPerson).where(YoungPerson.left_service_on.is_(None)))  # type: ignore[union-attr]
    for person in people:
        stay = stays.get(person.id)  # type: ignore[arg-type]
        if stay is None or person.id in moving:
            continue
        ptype = PlacementType(stay.placement_type)
        needed_by = None
        if person.in_care and person.id not in reserved:
            needed_by = birthday(person.date_of_birth, 18)
        if ptype == PlacementType.staying_put and stay.expected_end:
            needed_by = stay.expected_end
        rows.append(
            {
                "person_id": person.reference,
                "date_of_birth": person.date_of_birth,
                "gender": str(person.gender),
                "uasc": person.uasc,
                # the model's vocabulary has no "in care": a foster or residential
                # placement is suitable accommodation it need not move anyone out of
                "current_accommodation": (
                    "other_suitable" if ptype == PlacementType.in_care_other else ptype.value
                ),
                "suitable": is_suitable(stay.placement_type, stay.suitable),
                "unsuitable_since": stay.start_date
                if is_unsuitable(stay.placement_type, stay.suitable)
                else None,
                "free_from": stay.expected_end if ptype == PlacementType.custody else None,
                "needed_by": needed_by,
                "support_need": str(person.support_need),
                "area": person.area,
                "preferred_areas": person.preferred_areas,
                "excluded_areas": person.excluded_areas,
                "needs_step_free": person.needs_step_free,
                "has_child": person.has_child,
                "has_pet": person.has_pet,
                "risk_flags": person.risk_flags,
                "wants_move": person.asked_to_move,
                "stay_started": stay.start_date,
                "education_area": person.education_area,
                "work_area": person.work_area,
                "network_area": person.network_area,
            }
        )
    return pd.DataFrame(rows)


def vacancies_frame(session: Session) -> pd.DataFrame:
    """Open vacancies (free now or later) in the optimiser's vacancies template."""
    refs = dict(session.exec(select(YoungPerson.id, YoungPerson.reference)).all())
    rows = []
    query = (
        select(Vacancy, Place, Provision)
        .where(Vacancy.status == VacancyStatus.open)
        .join(Place, Place.id == Vacancy.place_id)  # type: ignore[arg-type]
        .join(Provision, Provision.id == Place.provision_id)  # type: ignore[arg-type]
    )
    for vacancy, place, provision in session.exec(query):
        rows.append(
            {
                "vacancy_id": f"V{vacancy.id}",
                "provision_id": provision.reference,
                "placement_type": str(provision.placement_type),
                "area": provision.area,
                "available_from": free_from(vacancy, place, provision),
                "capacity": 1,
                "min_age": provision.min_age,
                "max_age": provision.max_age,
                "gender": str(provision.gender_rule),
                "cohort": str(provision.cohort),
                "support_level": str(provision.support_level),
                "ofsted_registered": provision.ofsted_registered,
                "step_free": provision.step_free,
                "parent_and_child": provision.parent_and_child,
                "pets_allowed": provision.pets_allowed,
                "excluded_risks": provision.excluded_risks,
                "reserved_for": refs.get(place.reserved_for_id, "")
                if place.reserved_for_id
                else "",
                "weekly_cost": float(provision.weekly_cost),
            }
        )
    return pd.DataFrame(rows)


def _fingerprint(*frames: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame.to_csv(index=False).encode())
    return digest.hexdigest()[:16]


def _records(frame: pd.DataFrame) -> str:
    return frame.to_json(orient="records", date_format="iso")


def run_matching(
    session: Session,
    *,
    actor: str,
    as_of: date | None = None,
    solver: str = "cbc",
    time_limit_seconds: float = 60,
    travel_times: pd.DataFrame | None = None,
) -> MatchRun:
    """Solve on today's records, save the run and its proposals, supersede undecided ones."""
    day = as_of or clock.today()
    people = people_frame(session, day)
    vacancies = vacancies_frame(session)
    if vacancies.empty or people.empty:
        raise InvalidDecision("There are no open vacancies or no young people to match.")
    try:
        result = match(
            people,
            vacancies,
            as_of=day,
            solver=solver,
            time_limit_seconds=time_limit_seconds,
            travel_times=travel_times,
        )
    except InputError as exc:  # a record the model cannot read: say which, never who
        raise InvalidDecision(
            f"The records could not be matched: {len(exc.problems)} problem(s)."
        ) from exc
    old = select(Proposal).where(Proposal.status == ProposalStatus.proposed)
    for proposal in session.exec(old):
        proposal.status = ProposalStatus.superseded
        proposal.version += 1
    run = MatchRun(
        created_by=actor,
        as_of=day,
        solver=result.solver,
        status=result.status,
        input_fingerprint=_fingerprint(people, vacancies),
        summary=json.dumps(result.summary(), default=str),
        unmatched=_records(result.unmatched),
        alternatives=_records(result.alternatives),
    )
    session.add(run)
    session.flush()
    ids = dict(session.exec(select(YoungPerson.reference, YoungPerson.id)).all())
    score_columns = [c for c in result.proposals.columns if c.startswith("score_")]
    for row in result.proposals.to_dict(orient="records"):
        session.add(
            Proposal(
                match_run_id=run.id,  # type: ignore[arg-type]
                young_person_id=ids[row["person_id"]],  # type: ignore[arg-type]
                vacancy_id=int(str(row["vacancy_id"])[1:]),
                stage=str(row["stage"]),
                need=str(row.get("need", "")),
                score=float(row["score"]),
                components=json.dumps({c[6:]: row[c] for c in score_columns}, default=str),
                reasons=str(row["reasons"]),
            )
        )
    audit.record(
        session,
        actor=actor,
        action="match_run",
        entity="match_run",
        entity_id=str(run.id),
        detail=f"status={run.status} proposals={len(result.proposals)}",
    )
    session.flush()
    return run


def list_proposals(session: Session, *, match_run_id: int | None = None) -> list[Proposal]:
    """The proposals of a run (the latest if none is given), best stage first."""
    if match_run_id is None:
        latest = session.exec(select(MatchRun.id).order_by(MatchRun.id.desc()).limit(1)).first()  # type: ignore[union-attr]
        if latest is None:
            return []
        match_run_id = latest
    query = select(Proposal).where(Proposal.match_run_id == match_run_id)
    return list(session.exec(query.order_by(col(Proposal.stage), col(Proposal.id))))


def get_proposal_or_raise(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound()
    return proposal


@dataclass(frozen=True)
class Placement:
    proposal_id: int
    stay_id: int
    vacancy_id: int


def _expected_end(provision: Provision, person: YoungPerson, start: date) -> date | None:
    if provision.placement_type == PlacementType.staying_put:
        return birthday(person.date_of_birth, 21)
    months = provision.max_stay_months or (
        FRAMEWORK_MONTHS if provision.placement_type == PlacementType.supported_accommodation else 0
    )
    if months:
        return _add_months(start, months) - timedelta(days=1)
    return None


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day if it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _decide(
    session: Session,
    proposal_id: int,
    expected_version: int,
    actor: str,
    status: ProposalStatus,
    **values: object,
) -> bool:
    """Compare-and-set a proposal still awaiting a decision at the version the person saw;
    False if someone else decided first (or it was superseded)."""
    changed = session.exec(  # type: ignore[call-overload]
        update(Proposal)
        .where(
            col(Proposal.id) == proposal_id,
            col(Proposal.status) == ProposalStatus.proposed,
            col(Proposal.version) == expected_version,
        )
        .values(
            status=status,
            version=Proposal.version + 1,
            decided_by=actor,
            decided_at=utcnow(),
            **values,
        )
    )
    return changed.rowcount == 1


def _open_rivals(proposal: Proposal) -> Any:
    """Which proposals accepting ``proposal`` withdraws: every other one still awaiting a
    decision for its vacancy or for its young person."""
    return (col(Proposal.status) == ProposalStatus.proposed) & (
        (col(Proposal.vacancy_id) == proposal.vacancy_id)
        | (col(Proposal.young_person_id) == proposal.young_person_id)
    )


def _lock_for_decision(session: Session, proposal: Proposal) -> Vacancy:
    """Lock what accepting ``proposal`` will change, always in the same order: the young
    person, then the vacancy, then the open proposals of either by id; the vacancy, re-read.

    Two accepts that lock the same rows in different orders deadlock (PostgreSQL then kills
    one with ``deadlock detected``): one for person A and vacancy 1 withdrawing A's proposal
    for vacancy 2 while another, for person B and vacancy 2, withdraws B's for vacancy 1. In
    one order, the second waits for the first and then finds what it changed. The young
    person first also queues every accept for one person behind the first, which withdraws
    the others, so they fail as a clean :class:`Conflict`. ``FOR NO KEY UPDATE`` is the
    lock an UPDATE takes anyway, so rows that merely refer to these (a new stay, a new
    proposal) are not held up. SQLite ignores row locks; its writers already go one at a
    time (``BEGIN IMMEDIATE``, see ``planner.core.db``)."""
    person = session.exec(
        select(YoungPerson)
        .where(col(YoungPerson.id) == proposal.young_person_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    vacancy = session.exec(
        select(Vacancy)
        .where(col(Vacancy.id) == proposal.vacancy_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if person is None or vacancy is None:
        raise NotFound()
    session.exec(
        select(Proposal.id)
        .where(_open_rivals(proposal))
        .order_by(col(Proposal.id))
        .with_for_update(key_share=True)
    ).all()
    return vacancy


def accept_proposal(
    session: Session, *, proposal_id: int, expected_version: int, actor: str, start: date
) -> Placement:
    """Accept a proposal: the vacancy is filled, the old stay ends and the new one starts.

    A move for a later day is a *planned* stay until then: the old stay's ``end_date`` is
    the move date, so it stays current (still escalated, still counted) until that day.
    A move that starts today or earlier closes the young person's escalation at once, in
    the caller's transaction (:func:`planner.escalations.service.settle`).

    Both updates are conditional; if either finds the record changed, :class:`Conflict` is
    raised and the caller's transaction (which the caller must roll back) kept nothing.
    The rows are locked first, in one fixed order (see :func:`_lock_for_decision`)."""
    proposal = get_proposal_or_raise(session, proposal_id)
    vacancy = _lock_for_decision(session, proposal)
    place = session.get(Place, vacancy.place_id)
    provision = session.get(Provision, place.provision_id) if place else None
    assert place is not None and provision is not None
    free_on = free_from(vacancy, place, provision)
    if start < free_on:
        raise InvalidDecision(f"The place is free from {free_on.isoformat()}.")
    filled = session.exec(  # type: ignore[call-overload]
        update(Vacancy)
        .where(col(Vacancy.id) == vacancy.id, col(Vacancy.status) == VacancyStatus.open)
        .values(status=VacancyStatus.filled, version=Vacancy.version + 1, closed_at=utcnow())
    )
    if filled.rowcount != 1:
        raise Conflict("This vacancy has already been filled or withdrawn.")
    if not _decide(session, proposal_id, expected_version, actor, ProposalStatus.accepted):
        raise Conflict()
    person = session.get(YoungPerson, proposal.young_person_id)
    assert person is not None
    today = clock.today()
    occupant = session.exec(
        select(Stay.id).where(
            Stay.place_id == place.id,
            not_ended_on(Stay, start),
        )
    ).first()
    if occupant is not None:
        raise InvalidDecision("The place is still occupied on the records; end that stay first.")
    # the stay with no end: where they live now, or a move already planned
    latest = session.exec(
        select(Stay).where(Stay.young_person_id == person.id, col(Stay.end_date).is_(None))
    ).first()
    if latest is None:
        # a stay already due to end later (a notice to end): the move ends it sooner, so
        # the young person never has two stays at once
        latest = session.exec(
            select(Stay).where(Stay.young_person_id == person.id, not_ended_on(Stay, start))
        ).first()
    if latest is not None:
        if stay_state(latest, today) == "planned":
            raise InvalidDecision(f"A move is already planned for {latest.start_date.isoformat()}.")
        if start < latest.start_date:
            raise InvalidDecision("The move cannot start before the current stay began.")
        # current until the move: a move for a later day is a planned stay until then
        latest.end_date = start
        session.add(latest)
        session.flush()
    stay = Stay(
        young_person_id=person.id,  # type: ignore[arg-type]
        placement_type=provision.placement_type,
        place_id=place.id,
        start_date=start,
        suitable=True,
        expected_end=_expected_end(provision, person, start),
        area=provision.area,
        vacancy_id=vacancy.id,  # so cancelling the planned move reopens this vacancy
    )
    session.add(stay)
    person.area = provision.area
    person.asked_to_move = False
    person.updated_at = utcnow()
    for other in session.exec(
        select(Proposal).where(_open_rivals(proposal)).order_by(col(Proposal.id))
    ):
        other.status = ProposalStatus.withdrawn
        other.version += 1
    session.flush()
    # a move that starts today (or earlier) ends the escalation now, in this transaction;
    # one for a later day is closed by the sweep on that day
    settle(session, young_person_id=person.id, today=today, actor=actor)  # type: ignore[arg-type]
    audit.record(
        session,
        actor=actor,
        action="accept",
        entity="proposal",
        entity_id=str(proposal_id),
        detail=f"vacancy={vacancy.id} stay={stay.id}",
    )
    session.expire_all()
    return Placement(proposal_id, stay.id, vacancy.id)  # type: ignore[arg-type]


def decline_proposal(
    session: Session,
    *,
    proposal_id: int,
    expected_version: int,
    actor: str,
    reason: str,
    note: str = "",
) -> Proposal:
    """Record that a proposal was declined, and why (a code; the note stays on the record)."""
    reasons = [r.value for r in DeclineReason]
    if reason not in reasons:
        raise InvalidDecision(f"Unknown reason {reason!r}; expected one of {', '.join(reasons)}.")
    declined = _decide(
        session,
        proposal_id,
        expected_version,
        actor,
        ProposalStatus.declined,
        decision_reason=reason,
        decision_note=note[:500],
    )
    if not declined:
        get_proposal_or_raise(session, proposal_id)
        raise Conflict()
    audit.record(
        session,
        actor=actor,
        action="decline",
        entity="proposal",
        entity_id=str(proposal_id),
        detail=f"reason={reason}",
    )
    session.expire_all()
    return get_proposal_or_raise(session, proposal_id)


def run_details(run: MatchRun) -> dict[str, Any]:
    """The saved summary, unmatched young people and alternatives of a run."""
    return {
        "summary": json.loads(run.summary),
        "unmatched": json.loads(run.unmatched),
        "alternatives": json.loads(run.alternatives),
    }
