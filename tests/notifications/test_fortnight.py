"""Email notices through a real SMTP server: a local aiosmtpd sink receives what the jobs
send over a frozen-clock fortnight of a small council, exactly what the rules say, once
each, and nothing is lost or duplicated when the sink is down for a day."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message

import factories
import pytest
from aiosmtpd.controller import Controller

from planner.core import clock
from planner.core.settings import get_settings
from planner.domain import PlacementType, Role
from planner.escalations.queries import queue
from planner.escalations.service import record_action
from planner.jobs import tasks
from planner.models import Notification
from planner.notifications import service as notifications
from planner.notifications.queries import outbox_state
from planner.notifications.rules import retry_wait

START = date(2024, 3, 4)  # a Monday
BASE = "https://planner.example.gov.uk"


class _Collect:
    def __init__(self, into: list[Message]) -> None:
        self.into = into

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.into.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class Sink:
    """A local SMTP server on a free port that can be stopped and started again."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.messages: list[Message] = []
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(_Collect(self.messages), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def sink(monkeypatch):
    server = Sink()
    server.start()
    for name, value in {
        "PLANNER_SMTP_HOST": "127.0.0.1",
        "PLANNER_SMTP_PORT": str(server.port),
        "PLANNER_SMTP_TLS": "none",
        "PLANNER_SMTP_SENDER": "planner@council.example",
        "PLANNER_BASE_URL": BASE,
        "PLANNER_DIRECTOR_REPORT_TO": "director@council.example",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        yield server
    finally:
        server.stop()
        get_settings.cache_clear()


def _council(session):
    with clock.frozen(START):
        manager = factories.user(
            session, role=Role.manager, username="tm", email="tm@council.example"
        )
        pa_a = factories.user(
            session,
            role=Role.personal_adviser,
            username="pa-a",
            email="pa-a@council.example",
            manager_id=manager.id,
        )
        pa_b = factories.user(
            session,
            role=Role.personal_adviser,
            username="pa-b",
            email="pa-b@council.example",
            manager_id=manager.id,
            notify="digest",
        )
        # someone with no address is simply not emailed
        factories.user(session, role=Role.manager, username="no-mail")
        people = {}
        for name, adviser, ptype, start in (
            ("yp1", pa_a, PlacementType.sofa_surfing, date(2024, 3, 6)),
            ("yp2", pa_a, PlacementType.bed_and_breakfast, date(2024, 2, 10)),
            ("yp3", pa_b, PlacementType.emergency_accommodation, date(2024, 3, 1)),
        ):
            person = factories.young_person(session, age=19, personal_adviser_id=adviser.id)
            factories.stay(session, young_person=person, placement_type=ptype, start_date=start)
            people[name] = person
    return people


def _escalation_of(session, person, day):
    return next(i for i in queue(session, today=day) if i.young_person_id == person.id)


def _received(sink: Sink) -> list[tuple[str, str]]:
    """(to, subject) as a mail client shows them: Python's generator may fold a long subject
    onto its own line ("Subject:\n Escalation ..."), which a client reads without the space."""
    return [(m["To"], str(m["Subject"]).strip()) for m in sink.messages]


def test_a_fortnight_of_notices_once_each_surviving_a_day_without_the_mail_server(session, sink):
    people = _council(session)
    refs = {name: p.reference for name, p in people.items()}
    for offset in range(14):
        day = START + timedelta(days=offset)
        if day == date(2024, 3, 11):
            sink.start()  # back on Monday morning
        with clock.frozen(datetime(day.year, day.month, day.day, 7, 0)):
            tasks.escalation_sweep(session)
        if day.weekday() == 0:
            with clock.frozen(datetime(day.year, day.month, day.day, 7, 30)):
                tasks.weekly_digest(session)
            with clock.frozen(datetime(day.year, day.month, day.day, 8, 0)):
                tasks.weekly_director_report(session)
        with clock.frozen(datetime(day.year, day.month, day.day, 9, 0)):
            if day == START:
                # the planner's first day: the B&B stay's escalation opens today, and the
                # manager records its last supervision, on 10 February (so due on 9 March)
                esc = _escalation_of(session, people["yp2"], day)
                record_action(
                    session,
                    escalation_id=esc.escalation_id,
                    expected_version=esc.version,
                    kind="supervision",
                    on=date(2024, 2, 10),
                    actor="tm",
                )
            if day == date(2024, 3, 5):
                esc = _escalation_of(session, people["yp2"], day)
                record_action(
                    session,
                    escalation_id=esc.escalation_id,
                    expected_version=esc.version,
                    kind="exit_plan",
                    on=day,
                    target=date(2024, 3, 15),
                    actor="tm",
                )
            if day == date(2024, 3, 12):
                esc = _escalation_of(session, people["yp2"], day)
                record_action(
                    session,
                    escalation_id=esc.escalation_id,
                    expected_version=esc.version,
                    kind="supervision",
                    on=day,
                    actor="tm",
                )
            if day == date(2024, 3, 10):
                sink.stop()  # the mail server is down all Sunday
            summary = tasks.send_notifications(session)
            if day == date(2024, 3, 10):
                assert '"retrying": 2' in summary and '"sent": 0' in summary
        # a second run the same day queues nothing new and sends nothing again
        with clock.frozen(datetime(day.year, day.month, day.day, 9, 15)):
            again = tasks.send_notifications(session)
        assert '"queued": 0' in again and '"sent": 0' in again, (day, again)

    e1 = _escalation_of(session, people["yp1"], START + timedelta(days=13)).escalation_id
    e2 = _escalation_of(session, people["yp2"], START + timedelta(days=13)).escalation_id
    e3 = _escalation_of(session, people["yp3"], START + timedelta(days=13)).escalation_id
    a, b, m = "pa-a@council.example", "pa-b@council.example", "tm@council.example"

    def both(escalation_id, ref, what):
        subject = f"Escalation {escalation_id} ({ref}): {what}"
        return [(a, subject), (m, subject)]

    expected = [
        # Monday 4 March: the digest (before the day's notices), the director's report,
        # two escalations opened (the B&B one at level 3; pa-b reads hers in the digest)
        (m, "Your weekly summary: 2 open escalations, 0 notices"),
        (
            "director@council.example",
            "Weekly exception report to the corporate director, 4 March 2024",
        ),
        *both(e2, refs["yp2"], "opened at level 3 (head of service)"),
        (m, f"Escalation {e3} ({refs['yp3']}): opened at level 2 (service manager)"),
        # Wednesday 6 March: a new sofa surfer; supervision due on 9 March
        *both(e1, refs["yp1"], "opened at level 1 (team manager)"),
        *both(e2, refs["yp2"], "management supervision is due in 3 days"),
        # Saturday 9 March: 8 days in emergency accommodation with no exit plan
        (m, f"Escalation {e3} ({refs['yp3']}): raised to level 3"),
        # Sunday 10 March: supervision overdue, queued while the server is down, sent Monday
        *both(e2, refs["yp2"], "management supervision is overdue"),
        # Monday 11 March: digests (pa-b's holds her two notices) and the report
        (m, "Your weekly summary: 3 open escalations, 0 notices"),
        (b, "Your weekly summary: 0 open escalations, 2 notices"),
        (
            "director@council.example",
            "Weekly exception report to the corporate director, 11 March 2024",
        ),
        # Tuesday 12 March: the exit plan's target (15 March) in 3 days
        *both(e2, refs["yp2"], "the exit plan's target date is in 3 days"),
        # Thursday 14 March: 8 days sofa surfing with no exit plan
        *both(e1, refs["yp1"], "raised to level 3"),
        # Saturday 16 March: the target has passed
        *both(e2, refs["yp2"], "the exit plan's target date has passed"),
    ]
    assert Counter(_received(sink)) == Counter(expected)
    assert len(sink.messages) == len(expected) == 21
    # each notice once: no message id twice
    ids = [msg["X-Planner-Notice"] for msg in sink.messages]
    assert len(ids) == len(set(ids))
    # no personal data beyond the pseudonymous reference and a link
    for msg in sink.messages:
        body = msg.get_payload(decode=True).decode()
        assert BASE in body
        if msg["To"] == "director@council.example":
            assert not any(r in body or r in msg["Subject"] for r in refs.values())
        for person in people.values():
            assert str(person.date_of_birth) not in body
    # the Sunday's notices were tried twice, failed, and sent on Monday: retried, not lost
    overdue = [n for n in notifications.outbox(session) if n.kind == "supervision_overdue"]
    assert len(overdue) == 2
    assert all(n.status == "sent" and n.attempts == 3 for n in overdue)
    assert {n.status for n in notifications.outbox(session)} == {"sent", "digested"}
    held = [n for n in notifications.outbox(session) if n.status == "digested"]
    assert len(held) == 2 and {n.kind for n in held} == {"escalation_opened", "escalation_raised"}
    state = outbox_state(session)
    assert state.email_on and state.by_status == {
        "queued": 0,
        "held": 0,
        "sent": 21,
        "digested": 2,
        "failed": 0,
    }


def test_notices_are_off_without_an_smtp_server(session, monkeypatch):
    monkeypatch.delenv("PLANNER_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        _council(session)
        with clock.frozen(START):
            tasks.escalation_sweep(session)
            summary = tasks.send_notifications(session)
        assert '"queued": 0' in summary
        assert notifications.outbox(session) == []
    finally:
        get_settings.cache_clear()


def test_back_off_doubles_to_six_hours_and_gives_up_after_twenty_attempts(session, sink):
    from planner.notifications.rules import MAX_ATTEMPTS

    assert [retry_wait(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_wait(30) == timedelta(hours=6)
    sink.stop()
    with clock.frozen(START):
        session.add(
            Notification(
                key="test:1", kind="test", to_address="x@council.example", subject="s", body="b"
            )
        )
        session.flush()
    at = datetime(2024, 3, 4, 12, 0, tzinfo=clock.council_zone())
    for _ in range(MAX_ATTEMPTS):
        with clock.frozen(at):
            notifications.send_due(session)
        at += timedelta(hours=7)
    row = notifications.outbox(session)[0]
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    assert row.last_error in {"ConnectionRefusedError", "SMTPServerDisconnected"}


def test_a_crash_after_the_server_accepts_a_notice_sends_it_again_as_the_same_message(
    session, sink
):
    """At least once: a notice the server accepted but the outbox never recorded as sent
    (the process died before its commit) is sent again, not lost, and both copies carry the
    same Message-ID, so a mail client shows one message."""
    with clock.frozen(START):
        session.add(
            Notification(
                key="escalation:1:opened:to:7",
                kind="escalation_opened",
                to_address="pa@council.example",
                subject="s",
                body="b",
            )
        )
        session.flush()
        crashed = session.begin_nested()
        assert notifications.send_due(session).sent == 1
        crashed.rollback()  # the crash: "sent" was never committed
        assert notifications.outbox(session)[0].status == "queued"
        assert notifications.send_due(session).sent == 1
        assert notifications.send_due(session).sent == 0  # recorded now: not a third time
    first, second = sink.messages
    assert first["Message-ID"] == second["Message-ID"]
    row = notifications.outbox(session)[0]
    assert first["Message-ID"] == f"<notice-{row.id}.{_digest(row.key)}@council.example>"


def _digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()[:16]
