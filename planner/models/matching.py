"""Match runs and their proposals, with the decisions people made."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from planner.domain import (
    ProposalStatus,
)
from planner.models.base import _enum, utcnow

RUN_SOLVED, RUN_MANUAL = "solved", "manual"  # what a match run is (``MatchRun.kind``)


class MatchRun(SQLModel, table=True):
    """One solve of the matching model on the records of a day: who ran it, the solver and
    its honest status, a fingerprint of its inputs, and what it could not do (unmatched
    young people with reasons, alternatives, unmet need) as JSON for the pages.

    ``kind`` is ``solved`` for a solve, or ``manual`` for the proposals people make from a
    vacancy's candidates before any match run (no solver, no status: nothing was solved;
    the pages read it as "Proposed by ... on ...")."""

    __tablename__ = "match_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    created_by: str = Field(sa_type=sa.String(80))
    as_of: date
    solver: str = Field(sa_type=sa.String(20))
    status: str = Field(sa_type=sa.String(20))
    kind: str = Field(
        default=RUN_SOLVED, sa_type=sa.String(10), sa_column_kwargs={"server_default": RUN_SOLVED}
    )
    input_fingerprint: str = Field(sa_type=sa.String(64))
    summary: str = Field(default="{}", sa_type=sa.Text)
    unmatched: str = Field(default="[]", sa_type=sa.Text)
    alternatives: str = Field(default="[]", sa_type=sa.Text)


class Proposal(SQLModel, table=True):
    """A suggested young person-to-vacancy match and the decision a person made about it.

    ``version`` makes deciding a compare-and-set; the partial unique index means a vacancy
    can have one accepted proposal at most, whatever two officers do at the same moment."""

    __table_args__ = (
        sa.Index(
            "uq_proposal_one_accepted_per_vacancy",
            "vacancy_id",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    match_run_id: int = Field(foreign_key="match_run.id", index=True)
    young_person_id: int = Field(foreign_key="young_person.id", index=True)
    vacancy_id: int = Field(foreign_key="vacancy.id", index=True)
    stage: str = Field(sa_type=sa.String(4))
    need: str = Field(default="", sa_type=sa.String(30))
    score: float = 0.0
    components: str = Field(default="{}", sa_type=sa.Text)
    reasons: str = Field(default="", sa_type=sa.Text)
    status: ProposalStatus = _enum(ProposalStatus.proposed, index=True)
    version: int = 1
    decided_by: str | None = Field(default=None, sa_type=sa.String(80))
    decided_at: datetime | None = None
    decision_reason: str = Field(default="", sa_type=sa.String(40))
    decision_note: str = Field(default="", sa_type=sa.String(500))
    # A decline is remembered (planner/matching/rules.py): the fingerprint of what mattered
    # about the young person and the provision when it was made; the exclusion ends when it
    # no longer matches, or when someone lifts it (who, when, why).
    decision_fingerprint: str = Field(default="", sa_type=sa.String(64))
    exclusion_lifted_at: datetime | None = None
    exclusion_lifted_by: str | None = Field(default=None, sa_type=sa.String(80))
    exclusion_lift_note: str = Field(default="", sa_type=sa.String(500))
