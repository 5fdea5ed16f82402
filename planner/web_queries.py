"""Read-only queries the web pages and the JSON API need beside the services.

The matching and escalation services decide and record; these functions only read, so
that a page can list match runs, describe a proposal's vacancy, show one escalation within
the viewer's record scope, list exception reports and show the scheduled jobs' runs. None
of them writes, commits or audits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from planner import escalations
from planner.domain import PlacementType, Role
from planner.models import (
    Escalation,
    EscalationAction,
    ExceptionReport,
    JobRun,
    MatchRun,
    Place,
    Proposal,
    Provision,
    Stay,
    User,
    Vacancy,
    YoungPerson,
)
from planner.permissions import Forbidden, NotFound, RecordScope, record_scope

# -- match runs and proposals -------------------------------------------------------------------


@dataclass(frozen=True)
class VacancyLabel:
    """What a person deciding needs to know of a vacancy."""

    vacancy_id: int
    provision: str
    provision_reference: str
    placement_type: str
    placement_label: str
    area: str
    place: str
    available_from: date
    status: str


@dataclass(frozen=True)
class ProposalRow:
    """One proposal with its young person and vacancy, for a page or the API."""

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
    vacancy: VacancyLabel


def list_match_runs(session: Session, *, limit: int = 20) -> list[MatchRun]:
    """Match runs, newest first."""
    query = select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list(session.exec(query))


def latest_match_run(session: Session) -> MatchRun | None:
    """The newest match run, or None before the first."""
    runs = list_match_runs(session, limit=1)
    return runs[0] if runs else None


def get_match_run_or_raise(session: Session, run_id: int) -> MatchRun:
    """One match run, or :class:`NotFound`."""
    run = session.get(MatchRun, run_id)
    if run is None:
        raise NotFound("There is no such match run.")
    return run


def vacancy_labels(session: Session, vacancy_ids: set[int]) -> dict[int, VacancyLabel]:
    """The provision, type, area, place and date of each vacancy, by id."""
    if not vacancy_ids:
        return {}
    query = (
        select(Vacancy, Place, Provision)
        .where(Vacancy.id.in_(sorted(vacancy_ids)))  # type: ignore[union-attr]
        .join(Place, Place.id == Vacancy.place_id)  # type: ignore[arg-type]
        .join(Provision, Provision.id == Place.provision_id)  # type: ignore[arg-type]
    )
    return {
        vacancy.id: VacancyLabel(  # type: ignore[misc]
            vacancy_id=vacancy.id,  # type: ignore[arg-type]
            provision=provision.name,
            provision_reference=provision.reference,
            placement_type=str(provision.placement_type),
            placement_label=PlacementType(provision.placement_type).label,
            area=provision.area,
            place=place.label or place.reference,
            available_from=max(
                vacancy.available_from,
                place.opens_on or date.min,
                provision.opens_on or date.min,
            ),
            status=str(vacancy.status),
        )
        for vacancy, place, provision in session.exec(query)
    }


def proposal_rows(session: Session, proposals: list[Proposal]) -> list[ProposalRow]:
    """Proposals with their young person's reference and their vacancy described."""
    people = dict(
        session.exec(
            select(YoungPerson.id, YoungPerson.reference).where(
                YoungPerson.id.in_({p.young_person_id for p in proposals})  # type: ignore[union-attr]
            )
        ).all()
    )
    labels = vacancy_labels(session, {p.vacancy_id for p in proposals})
    return [
        ProposalRow(
            id=p.id,  # type: ignore[arg-type]
            match_run_id=p.match_run_id,
            version=p.version,
            stage=p.stage,
            need=p.need,
            score=p.score,
            components=json.loads(p.components or "{}"),
            reasons=p.reasons,
            status=str(p.status),
            decided_by=p.decided_by,
            decision_reason=p.decision_reason,
            young_person_id=p.young_person_id,
            reference=people.get(p.young_person_id, ""),
            vacancy=labels[p.vacancy_id],
        )
        for p in proposals
    ]


def vacancy_ids_by_label(session: Session, labels: set[str]) -> dict[str, VacancyLabel]:
    """The optimiser's vacancy labels (``V12``) of a run's alternatives, described."""
    ids = {int(v[1:]) for v in labels if v[:1] == "V" and v[1:].isdigit()}
    return {f"V{k}": v for k, v in vacancy_labels(session, ids).items()}


def young_person_ids(session: Session, references: set[str]) -> dict[str, int]:
    """Young people's ids by reference (to link the references a run saved)."""
    if not references:
        return {}
    query = select(YoungPerson.reference, YoungPerson.id).where(
        YoungPerson.reference.in_(sorted(references))  # type: ignore[attr-defined]
    )
    return dict(session.exec(query).all())  # type: ignore[arg-type]


# -- escalations --------------------------------------------------------------------------------


def _scope_filter(viewer: User) -> int | None:
    """None for every young person, or the adviser whose young people alone may be seen."""
    scope = record_scope(viewer.role)
    if scope == RecordScope.all:
        return None
    if scope == RecordScope.own:
        return viewer.id
    raise Forbidden()


def escalation_queue(
    session: Session, *, viewer: User, today: date | None = None
) -> list[escalations.QueueItem]:
    """The open escalations the viewer may see, most urgent first."""
    adviser = _scope_filter(viewer)
    items = escalations.queue(session, today=today)
    if adviser is None:
        return items
    own = set(
        session.exec(select(YoungPerson.id).where(YoungPerson.personal_adviser_id == adviser))
    )
    return [i for i in items if i.young_person_id in own]


@dataclass(frozen=True)
class EscalationView:
    """One escalation, open or closed, with its young person, stay and trail."""

    id: int
    version: int
    young_person_id: int
    reference: str
    placement_type: str
    placement_label: str
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
    supervision_due: date
    personal_adviser: str
    item: escalations.QueueItem | None  # its queue row while open
    history: list[EscalationAction] = field(default_factory=list)


def get_escalation_or_raise(
    session: Session, *, viewer: User, escalation_id: int, today: date | None = None
) -> EscalationView:
    """One escalation within the viewer's scope; :class:`NotFound` for any other id."""
    adviser = _scope_filter(viewer)
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound()
    person = session.get(YoungPerson, esc.young_person_id)
    stay = session.get(Stay, esc.stay_id)
    if person is None or stay is None:
        raise NotFound()
    if adviser is not None and person.personal_adviser_id != adviser:
        raise NotFound()
    pa = session.get(User, person.personal_adviser_id) if person.personal_adviser_id else None
    item = next(
        (i for i in escalations.queue(session, today=today) if i.escalation_id == esc.id), None
    )
    return EscalationView(
        id=esc.id,  # type: ignore[arg-type]
        version=esc.version,
        young_person_id=person.id,  # type: ignore[arg-type]
        reference=person.reference,
        placement_type=str(stay.placement_type),
        placement_label=PlacementType(stay.placement_type).label,
        stay_start=stay.start_date,
        release_date=stay.expected_end if stay.placement_type == PlacementType.custody else None,
        opened_on=esc.opened_on,
        closed_on=esc.closed_on,
        closure=esc.closure,
        level=esc.level,
        level_label=escalations.LEVELS[esc.level],
        exit_plan_agreed_on=esc.exit_plan_agreed_on,
        exit_plan_target=esc.exit_plan_target,
        pathway_plan_updated_on=esc.pathway_plan_updated_on,
        last_supervision_on=esc.last_supervision_on,
        supervision_due=escalations.supervision_due(esc),
        personal_adviser=pa.username if pa else "",
        item=item,
        history=escalations.history(session, esc.id),  # type: ignore[arg-type]
    )


# -- exception reports and scheduled jobs -------------------------------------------------------


def list_exception_reports(session: Session, *, limit: int = 100) -> list[ExceptionReport]:
    """Exception reports as sent, newest first."""
    query = select(ExceptionReport).order_by(ExceptionReport.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list(session.exec(query))


def get_exception_report_or_raise(session: Session, report_id: int) -> ExceptionReport:
    """One exception report, or :class:`NotFound`."""
    report = session.get(ExceptionReport, report_id)
    if report is None:
        raise NotFound("There is no such exception report.")
    return report


def report_content(report: ExceptionReport) -> dict[str, Any]:
    """A report's saved totals and rows."""
    return json.loads(report.content)


def recent_job_runs(session: Session, *, limit: int = 50) -> list[JobRun]:
    """The scheduled jobs' latest runs, newest first."""
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)  # type: ignore[attr-defined,union-attr]
    return list(session.exec(query))


def is_own_adviser(viewer: User) -> bool:
    """Whether the viewer sees only their own young people (a personal adviser)."""
    return viewer.role == Role.personal_adviser
