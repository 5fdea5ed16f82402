"""an escalation opens the day the planner first saw its stay, not the stay's start

The sweep used to back-date ``escalation.opened_on`` to the stay's start, so on a council's
first day every long stay was already overdue for supervision and the reports' trends
counted escalations as open (and unsupervised) for weeks before the planner existed. The
sweep now opens an escalation on the day it sees the stay; this moves each escalation the
sweep opened (its trail's "opened" action) to that day. The demo's escalations, whose trail
is recorded as if kept from the stay's start, are left as they are.

Revision ID: 0012_fix_reports_opened
Revises: 0011_scenario_title
Create Date: 2026-11-30 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_fix_reports_opened"
down_revision: str | None = "0011_scenario_title"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEMO_ACTOR = "demo"  # frozen here: planner.demo.council.DEMO_ACTOR when this was written


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT e.id, e.opened_on, e.closed_on, min(a.\"on\") FROM escalation e "
            "JOIN escalation_action a ON a.escalation_id = e.id "
            "WHERE a.kind = 'opened' AND a.actor <> :demo "
            "GROUP BY e.id, e.opened_on, e.closed_on"
        ),
        {"demo": DEMO_ACTOR},
    ).all()
    for escalation_id, opened_on, closed_on, seen_on in rows:
        opened, seen = _day(opened_on), _day(seen_on)
        if seen is None or opened is None or seen <= opened:
            continue
        closed = _day(closed_on)
        bind.execute(
            sa.text(
                "UPDATE escalation SET opened_on = :seen, closed_on = :closed WHERE id = :id"
            ),
            {"seen": seen, "closed": max(closed, seen) if closed else None, "id": escalation_id},
        )


def _day(value: object):  # type: ignore[no-untyped-def]
    """A date read back from either database (SQLite gives text)."""
    import datetime as dt

    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def downgrade() -> None:
    """Nothing to undo: the back-dated days are not kept (they were the stays' starts)."""
