"""The fairness audit: who is proposed, who is moved, and who waits in unsuitable
accommodation and for how long, by gender, ethnicity, UASC status, age group and area.

Three measures, each compared for every group with everyone else (the rest):

* **proposed**: of the times a young person needing a move was in a match run, how often the
  run proposed them a vacancy (person-runs);
* **moved**: of the young people who needed a move in any run, how many began a stay from an
  accepted proposal (a move planned for a later day counts once it has begun);
* **waiting**: the days each stay in unsuitable accommodation lasted (to its end, or to today
  if it has not ended).

Small numbers are suppressed: a count of 1 to N-1 is shown as "fewer than N" (N is the
setting PLANNER_SMALL_NUMBER, 5 by default, the one threshold the board's paper uses too),
a rate or average built on a suppressed count is not shown, and a group or its rest with
fewer than N young people is never flagged.

**The flag rule.** A rate is flagged when the group's rate divided by the rest's is outside
0.8-1.25 (the "four-fifths rule") *and* a two-proportion z-test says the difference is
unlikely to be chance (|z| >= 1.96, about 5%). The average wait is flagged when the ratio of
the averages is outside 0.8-1.25 and Welch's t is at least 1.96 in size. Both conditions are
needed: the ratio says the difference matters, the test says it is not noise of small groups.

The rules are pure functions of two frames (`audit`); `fairness_audit` reads them from the
records.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from planner.core import clock
from planner.domain.dates import age_on
from planner.domain.small_numbers import (
    NOT_SHOWN,
    fewer_than,
    is_small,
    share_withheld,
    shown_count,
    withhold_group,
)
from planner.domain.suitability import is_unsuitable
from planner.domain.text import code_words
from planner.models import MatchRun, Place, Proposal, Provision, Stay, Vacancy, YoungPerson
from planner.young_people.lives import area_of, lives_in

DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("gender", "Gender"),
    ("ethnicity", "Ethnicity"),
    ("uasc", "Unaccompanied asylum-seeking"),
    ("age_group", "Age group"),
    ("area", "Area"),
)
RATIO_LOW, RATIO_HIGH = 0.8, 1.25
Z_CRITICAL = 1.96


def age_group(age: int) -> str:
    """16-17, 18-20, 21-25, or 'other ages'."""
    if 16 <= age <= 17:
        return "16-17"
    if 18 <= age <= 20:
        return "18-20"
    if 21 <= age <= 25:
        return "21-25"
    return "other ages"


@dataclass(frozen=True)
class Measure:
    """One measure of one group: its count, base, value, and how it compares with the rest."""

    count: int  # proposed person-runs, people moved, or stays (waiting)
    base: int  # person-runs needing a move, people needing a move, or stays (waiting)
    value: float | None  # the rate, or the average days waiting; None when suppressed
    rest_value: float | None
    ratio: float | None
    statistic: float | None  # z or Welch's t
    flagged: bool
    rest_count: int = 0  # everyone else's count and base (the total less the group's)
    rest_base: int = 0


@dataclass(frozen=True)
class GroupRow:
    dimension: str  # gender | ethnicity | uasc | age_group | area
    group: str
    proposed: Measure
    moved: Measure
    waiting: Measure

    @property
    def flags(self) -> list[str]:
        return self.flag_words()

    def flag_words(self, withheld: frozenset[str] = frozenset()) -> list[str]:
        """The differences flagged, in words; a measure named in `withheld` (its rates are
        not shown, for small numbers) says so, so a flag never points at figures nobody
        can read without saying why."""
        words = []
        for measure, what in ((self.proposed, "proposed"), (self.moved, "moved")):
            if measure.flagged and measure.ratio is not None:
                more = "more" if measure.ratio > 1 else "less"
                note = " (the rates are not shown: small numbers)" if what in withheld else ""
                words.append(f"{what} {more} often than others{note}")
        if self.waiting.flagged and self.waiting.ratio is not None:
            longer = "longer" if self.waiting.ratio > 1 else "shorter"
            note = " (the averages are not shown: small numbers)" if "waiting" in withheld else ""
            words.append(f"waits {longer} in unsuitable accommodation than others{note}")
        return words


@dataclass(frozen=True)
class FairnessAudit:
    min_count: int
    as_of: date
    match_runs: int
    rows: list[GroupRow]

    @property
    def flagged(self) -> list[GroupRow]:
        return [r for r in self.rows if r.flags]

    def shown(self, count: int) -> str:
        """A count as people read it: 'fewer than 5' for 1-4."""
        return shown_count(count, self.min_count)

    def records(self) -> list[dict[str, Any]]:
        """One record per group for CSV, JSON and the page: withheld cells as words.

        A count of 1 to N-1 reads "fewer than N". Every dimension splits the same young
        people, so its groups add up to a total any other dimension gives away: in each
        dimension, further counts are withheld ("not shown") until no withheld one can be
        worked out by subtraction (:func:`planner.domain.small_numbers.withhold_group`). A
        rate is not shown where its count or base is withheld or its share would give a small
        number away, and the rate of everyone else not where the group's own count or base is
        withheld (everyone else is the total less the group)."""
        label = dict(DIMENSIONS)
        n = self.min_count
        withheld = {
            (dimension, name): withhold_group(
                cells := {r.group: get(r) for r in self.rows if r.dimension == dimension},
                sum(cells.values()),
                n,
            ).cells
            for dimension, _ in DIMENSIONS
            for name, get in COUNTS.items()
        }

        def hidden(r: GroupRow, name: str) -> bool:
            return r.group in withheld[(r.dimension, name)]

        def count(r: GroupRow, name: str) -> str:
            value = COUNTS[name](r)
            if not hidden(r, name):
                return f"{value:,}"
            return fewer_than(n) if is_small(value, n) else NOT_SHOWN

        def rates(r: GroupRow, measure: Measure, part: str, whole: str) -> tuple[str, str]:
            mine_hidden = hidden(r, part) or hidden(r, whole)
            own = (
                None
                if mine_hidden or share_withheld(measure.count, measure.base, n)
                else measure.value
            )
            rest_count = measure.rest_count
            rest = (
                None
                if mine_hidden or share_withheld(rest_count, measure.rest_base, n)
                else measure.rest_value
            )
            return _percent(own), _percent(rest)

        out = []
        for r in self.rows:
            proposed_rate, others_proposed = rates(r, r.proposed, "proposed", "needing")
            moved_rate, others_moved = rates(r, r.moved, "moved", "people_needing")
            # the measures whose figures the row does not show: a flag on one says why
            unshown = frozenset(
                what
                for what, shown in (
                    ("proposed", proposed_rate and others_proposed),
                    ("moved", moved_rate and others_moved),
                    ("waiting", not hidden(r, "stays")),
                )
                if not shown
            )
            out.append(
                {
                    "dimension": label[r.dimension],
                    "group": r.group,
                    "needing_a_move": count(r, "needing"),
                    "proposed": count(r, "proposed"),
                    "proposed_rate": proposed_rate,
                    "others_proposed_rate": others_proposed,
                    "people_needing_a_move": count(r, "people_needing"),
                    "moved": count(r, "moved"),
                    "moved_rate": moved_rate,
                    "others_moved_rate": others_moved,
                    "unsuitable_stays": count(r, "stays"),
                    "average_days_waiting": "" if hidden(r, "stays") else _days(r.waiting.value),
                    "others_average_days_waiting": ""
                    if hidden(r, "stays")
                    else _days(r.waiting.rest_value),
                    "flags": "; ".join(r.flag_words(unshown)),
                }
            )
        return out


# the counts each group shows, each withheld by the rules of small numbers
COUNTS: dict[str, Any] = {
    "needing": lambda r: r.proposed.base,
    "proposed": lambda r: r.proposed.count,
    "people_needing": lambda r: r.moved.base,
    "moved": lambda r: r.moved.count,
    "stays": lambda r: r.waiting.count,
}


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _two_proportions(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """The pooled two-proportion z statistic, or None when it is undefined."""
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return None if spread == 0 else (x1 / n1 - x2 / n2) / spread


def _outside(ratio: float | None) -> bool:
    return ratio is not None and not (RATIO_LOW <= ratio <= RATIO_HIGH)


def _rate_measure(flags: pd.Series, inside: pd.Series, min_count: int) -> Measure:
    """`flags`: one bool per observation; `inside`: whether it belongs to the group."""
    x1, n1 = int(flags[inside].sum()), int(inside.sum())
    x2, n2 = int(flags[~inside].sum()), int((~inside).sum())
    if n1 < min_count or n2 < min_count:
        return Measure(x1, n1, None, None, None, None, False, x2, n2)
    rate, rest = x1 / n1, x2 / n2
    ratio = rate / rest if rest > 0 else (None if rate == 0 else math.inf)
    z = _two_proportions(x1, n1, x2, n2)
    flagged = _outside(ratio) and z is not None and abs(z) >= Z_CRITICAL
    # whether a rate may be shown is decided with the other cells (FairnessAudit.records)
    return Measure(x1, n1, rate, rest, ratio, z, flagged, x2, n2)


def _mean_measure(days: pd.Series, inside: pd.Series, min_count: int) -> Measure:
    group, rest = days[inside], days[~inside]
    n1, n2 = len(group), len(rest)
    if n1 < min_count or n2 < min_count:
        return Measure(n1, n1, None, None, None, None, False)
    m1, m2 = float(group.mean()), float(rest.mean())
    ratio = m1 / m2 if m2 > 0 else (None if m1 == 0 else math.inf)
    spread = math.sqrt(float(group.var(ddof=1)) / n1 + float(rest.var(ddof=1)) / n2)
    t = None if spread == 0 else (m1 - m2) / spread
    flagged = _outside(ratio) and t is not None and abs(t) >= Z_CRITICAL
    return Measure(n1, n1, m1, m2, ratio, t, flagged)


def audit(
    observations: pd.DataFrame,
    stays: pd.DataFrame,
    *,
    min_count: int,
    as_of: date,
    match_runs: int,
) -> FairnessAudit:
    """The audit from plain frames (the rules; `fairness_audit` reads the frames).

    `observations`: one row per (match run, young person needing a move) with person_id,
    proposed, accepted and the dimension columns. `stays`: one row per stay in unsuitable
    accommodation with days and the dimension columns.
    """
    rows = []
    people = observations.drop_duplicates("person_id", keep="last").copy()
    if len(observations):
        moved = observations.groupby("person_id")["accepted"].any()
        people["moved"] = people["person_id"].map(moved).astype(bool)
    else:
        people["moved"] = pd.Series(dtype=bool)
    for dimension, _ in DIMENSIONS:
        groups = set(observations.get(dimension, pd.Series(dtype=str))) | set(
            stays.get(dimension, pd.Series(dtype=str))
        )
        for group in sorted(groups, key=str):
            rows.append(
                GroupRow(
                    dimension=dimension,
                    group=str(group),
                    proposed=_rate_measure(
                        observations["proposed"].astype(bool),
                        observations[dimension] == group,
                        min_count,
                    ),
                    moved=_rate_measure(people["moved"], people[dimension] == group, min_count),
                    waiting=_mean_measure(
                        stays["days"].astype(float), stays[dimension] == group, min_count
                    ),
                )
            )
    return FairnessAudit(min_count=min_count, as_of=as_of, match_runs=match_runs, rows=rows)


def _describe(person: YoungPerson, day: date, area: str) -> dict[str, str]:
    """The groups ``person`` was in on ``day``; ``area`` is where they lived that day
    (:mod:`planner.young_people.lives`), not the home area kept on their record."""
    return {
        "gender": code_words(person.gender),
        "ethnicity": code_words(person.ethnicity),
        "uasc": "Yes" if person.uasc else "No",
        "age_group": age_group(age_on(person.date_of_birth, day)),
        "area": area or "not recorded",
    }


OBSERVATION_COLUMNS = ["person_id", "proposed", "accepted", *[d for d, _ in DIMENSIONS]]
STAY_COLUMNS = ["person_id", "days", *[d for d, _ in DIMENSIONS]]


def fairness_frames(
    session: Session, as_of: date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The observations and unsuitable stays of the records, and the number of match runs.

    Everyone a run considered needing a move is an observation of that run: those it proposed
    a vacancy (its proposals) and those it left unmatched with a need (its saved unmatched
    list). Age groups are on the run's date (for stays: on the day the stay began), and so
    is the area: where they lived on the run's day (:mod:`planner.young_people.lives`), and
    for an unsuitable stay, that stay's own area."""
    day = as_of or clock.today()
    people = {p.id: p for p in session.exec(select(YoungPerson)).all()}
    by_reference = {p.reference: p for p in people.values()}
    runs = session.exec(select(MatchRun).order_by(MatchRun.id)).all()  # type: ignore[arg-type]
    proposals = session.exec(select(Proposal)).all()
    by_run: dict[int, list[Proposal]] = {}
    for proposal in proposals:
        by_run.setdefault(proposal.match_run_id, []).append(proposal)
    stays_all = session.exec(select(Stay).where(Stay.start_date <= day)).all()
    # a move counts once its stay has begun: an accepted proposal for a later day is planned
    began = {(s.young_person_id, s.place_id) for s in stays_all if s.place_id is not None}
    place_of = dict(session.exec(select(Vacancy.id, Vacancy.place_id)).all())
    observations = []
    lived: dict[date, dict[int, str]] = {}  # where everyone lived on each run's day
    for run in runs:
        if run.as_of > day:
            continue
        if run.as_of not in lived:
            lived[run.as_of] = lives_in(session, run.as_of)
        areas = lived[run.as_of]
        seen: set[int] = set()
        for proposal in by_run.get(run.id or 0, []):
            person = people.get(proposal.young_person_id)
            if person is None or person.id in seen:
                continue
            seen.add(person.id)  # type: ignore[arg-type]
            accepted = (
                proposal.status == "accepted"
                and (
                    person.id,
                    place_of.get(proposal.vacancy_id),
                )
                in began
            )
            observations.append(
                {"person_id": person.reference, "proposed": True, "accepted": accepted}
                | _describe(person, run.as_of, areas.get(person.id, person.area))  # type: ignore[arg-type]
            )
        for row in json.loads(run.unmatched or "[]"):
            if row.get("need") in (None, "no_move_needed"):
                continue
            person = by_reference.get(str(row.get("person_id")))
            if person is None or person.id in seen:
                continue
            seen.add(person.id)  # type: ignore[arg-type]
            observations.append(
                {"person_id": person.reference, "proposed": False, "accepted": False}
                | _describe(person, run.as_of, areas.get(person.id, person.area))  # type: ignore[arg-type]
            )
    # an unsuitable stay's own area (else its provision's) is where they lived when it began
    provision_area = dict(
        session.exec(
            select(Place.id, Provision.area).join(Provision, Provision.id == Place.provision_id)  # type: ignore[arg-type]
        ).all()
    )
    stays = []
    for stay in stays_all:
        if not is_unsuitable(stay.placement_type, stay.suitable):
            continue
        person = people.get(stay.young_person_id)
        if person is None:
            continue
        end = min(stay.end_date, day) if stay.end_date else day
        stays.append(
            {"person_id": person.reference, "days": (end - stay.start_date).days}
            | _describe(
                person,
                stay.start_date,
                area_of(stay.area, provision_area.get(stay.place_id, ""), person.area),  # type: ignore[arg-type]
            )
        )
    return (
        pd.DataFrame(observations, columns=OBSERVATION_COLUMNS),
        pd.DataFrame(stays, columns=STAY_COLUMNS),
        len([r for r in runs if r.as_of <= day]),
    )


def fairness_audit(
    session: Session, *, as_of: date | None = None, min_count: int | None = None
) -> FairnessAudit:
    """The fairness audit of the records, across every match run up to `as_of`."""
    from planner.core.settings import Settings

    day = as_of or clock.today()
    threshold = min_count if min_count is not None else Settings().small_number
    observations, stays, runs = fairness_frames(session, day)
    return audit(observations, stays, min_count=threshold, as_of=day, match_runs=runs)


FAIRNESS_FIELDS: tuple[tuple[str, str], ...] = (
    ("dimension", "Looked at by"),
    ("group", "Group"),
    ("needing_a_move", "Times needing a move in a match run"),
    ("proposed", "Proposed a vacancy"),
    ("proposed_rate", "Proposed rate"),
    ("others_proposed_rate", "Proposed rate of everyone else"),
    ("people_needing_a_move", "Young people needing a move"),
    ("moved", "Moved from an accepted proposal"),
    ("moved_rate", "Moved rate"),
    ("others_moved_rate", "Moved rate of everyone else"),
    ("unsuitable_stays", "Stays in unsuitable accommodation"),
    ("average_days_waiting", "Average days there"),
    ("others_average_days_waiting", "Average days there, everyone else"),
    ("flags", "Differs from everyone else"),
)


def fairness_csv(session: Session, *, actor: str, as_of: date | None = None) -> tuple[str, str]:
    """The audit as a CSV download (file name, text): headers in people's words, cells
    formula-safe, small counts suppressed as on the page; recorded in the audit trail."""
    import csv
    import io

    from planner.core import audit as audit_trail
    from planner.records.spreadsheets import safe_cell

    result = fairness_audit(session, as_of=as_of)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([heading for _, heading in FAIRNESS_FIELDS])
    for record in result.records():
        writer.writerow([safe_cell(record[key]) for key, _ in FAIRNESS_FIELDS])
    audit_trail.record(
        session,
        actor=actor,
        action="export",
        entity="fairness_audit",
        entity_id=result.as_of.isoformat(),
        detail=f"groups={len(result.rows)} min_count={result.min_count}",
    )
    return f"fairness-audit-{result.as_of.isoformat()}.csv", buffer.getvalue()
