"""Reads of the escalation queue, one escalation and the exception reports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from planner.core import clock
from planner.core.errors import NotFound
from planner.core.listing import ListParams, Paged, page_rows
from planner.domain import PlacementType, age_on
from planner.domain.stays import current_on, planned_on
from planner.domain.suitability import unsuitable_condition
from planner.escalations.rules import (
    LEVELS,
    PlannedMove,
    closure_words,
    days_counted,
    exit_plan_brief,
    exit_plan_words,
    has_exit_plan,
    level_of_stay,
    next_action,
    release_date,
    release_words,
    supervision_due,
)
from planner.models import (
    Escalation,
    EscalationAction,
    ExceptionReport,
    Place,
    Provision,
    Stay,
    User,
    YoungPerson,
)
from planner.young_people.scope import scope_condition, visible_young_people

# -- escalations --------------------------------------------------------------------------------


def unsuitable_stays(day: date) -> Any:
    """The stays current and unsuitable on ``day`` of young people still in the service:
    what the sweep keeps an escalation open for (one home, read by the sweep and by the
    queue's count of those it has not reached yet)."""
    in_service = select(YoungPerson.id).where(col(YoungPerson.left_service_on).is_(None))
    return select(Stay).where(
        current_on(Stay, day),
        unsuitable_condition(Stay.placement_type, Stay.suitable),
        col(Stay.young_person_id).in_(in_service),
    )


def waiting_for_sweep(session: Session, *, viewer: User, today: date | None = None) -> int:
    """Young people the viewer may see who are in unsuitable accommodation today but have
    no open escalation yet: a move into bed and breakfast recorded since the morning's sweep
    (or on a machine where no scheduler runs). The queue lists escalations, so it says how
    many it does not list yet, instead of leaving them off without a word."""
    day = today or clock.today()
    stays = unsuitable_stays(day).subquery()
    open_stays = select(Escalation.stay_id).where(col(Escalation.closed_on).is_(None))
    waiting = (
        select(sa.func.count(sa.distinct(stays.c.young_person_id)))
        .where(stays.c.id.not_in(open_stays))
        .join(YoungPerson, col(YoungPerson.id) == stays.c.young_person_id)
        .where(scope_condition(viewer))
    )
    return int(session.exec(waiting).one())


def planned_moves(
    session: Session, day: date, young_person_ids: list[int] | None = None
) -> dict[int, PlannedMove]:
    """Each young person's move planned on ``day`` (a stay starting later: accepted from a
    match run or recorded for a later day) somewhere suitable, by id: what counts as their
    exit plan besides an agreed one (:func:`planner.escalations.rules.has_exit_plan`). A
    move planned into other unsuitable accommodation is no way out, so it is no exit plan."""
    query = (
        select(Stay, col(Provision.name), col(Place.label))
        .join(Place, col(Place.id) == Stay.place_id, isouter=True)
        .join(Provision, col(Provision.id) == Place.provision_id, isouter=True)
        .where(
            planned_on(Stay, day),
            sa.not_(unsuitable_condition(Stay.placement_type, Stay.suitable)),
        )
        .order_by(col(Stay.start_date).desc())  # the earliest last: it is the one kept
    )
    if young_person_ids is not None:
        query = query.where(col(Stay.young_person_id).in_(young_person_ids))
    return {
        stay.young_person_id: PlannedMove(
            on=stay.start_date,
            placement_type=str(stay.placement_type),
            place=", ".join(w for w in (name, label) if w),
        )
        for stay, name, label in session.exec(query)
    }


@dataclass(frozen=True)
class QueueItem:
    """One row of the managers' escalation queue."""

    escalation_id: int
    version: int
    young_person_id: int
    reference: str
    age: int
    placement_type: str
    days: int
    level: int
    level_label: str
    reason: str
    exit_plan_agreed_on: date | None
    exit_plan_target: date | None
    last_supervision_on: date | None
    supervision_due: date
    supervision_overdue: bool
    release_date: date | None
    personal_adviser: str
    pathway_plan_due: date | None = None  # the young person's pathway plan review
    exit_plan_overdue: bool = False  # the target to have moved has passed
    next_action_on: date | None = None  # the earliest of the three below, and what it is
    next_action: str = ""
    release_words: str = ""  # custody: the release date in words, and whether it has passed
    planned_move: PlannedMove | None = None  # a move somewhere suitable planned: an exit plan
    has_exit_plan: bool = False  # agreed, or a move planned (rules.has_exit_plan)
    exit_plan_words: str = "No exit plan"  # in full (rules.exit_plan_words)
    exit_plan_brief: str = "No exit plan"  # for the queue's cell (rules.exit_plan_brief)

    @property
    def move_by(self) -> date | None:
        """The day they should have moved by: the planned move's day, else the agreed
        plan's target (the queue sorts its exit plans by it)."""
        return self.planned_move.on if self.planned_move else self.exit_plan_target


def queue(session: Session, *, today: date | None = None) -> list[QueueItem]:
    """Every open escalation, most urgent first (level, then days there).

    Only escalations whose unsuitable stay is still current on ``day``: a move accepted for
    a later day keeps the young person here until that day and takes them off on it, even
    before the morning sweep has closed the escalation (the one rule of
    :func:`planner.domain.stays.current_on`)."""
    day = today or clock.today()
    advisers = dict(session.exec(select(User.id, User.username)).all())
    items = []
    rows = session.exec(
        select(Escalation, Stay, YoungPerson)
        .where(Escalation.closed_on.is_(None))  # type: ignore[union-attr]
        .join(Stay, Stay.id == Escalation.stay_id)  # type: ignore[arg-type]
        .join(YoungPerson, YoungPerson.id == Escalation.young_person_id)  # type: ignore[arg-type]
        .where(current_on(Stay, day))
    ).all()
    moves = planned_moves(session, day, [person.id for _, _, person in rows])  # type: ignore[misc]
    for esc, stay, person in rows:
        age = age_on(person.date_of_birth, day)
        release = release_date(stay)
        move = moves.get(person.id)  # type: ignore[arg-type]
        planned = has_exit_plan(esc.exit_plan_agreed_on, move)
        _, why = level_of_stay(
            stay,
            date_of_birth=person.date_of_birth,
            exit_plan=planned,
            day=day,
        )
        due = supervision_due(esc)
        next_on, next_what = next_action(
            supervision=due,
            exit_plan_target=esc.exit_plan_target,
            pathway_plan_due=person.pathway_plan_review_due,
        )
        items.append(
            QueueItem(
                escalation_id=esc.id,  # type: ignore[arg-type]
                version=esc.version,
                young_person_id=person.id,  # type: ignore[arg-type]
                reference=person.reference,
                age=age,
                placement_type=str(stay.placement_type),
                days=(day - stay.start_date).days,
                level=esc.level,
                level_label=LEVELS[esc.level],
                reason=why,
                exit_plan_agreed_on=esc.exit_plan_agreed_on,
                exit_plan_target=esc.exit_plan_target,
                last_supervision_on=esc.last_supervision_on,
                supervision_due=due,
                supervision_overdue=due < day,
                release_date=release,
                release_words=release_words(release, day) if release else "",
                personal_adviser=advisers.get(person.personal_adviser_id, ""),
                pathway_plan_due=person.pathway_plan_review_due,
                exit_plan_overdue=esc.exit_plan_target is not None and esc.exit_plan_target < day,
                next_action_on=next_on,
                next_action=next_what,
                planned_move=move,
                has_exit_plan=planned,
                exit_plan_words=exit_plan_words(
                    esc.exit_plan_agreed_on, esc.exit_plan_target, move
                ),
                exit_plan_brief=exit_plan_brief(esc.exit_plan_target, move),
            )
        )
    return sorted(items, key=lambda i: (-i.level, -i.days, i.reference))


def history(session: Session, escalation_id: int) -> list[EscalationAction]:
    """What was done on an escalation, oldest first; a closure's note in words."""
    actions = list(
        session.exec(
            select(EscalationAction)
            .where(EscalationAction.escalation_id == escalation_id)
            .order_by(col(EscalationAction.on), col(EscalationAction.id))
        )
    )
    for action in actions:
        if action.kind == "closed":
            session.expunge(action)  # shown in words, never written back
            action.note = closure_words(action.note)
    return actions


def _visible(session: Session, viewer: User, *people: int) -> set[int]:
    """The ids among ``people`` (all, if none given) that ``viewer`` may see."""
    query = select(YoungPerson.id)
    if people:
        query = query.where(YoungPerson.id.in_(people))  # type: ignore[union-attr]
    return set(session.exec(visible_young_people(query, viewer)))  # type: ignore[arg-type]


def escalation_queue(
    session: Session, *, viewer: User, today: date | None = None
) -> list[QueueItem]:
    """The open escalations the viewer may see, most urgent first."""
    visible = _visible(session, viewer)
    return [i for i in queue(session, today=today) if i.young_person_id in visible]


@dataclass(frozen=True)
class ToDo:
    """What a manager must act on today among the open escalations they may see."""

    open: int
    supervision_overdue: int
    no_exit_plan: int
    exit_plan_overdue: int


def to_do(session: Session, *, viewer: User, today: date | None = None) -> ToDo:
    """The queue's own flags counted (a manager's home page starts from them)."""
    items = escalation_queue(session, viewer=viewer, today=today)
    return ToDo(
        open=len(items),
        supervision_overdue=sum(i.supervision_overdue for i in items),
        no_exit_plan=sum(not i.has_exit_plan for i in items),
        exit_plan_overdue=sum(i.exit_plan_overdue for i in items),
    )


# the queue's sortable columns: the level (with the days there: the default, descending, is
# the queue's own order, most urgent first), then each column the page shows
ESCALATION_SORTS = (
    "level",
    "reference",
    "where",
    "days",
    "next_action",
    "exit_plan",
    "supervision",
    "pathway_plan",
    "adviser",
)
LEVEL_CHOICES = (1, 2, 3, 4)
_PLACEMENT_LABELS = {t.value: t.label for t in PlacementType}
_SORT_KEYS: dict[str, Any] = {
    "level": lambda i: (i.level, i.days),
    "reference": lambda i: i.reference,
    "where": lambda i: _PLACEMENT_LABELS.get(i.placement_type, i.placement_type),
    "days": lambda i: i.days,
    "next_action": lambda i: i.next_action_on,
    "exit_plan": lambda i: i.move_by,
    "supervision": lambda i: i.supervision_due,
    "pathway_plan": lambda i: i.pathway_plan_due,
    "adviser": lambda i: i.personal_adviser or None,
}


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue (sorted, filtered) and the advisers it can be filtered by."""

    page: Paged[QueueItem]
    advisers: list[str]


def escalation_queue_page(
    session: Session,
    *,
    viewer: User,
    params: ListParams,
    adviser: str = "",
    level: int | None = None,
    today: date | None = None,
) -> QueuePage:
    """The queue the viewer may see, filtered by personal adviser (username) and level,
    sorted by a column of :data:`ESCALATION_SORTS` and paged. In Python
    (:func:`planner.core.listing.page_rows`), not SQL: the level's reason, the supervision
    due and the next action are worked out per row by the escalation rules, and the queue is
    only the young people in unsuitable accommodation today (tens, not thousands). Rows with
    equal keys keep the queue's order (most urgent first)."""
    items = escalation_queue(session, viewer=viewer, today=today)
    advisers = sorted({i.personal_adviser for i in items if i.personal_adviser})
    shown = [
        i
        for i in items
        if (not adviser or i.personal_adviser == adviser) and (level is None or i.level == level)
    ]
    return QueuePage(page_rows(shown, params, _SORT_KEYS), advisers)


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
    supervision_due: date | None  # none once closed: no one is left to supervise
    personal_adviser: str
    item: QueueItem | None  # its queue row while open
    # while open, a move somewhere suitable planned counts as the exit plan too
    planned_move: PlannedMove | None = None
    has_exit_plan: bool = False  # rules.has_exit_plan
    exit_plan_words: str = "No exit plan"  # rules.exit_plan_words
    days: int = 0  # days there (that count): to today while open, to the close once closed
    history: list[EscalationAction] = field(default_factory=list)
    release_words: str = ""  # custody: the release date in words, and whether it has passed


def _closed_day(esc: Escalation, stay: Stay, today: date | None) -> date:
    """The last day a closed escalation's stay counted: the day the young person moved out
    (or the close, for a stay re-recorded as suitable), never a day to come."""
    ends = [d for d in (esc.closed_on, stay.end_date) if d is not None]
    return min(ends) if ends else today or clock.today()


def get_escalation_or_raise(
    session: Session, *, viewer: User, escalation_id: int, today: date | None = None
) -> EscalationView:
    """One escalation within the viewer's scope; :class:`NotFound` for any other id."""
    scope_condition(viewer)  # Forbidden, before saying whether the id exists
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound()
    person = session.get(YoungPerson, esc.young_person_id)
    stay = session.get(Stay, esc.stay_id)
    if person is None or stay is None:
        raise NotFound()
    if not _visible(session, viewer, person.id):  # type: ignore[arg-type]
        raise NotFound()
    pa = session.get(User, person.personal_adviser_id) if person.personal_adviser_id else None
    item = next((i for i in queue(session, today=today) if i.escalation_id == esc.id), None)
    return EscalationView(
        id=esc.id,  # type: ignore[arg-type]
        version=esc.version,
        young_person_id=person.id,  # type: ignore[arg-type]
        reference=person.reference,
        placement_type=str(stay.placement_type),
        placement_label=PlacementType(stay.placement_type).label,
        stay_start=stay.start_date,
        release_date=stay.expected_end if stay.placement_type == PlacementType.custody else None,
        release_words=(
            release_words(stay.expected_end, today or clock.today())
            if stay.placement_type == PlacementType.custody and stay.expected_end
            else ""
        ),
        opened_on=esc.opened_on,
        closed_on=esc.closed_on,
        closure=closure_words(esc.closure),
        level=esc.level,
        level_label=LEVELS[esc.level],
        exit_plan_agreed_on=esc.exit_plan_agreed_on,
        exit_plan_target=esc.exit_plan_target,
        pathway_plan_updated_on=esc.pathway_plan_updated_on,
        last_supervision_on=esc.last_supervision_on,
        supervision_due=None if esc.closed_on else supervision_due(esc),
        personal_adviser=pa.username if pa else "",
        item=item,
        planned_move=item.planned_move if item else None,
        has_exit_plan=item.has_exit_plan if item else esc.exit_plan_agreed_on is not None,
        exit_plan_words=item.exit_plan_words
        if item
        else exit_plan_words(esc.exit_plan_agreed_on, esc.exit_plan_target, None),
        history=history(session, esc.id),  # type: ignore[arg-type]
        days=item.days if item else days_counted(stay, _closed_day(esc, stay, today)),
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
