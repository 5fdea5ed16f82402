"""Email notices: queued in the outbox (``notification``) by the rules, sent by a job.

* :func:`queue_escalation_notices` reads the open escalations and their trail and queues
  what :func:`planner.notifications.rules.escalation_notices` calls for, to the personal
  adviser and their manager. The outbox's unique key makes it idempotent: run it every
  quarter of an hour or once a day, the same notice is queued once.
* :func:`queue_report_notices` announces a scheduled exception report to its distribution
  list (aggregate figures and a link; never a young person's reference).
* :func:`send_due` sends what is due, one SMTP connection per batch. A failed send is
  recorded (attempts, the exception's type, the next attempt after a back-off) and never
  raised: the job that caused a notice is never blocked by the mail server.
* :func:`send_digests` sends the Monday digest: to each manager, their team's open
  escalations; with it, the notices held for anyone who chose the digest.

Everything is off while ``PLANNER_SMTP_HOST`` is empty: nothing is queued or sent.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from planner.core import clock
from planner.core.settings import Settings, get_settings
from planner.domain import Role
from planner.escalations.rules import LEVELS, supervision_due
from planner.models import (
    Escalation,
    EscalationAction,
    ExceptionReport,
    Notification,
    User,
    YoungPerson,
    utcnow,
)
from planner.notifications.mail import Mailer
from planner.notifications.rules import (
    EscalationFacts,
    Notice,
    addressed_key,
    escalation_notices,
    given_up,
    retry_wait,
)

log = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True)
class Sent:
    sent: int
    retrying: int
    failed: int


def _recipients(users: dict[int, User], adviser_id: int | None) -> list[User]:
    """The personal adviser and their manager, those of them active with an address."""
    adviser = users.get(adviser_id) if adviser_id is not None else None
    found = []
    if adviser is not None:
        found.append(adviser)
        manager = users.get(adviser.manager_id) if adviser.manager_id is not None else None
        if manager is not None:
            found.append(manager)
    return [u for u in found if u.active and u.email]


def _queue(session: Session, notice: Notice, *, to: str, user: User | None) -> bool:
    """Add ``notice`` for one recipient unless it is already in the outbox; whether added.
    A savepoint per row, so a key taken by a concurrent run is skipped, not fatal."""
    key = addressed_key(notice.key, user.id if user else None, to)
    if session.exec(select(Notification.id).where(Notification.key == key)).first():
        return False
    row = Notification(
        key=key,
        kind=notice.kind,
        user_id=user.id if user else None,
        to_address=to,
        subject=notice.subject[:200],
        body=notice.body,
        status="held" if user is not None and user.notify == "digest" else "queued",
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def escalation_facts(session: Session, *, today: date) -> list[tuple[EscalationFacts, int | None]]:
    """Each open escalation's facts for the rules, with its young person's adviser."""
    rows = list(
        session.exec(
            select(Escalation, YoungPerson)
            .join(YoungPerson, col(YoungPerson.id) == col(Escalation.young_person_id))
            .where(col(Escalation.closed_on).is_(None))
        )
    )
    since = today - timedelta(days=7)
    trail: dict[int, list[EscalationAction]] = defaultdict(list)
    for action in session.exec(
        select(EscalationAction).where(
            col(EscalationAction.escalation_id).in_([e.id for e, _ in rows]),
            col(EscalationAction.kind).in_(("opened", "level")),
            col(EscalationAction.on) >= since,
        )
    ):
        trail[action.escalation_id].append(action)
    facts = []
    for esc, person in rows:
        actions = trail[esc.id or 0]
        opened = next((a.on for a in actions if a.kind == "opened"), None)
        facts.append(
            (
                EscalationFacts(
                    escalation_id=esc.id or 0,
                    reference=person.reference,
                    level_label=f"{esc.level} ({LEVELS[esc.level]})",
                    supervision_due=supervision_due(esc),
                    exit_plan_target=esc.exit_plan_target,
                    opened_on_trail=opened,
                    raised=tuple(
                        (a.id or 0, a.on, a.note)
                        for a in sorted(actions, key=lambda a: a.id or 0)
                        if a.kind == "level"
                    ),
                ),
                person.personal_adviser_id,
            )
        )
    return facts


def queue_escalation_notices(
    session: Session, *, today: date | None = None, settings: Settings | None = None
) -> int:
    """Queue the notices the open escalations call for today; how many were new."""
    settings = settings or get_settings()
    if not settings.email_on:
        return 0
    day = today or clock.today()
    users = {u.id: u for u in session.exec(select(User)) if u.id is not None}
    added = 0
    for facts, adviser_id in escalation_facts(session, today=day):
        for notice in escalation_notices(facts, today=day, base_url=settings.base_url):
            for user in _recipients(users, adviser_id):
                added += _queue(session, notice, to=user.email or "", user=user)
    session.flush()
    return added


def _addresses(text: str) -> list[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def queue_report_notices(
    session: Session, report: ExceptionReport, *, settings: Settings | None = None
) -> int:
    """Announce a report made by the scheduler to its distribution list (settings)."""
    import json

    settings = settings or get_settings()
    if not settings.email_on:
        return 0
    to = _addresses(
        settings.director_report_to if report.audience == "director" else settings.board_report_to
    )
    totals = json.loads(report.content)["totals"]
    title = (
        "Weekly exception report to the corporate director"
        if report.audience == "director"
        else "Monthly exception report to the Corporate Parenting Board"
    )
    notice = Notice(
        key=f"report:{report.id}",
        kind=f"report_{report.audience}",
        subject=f"{title}, {report.as_of:%-d %B %Y}",
        body=(
            f"The {title[0].lower()}{title[1:]} for {report.as_of:%-d %B %Y} is ready.\n\n"
            f"In unsuitable accommodation: {totals['in_unsuitable_accommodation']}.\n"
            "Management supervision within 4 weeks: "
            f"{totals['supervision_within_4_weeks_percent']}% (target 100%).\n\n"
            f"Read it, or download it as PDF: {settings.base_url.rstrip('/')}/reports/{report.id}\n"
        ),
    )
    added = sum(_queue(session, notice, to=address, user=None) for address in to)
    session.flush()
    return added


def _digest_body(lines: list[str], held: list[Notification], base_url: str) -> str:
    parts = ["Your weekly summary from the care leaver accommodation planner.", ""]
    if lines:
        parts += ["Open escalations of your team:", *lines, ""]
    if held:
        parts += ["Notices since your last summary:", *(f"- {n.subject}" for n in held), ""]
    parts += [f"Open the escalation queue: {base_url.rstrip('/')}/escalations", ""]
    parts.append("Choose one email per notice instead on your account page.")
    return "\n".join(parts) + "\n"


def send_digests(
    session: Session, *, today: date | None = None, settings: Settings | None = None
) -> int:
    """Queue this week's digest to each manager (their team's open escalations) and to
    anyone with held notices; the held notices become ``digested``. Once per ISO week."""
    settings = settings or get_settings()
    if not settings.email_on:
        return 0
    day = today or clock.today()
    year, week, _ = day.isocalendar()
    users = {u.id: u for u in session.exec(select(User)) if u.id is not None}
    team: dict[int, list[str]] = defaultdict(list)
    for facts, adviser_id in escalation_facts(session, today=day):
        adviser = users.get(adviser_id) if adviser_id is not None else None
        if adviser is None or adviser.manager_id is None:
            continue
        state = "supervision overdue" if facts.supervision_due < day else "supervision up to date"
        team[adviser.manager_id].append(
            f"- Escalation {facts.escalation_id} ({facts.reference}): level "
            f"{facts.level_label}, {state}"
        )
    held: dict[int, list[Notification]] = defaultdict(list)
    for row in session.exec(
        select(Notification).where(Notification.status == "held").order_by(col(Notification.id))
    ):
        if row.user_id is not None:
            held[row.user_id].append(row)
    queued = 0
    for user in users.values():
        if not (user.active and user.email):
            continue
        lines = team.get(user.id or 0, []) if user.role == Role.manager else []
        mine = held.get(user.id or 0, [])
        if user.role != Role.manager and not mine:
            continue
        notice = Notice(
            key=f"digest:{year}-W{week:02d}",
            kind="digest",
            subject=f"Your weekly summary: {len(lines)} open escalations, {len(mine)} notices",
            body=_digest_body(lines, mine, settings.base_url),
        )
        key = addressed_key(notice.key, user.id, user.email)
        if session.exec(select(Notification.id).where(Notification.key == key)).first():
            continue
        session.add(
            Notification(
                key=key,
                kind=notice.kind,
                user_id=user.id,
                to_address=user.email,
                subject=notice.subject,
                body=notice.body,
            )
        )
        for row in mine:
            row.status = "digested"
        queued += 1
    session.flush()
    return queued


def send_due(
    session: Session, *, now: datetime | None = None, settings: Settings | None = None
) -> Sent:
    """Send the queued notices whose time has come. Never raises for the mail server: a
    failure is written on each notice it touched, to be tried again after a back-off."""
    settings = settings or get_settings()
    if not settings.email_on:
        return Sent(0, 0, 0)
    at = now or utcnow()
    due = list(
        session.exec(
            select(Notification)
            .where(Notification.status == "queued", col(Notification.next_attempt_at) <= at)
            .order_by(col(Notification.id))
            .limit(BATCH)
        )
    )
    sent = retrying = failed = 0
    if not due:
        return Sent(0, 0, 0)

    def failure(row: Notification, exc: BaseException) -> None:
        nonlocal retrying, failed
        row.attempts += 1
        row.last_error = type(exc).__name__[:80]
        if given_up(row.attempts):
            row.status = "failed"
            failed += 1
        else:
            row.next_attempt_at = at + retry_wait(row.attempts)
            retrying += 1

    done: set[int] = set()
    try:
        with Mailer(settings) as mailer:
            for row in due:
                done.add(row.id or 0)
                try:
                    mailer.send(
                        to=row.to_address,
                        subject=row.subject,
                        body=row.body,
                        notice_id=row.id or 0,
                        key=row.key,
                    )
                except (smtplib.SMTPException, OSError) as exc:
                    failure(row, exc)
                else:
                    row.status, row.sent_at, row.last_error = "sent", at, ""
                    row.attempts += 1
                    sent += 1
                session.flush()
    except (smtplib.SMTPException, OSError) as exc:  # cannot connect, or the link dropped
        log.warning("mail server unavailable: %s", type(exc).__name__)
        for row in due:
            if (row.id or 0) not in done:
                failure(row, exc)
        session.flush()
    return Sent(sent, retrying, failed)


def outbox(session: Session, *, limit: int = 200) -> list[Notification]:
    """The outbox, newest first (for the jobs page and tests)."""
    return list(
        session.exec(select(Notification).order_by(col(Notification.id).desc()).limit(limit))
    )
