"""Reads of match runs and proposals for the pages and the JSON API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from planner.core.errors import NotFound
from planner.domain import PlacementType, Role
from planner.domain.text import day_words
from planner.inventory.rules import free_from
from planner.models import (
    MatchRun,
    Place,
    Proposal,
    Provision,
    User,
    Vacancy,
    YoungPerson,
)
from planner.models.matching import RUN_MANUAL

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


def run_titles(session: Session, runs: list[MatchRun]) -> dict[int, str]:
    """How each run is named on the pages: "Match run 12" for a solve; for proposals made
    by hand before any run, who made them and when ("Proposed by housing officer ho01 on
    30 November 2026"), never a solver or status (a manual run has neither)."""
    names = {r.created_by for r in runs if r.kind == RUN_MANUAL}
    roles = (
        dict(
            session.exec(
                select(User.username, User.role).where(col(User.username).in_(names))
            ).all()
        )
        if names
        else {}
    )
    titles = {}
    for run in runs:
        if run.kind != RUN_MANUAL:
            titles[run.id or 0] = f"Match run {run.id}"
            continue
        role = roles.get(run.created_by)
        who = f"{Role(role).value.replace('_', ' ')} {run.created_by}" if role else run.created_by
        titles[run.id or 0] = f"Proposed by {who} on {day_words(run.as_of)}"
    return titles


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
            available_from=free_from(vacancy, place, provision),
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


def young_person_references(session: Session) -> dict[int, str]:
    """Every young person's reference by id (proposals store ids; people read references)."""
    return {i: r for i, r in session.exec(select(YoungPerson.id, YoungPerson.reference)) if i}


def young_person_ids(session: Session, references: set[str]) -> dict[str, int]:
    """Young people's ids by reference (to link the references a run saved)."""
    if not references:
        return {}
    query = select(YoungPerson.reference, YoungPerson.id).where(
        YoungPerson.reference.in_(sorted(references))  # type: ignore[attr-defined]
    )
    return dict(session.exec(query).all())  # type: ignore[arg-type]
