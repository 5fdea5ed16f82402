"""Match runs on the records, and decisions: accepting moves the young person atomically,
and two officers accepting the same vacancy at once can never both succeed."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date, timedelta

import factories
import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from planner.core import clock
from planner.core.db import make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.domain import PlacementType, ProposalStatus, VacancyStatus
from planner.domain.text import day_words
from planner.inventory.status import summarise
from planner.matching.service import (
    Conflict,
    InvalidDecision,
    accept_proposal,
    decline_proposal,
    list_proposals,
    run_matching,
)
from planner.models import AuditEvent, MatchRun, Proposal, Stay, Vacancy, YoungPerson

AS_OF = date(2024, 3, 31)


def _small_council(session) -> None:
    """What a match run needs to show its rules on AS_OF: three care leavers in unsuitable
    accommodation (one needing a step-free home, which no scheme has), one settled in a
    scheme, and two open vacancies in supported accommodation in Weymouth."""
    with clock.frozen(AS_OF):
        scheme = factories.provision(session)
        for placement_type, days in (
            (PlacementType.bed_and_breakfast, 40),
            (PlacementType.sofa_surfing, 10),
        ):
            factories.stay(
                session,
                young_person=factories.young_person(session),
                placement_type=placement_type,
                start_date=AS_OF - timedelta(days=days),
            )
        factories.stay(
            session,
            young_person=factories.young_person(session, needs_step_free=True),
            placement_type=PlacementType.emergency_accommodation,
        )
        factories.stay(session, place=factories.place(session, provision=scheme))
        for _ in range(2):
            factories.vacancy(session, place=factories.place(session, provision=scheme))


def _current(session, person_id):
    return session.exec(
        select(Stay).where(Stay.young_person_id == person_id, Stay.end_date.is_(None))
    ).one()


def test_a_run_proposes_each_vacancy_once_and_moves_people_out_of_unsuitable_first(session):
    _small_council(session)
    run = run_matching(session, actor="officer", as_of=AS_OF)
    assert run.status == "optimal"
    proposals = list_proposals(session)
    assert proposals and all(p.match_run_id == run.id for p in proposals)
    assert len({p.vacancy_id for p in proposals}) == len(proposals)
    assert len({p.young_person_id for p in proposals}) == len(proposals)
    for p in proposals:
        assert session.get(Vacancy, p.vacancy_id).status == VacancyStatus.open
        if p.stage == "a":
            assert not _current(session, p.young_person_id).suitable
    summary = json.loads(run.summary)
    stage_a = [p for p in proposals if p.stage == "a"]
    assert summary["counts"]["moved_out_of_unsuitable"] == len(stage_a) > 0
    assert len(proposals) == 2 and {p.stage for p in proposals} == {"a"}  # both vacancies
    unmatched = json.loads(run.unmatched)
    assert unmatched and all(row["reasons"] for row in unmatched)
    step_free = session.exec(select(YoungPerson).where(YoungPerson.needs_step_free)).one()
    assert step_free.reference in {row["person_id"] for row in unmatched}
    assert step_free.id not in {p.young_person_id for p in proposals}
    # a second run supersedes what nobody decided
    run_matching(session, actor="officer", as_of=AS_OF)
    statuses = {p.status for p in list_proposals(session, match_run_id=run.id)}
    assert statuses == {ProposalStatus.superseded}


def test_accepting_moves_the_young_person_and_fills_the_vacancy(session):
    _small_council(session)
    run_matching(session, actor="officer", as_of=AS_OF)
    proposal = next(p for p in list_proposals(session) if p.stage == "a")
    person_id = proposal.young_person_id
    old_stay = _current(session, person_id)
    before = summarise(session, AS_OF).figures["unsuitable"]
    vacancy = session.get(Vacancy, proposal.vacancy_id)
    start = max(AS_OF, vacancy.available_from)
    placement = accept_proposal(
        session,
        proposal_id=proposal.id,
        expected_version=proposal.version,
        actor="officer",
        start=start,
    )
    new_stay = _current(session, person_id)
    assert new_stay.id == placement.stay_id and new_stay.suitable
    assert session.get(Stay, old_stay.id).end_date == start
    assert session.get(Vacancy, proposal.vacancy_id).status == VacancyStatus.filled
    assert session.get(Proposal, proposal.id).status == ProposalStatus.accepted
    assert summarise(session, AS_OF).figures["unsuitable"] == before - 1
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "accept")).one()
    assert event.entity_id == str(proposal.id) and "YP" not in event.detail


def test_a_stale_or_repeated_decision_is_a_conflict(session):
    _small_council(session)
    run_matching(session, actor="officer", as_of=AS_OF)
    first, second = list_proposals(session)[:2]
    with pytest.raises(Conflict):
        decline_proposal(
            session,
            proposal_id=first.id,
            expected_version=first.version + 1,
            actor="o",
            reason="other",
        )
    declined = decline_proposal(
        session,
        proposal_id=first.id,
        expected_version=first.version,
        actor="o",
        reason="young_person_declined",
    )
    assert (
        declined.status == ProposalStatus.declined
        and declined.decision_reason == "young_person_declined"
    )
    with pytest.raises(Conflict):
        decline_proposal(
            session,
            proposal_id=first.id,
            expected_version=declined.version,
            actor="o",
            reason="other",
        )
    with pytest.raises(InvalidDecision):
        decline_proposal(
            session,
            proposal_id=second.id,
            expected_version=second.version,
            actor="o",
            reason="bored",
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_url(request, tmp_path, postgres_url_or_none):
    """A database where commits are real, so two threads can race."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'race.sqlite3'}"
        return
    if postgres_url_or_none is None:
        pytest.skip("PostgreSQL not configured: set PLANNER_TEST_POSTGRES_URL")
    base = sa.engine.make_url(postgres_url_or_none)
    name = f"race_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_officers_accepting_the_same_vacancy_at_once_cannot_both_succeed(
    committed_url,
):
    engine = make_engine(committed_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        _small_council(session)
        run = run_matching(session, actor="officer", as_of=AS_OF)
        proposal = next(p for p in list_proposals(session, match_run_id=run.id) if p.stage == "a")
        vacancy = session.get(Vacancy, proposal.vacancy_id)
        rival_person = session.exec(
            select(YoungPerson.id).where(
                YoungPerson.id != proposal.young_person_id, YoungPerson.left_service_on.is_(None)
            )
        ).first()
        rival = Proposal(
            match_run_id=run.id, young_person_id=rival_person, vacancy_id=vacancy.id, stage="c"
        )
        session.add(rival)
        session.flush()
        contenders = [(proposal.id, proposal.version), (rival.id, rival.version)]
        start = max(AS_OF, vacancy.available_from)
        vacancy_id = vacancy.id

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def officer(proposal_id: int, version: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as session:
                accept_proposal(
                    session,
                    proposal_id=proposal_id,
                    expected_version=version,
                    actor="o",
                    start=start,
                )
            outcomes.append("accepted")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=officer, args=c) for c in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["accepted", "conflict"]
    with Session(engine) as session:
        accepted = session.exec(
            select(func.count())
            .select_from(Proposal)
            .where(Proposal.vacancy_id == vacancy_id, Proposal.status == ProposalStatus.accepted)
        ).one()
        in_place = session.exec(
            select(func.count())
            .select_from(Stay)
            .where(
                Stay.place_id == session.get(Vacancy, vacancy_id).place_id, Stay.end_date.is_(None)
            )
        ).one()
        runs = session.exec(select(func.count()).select_from(MatchRun)).one()
    assert (accepted, in_place, runs) == (1, 1, 1)
    engine.dispose()


def test_months_are_added_without_running_off_the_calendar():
    from planner.matching.service import _add_months

    assert _add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert _add_months(date(2023, 8, 31), 18) == date(2025, 2, 28)
    assert _add_months(date(2290, 5, 1), 18) == date(2291, 11, 1)


def test_a_move_cannot_start_before_the_place_opens(session):
    from planner.models import Place, Provision

    _small_council(session)
    run_matching(session, actor="officer", as_of=AS_OF)
    proposal = list_proposals(session)[0]
    vacancy = session.get(Vacancy, proposal.vacancy_id)
    provision = session.get(Provision, session.get(Place, vacancy.place_id).provision_id)
    provision.opens_on = vacancy.available_from + timedelta(days=30)
    session.add(provision)
    session.flush()
    with pytest.raises(InvalidDecision) as refused:
        accept_proposal(
            session,
            proposal_id=proposal.id,
            expected_version=proposal.version,
            actor="o",
            start=vacancy.available_from + timedelta(days=10),
        )
    assert day_words(provision.opens_on) in refused.value.message  # "30 April 2024"


def test_a_move_cannot_start_before_the_place_itself_opens(session):
    from planner.models import Place, Provision

    _small_council(session)
    run_matching(session, actor="officer", as_of=AS_OF)
    proposal = list_proposals(session)[0]
    vacancy = session.get(Vacancy, proposal.vacancy_id)
    place = session.get(Place, vacancy.place_id)
    vacancy.available_from = date(2024, 3, 1)
    place.opens_on = date(2024, 5, 1)
    provision = session.get(Provision, place.provision_id)
    provision.opens_on = None
    session.add_all([vacancy, place, provision])
    session.flush()
    with pytest.raises(InvalidDecision) as refused:
        accept_proposal(
            session,
            proposal_id=proposal.id,
            expected_version=proposal.version,
            actor="o",
            start=date(2024, 4, 30),
        )
    assert "1 May 2024" in refused.value.message


def test_a_run_saves_what_one_more_place_of_each_kind_would_change(session):
    """Three people in B&B or sofa surfing can use the scheme's two places: one more place
    like them moves the third out (sofa surfing comes after B&B), and the run says who."""
    from planner.matching.service import place_value_rows

    _small_council(session)
    with clock.frozen(AS_OF):
        third = factories.young_person(session)
        factories.stay(
            session,
            young_person=third,
            placement_type=PlacementType.bed_and_breakfast,
            start_date=AS_OF - timedelta(days=5),
        )
    run = run_matching(session, actor="officer", as_of=AS_OF)
    rows, note = place_value_rows(run)
    assert note == "" and len(rows) == 1  # the two vacancies are one kind of place
    (row,) = rows
    sofa = session.exec(
        select(YoungPerson)
        .join(Stay, Stay.young_person_id == YoungPerson.id)
        .where(Stay.placement_type == PlacementType.sofa_surfing)
    ).one()
    assert row["more_moved_out"] == 1 and row["who_moved_out"] == [sofa.reference]
    assert row["placement_type"] == "Supported accommodation"
