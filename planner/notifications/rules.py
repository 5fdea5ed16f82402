"""The pure rules of email notices: which notices an escalation calls for on a day, their
idempotent keys and words, and the back-off between attempts. No database, no network.

=========================  ==================================================================
notice                     when (keyed so it is queued once)
=========================  ==================================================================
escalation opened          the sweep opened it in the last 7 days (its level included)
level raised               the sweep raised it in the last 7 days (not on the day it opened)
supervision due            supervision falls due within 3 days (once per due date)
supervision overdue        supervision is past due (once per due date: recording supervision
                           sets a new due date, so the next lapse is a new notice)
exit-plan target due       the exit plan's target is within 3 days (once per target)
exit-plan target overdue   the target has passed and the escalation is still open
=========================  ==================================================================

Each goes to the young person's personal adviser and the adviser's manager (``user.manager_id``).
Words carry no personal data beyond the young person's pseudonymous reference and a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DUE_SOON_DAYS = 3
LOOKBACK_DAYS = 7
MAX_ATTEMPTS = 20
FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=6)


@dataclass(frozen=True)
class Notice:
    """One notice, before it is addressed to anyone."""

    key: str
    kind: str
    subject: str
    body: str


@dataclass(frozen=True)
class EscalationFacts:
    """What the rules need of one open escalation."""

    escalation_id: int
    reference: str
    level_label: str
    supervision_due: date
    exit_plan_target: date | None
    opened_on_trail: date | None  # the day the sweep recorded "opened"
    raised: tuple[tuple[int, date, str], ...]  # (action id, day, note) of "level" actions


def _link(base_url: str, escalation_id: int) -> str:
    return f"{base_url.rstrip('/')}/escalations/{escalation_id}"


def _notice(facts: EscalationFacts, key: str, kind: str, what: str, base_url: str) -> Notice:
    subject = f"Escalation {facts.escalation_id} ({facts.reference}): {what}"
    body = (
        f"{what[:1].upper()}{what[1:]}.\n\n"
        f"Escalation {facts.escalation_id}, young person {facts.reference}.\n"
        f"Open it in the planner: {_link(base_url, facts.escalation_id)}\n\n"
        "You get this email because you are the young person's personal adviser or their "
        "manager. Choose one email a week instead on your account page.\n"
    )
    return Notice(
        key=f"escalation:{facts.escalation_id}:{key}", kind=kind, subject=subject, body=body
    )


LEVEL_NOTE = re.compile(r"^level (\d)")


def escalation_notices(facts: EscalationFacts, *, today: date, base_url: str) -> list[Notice]:
    """The notices one open escalation calls for on ``today``."""
    notices = []
    recent = today - timedelta(days=LOOKBACK_DAYS)
    if facts.opened_on_trail is not None and facts.opened_on_trail >= recent:
        notices.append(
            _notice(
                facts,
                "opened",
                "escalation_opened",
                f"opened at level {facts.level_label}",
                base_url,
            )
        )
    for action_id, day, note in facts.raised:
        if day < recent or day == facts.opened_on_trail:
            continue  # too old, or folded into the opening notice
        level = LEVEL_NOTE.match(note)
        words = f"raised to level {level.group(1)}" if level else "level raised"
        notices.append(_notice(facts, f"level:{action_id}", "escalation_raised", words, base_url))
    due = facts.supervision_due
    if 0 <= (due - today).days <= DUE_SOON_DAYS:
        days = (due - today).days
        when = "today" if days == 0 else f"in {days} day{'s' if days > 1 else ''}"
        notices.append(
            _notice(
                facts,
                f"supervision-due:{due.isoformat()}",
                "supervision_due",
                f"management supervision is due {when}",
                base_url,
            )
        )
    elif due < today:
        notices.append(
            _notice(
                facts,
                f"supervision-overdue:{due.isoformat()}",
                "supervision_overdue",
                "management supervision is overdue",
                base_url,
            )
        )
    target = facts.exit_plan_target
    if target is not None and 0 <= (target - today).days <= DUE_SOON_DAYS:
        days = (target - today).days
        when = "today" if days == 0 else f"in {days} day{'s' if days > 1 else ''}"
        notices.append(
            _notice(
                facts,
                f"exit-plan-due:{target.isoformat()}",
                "exit_plan_due",
                f"the exit plan's target date is {when}",
                base_url,
            )
        )
    elif target is not None and target < today:
        notices.append(
            _notice(
                facts,
                f"exit-plan-overdue:{target.isoformat()}",
                "exit_plan_overdue",
                "the exit plan's target date has passed",
                base_url,
            )
        )
    return notices


def addressed_key(key: str, user_id: int | None, address: str) -> str:
    """A notice's key for one recipient: the outbox's unique key."""
    return f"{key}:to:{user_id}" if user_id is not None else f"{key}:to:{address.lower()}"


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 5 minutes, doubling, at
    most 6 hours (so a mail server down for a day is tried every 6 hours, not hammered)."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def given_up(attempts: int) -> bool:
    """After :data:`MAX_ATTEMPTS` failed attempts (about four days) a notice is ``failed``."""
    return attempts >= MAX_ATTEMPTS
