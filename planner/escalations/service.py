"""Escalation review: every young person in unsuitable accommodation is tracked until they
move somewhere suitable.

The council's practice (annual report 15.3): each young person in unsuitable accommodation
has an updated pathway plan, more frequent PA visits, an exit plan, and management
supervision at least every 4 weeks (target 100%); exception reports go weekly to the
director and monthly to the Corporate Parenting Board. This service keeps that trail.

The levels and the rules that set them are in :mod:`planner.escalations.rules`; the
queue and the trail are read by :mod:`planner.escalations.queries`.
"""

from __future__ import annotations

import json
import string
from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import Session, col, select

from planner.core import audit, clock
from planner.core.errors import Conflict, InvalidInput, NotFound
from planner.core.settings import get_settings
from planner.domain import PlacementType
from planner.domain.stays import current_on, stay_state
from planner.domain.suitability import is_suitable
from planner.domain.text import cell_words, day_words
from planner.escalations.queries import planned_moves, queue, unsuitable_stays
from planner.escalations.rules import (
    LEVELS,
    MOVES_COUNTED,
    board_cases,
    has_exit_plan,
    level_of_stay,
    report_summary,
    supervision_due,
)
from planner.models import Escalation, EscalationAction, ExceptionReport, Stay, YoungPerson
from planner.records.spreadsheets import table_bytes


class EscalationConflict(Conflict):
    status_code = 409
    code = "conflict"
    message = "This escalation was changed by someone else; reload and try again."


class EscalationNotFound(NotFound):
    status_code = 404
    code = "not_found"
    message = "No such escalation."


@dataclass(frozen=True)
class SweepSummary:
    open: int
    opened: int
    closed: int
    raised: int
    supervision_overdue: int
    without_exit_plan: int


def _act(
    session: Session, esc: Escalation, *, on: date, actor: str, kind: str, note: str = ""
) -> None:
    session.add(EscalationAction(escalation_id=esc.id, on=on, actor=actor, kind=kind, note=note))  # type: ignore[arg-type]


def sweep(
    session: Session,
    *,
    today: date | None = None,
    actor: str = "scheduler",
    reassess: bool = False,
) -> SweepSummary:
    """Open an escalation for every stay unsuitable on ``today``, close those that are no
    longer current and unsuitable (a move whose day has come), raise levels.

    "Current" is :func:`planner.domain.stays.current_on`: a move accepted for a later day
    leaves the young person escalated until that day. Changes people make (accepting a
    move) settle their escalation in their own transaction (:func:`settle`); the daily
    sweep does what time alone causes.

    ``reassess`` sets every level to what the rules require now, lowering it if need be;
    only for loading a trail recorded elsewhere (the demo, an import), never on schedule."""
    return _reconcile(session, day=today or clock.today(), actor=actor, reassess=reassess)


def settle(session: Session, *, young_person_id: int, today: date, actor: str) -> SweepSummary:
    """Open or close one young person's escalation for what their stays are on ``today``,
    inside the caller's unit of work: called by the change that causes it (accepting a
    move that starts today), so no queue waits for the next sweep."""
    return _reconcile(session, day=today, actor=actor, young_person_id=young_person_id)


def _reconcile(
    session: Session,
    *,
    day: date,
    actor: str,
    reassess: bool = False,
    young_person_id: int | None = None,
) -> SweepSummary:
    stays = unsuitable_stays(day)
    escalations = select(Escalation).where(col(Escalation.closed_on).is_(None))
    if young_person_id is not None:
        stays = stays.where(Stay.young_person_id == young_person_id)
        escalations = escalations.where(Escalation.young_person_id == young_person_id)
    unsuitable = {s.id: s for s in session.exec(stays)}
    open_escalations = {e.stay_id: e for e in session.exec(escalations)}
    opened = closed = raised = 0
    closing = {s: e for s, e in open_escalations.items() if s not in unsuitable}
    # what each of them lives in now, read once for all of them
    ended_stays = {
        s.id: s for s in session.exec(select(Stay).where(col(Stay.id).in_(list(closing))))
    }
    living_now = {
        s.young_person_id: s
        for s in session.exec(
            select(Stay).where(
                col(Stay.young_person_id).in_([e.young_person_id for e in closing.values()]),
                current_on(Stay, day),
            )
        )
    }
    for stay_id, esc in closing.items():
        stay = ended_stays.get(stay_id)
        now = living_now.get(esc.young_person_id)
        # the day the stay ended, never a day still to come, nor one before the planner
        # opened the escalation (a stay recorded late as ended earlier)
        ended = stay.end_date if stay and stay_state(stay, day) == "ended" else None
        esc.closed_on = max(ended or day, esc.opened_on)
        if now is None:
            esc.closure = "left the service"
        elif is_suitable(now.placement_type, now.suitable):
            esc.closure = f"moved to {PlacementType(now.placement_type).value}"
        else:
            esc.closure = "now recorded as suitable"
        esc.version += 1
        _act(session, esc, on=day, actor=actor, kind="closed", note=esc.closure)
        closed += 1
    people = {
        p.id: p
        for p in session.exec(
            select(YoungPerson).where(
                col(YoungPerson.id).in_([s.young_person_id for s in unsuitable.values()])
            )
        )
    }
    # a move planned somewhere suitable is an exit plan (rules.has_exit_plan)
    moves = planned_moves(session, day, list(people))  # type: ignore[arg-type]
    for stay in unsuitable.values():
        found = open_escalations.get(stay.id)  # type: ignore[arg-type]
        if found is None:
            # opened the day the planner first sees the stay, not back-dated to its start:
            # supervision falls due 4 weeks after the service could first have supervised
            # (rules.supervision_due), and a report never counts the escalation as open on
            # days before it existed; days there still count from the stay's start
            esc = Escalation(
                stay_id=stay.id,  # type: ignore[arg-type]
                young_person_id=stay.young_person_id,
                opened_on=day,
            )
            session.add(esc)
            session.flush()
            _act(session, esc, on=day, actor=actor, kind="opened")
            opened += 1
        else:
            esc = found
        level, why = level_of_stay(
            stay,
            date_of_birth=people[stay.young_person_id].date_of_birth,
            exit_plan=has_exit_plan(esc.exit_plan_agreed_on, moves.get(stay.young_person_id)),
            day=day,
        )
        if level > esc.level or (reassess and level != esc.level):
            esc.level = level
            esc.version += 1
            _act(session, esc, on=day, actor=actor, kind="level", note=f"level {level}: {why}")
            raised += 1
    session.flush()
    still_open = list(session.exec(escalations))  # each of an unsuitable stay: in `moves`
    return SweepSummary(
        open=len(still_open),
        opened=opened,
        closed=closed,
        raised=raised,
        supervision_overdue=sum(1 for e in still_open if supervision_due(e) < day),
        without_exit_plan=sum(
            1
            for e in still_open
            if not has_exit_plan(e.exit_plan_agreed_on, moves.get(e.young_person_id))
        ),
    )


ACTIONS = ("supervision", "exit_plan", "pathway_plan", "note")


def current_version(session: Session, escalation_id: int) -> int:
    """The escalation's version now: the command line acts on the latest, where a page
    sends the version its user saw."""
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise EscalationNotFound()
    return esc.version


def _latest(column: object, on: date) -> sa.ColumnElement[date]:
    """The later of a date column (which may be empty) and ``on``, in SQL, so the
    compare-and-set sees the value as it is in the row."""
    kept = col(column)  # type: ignore[call-overload]
    return sa.case((kept.is_not(None) & (kept > on), kept), else_=sa.literal(on))


def record_action(
    session: Session,
    *,
    escalation_id: int,
    expected_version: int,
    kind: str,
    on: date,
    actor: str,
    note: str = "",
    target: date | None = None,
) -> Escalation:
    """Record supervision, an agreed exit plan (with its target date), an updated pathway
    plan or a note, as a compare-and-set on the escalation's version."""
    if kind not in ACTIONS:
        raise InvalidInput(f"Unknown action {kind!r}; expected one of {', '.join(ACTIONS)}.")
    if on > clock.today():
        raise InvalidInput("The date of an action cannot be in the future.")
    values: dict[str, object] = {"version": Escalation.version + 1}
    if kind == "supervision":  # an earlier supervision entered late never makes "last" older
        values["last_supervision_on"] = _latest(Escalation.last_supervision_on, on)
    elif kind == "exit_plan":
        if target is None or target < on:
            raise InvalidInput("An exit plan needs a target date on or after the day it is agreed.")
        values |= {"exit_plan_agreed_on": on, "exit_plan_target": target}
    elif kind == "pathway_plan":
        values["pathway_plan_updated_on"] = _latest(Escalation.pathway_plan_updated_on, on)
    changed = session.exec(  # type: ignore[call-overload]
        update(Escalation)
        .where(
            col(Escalation.id) == escalation_id,
            col(Escalation.version) == expected_version,
            col(Escalation.closed_on).is_(None),
        )
        .values(**values)
    )
    if changed.rowcount != 1:
        if session.get(Escalation, escalation_id) is None:
            raise EscalationNotFound()
        raise EscalationConflict()
    session.expire_all()
    esc = session.get(Escalation, escalation_id)
    assert esc is not None
    _act(session, esc, on=on, actor=actor, kind=kind, note=note[:1000])
    audit.record(session, actor=actor, action=kind, entity="escalation", entity_id=str(esc.id))
    session.flush()
    return esc


def _age_band(age: int) -> str:
    return "16-17" if age < 18 else "18-20" if age < 21 else "21-25"


def _case_letters(n: int) -> list[str]:
    letters = string.ascii_uppercase
    return [letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26] for i in range(n)]


def build_report(
    session: Session, *, audience: str, today: date | None = None, actor: str
) -> ExceptionReport:
    """The exception report for the director (weekly, named by reference) or the board
    (monthly, pseudonymised: case letters and age bands, no references), saved as sent.
    It sweeps first, so a report made on the page, the command line or on schedule always
    reflects the day's stays."""
    if audience not in ("director", "board"):
        raise InvalidInput("The audience is director or board.")
    day = today or clock.today()
    sweep(session, today=day, actor=actor)  # a report reflects today's stays, whoever asks
    items = queue(session, today=day)
    n = len(items)
    supervised = sum(1 for i in items if not i.supervision_overdue)
    planned = sum(1 for i in items if i.has_exit_plan)  # agreed, or a move planned
    totals = {
        "in_unsuitable_accommodation": n,
        "aged_16_17": sum(1 for i in items if i.age < 18),
        "by_placement_type": {
            t: sum(1 for i in items if i.placement_type == t)
            for t in sorted({i.placement_type for i in items})
        },
        "by_level": {LEVELS[k]: sum(1 for i in items if i.level == k) for k in LEVELS},
        "supervision_within_4_weeks_percent": round(100 * supervised / n) if n else 100,
        "with_exit_plan_percent": round(100 * planned / n) if n else 100,
        # the counts behind the shares, so the board's summary can tell when a share would
        # give a small number away (planner.escalations.rules.report_summary)
        "supervised": supervised,
        "with_exit_plan": planned,
        MOVES_COUNTED: True,  # the share counts planned moves (rules.has_exit_plan)
        "longest_days": max((i.days for i in items), default=0),
    }
    if audience == "board":
        rows = [
            {
                "case": letter,
                "age_band": _age_band(i.age),
                "placement_type": PlacementType(i.placement_type).label,
                "days": i.days,
                "level": i.level_label,
                "exit_plan": "yes" if i.has_exit_plan else "no",
                "supervision_up_to_date": "no" if i.supervision_overdue else "yes",
            }
            for letter, i in zip(_case_letters(n), items, strict=True)
        ]
    else:
        rows = [
            {
                "reference": i.reference,
                "age": i.age,
                "placement_type": PlacementType(i.placement_type).label,
                "days": i.days,
                "level": i.level_label,
                "why": i.reason,
                "exit_plan": i.exit_plan_words,  # agreed, or a move planned, in words
                "exit_plan_target": i.exit_plan_target.isoformat() if i.exit_plan_target else "",
                "supervision_due": i.supervision_due.isoformat(),
                "personal_adviser": i.personal_adviser,
            }
            for i in items
        ]
    report = ExceptionReport(
        audience=audience,
        as_of=day,
        created_by=actor,
        content=json.dumps({"totals": totals, "rows": rows}),
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="report",
        entity="exception_report",
        entity_id=str(report.id),
        detail=f"audience={audience} rows={n}",
    )
    return report


def summary_text(summary: SweepSummary) -> str:
    return json.dumps(asdict(summary), sort_keys=True)


def report_markdown(report: ExceptionReport) -> str:
    """The report as a printable page (Markdown), the form it is read in by the board."""
    content = json.loads(report.content)
    totals, rows = content["totals"], content["rows"]
    title = (
        "Exception report to the Corporate Parenting Board"
        if report.audience == "board"
        else "Weekly exception report to the corporate director"
    )
    board = report.audience == "board"
    threshold = get_settings().small_number
    lines = [
        f"# {title}",
        "",
        f"Young people in unsuitable accommodation on {day_words(report.as_of)}.",
        "",
        *(
            f"- {label}: {value}"
            for label, value in report_summary(totals, board=board, threshold=threshold)
        ),
        "",
    ]
    rows, left_out = board_cases(totals, rows, board=board, threshold=threshold)
    if left_out:
        lines += [left_out, ""]
    if rows:
        header = list(rows[0])
        lines.append("| " + " | ".join(h.replace("_", " ") for h in header) + " |")
        lines.append("|" + "---|" * len(header))
        for row in rows:
            # Markdown is read by people: dates in words (the CSV keeps them sortable)
            lines.append("| " + " | ".join(cell_words(row[h]) for h in header) + " |")
    if report.audience == "board":
        lines += ["", "Cases are lettered for this report only; no young person is named."]
    return "\n".join(lines) + "\n"


def export_report(session: Session, *, report_id: int, actor: str, fmt: str) -> tuple[str, bytes]:
    """A saved report as a CSV or XLSX download (file name and bytes, formula-safe), with
    the export recorded in the audit trail."""
    report = session.get(ExceptionReport, report_id)
    if report is None:
        raise ReportNotFound()
    content = json.loads(report.content)
    board = report.audience == "board"
    # the board's cases without what would count what its summary withholds
    rows, _ = board_cases(
        content["totals"], content["rows"], board=board, threshold=get_settings().small_number
    )
    columns = list(rows[0]) if rows else ["case" if board else "reference"]
    content = table_bytes(columns, rows, fmt, sheet=report.audience)
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="exception_report",
        entity_id=str(report.id),
        detail=f"format={fmt} audience={report.audience} rows={len(rows)}",
    )
    name = f"exception-report-{report.id}-{report.audience}-{report.as_of.isoformat()}.{fmt}"
    return name, content


class ReportNotFound(NotFound):
    status_code = 404
    code = "not_found"
    message = "No such exception report."
