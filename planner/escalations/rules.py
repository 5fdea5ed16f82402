"""The pure rules of escalation review: the levels, the days that count, when supervision
is due. No database: the sweep (service), the queue (queries) and the tests all ask these.

Levels say who must be looking. They rise with time there and urgency and are never lowered
by the sweep while the stay lasts (a manager's attention, once needed, stays):

==========  ==================  ========================================================
level       who                 when (the highest rule that applies)
==========  ==================  ========================================================
1           team manager        from the first day
2           service manager     14 days; or B&B, emergency accommodation, no fixed abode;
                                or a 16-17 year old
3           head of service     28 days; or release from custody within 28 days with no
                                exit plan; or no exit plan after 7 days
4           director            56 days; or a 16-17 year old in B&B, emergency
                                accommodation or no fixed abode (the most urgent case)
==========  ==================  ========================================================

An exit plan is one recorded as agreed, or a move somewhere suitable already planned
(:func:`has_exit_plan`); a planned move never takes anyone off the queue before its day.

Custody is unsuitable but cannot be left before release, so it counts its days from 28
days before the release date rather than from the start of the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from planner.domain import MOST_URGENT_TYPES, PlacementType, age_on
from planner.domain.small_numbers import (
    NOT_SHOWN,
    fewer_than,
    is_small,
    share_withheld,
    withhold_group,
)
from planner.domain.text import day_words

if TYPE_CHECKING:
    from planner.models import Escalation, Stay

SUPERVISION_DAYS = 28
LEVELS = {1: "team manager", 2: "service manager", 3: "head of service", 4: "director"}


def days_counted(stay: Stay, today: date) -> int:
    """Days in unsuitable accommodation that count: custody counts from 28 days before the
    release date, because until then no move is possible."""
    start = stay.start_date
    if stay.placement_type == PlacementType.custody and stay.expected_end:
        start = max(start, stay.expected_end - timedelta(days=SUPERVISION_DAYS))
    return max(0, (today - start).days)


def required_level(
    *, age: int, placement_type: str, days: int, exit_plan: bool, release_in: int | None
) -> tuple[int, str]:
    """The level the rules require today, and the rule that set it (for the trail)."""
    ptype = PlacementType(placement_type)
    urgent = ptype in MOST_URGENT_TYPES
    rules = [(1, "in unsuitable accommodation")]
    if days >= 14:
        rules.append((2, f"{days} days in unsuitable accommodation"))
    if urgent:
        rules.append((2, f"in {ptype.label.lower()}"))
    if age < 18:
        rules.append((2, "aged 16-17"))
    if days >= 28:
        rules.append((3, f"{days} days in unsuitable accommodation"))
    if release_in is not None and release_in <= 28 and not exit_plan:
        rules.append((3, f"release in {release_in} days with no exit plan"))
    if not exit_plan and days > 7 and ptype != PlacementType.custody:
        rules.append((3, "no exit plan after 7 days"))
    if days >= 56:
        rules.append((4, f"{days} days in unsuitable accommodation"))
    if urgent and age < 18:
        rules.append((4, f"aged 16-17 in {ptype.label.lower()}"))
    return max(rules, key=lambda r: r[0])


@dataclass(frozen=True)
class PlannedMove:
    """A move out of the unsuitable stay to somewhere suitable, accepted from a match run or
    recorded for a later day: the day, the placement type's code and, for a place in the
    council's inventory, its provision's name and the place's label ("" otherwise)."""

    on: date
    placement_type: str
    place: str = ""


def has_exit_plan(agreed_on: date | None, move: PlannedMove | None) -> bool:
    """Whether an escalated young person has an exit plan: one recorded as agreed, or a move
    somewhere suitable already planned. One rule for the levels, the queue, the escalation's
    page, the home page's count, the sweep's summary and both exception reports.

    A planned move is the most concrete exit plan there is, yet until its day the young
    person is still where they are: still in the queue, still counted, still supervised
    (:mod:`planner.domain.stays`). Found on a walk through frozen days: a young person in
    B&B with a move agreed for next week read "No exit plan" everywhere and was raised a
    level for it."""
    return agreed_on is not None or move is not None


def moving_words(move: PlannedMove) -> str:
    """A planned move as an officer reads it: "Moving to Fellside House, Flat 2 on 14
    January 2027", or, not into a place of the inventory, "Moving on 14 January 2027
    (independent tenancy)"."""
    if move.place:
        return f"Moving to {move.place} on {day_words(move.on)}"
    return f"Moving on {day_words(move.on)} ({PlacementType(move.placement_type).label.lower()})"


def exit_plan_words(agreed_on: date | None, target: date | None, move: PlannedMove | None) -> str:
    """The exit plan in full, for the escalation's page and the director's report: the
    planned move (:func:`moving_words`), the plan agreed ("Agreed 1 December 2026, target
    14 December 2026"), both, or "No exit plan"."""
    agreed = ""
    if agreed_on is not None:
        agreed = f"agreed {day_words(agreed_on)}"
        agreed += f", target {day_words(target)}" if target else ""
    if move is not None:
        moving = moving_words(move)
        return f"{moving} (exit plan {agreed})" if agreed else moving
    return agreed[:1].upper() + agreed[1:] if agreed else "No exit plan"


def exit_plan_brief(target: date | None, move: PlannedMove | None) -> str:
    """The exit plan in a queue's cell: the planned move, else the agreed plan's target to
    have moved by ("Target 14 December 2026"), else "No exit plan"."""
    if move is not None:
        return moving_words(move)
    return f"Target {day_words(target)}" if target else "No exit plan"


def release_date(stay: Stay) -> date | None:
    """When a young person in custody is expected out (no other stay has a release)."""
    return stay.expected_end if stay.placement_type == PlacementType.custody else None


def release_words(release: date, day: date) -> str:
    """The release date as the queue says it: "release 21 December 2026", and once that day
    has gone with the young person still recorded in custody, "release was due 21 December
    2026: record where they went" (the stay stays current until a move is recorded, and a
    bare date in the past read as if the release were still to come)."""
    if release < day:
        return f"release was due {day_words(release)}: record where they went"
    return f"release {day_words(release)}"


def level_of_stay(
    stay: Stay, *, date_of_birth: date, exit_plan: bool, day: date
) -> tuple[int, str]:
    """:func:`required_level` for one unsuitable stay on ``day``: the sweep sets it, the
    queue explains it, from the same facts."""
    release = release_date(stay)
    return required_level(
        age=age_on(date_of_birth, day),
        placement_type=stay.placement_type,
        days=days_counted(stay, day),
        exit_plan=exit_plan,
        release_in=(release - day).days if release else None,
    )


def supervision_due(esc: Escalation) -> date:
    """Management supervision is due every 4 weeks: 28 days after the last one or, before
    the first, after the day the escalation was opened (the day the planner first saw the
    stay, never back-dated to the stay's start, so a council's first day does not find every
    long stay already overdue)."""
    return (esc.last_supervision_on or esc.opened_on) + timedelta(days=SUPERVISION_DAYS)


def next_action(
    *, supervision: date, exit_plan_target: date | None, pathway_plan_due: date | None
) -> tuple[date, str]:
    """The one next action due on an escalation: the earliest of management supervision
    due, the exit plan's target (the day they should have moved) and the pathway plan's
    review, with what it is. Equal days name the first of that order."""
    due = [(supervision, "supervision")]
    if exit_plan_target is not None:
        due.append((exit_plan_target, "exit plan target"))
    if pathway_plan_due is not None:
        due.append((pathway_plan_due, "pathway plan review"))
    return min(due, key=lambda d: d[0])


def closure_words(closure: str) -> str:
    """How an escalation's closure reads to a person.

    The sweep stores ``moved to <placement type code>`` (the column is short, and the code
    stays stable if a label is reworded); pages, the API and reports show the label, so an
    officer reads "moved to supported accommodation framework", never an internal code."""
    prefix = "moved to "
    if closure.startswith(prefix):
        code = closure[len(prefix) :]
        if code in PlacementType._value2member_map_:
            return prefix + PlacementType(code).label.lower()
    return closure


# -- an exception report's figures, as each audience reads them ---------------------------------

NO_ONE = "none: no one in unsuitable accommodation"

# a report's totals say whether its exit plans count planned moves (has_exit_plan): reports
# saved before they did counted agreed plans only, and keep saying so
MOVES_COUNTED = "exit_plans_count_planned_moves"
EXIT_PLAN_LABEL = "With an exit plan (agreed, or a move planned)"

CASES_WITHHELD = (
    "The cases are not listed: there are too few young people to show them without "
    "singling someone out."
)


def _count_of_share(totals: dict[str, Any], count_key: str, percent_key: str) -> int:
    """A share's count: saved since reports kept it; for an older report, worked back from
    its whole-number percentage (exact below 100 young people, the only case where a small
    count could hide in it)."""
    if count_key in totals:
        return int(totals[count_key])
    return round(int(totals[percent_key]) * int(totals["in_unsuitable_accommodation"]) / 100)


@dataclass(frozen=True)
class _BoardWithheld:
    """Which of the board's summary figures are withheld, decided once for the summary and
    for the lettered cases (whose columns would count what the summary withholds)."""

    levels: frozenset[str]
    total: bool
    aged: bool
    supervision: bool
    exit_plan: bool


def _board_withheld(totals: dict[str, Any], threshold: int) -> _BoardWithheld:
    n = int(totals["in_unsuitable_accommodation"])
    young = int(totals["aged_16_17"])
    levels: dict[str, int] = {k: int(v) for k, v in totals["by_level"].items()}
    group = withhold_group(levels, n, threshold)
    supervised = _count_of_share(totals, "supervised", "supervision_within_4_weeks_percent")
    planned = _count_of_share(totals, "with_exit_plan", "with_exit_plan_percent")
    return _BoardWithheld(
        levels=group.cells,
        total=group.total,
        # aged 16-17 and the rest (18 and over) make the total: either small withholds it
        aged=group.total or is_small(young, threshold) or is_small(n - young, threshold),
        supervision=group.total or share_withheld(supervised, n, threshold),
        exit_plan=group.total or share_withheld(planned, n, threshold),
    )


def report_summary(totals: dict[str, Any], *, board: bool, threshold: int) -> list[tuple[str, str]]:
    """The summary lines of an exception report (label, value), the same on the page, the
    paper and the printable page. The director's report shows every figure. The board's is
    pseudonymised and leaves the service, so small numbers are withheld
    (:mod:`planner.domain.small_numbers`): a count of 1 to N-1 reads "fewer than N"; a figure
    withheld only so that a small one cannot be worked out by subtraction reads "not shown";
    when the number of young people is small, every figure built on it is withheld."""
    n = int(totals["in_unsuitable_accommodation"])
    young = int(totals["aged_16_17"])
    levels: dict[str, int] = {k: int(v) for k, v in totals["by_level"].items()}
    supervision = f"{totals['supervision_within_4_weeks_percent']}%"
    exit_plan = f"{totals['with_exit_plan_percent']}%"
    longest = f"{totals['longest_days']} days"
    if n == 0:  # a share of no one is no share: never "100%"
        supervision, exit_plan, longest = NO_ONE, NO_ONE, NO_ONE
    by_level = {k: str(v) for k, v in levels.items()}
    total, aged = str(n), str(young)
    if board:
        withheld = _board_withheld(totals, threshold)
        by_level = {
            k: (fewer_than(threshold) if is_small(v, threshold) else NOT_SHOWN)
            if k in withheld.levels
            else str(v)
            for k, v in levels.items()
        }
        if withheld.total:  # the number of young people itself is withheld
            total = fewer_than(threshold) if is_small(n, threshold) else NOT_SHOWN
            longest = NOT_SHOWN
        if withheld.aged:
            small_young = is_small(young, threshold) and not withheld.total
            aged = fewer_than(threshold) if small_young else NOT_SHOWN
        supervision = NOT_SHOWN if withheld.supervision else supervision
        exit_plan = NOT_SHOWN if withheld.exit_plan else exit_plan
    return [
        ("In unsuitable accommodation", f"{total} (aged 16-17: {aged})"),
        (
            "Management supervision within 4 weeks",
            supervision if n == 0 else f"{supervision} (target 100%)",
        ),
        (EXIT_PLAN_LABEL if totals.get(MOVES_COUNTED) else "With an agreed exit plan", exit_plan),
        ("Longest there", longest),
        ("By level", ", ".join(f"{label} {value}" for label, value in by_level.items())),
    ]


# the board's case columns, each with the summary figure whose count it would give away
CASE_COLUMNS = {
    "age_band": ("age band", "aged"),
    "level": ("level", "levels"),
    "exit_plan": ("exit plan", "exit_plan"),
    "supervision_up_to_date": ("supervision up to date", "supervision"),
}


def board_cases(
    totals: dict[str, Any], rows: list[dict[str, Any]], *, board: bool, threshold: int
) -> tuple[list[dict[str, Any]], str]:
    """The lettered cases as the board reads them, and a sentence saying what is left out.

    Each case's age band, level, exit plan and supervision would let a reader count the
    young people in each: so a column is left out whenever the summary withholds the figure
    it would count (aged 16-17, any level, the exit plan or supervision share), and all the
    cases when the number of young people is withheld. The director's rows are as saved."""
    if not board:
        return rows, ""
    withheld = _board_withheld(totals, threshold)
    if withheld.total:
        return [], CASES_WITHHELD
    out = [column for column, (_, figure) in CASE_COLUMNS.items() if getattr(withheld, figure)]
    if not out:
        return rows, ""
    names = [CASE_COLUMNS[c][0] for c in out]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    note = (
        f"{listed.capitalize()} {'is' if len(names) == 1 else 'are'} left out of the cases: "
        "the summary withholds the matching figures as small numbers, and a list of cases "
        "would count them."
    )
    return [{k: v for k, v in row.items() if k not in out} for row in rows], note
