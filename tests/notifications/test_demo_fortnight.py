"""The issue's "done when": a frozen-clock fortnight of the scheduled jobs on the DEMO
council, with a real SMTP server (aiosmtpd) receiving what they send, delivers exactly the
emails the rules say, once each, and survives the server being down for a day.

The emails expected are worked out here, day by day, from the rules as docs/reports.md
states them, reading the escalations as the sweep leaves them; they are not counted by hand
and not produced by ``planner.notifications.rules``. The jobs run as the scheduler runs them
(``planner.jobs.scheduler.execute``, each in its own committed transaction, once per period).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from demo_db import DEMO_AS_OF, copy_demo
from sqlmodel import col, select
from test_fortnight import Sink

from planner.accounts import service as accounts
from planner.core import clock
from planner.core.db import get_engine, unit_of_work
from planner.core.settings import get_settings
from planner.domain import Role
from planner.escalations.rules import LEVELS, supervision_due
from planner.escalations.service import record_action
from planner.jobs.scheduler import execute, job_spec, period_of
from planner.models import Escalation, EscalationAction, Notification, User, YoungPerson

BASE = "https://planner.example.gov.uk"
DIRECTOR = ["director@council.example"]
BOARD = ["clerk@council.example", "chair@council.example"]
FIRST = DEMO_AS_OF + timedelta(days=1)  # Monday 1 April 2024
DAYS = [FIRST + timedelta(days=n) for n in range(14)]
DOWN = datetime(2024, 4, 8, 8, 55)  # the mail server stops before Monday's sending...
UP = datetime(2024, 4, 9, 8, 55)  # ...and is back 24 hours later


def _in_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def demo(tmp_path, demo_template, monkeypatch):
    """A copy of the demo with work email addresses for everyone, two teams (demo-manager's
    and a second manager's) and two advisers who read their notices weekly."""
    url = copy_demo(demo_template, tmp_path)
    server = Sink()
    server.start()
    for name, value in {
        "PLANNER_DATABASE_URL": url,
        "PLANNER_SMTP_HOST": "127.0.0.1",
        "PLANNER_SMTP_PORT": str(server.port),
        "PLANNER_SMTP_TLS": "none",
        "PLANNER_SMTP_SENDER": "planner@council.example",
        "PLANNER_BASE_URL": BASE,
        "PLANNER_DIRECTOR_REPORT_TO": ",".join(DIRECTOR),
        "PLANNER_BOARD_REPORT_TO": ", ".join(BOARD),
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    engine = get_engine(url)
    with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
        accounts.create_user(
            session, username="tm2", role=Role.manager, password=accounts.generate_password(),
            actor="test",
        )  # fmt: skip
        for name in ("demo-manager", "tm2"):
            accounts.set_contact(session, username=name, email=f"{name}@council.example", actor="t")
        advisers = sorted(
            u.username for u in session.exec(select(User)) if u.role == Role.personal_adviser
        )
        for n, name in enumerate(advisers):
            manager = "demo-manager" if n % 2 == 0 else "tm2"
            accounts.set_contact(
                session, username=name, email=f"{name}@council.example", manager=manager, actor="t"
            )
        # the advisers of the first two open escalations read theirs in the weekly digest
        open_people = session.exec(
            select(YoungPerson)
            .join(Escalation, col(Escalation.young_person_id) == col(YoungPerson.id))
            .where(col(Escalation.closed_on).is_(None))
            .order_by(col(Escalation.id))
        ).all()
        for person in open_people[:2]:
            accounts.set_notify(
                session, user_id=person.personal_adviser_id, notify="digest", actor="t"
            )
    try:
        yield engine, server
    finally:
        server.stop()
        engine.dispose()
        get_settings.cache_clear()


def _run(engine, job_id: str, at: datetime) -> str:
    """One scheduled job, as the scheduler fires it at ``at``."""
    spec = job_spec(job_id)
    with clock.frozen(at):
        run = execute(spec, engine, period=period_of(spec, clock.now()))
    assert run.outcome == "succeeded", (job_id, at, run.detail)
    return run.detail


class Expected:
    """The rules, stated again: what each recipient should get, once per notice."""

    def __init__(self) -> None:
        self.seen: set[tuple] = set()  # (notice identity, recipient): once each
        self.mail: Counter[tuple[str, str]] = Counter()  # (to, subject) delivered
        self.held: dict[str, int] = defaultdict(int)  # notices waiting for the digest

    def escalations(self, session, day: date) -> None:
        users = {u.id: u for u in session.exec(select(User))}
        rows = session.exec(
            select(Escalation, YoungPerson)
            .join(YoungPerson, col(YoungPerson.id) == col(Escalation.young_person_id))
            .where(col(Escalation.closed_on).is_(None))
        ).all()
        for esc, person in rows:
            adviser = users.get(person.personal_adviser_id)
            to = [adviser, users.get(adviser.manager_id)] if adviser else []
            trail = session.exec(
                select(EscalationAction).where(EscalationAction.escalation_id == esc.id)
            ).all()
            opened = next(a.on for a in trail if a.kind == "opened")
            notices = []
            week_ago = day - timedelta(days=7)
            if opened >= week_ago:  # opened in the last 7 days, saying its level
                notices.append(
                    (("opened", esc.id), f"opened at level {esc.level} ({LEVELS[esc.level]})")
                )
            for action in trail:  # raised in the last 7 days, not on its opening day
                if action.kind == "level" and week_ago <= action.on != opened:
                    level = re.match(r"level (\d)", action.note).group(1)
                    notices.append((("level", action.id), f"raised to level {level}"))
            for what, is_due, due in (
                ("management supervision", "is due", supervision_due(esc)),
                ("the exit plan's target date", "is", esc.exit_plan_target),
            ):
                if due is None:
                    continue
                left = (due - day).days
                if 0 <= left <= 3:
                    when = "today" if left == 0 else f"in {left} day{'s' if left > 1 else ''}"
                    notices.append(((what, "due", esc.id, due), f"{what} {is_due} {when}"))
                elif left < 0:
                    words = "is overdue" if what == "management supervision" else "has passed"
                    notices.append(((what, "overdue", esc.id, due), f"{what} {words}"))
            for identity, words in notices:
                for user in to:
                    if user is None or not user.email or not user.active:
                        continue
                    if (identity, user.id) in self.seen:
                        continue  # once each
                    self.seen.add((identity, user.id))
                    if user.notify == "digest":
                        self.held[user.email] += 1
                    else:
                        subject = f"Escalation {esc.id} ({person.reference}): {words}"
                        self.mail[(user.email, subject)] += 1

    def digests(self, session, day: date) -> None:
        users = list(session.exec(select(User)))
        team: Counter[int] = Counter()
        advisers = {u.id: u for u in users}
        for esc, person in session.exec(
            select(Escalation, YoungPerson)
            .join(YoungPerson, col(YoungPerson.id) == col(Escalation.young_person_id))
            .where(col(Escalation.closed_on).is_(None))
        ).all():
            adviser = advisers.get(person.personal_adviser_id)
            if adviser and adviser.manager_id:
                team[adviser.manager_id] += 1
        for user in users:
            if not (user.email and user.active):
                continue
            held = self.held.pop(user.email, 0)
            if user.role == Role.manager or held:
                open_ones = team[user.id] if user.role == Role.manager else 0
                subject = f"Your weekly summary: {open_ones} open escalations, {held} notices"
                self.mail[(user.email, subject)] += 1

    def report(self, title: str, to: list[str], day: date) -> None:
        for address in to:
            self.mail[(address, f"{title}, {_in_words(day)}")] += 1


def test_a_fortnight_on_the_demo_council_delivers_exactly_the_emails_the_rules_say(demo):
    engine, sink = demo
    expected = Expected()
    down_day_queued = 0
    for day in DAYS:
        at = lambda hour, minute=0, d=day: datetime(d.year, d.month, d.day, hour, minute)  # noqa: E731
        _run(engine, "escalations.daily_sweep", at(7))
        if day.weekday() == 0:
            with unit_of_work(engine) as session:
                expected.digests(session, day)
            _run(engine, "notifications.weekly_digest", at(7, 30))
            _run(engine, "reports.weekly_director", at(8))
            expected.report("Weekly exception report to the corporate director", DIRECTOR, day)
        if day.day == 1:
            _run(engine, "reports.monthly_board", at(8, 30))
            expected.report("Monthly exception report to the Corporate Parenting Board", BOARD, day)
        if day == date(2024, 4, 2):
            # a manager agrees an exit plan, its target in 4 days, where there was none
            with clock.frozen(at(10)), unit_of_work(engine) as session:
                esc = session.exec(
                    select(Escalation)
                    .where(col(Escalation.closed_on).is_(None))
                    .where(col(Escalation.exit_plan_target).is_(None))
                    .order_by(col(Escalation.id))
                ).first()
                record_action(
                    session,
                    escalation_id=esc.id,
                    expected_version=esc.version,
                    kind="exit_plan",
                    on=day,
                    target=day + timedelta(days=4),
                    actor="demo-manager",
                )
        if at(8, 55) == DOWN:
            sink.stop()
        if at(8, 55) == UP:
            sink.start()
        # notifications.send fires every quarter of an hour; four firings stand for a day
        for hour in (9, 12, 15, 18):
            with unit_of_work(engine) as session:
                expected.escalations(session, day)
            detail = _run(engine, "notifications.send", at(hour))
            if at(hour) > DOWN and at(hour) < UP:
                assert '"sent": 0' in detail, detail  # nothing gets through...
                if hour == 9:
                    down_day_queued = int(re.search(r'"retrying": (\d+)', detail).group(1))
            elif hour > 9:
                # ...and later firings the same day queue nothing again and send nothing twice
                assert '"queued": 0' in detail and '"sent": 0' in detail, (day, hour, detail)

    received = Counter((m["To"], str(m["Subject"]).strip()) for m in sink.messages)
    missing, extra = expected.mail - received, received - expected.mail
    assert not missing and not extra, (missing, extra)
    assert sum(received.values()) == sum(expected.mail.values())
    # the fortnight exercises every rule, not just some
    said = " | ".join(subject for _, subject in received)
    print(f"{len(sink.messages)} emails: {said}")
    for words in (
        "opened at level",
        "raised to level",
        "management supervision is due in 3 days",
        "management supervision is overdue",
        "the exit plan's target date is in 3 days",
        "the exit plan's target date has passed",
        "Your weekly summary",
        "Weekly exception report to the corporate director, 1 April 2024",
        "Weekly exception report to the corporate director, 8 April 2024",
        "Monthly exception report to the Corporate Parenting Board, 1 April 2024",
    ):
        assert words in said, words
    assert any(n and subject.endswith(f"{n} notices") for _, subject in received for n in (1, 2, 3))
    # once each: every message its own Message-ID, every notice sent once
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(ids) == len(set(ids))
    with unit_of_work(engine) as session:
        rows = session.exec(select(Notification)).all()
        assert {r.status for r in rows} == {"sent", "digested", "held"}
        # held since the last Monday: for next week's digest, none lost
        assert sum(r.status == "held" for r in rows) == sum(expected.held.values()) > 0
        assert sum(r.status == "sent" for r in rows) == len(sink.messages)
        # what was queued while the server was down was tried, waited, and sent next day
        late = [r for r in rows if r.attempts > 1]
        assert down_day_queued > 0 and len(late) == down_day_queued
        assert all(r.sent_at.date() == UP.date() for r in late)
        # nothing personal beyond the pseudonymous reference and a link
        births = {str(p.date_of_birth) for p in session.exec(select(YoungPerson))}
    for message in sink.messages:
        body = message.get_payload(decode=True).decode()
        assert BASE in body and not any(b in body for b in births)
