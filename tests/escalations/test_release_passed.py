"""A release date that has gone by, with the young person still recorded in custody, says
so on the queue and the escalation page. On a walk through time the queue still read
"Custody (release 21 December 2026)" three weeks after that day, as if it were to come."""

from __future__ import annotations

from datetime import date

import factories

from planner.domain import PlacementType, Role
from planner.escalations.queries import get_escalation_or_raise, queue
from planner.escalations.service import sweep

RELEASE = date(2026, 12, 21)


def _words(session, day):
    (item,) = [i for i in queue(session, today=day) if i.placement_type == "custody"]
    manager = factories.user(session, role=Role.manager)
    view = get_escalation_or_raise(
        session, viewer=manager, escalation_id=item.escalation_id, today=day
    )
    return item.release_words, view.release_words


def test_the_queue_says_when_the_release_date_has_passed(session):
    person = factories.young_person(session, age=20, on=date(2026, 12, 1))
    factories.stay(
        session,
        young_person=person,
        placement_type=PlacementType.custody,
        start_date=date(2026, 8, 1),
        expected_end=RELEASE,
    )
    sweep(session, today=date(2026, 12, 1))
    assert _words(session, date(2026, 12, 1)) == ("release 21 December 2026",) * 2
    assert _words(session, RELEASE) == ("release 21 December 2026",) * 2
    late = "release was due 21 December 2026: record where they went"
    assert _words(session, date(2027, 1, 12)) == (late, late)
