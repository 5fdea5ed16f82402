"""Trends for the papers, read back from the records as they stood at each past period end.

Nothing here is a stored figure: for each of the last 12 week ends (director) or month ends
(board) the counts are recomputed from the stays (which were current and unsuitable that
day, by :func:`planner.domain.stays.is_current`, the one rule) and the escalations with their
trail (supervision recorded on or before that day, closures in the period). So a paper made
today and one made next month agree about March, whatever has been recorded since about
later days.

The four trends:

* **in unsuitable accommodation**: young people (still in the service that day) in a stay
  that was current and unsuitable at the period end;
* **average days there**: their mean days in that stay at the period end;
* **supervision within 4 weeks**: of the escalations open at the period end, the share
  whose last supervision (or opening, if none yet) was at most 28 days before. An escalation
  opens the day the planner first sees the stay (never back-dated), so the weeks before a
  council started using the planner count neither way; a period end with no escalation open
  has no share at all (``none_open``: "none open"), never 100%;
* **exits achieved**: moves out of unsuitable accommodation in the period, read from the
  stays: an unsuitable stay that ended in the period with the young person's next stay,
  starting that day, somewhere suitable (whether or not the planner had an escalation open:
  the stays are the record of where people lived).

For the board, counts from 1 to N - 1 and averages and percentages of fewer than N cases are
suppressed (``None``, shown as "fewer than N"), so a paper that leaves the service cannot
single anyone out. N is the one small-number setting (``PLANNER_SMALL_NUMBER``, 5 by
default: :attr:`planner.core.settings.Settings.small_number`), the fairness audit's too.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from planner.core.settings import get_settings
from planner.domain.small_numbers import is_small, share_withheld
from planner.domain.stays import is_current
from planner.domain.suitability import is_suitable, unsuitable_condition
from planner.escalations.rules import SUPERVISION_DAYS
from planner.models import Escalation, EscalationAction, Stay, YoungPerson

PERIODS = 12


@dataclass(frozen=True)
class TrendPoint:
    """One period end's figures (``None``: suppressed as a small number)."""

    period_end: date
    label: str
    in_unsuitable: int | None
    average_days: int | None
    supervision_percent: int | None
    exits: int | None
    # the counts behind the supervision share, so the board's can be withheld when it would
    # give a small number away (None on the board's points: only the share is shown)
    supervised: int | None = None
    escalations_open: int | None = None
    # no escalation open at the period end: there is no one to supervise, so no share
    none_open: bool = False


def week_ends(as_of: date, n: int = PERIODS) -> list[date]:
    """``as_of`` and the same weekday in each of the ``n - 1`` weeks before, oldest first."""
    return [as_of - timedelta(weeks=k) for k in range(n - 1, -1, -1)]


def month_ends(as_of: date, n: int = PERIODS) -> list[date]:
    """The last days of the ``n - 1`` months before ``as_of``'s month, then ``as_of``."""
    ends = [as_of]
    year, month = as_of.year, as_of.month
    for _ in range(n - 1):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return sorted(ends)


def trends(session: Session, *, audience: str, as_of: date) -> list[TrendPoint]:
    """The director's weekly or the board's monthly trend points up to ``as_of``."""
    ends = week_ends(as_of) if audience == "director" else month_ends(as_of)
    first = ends[0] - timedelta(days=31)
    stays = list(
        session.exec(
            select(Stay).where(
                unsuitable_condition(Stay.placement_type, Stay.suitable),
                col(Stay.start_date) <= ends[-1],
                col(Stay.end_date).is_(None) | (col(Stay.end_date) > first),
            )
        )
    )
    left = dict(
        session.exec(
            select(col(YoungPerson.id), col(YoungPerson.left_service_on)).where(
                col(YoungPerson.id).in_({s.young_person_id for s in stays})
            )
        ).all()
    )
    escalations = list(
        session.exec(
            select(Escalation).where(
                col(Escalation.opened_on) <= ends[-1],
                col(Escalation.closed_on).is_(None) | (col(Escalation.closed_on) > first),
            )
        )
    )
    # where each young person went when an unsuitable stay ended: the stay starting that day
    moved_to = {
        (s.young_person_id, s.start_date): is_suitable(s.placement_type, s.suitable)
        for s in session.exec(
            select(Stay).where(
                col(Stay.young_person_id).in_({s.young_person_id for s in stays}),
                col(Stay.start_date) > first,
                col(Stay.start_date) <= ends[-1],
            )
        )
    }
    supervised: dict[int, list[date]] = defaultdict(list)
    for escalation_id, on in session.exec(
        select(col(EscalationAction.escalation_id), col(EscalationAction.on)).where(
            EscalationAction.kind == "supervision",
            col(EscalationAction.escalation_id).in_([e.id for e in escalations]),
        )
    ):
        supervised[escalation_id].append(on)
    points = []
    previous = ends[0] - (ends[1] - ends[0] if len(ends) > 1 else timedelta(weeks=1))
    for end in ends:
        there = [
            s
            for s in stays
            if is_current(s, end) and not (left.get(s.young_person_id) or date.max) <= end
        ]
        open_then = [
            e
            for e in escalations
            if e.opened_on <= end and (e.closed_on is None or e.closed_on > end)
        ]
        within = 0
        for e in open_then:
            # the trail's supervisions, and the latest one (recorded on the escalation)
            done = [*supervised[e.id or 0], *([e.last_supervision_on])]
            last = max((d for d in done if d is not None and d <= end), default=e.opened_on)
            within += (end - last).days <= SUPERVISION_DAYS
        exits = sum(
            1
            for s in stays
            if s.end_date is not None
            and previous < s.end_date <= end
            and moved_to.get((s.young_person_id, s.end_date), False)
        )
        n = len({s.young_person_id for s in there})
        points.append(
            TrendPoint(
                period_end=end,
                label=f"{end:%-d %b}" if audience == "director" else f"{end:%b %Y}",
                in_unsuitable=n,
                average_days=round(sum((end - s.start_date).days for s in there) / len(there))
                if there
                else 0,
                supervision_percent=round(100 * within / len(open_then)) if open_then else None,
                exits=exits,
                supervised=within,
                escalations_open=len(open_then),
                none_open=not open_then,
            )
        )
        previous = end
    if audience == "board":
        threshold = get_settings().small_number
        points = [_suppressed(p, threshold) for p in points]
    return points


def _suppressed(point: TrendPoint, threshold: int) -> TrendPoint:
    """The board's point: small counts, averages and shares of few cases, and a share whose
    part or rest is a small number, withheld (:mod:`planner.domain.small_numbers`)."""
    few = is_small(point.in_unsuitable, threshold)
    share_small = share_withheld(point.supervised or 0, point.escalations_open or 0, threshold)
    return TrendPoint(
        period_end=point.period_end,
        label=point.label,
        in_unsuitable=None if few else point.in_unsuitable,
        average_days=None if few else point.average_days,
        supervision_percent=None if few or share_small else point.supervision_percent,
        exits=None if is_small(point.exits, threshold) else point.exits,
        none_open=point.none_open,
    )
