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
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from optimiser import InputError, match
from optimiser.fit import PLACED_POINTS
from optimiser.place_values import PlaceValueError, place_value_records, place_values
from planner.core import audit, clock, errors
from planner.core.progress import Progress, no_progress
from planner.domain import DeclineReason, PlacementType, ProposalStatus, VacancyStatus, birthday
from planner.domain.stays import current_on, not_ended_on, planned_on, stay_state
from planner.domain.suitability import is_suitable, is_unsuitable
from planner.domain.text import check_text, day_words
from planner.escalations.service import settle
from planner.inventory.rules import free_from
from planner.matching.rules import (
    PAIR_EXCLUDING,
    REMEMBERED,
    WITHDRAWING,
    decision_words,
    pair_fingerprint,
    withdrawal_fingerprint,
)
from planner.models import MatchRun, Place, Proposal, Provision, Stay, Vacancy, YoungPerson, utcnow
from planner.models.matching import RUN_MANUAL
from planner.young_people.lives import area_of

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


def people_frame(session: Session, as_of: date, references: set[str] | None = None) -> pd.DataFrame:
    """Everyone the service supports today, in the optimiser's people template.

    Needs the model cannot see by itself are filled in here, with their reasons in words: a
    16-17 year old in foster or residential care, or in a place that takes no one over 17,
    with no place tied to them after 18 (no staying put agreed), must move by their 18th
    birthday (`_ends_at_18`); the agreed end of staying put; a custody stay's release date is
    when they are free to move. Someone still recorded in foster or residential care after
    their 18th birthday keeps that birthday as a deadline already passed ("turned 18 and
    left care"): overdue, first among the imminent needs, and named on their record
    (:func:`planner.domain.dates.in_care_after_18`), never silently left out.

    A young person with a planned move (a proposal accepted for a later day) is where they
    are until that day, but is not offered other places: the planned move meets their need.
    They stay escalated and counted until the move (:mod:`planner.escalations`)."""
    stays = _current_stays(session, as_of)
    moving = _planned_moves(session, as_of)
    reserved = {
        p.reserved_for_id
        for p in session.exec(select(Place).where(Place.reserved_for_id.is_not(None)))  # type: ignore[union-attr]
    }
    if references is not None:  # a page asking about a few young people (candidates.py)
        ids = set(
            session.exec(select(YoungPerson.id).where(col(YoungPerson.reference).in_(references)))
        )
        stays = {k: v for k, v in stays.items() if k in ids}
    on_provision = _time_on_provisions(session, stays.values())
    rows = []
    query = select(YoungPerson).where(YoungPerson.left_service_on.is_(None))  # type: ignore[union-attr]
    if references is not None:
        query = query.where(col(YoungPerson.reference).in_(references))
    people = session.exec(query)
    for person in people:
        stay = stays.get(person.id)  # type: ignore[arg-type]
        if stay is None or person.id in moving:
            continue
        provision, since, limit = on_provision.get(stay.id, (None, None, None))  # type: ignore[arg-type]
        ptype = PlacementType(stay.placement_type)
        needed_by, needed_because = None, None
        eighteenth = birthday(person.date_of_birth, 18)
        if (
            (person.in_care or ptype == PlacementType.in_care_other)
            and person.id not in reserved
            and _ends_at_18(ptype, provision.max_age if provision else None)
        ):
            # past the birthday the deadline stays, passed (the optimiser marks it overdue):
            # someone still recorded in care after 18 must stay in the run's imminent needs,
            # never drop out of it because the record was not brought up to date
            needed_by = eighteenth
            needed_because = (
                "turns 18 and leaves care" if eighteenth >= as_of else "turned 18 and left care"
            )
        if ptype == PlacementType.staying_put and stay.expected_end:
            needed_by, needed_because = stay.expected_end, "staying put agreed to end"
        rows.append(
            {
                "person_id": person.reference,
                "date_of_birth": person.date_of_birth,
                "gender": str(person.gender),
                "uasc": person.uasc,
                "current_accommodation": ptype.value,
                "suitable": is_suitable(stay.placement_type, stay.suitable),
                "unsuitable_since": stay.start_date
                if is_unsuitable(stay.placement_type, stay.suitable)
                else None,
                "free_from": stay.expected_end if ptype == PlacementType.custody else None,
                "needed_by": needed_by,
                "needed_by_reason": needed_because,
                "support_need": str(person.support_need),
                # where they live on the run's day (planner.young_people.lives): the stay
                # current then, so a move planned for a later day changes nothing before it
                "area": area_of(stay.area, provision.area if provision else None, person.area),
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
                "current_provision_id": provision.reference if provision else None,
                "provision_since": since,
                "limit_date": limit,
            }
        )
    return pd.DataFrame(rows)


def _ends_at_18(placement_type: PlacementType, takes_until: int | None) -> bool:
    """Whether a placement in care ends on the 18th birthday: foster or residential care
    (staying put, which would continue it, is a place reserved for them and is checked by
    the caller), or a place whose provision takes no one aged 18 (its maximum age is 17).
    Supported lodgings, the framework's supported accommodation and staying close take young
    people on after 18, so leaving care alone is no reason to move out of them."""
    if placement_type == PlacementType.in_care_other:
        return True
    return takes_until is not None and takes_until < 18


def _provision_months(provision: Provision) -> int:
    """The provision's time limit in months: its own, else 18 on the framework, else none."""
    if provision.max_stay_months:
        return provision.max_stay_months
    if provision.placement_type == PlacementType.supported_accommodation:
        return FRAMEWORK_MONTHS
    return 0


def _chain_start(stay: Stay, earlier: list[Stay], provision_of: dict[int, int]) -> date:
    """When the young person's time on ``stay``'s provision began: the start of the first of
    the consecutive stays (each ending on the day the next began, or the day before) in
    places of the same provision. A move between rooms of one scheme never restarts it."""
    provision = provision_of.get(stay.place_id)  # type: ignore[arg-type]
    start = stay.start_date
    for previous in sorted(earlier, key=lambda s: s.start_date, reverse=True):
        if previous.start_date >= start or previous.end_date is None:
            continue
        if not (start - timedelta(days=1) <= previous.end_date <= start):
            break
        if previous.place_id is None or provision_of.get(previous.place_id) != provision:
            break
        start = previous.start_date
    return start


def _time_on_provisions(
    session: Session, current: Any
) -> dict[int, tuple[Provision, date, date | None]]:
    """For each current stay in a place: its provision (its reference and ages are read by
    the caller too), the day the young person's
    time on that provision began, and the day its time limit is reached (the provision's own
    ``max_stay_months``, or 18 months on the framework, counted from that day; a stay's own
    ``expected_end`` if it comes sooner). What the model needs to keep the limit honest."""
    placed = [s for s in current if s.place_id is not None]
    if not placed:
        return {}
    provision_of = dict(session.exec(select(Place.id, Place.provision_id)).all())
    provisions = {p.id: p for p in session.exec(select(Provision))}
    people = {s.young_person_id for s in placed}
    history: dict[int, list[Stay]] = {}
    for row in session.exec(select(Stay).where(col(Stay.young_person_id).in_(people))):
        history.setdefault(row.young_person_id, []).append(row)
    out: dict[int, tuple[Provision, date, date | None]] = {}
    for stay in placed:
        provision = provisions[provision_of[stay.place_id]]  # type: ignore[index]
        since = _chain_start(stay, history.get(stay.young_person_id, []), provision_of)  # type: ignore[arg-type]
        months = _provision_months(provision)
        limit = _add_months(since, months) - timedelta(days=1) if months else None
        if stay.expected_end and stay.placement_type not in (
            PlacementType.custody,
            PlacementType.staying_put,
        ):
            limit = min(limit, stay.expected_end) if limit else stay.expected_end
        out[stay.id] = (provision, since, limit)  # type: ignore[index]
    return out


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


MAX_PROBLEMS_SHOWN = 20


def input_problems_message(problems: Any) -> str:
    """What the model could not read, record by record: the table, the pseudonymous
    reference, the column and what was expected, never the value (it may be a date of
    birth or a need), so the message can be shown and logged."""
    lines = []
    for p in list(problems)[:MAX_PROBLEMS_SHOWN]:
        record = f" {p.record}" if p.record else ""
        lines.append(f"  {p.table}{record}, column '{p.field}': expected {p.expected}")
    more = len(problems) - MAX_PROBLEMS_SHOWN
    tail = f"\n  ... and {more} more" if more > 0 else ""
    return (
        f"The records could not be matched: {len(problems)} problem(s); correct these records "
        "(import the corrected file) and run again:\n" + "\n".join(lines) + tail
    )


def _place_values(
    people: pd.DataFrame,
    vacancies: pd.DataFrame,
    day: date,
    solver: str,
    time_limit_seconds: float,
    travel_times: pd.DataFrame | None,
    excluded_pairs: pd.DataFrame,
    proposals: pd.DataFrame | None,
) -> dict[str, Any]:
    """What one more place of each kind would change, saved with the run (its summary JSON):
    ``{"rows": [...], "note": ""}``, or no rows and a note saying why it was not worked out."""
    try:
        frame = place_values(
            people,
            vacancies,
            as_of=day,
            solver=solver,
            time_limit_seconds=time_limit_seconds,
            travel_times=travel_times,
            excluded_pairs=excluded_pairs,
            proposals=proposals,
        )
    except PlaceValueError as exc:
        return {"rows": [], "note": f"The value of one more place was not worked out: {exc}."}
    return {"rows": place_value_records(frame), "note": ""}


def place_value_rows(run: MatchRun) -> tuple[list[dict[str, Any]], str]:
    """The saved value of one more place of each kind, most valuable first, and a note.

    Runs saved before this was worked out have none, and the note says so."""
    saved = json.loads(run.summary).get("place_values")
    if saved is None:
        return [], "This run was saved before the value of one more place was worked out."
    return list(saved.get("rows", [])), str(saved.get("note", ""))


SOLVING = (
    "Solving: moving young people out of unsuitable accommodation, then moves needed by "
    "a date, then the best fit for everyone else"
)


@dataclass
class MatchInputs:
    """What a match run is solved on, read from the records in one short transaction
    (:func:`read_match_inputs`), so the long solve (:func:`solve_match`) holds no
    transaction: on SQLite every other page can be used while it runs."""

    day: date
    people: pd.DataFrame
    vacancies: pd.DataFrame
    excluded_pairs: pd.DataFrame
    withdrawn: set[str]
    solver: str
    time_limit_seconds: float
    travel_times: pd.DataFrame | None


@dataclass
class SolvedMatch:
    inputs: MatchInputs
    result: Any  # optimiser.MatchResult
    values: dict[str, Any]


def read_match_inputs(
    session: Session,
    *,
    as_of: date | None = None,
    solver: str = "cbc",
    time_limit_seconds: float = 60,
    travel_times: pd.DataFrame | None = None,
) -> MatchInputs:
    """Today's people, open vacancies and decisions not to propose, as the model reads
    them; refused if there is nothing to match."""
    day = as_of or clock.today()
    people = people_frame(session, day)
    vacancies = vacancies_frame(session)
    exclusions = current_exclusions(session, day)
    withdrawn = {e.young_person for e in exclusions if e.vacancy_id is None}
    if withdrawn and not people.empty:
        people = people[~people["person_id"].isin(withdrawn)].reset_index(drop=True)
    excluded_pairs = pd.DataFrame(
        [(e.young_person, f"V{e.vacancy_id}", e.words) for e in exclusions if e.vacancy_id],
        columns=["person_id", "vacancy_id", "reason"],
    )
    if vacancies.empty or people.empty:
        raise InvalidDecision("There are no open vacancies or no young people to match.")
    return MatchInputs(
        day, people, vacancies, excluded_pairs, withdrawn, solver, time_limit_seconds, travel_times
    )


def solve_match(inputs: MatchInputs, progress: Progress | None = None) -> SolvedMatch:
    """The staged solve and the value of one more place: no database."""
    tell = progress or no_progress
    tell(2, 4, SOLVING)
    try:
        result = match(
            inputs.people,
            inputs.vacancies,
            as_of=inputs.day,
            solver=inputs.solver,
            time_limit_seconds=inputs.time_limit_seconds,
            travel_times=inputs.travel_times,
            excluded_pairs=inputs.excluded_pairs,
        )
    except InputError as exc:  # a record the model cannot read: say which, never who
        raise InvalidDecision(input_problems_message(exc.problems)) from exc
    tell(3, 4, "Working out what one more place of each kind would change")
    values = _place_values(
        inputs.people,
        inputs.vacancies,
        inputs.day,
        inputs.solver,
        inputs.time_limit_seconds,
        inputs.travel_times,
        inputs.excluded_pairs,
        result.proposals if result.status == "optimal" else None,
    )
    return SolvedMatch(inputs, result, values)


def run_matching(
    session: Session,
    *,
    actor: str,
    as_of: date | None = None,
    solver: str = "cbc",
    time_limit_seconds: float = 60,
    travel_times: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> MatchRun:
    """Solve on today's records, save the run and its proposals, supersede undecided ones.

    ``progress(step, steps, words)`` is told what is being done, in words for the work page
    (planner.work); it never receives personal data. The work queue does the same in three
    transactions' worth of steps (read, solve outside any transaction, save)."""
    tell = progress or no_progress
    tell(1, 4, "Reading today's records")
    inputs = read_match_inputs(
        session,
        as_of=as_of,
        solver=solver,
        time_limit_seconds=time_limit_seconds,
        travel_times=travel_times,
    )
    return save_match_run(session, solve_match(inputs, tell), actor=actor, progress=tell)


def save_match_run(
    session: Session, solved: SolvedMatch, *, actor: str, progress: Progress | None = None
) -> MatchRun:
    """Save a solved run and its proposals; the proposals nobody decided are superseded."""
    (progress or no_progress)(4, 4, "Saving the proposals")
    inputs, result, values = solved.inputs, solved.result, solved.values
    people, vacancies, excluded_pairs = inputs.people, inputs.vacancies, inputs.excluded_pairs
    day, withdrawn = inputs.day, inputs.withdrawn
    old = select(Proposal).where(Proposal.status == ProposalStatus.proposed)
    for proposal in session.exec(old):
        proposal.status = ProposalStatus.superseded
        proposal.version += 1
    run = MatchRun(
        created_by=actor,
        as_of=day,
        solver=result.solver,
        status=result.status,
        input_fingerprint=_fingerprint(people, vacancies, excluded_pairs),
        summary=json.dumps(
            result.summary()
            | {
                "decisions": {
                    "pairs_excluded": len(excluded_pairs),
                    "young_people_withdrawn": len(withdrawn),
                },
                "place_values": values,
            },
            default=str,
        ),
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
        match_run_id = _latest_run_id(session)
        if match_run_id is None:
            return []
    query = select(Proposal).where(Proposal.match_run_id == match_run_id)
    return list(session.exec(query.order_by(col(Proposal.stage), col(Proposal.id))))


def _latest_run_id(session: Session) -> int | None:
    return session.exec(select(MatchRun.id).order_by(MatchRun.id.desc()).limit(1)).first()  # type: ignore[union-attr]


def undecided_proposals(session: Session) -> int:
    """How many of the latest match run's proposals nobody has decided yet."""
    latest = _latest_run_id(session)
    if latest is None:
        return 0
    query = select(func.count()).where(
        Proposal.match_run_id == latest, Proposal.status == ProposalStatus.proposed
    )
    return int(session.exec(query).one())


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


def _expected_end(
    provision: Provision, person: YoungPerson, start: date, since: date | None = None
) -> date | None:
    """The known end of a new stay: the 21st birthday in staying put; the provision's time
    limit counted from ``since`` (the day the young person's time on the provision began, when
    they move between its rooms) or from ``start``."""
    if provision.placement_type == PlacementType.staying_put:
        return birthday(person.date_of_birth, 21)
    months = _provision_months(provision)
    if months:
        return _add_months(since or start, months) - timedelta(days=1)
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
        raise InvalidDecision(f"The place is free from {day_words(free_on)}.")
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
            raise InvalidDecision(f"A move is already planned for {day_words(latest.start_date)}.")
        if start < latest.start_date:
            raise InvalidDecision("The move cannot start before the current stay began.")
        # current until the move: a move for a later day is a planned stay until then
        latest.end_date = start
        session.add(latest)
        session.flush()
    since = None
    if latest is not None and latest.place_id is not None:
        previous = session.get(Place, latest.place_id)
        if previous is not None and previous.provision_id == provision.id:
            # another room of the same scheme: the time on the provision runs on
            history = list(session.exec(select(Stay).where(Stay.young_person_id == person.id)))
            provision_of = dict(session.exec(select(Place.id, Place.provision_id)).all())
            since = _chain_start(latest, history, provision_of)  # type: ignore[arg-type]
    stay = Stay(
        young_person_id=person.id,  # type: ignore[arg-type]
        placement_type=provision.placement_type,
        place_id=place.id,
        start_date=start,
        suitable=True,
        expected_end=_expected_end(provision, person, start, since),
        area=provision.area,
        vacancy_id=vacancy.id,  # so cancelling the planned move reopens this vacancy
    )
    session.add(stay)
    # where they live comes from the stay on each day (planner.young_people.lives), so a
    # move for a later day changes nothing shown or matched before it; the record's own
    # area (their home area) is not touched
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
    _remember(session, proposal_id, DeclineReason(reason))
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


def _remember(session: Session, proposal_id: int, reason: DeclineReason) -> None:
    """Store what mattered when a decline was made, so later runs know whether it holds.

    "No longer needed" also clears "asked to move": the young person said they do not need
    a move, and setting it again is how someone says they do (it brings them back)."""
    proposal = get_proposal_or_raise(session, proposal_id)
    person = session.get(YoungPerson, proposal.young_person_id)
    assert person is not None
    if reason in PAIR_EXCLUDING:
        provision = _provision_of_vacancy(session, proposal.vacancy_id)
        proposal.decision_fingerprint = pair_fingerprint(person, provision)
    elif reason in WITHDRAWING:
        person.asked_to_move = False
        person.updated_at = utcnow()
        stay = _current_stays(session, clock.today()).get(person.id)  # type: ignore[arg-type]
        proposal.decision_fingerprint = withdrawal_fingerprint(person, stay.id if stay else None)
        session.add(person)
    session.add(proposal)
    session.flush()


def _provision_of_vacancy(session: Session, vacancy_id: int) -> Provision | None:
    return session.exec(
        select(Provision)
        .join(Place, col(Place.provision_id) == col(Provision.id))
        .join(Vacancy, col(Vacancy.place_id) == col(Place.id))
        .where(col(Vacancy.id) == vacancy_id)
    ).first()


@dataclass(frozen=True)
class Exclusion:
    """A remembered decision that still holds: a (young person, vacancy) pair kept out of
    matching, or (``vacancy_id`` None) a young person withdrawn from it."""

    proposal_id: int
    young_person_id: int
    young_person: str  # their reference
    vacancy_id: int | None
    reason: str  # the decline reason code
    words: str  # "declined by the provider on 3 December 2026"
    decided_by: str
    decided_on: date


def _as_utc(instant: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored instant is UTC."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _council_day(instant: datetime) -> date:
    return _as_utc(instant).astimezone(clock.council_zone()).date()


def current_exclusions(session: Session, as_of: date | None = None) -> list[Exclusion]:
    """The remembered declines that still hold on ``as_of`` (today), oldest decision first.

    A decline holds while nobody has lifted it, the young person is still in the service,
    and the fingerprint stored with it still matches the records (planner/matching/rules.py);
    a pair exclusion also needs the vacancy to be still open (a filled vacancy is no longer
    offered to anyone). A decline recorded before fingerprints were kept holds until the
    young person's record is updated after it."""
    day = as_of or clock.today()
    query = (
        select(Proposal, YoungPerson)
        .join(YoungPerson, col(YoungPerson.id) == col(Proposal.young_person_id))
        .where(
            col(Proposal.status) == ProposalStatus.declined,
            col(Proposal.decision_reason).in_([r.value for r in REMEMBERED]),
            col(Proposal.exclusion_lifted_at).is_(None),
            col(YoungPerson.left_service_on).is_(None),
        )
        .order_by(col(Proposal.decided_at), col(Proposal.id))
    )
    rows = list(session.exec(query))
    if not rows:
        return []
    vacancy_ids = {p.vacancy_id for p, _ in rows}
    open_provisions = {
        vacancy_id: provision
        for vacancy_id, provision in session.exec(
            select(Vacancy.id, Provision)
            .join(Place, col(Place.id) == col(Vacancy.place_id))
            .join(Provision, col(Provision.id) == col(Place.provision_id))
            .where(col(Vacancy.id).in_(vacancy_ids), col(Vacancy.status) == VacancyStatus.open)
        )
    }
    stays = _current_stays(session, day)
    out = []
    for proposal, person in rows:
        reason = DeclineReason(proposal.decision_reason)
        decided = _as_utc(proposal.decided_at or utcnow())
        if reason in WITHDRAWING:
            stay = stays.get(person.id)  # type: ignore[arg-type]
            now = withdrawal_fingerprint(person, stay.id if stay else None)
            vacancy_id = None
        else:
            if proposal.vacancy_id not in open_provisions:
                continue
            now = pair_fingerprint(person, open_provisions[proposal.vacancy_id])
            vacancy_id = proposal.vacancy_id
        if proposal.decision_fingerprint:
            holds = proposal.decision_fingerprint == now
        else:
            holds = _as_utc(person.updated_at) <= decided
        if holds:
            out.append(
                Exclusion(
                    proposal_id=proposal.id,  # type: ignore[arg-type]
                    young_person_id=person.id,  # type: ignore[arg-type]
                    young_person=person.reference,
                    vacancy_id=vacancy_id,
                    reason=reason.value,
                    words=decision_words(reason, _council_day(decided)),
                    decided_by=proposal.decided_by or "",
                    decided_on=_council_day(decided),
                )
            )
    return out


def lift_exclusion(session: Session, proposal_id: int, actor: str, note: str) -> Proposal:
    """Lift a remembered decline: the pair (or the withdrawn young person) comes back in the
    next run. Who lifted it, when and why stay on the proposal; the audit trail records the
    act (the note, like a decline's, stays on the record)."""
    proposal = get_proposal_or_raise(session, proposal_id)
    remembered = {r.value for r in REMEMBERED}
    if proposal.status != ProposalStatus.declined or proposal.decision_reason not in remembered:
        raise InvalidDecision(
            "This proposal was not declined in a way that keeps it out of matching."
        )
    if proposal.exclusion_lifted_at is not None:
        raise InvalidDecision(
            f"This exclusion was already lifted by {proposal.exclusion_lifted_by}."
        )
    note = check_text(note.strip(), "The reason")
    if not note:
        raise InvalidDecision("Say why the exclusion is lifted.")
    proposal.exclusion_lifted_at = utcnow()
    proposal.exclusion_lifted_by = actor
    proposal.exclusion_lift_note = note[:500]
    proposal.version += 1
    session.add(proposal)
    audit.record(
        session,
        actor=actor,
        action="lift_exclusion",
        entity="proposal",
        entity_id=str(proposal_id),
        detail=f"reason={proposal.decision_reason}",
    )
    session.flush()
    return proposal


def run_details(run: MatchRun) -> dict[str, Any]:
    """The saved summary, unmatched young people and alternatives of a run."""
    return {
        "summary": json.loads(run.summary),
        "unmatched": json.loads(run.unmatched),
        "alternatives": json.loads(run.alternatives),
    }


STAGE_OF_NEED = {"unsuitable": "a", "imminent": "b"}


def propose(session: Session, *, vacancy_id: int, young_person_id: int, actor: str) -> Proposal:
    """An officer's own proposal from a vacancy's candidate list, awaiting a decision like
    any proposal a match run makes (accepted or declined on the matching pages).

    Refused, with nothing kept, if the vacancy is no longer open, the young person is not
    a candidate for it now (the optimiser's rules, asked through
    :mod:`planner.matching.candidates`: the refusal names the rule in words) or the same
    pair already awaits a decision. The proposal joins the latest match run (a new run
    marked ``manual`` if there is none), so the proposals page shows it; the next match run
    supersedes it as it does every undecided proposal."""
    from planner.matching import candidates

    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound("There is no such vacancy.")
    if vacancy.status != VacancyStatus.open:
        raise InvalidDecision("This vacancy is no longer open.")
    person = session.get(YoungPerson, young_person_id)
    if person is None or person.left_service_on is not None:
        raise InvalidDecision("Choose a young person from the list of candidates.")
    waiting = session.exec(
        select(Proposal.id).where(
            col(Proposal.vacancy_id) == vacancy_id,
            col(Proposal.young_person_id) == young_person_id,
            col(Proposal.status) == ProposalStatus.proposed,
        )
    ).first()
    if waiting is not None:
        raise InvalidDecision(f"{person.reference} is already proposed for this vacancy.")
    shot = candidates.Snapshot(session)
    listed = candidates.vacancy_candidates(
        session, viewer=None, vacancy_id=vacancy_id, snapshot=shot
    )
    mine = next((c for c in listed.candidates if c.young_person_id == young_person_id), None)
    if mine is None:
        ruled_out = next(
            (rule for ref, _, rule in listed.excluded_named if ref == person.reference), None
        )
        raise InvalidDecision(
            f"{person.reference} cannot take this place: {ruled_out}."
            if ruled_out
            else f"{person.reference} does not need a move now, or a move is already planned."
        )
    run = session.exec(select(MatchRun).order_by(col(MatchRun.id).desc()).limit(1)).first()
    if run is None:
        # proposals made by hand before any match run: nothing was solved, so no solver
        # and no status; the pages read it as "Proposed by ... on ..."
        run = MatchRun(
            created_by=actor,
            as_of=clock.today(),
            kind=RUN_MANUAL,
            solver="",
            status="",
            input_fingerprint="",
        )
        session.add(run)
        session.flush()
    proposal = Proposal(
        match_run_id=run.id,  # type: ignore[arg-type]
        young_person_id=young_person_id,
        vacancy_id=vacancy_id,
        stage=STAGE_OF_NEED.get(mine.need, "c"),
        need=mine.need,
        score=float(mine.fit.points + PLACED_POINTS),
        components=json.dumps({"placed": PLACED_POINTS, **mine.fit.components}),
        reasons=(
            f"Proposed from the vacancy's candidates: {mine.reference}"
            f" ({mine.situation}). {mine.fit.words.capitalize()}, {mine.fit.points} of 100: "
            + "; ".join(mine.fit.parts)
            + "."
        ),
    )
    session.add(proposal)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="propose",
        entity="proposal",
        entity_id=str(proposal.id),
        detail=f"vacancy={vacancy_id} match_run={run.id}",
    )
    return proposal
