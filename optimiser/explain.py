"""Turn a staged solution into tables a housing officer and a commissioner can read.

Every proposal carries its score components and a sentence; every young person left without a
proposal carries the reasons (how many vacancies each rule excluded; which possible vacancies
went to whom and why that young person came first); the top alternatives for each vacancy and
each young person say what choosing them instead would cost; unmet need is counted by placement
type and area. The cost of an alternative is local (the fit gained or lost on that place and the
proposal the swap would undo), not a re-solve: that is what an officer weighs when overriding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from optimiser.fit import COMPONENTS, out_of_100
from optimiser.needs import NEED_ASKED, NEED_IMMINENT, NEED_NONE, NEED_UNSUITABLE
from optimiser.ordering import sort_order
from optimiser.rules import RULE_NAMES, RULES, Compatibility
from optimiser.table import Table, blank
from optimiser.vocabulary import PLACEMENT_TYPE_LABELS

# Above this much work (stage-a pairs x young people moved out) the consequences are not
# worked out pair by pair: each is a search over stage a's pairs, and at county size
# (600,000 pairs, 748 moved out) thousands of them took minutes. The council benchmark
# (33,000 pairs, 83 moved out) is well inside it and always exact.
CONSEQUENCE_PAIR_LIMIT = 5_000_000
STAGE_OF_NEED = {NEED_UNSUITABLE: "a", NEED_IMMINENT: "b", NEED_ASKED: "c"}


def day_words(day: date) -> str:
    """A day as people write it ("3 December 2026"): explanations are read on pages and in
    letters, never as ISO dates."""
    return _day_words(day.year, day.month, day.day)


@lru_cache(maxsize=4096)
def _day_words(year: int, month: int, day: int) -> str:
    """`day_words` once per day: a run writes the same few dates hundreds of times."""
    return f"{day} {date(year, month, 1):%B} {year}"


SITUATION_COLUMNS = (
    "current_accommodation",
    "need",
    "days_unsuitable",
    "age",
    "deadline",
    "deadline_reason",
    "overdue",
)


def situation(row: Mapping[str, Any]) -> str:
    """A few words on where a young person is and why they need a move."""
    place = PLACEMENT_TYPE_LABELS[row["current_accommodation"]]
    if row["need"] == NEED_UNSUITABLE:
        days = int(row["days_unsuitable"])
        return f"aged {row['age']}, in {place} for {days} day{'s' if days != 1 else ''}"
    if row["need"] == NEED_IMMINENT:
        passed = "passed: " if row["overdue"] else ""
        return (
            f"aged {row['age']}, in {place}, needed by {day_words(row['deadline'])}"
            f" ({passed}{row['deadline_reason'].replace('_', ' ')})"
        )
    if row["need"] == NEED_ASKED:
        return f"aged {row['age']}, in {place}, asked to move"
    return f"aged {row['age']}, in {place}"


def seeking_type(people: Table, needs: Table) -> np.ndarray:
    """The placement type a young person would need: given, or read from age and support need."""
    support = people["support_need"]
    derived = np.select(
        [needs["under_18"], (support == "medium") | (support == "high"), support == "low"],
        ["supported_accommodation", "supported_accommodation", "supported_lodgings"],
        "council_flat",
    ).astype(object)
    given = people["seeking_type"]
    return np.where(blank(given), derived, given)


def _support_words(offered: str, need: str) -> str:
    """The support a place offers against the support a young person needs, in words."""
    if offered == need:
        return (
            "no support, as they need none"
            if need == "none"
            else f"{offered} support, as they need"
        )
    if need == "none":
        return f"{offered} support, though they need none"
    return f"{offered} support where they need {need}"


# said of a travel time the council's table does not hold (the run's default was used);
# pages read it back from a saved proposal's reasons (planner.matching.words.fit_parts)
TRAVEL_ASSUMED = "assumed: the travel table has no time"


# what a proposal's sentence reads of its pair (`Explainer.proposals`, `_fit_words`)
SENTENCE_COLUMNS = (
    "person",
    "person_id",
    "stage",
    "placement_type",
    "provision_id",
    "vacancy_area",
    "available_on",
    "score",
    "score_area",
    "in_preferred_area",
    "travel_minutes",
    "travel_recorded",
    "support_level",
    "support_need",
    "weekly_cost",
)


def _fit_words(edge: Mapping[str, Any]) -> str:
    """What makes up the fit, in words (the points of each part are in the score columns)."""
    parts = []
    if edge["score_area"]:
        parts.append("in a preferred area" if edge["in_preferred_area"] else "in their home area")
    else:
        parts.append("not in a preferred or home area")
    parts.append(f"{edge['travel_minutes']} minutes to education, work or network")
    if not edge.get("travel_recorded", True):
        parts[-1] += f" ({TRAVEL_ASSUMED} between these areas)"
    parts.append(_support_words(str(edge["support_level"]), str(edge["support_need"])))
    if edge["weekly_cost"] == edge["weekly_cost"]:  # not NaN: a cost is known
        parts.append(f"£{edge['weekly_cost']:,.0f} a week")
    return "; ".join(parts)


class Explainer:
    """Holds the joined tables of one run and builds each output table from them."""

    def __init__(
        self,
        people: Table,
        vacancies: Table,
        needs: Table,
        compatibility: Compatibility,
        edges: Table,
        moved_out: np.ndarray,
        deadline_met: np.ndarray,
        top_k: int,
        imminent_weeks: int,
        side_constraints: bool = False,
    ):
        self.people = people
        self.vacancies = vacancies
        self.needs = needs.assign(
            current_accommodation=people["current_accommodation"],
            support_need=people["support_need"],
            area=people["area"],
        )
        self.compatibility = compatibility
        self.edges = edges
        self.top_k = top_k
        self.imminent_weeks = imminent_weeks
        self.moved_out = moved_out
        self.deadline_met = deadline_met
        # only the columns a situation reads
        self.situations = np.array(
            [
                situation(dict(zip(SITUATION_COLUMNS, row, strict=True)))
                for row in self.needs.rows(*SITUATION_COLUMNS)
            ],
            dtype=object,
        )
        self.need = self.needs["need"]
        self.urgency_rank = self.needs["urgency_rank"]
        self.deadline_rank = self.needs["deadline_rank"]
        self.overdue = self.needs["overdue"].astype(bool)
        self.pids = people["person_id"]
        self.edge_person = edges["person"]
        self.edge_vacancy = edges["vacancy"]
        self.edge_score = edges["score"].astype(np.int64)
        self.edge_chosen = edges["chosen"].astype(bool)
        chosen = np.flatnonzero(self.edge_chosen)
        self.holder_of: dict[int, list[int]] = {}
        for e in chosen:
            self.holder_of.setdefault(int(self.edge_vacancy[e]), []).append(
                int(self.edge_person[e])
            )
        self.proposal_of = {int(self.edge_person[e]): int(e) for e in chosen}
        self.vids = vacancies["vacancy_id"]
        self.capacity = vacancies["capacity"].astype(np.int64)
        self.side_constraints = side_constraints
        self._stage_a: StageA | None = None
        self._rule_rows: dict[Any, dict[str, Any]] | None = None  # rule counts by person
        # The pairs that only a decision keeps apart, by young person: named in the reasons
        # and the alternatives, so an officer sees what lifting the exclusion would allow.
        self.decisions_of: dict[str, list[tuple[str, str]]] = {}
        decisions = compatibility.decisions
        only = decisions.take(decisions["only"].astype(bool))
        for pid, vid, reason in only.rows("person_id", "vacancy_id", "reason"):
            self.decisions_of.setdefault(str(pid), []).append((str(vid), str(reason)))

    def detail(self, positions: np.ndarray) -> Table:
        """The edges at `positions` with the names, dates and costs the outputs print."""
        edges = self.edges.take(positions)
        person = edges["person"]
        vacancy = edges["vacancy"]
        v = self.vacancies
        whole = ("score", *[f"score_{c}" for c in COMPONENTS], "travel_minutes")
        return edges.assign(
            person_id=self.pids[person],
            vacancy_id=self.vids[vacancy],
            provision_id=v["provision_id"][vacancy],
            placement_type=v["placement_type"][vacancy],
            vacancy_area=v["area"][vacancy],
            available_on=v["available_on"][vacancy],
            weekly_cost=v["weekly_cost"].astype(float)[vacancy],
            support_level=v["support_level"][vacancy],
            support_need=self.people["support_need"][person],
            **{column: edges[column].astype(np.int64) for column in whole},
        )

    def _top(
        self, group: np.ndarray, order_key: np.ndarray, positions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `top_k` positions of each group: highest score first, then `order_key`."""
        if len(positions) == 0:
            return positions, positions
        ranked = positions[
            sort_order(group[positions], -self.edge_score[positions], order_key[positions])
        ]
        keys = group[ranked]
        first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        rank = np.arange(len(ranked)) - np.repeat(first, np.diff(np.r_[first, len(ranked)]))
        keep = rank < self.top_k
        return ranked[keep], rank[keep] + 1

    def secured_stage(self, person: int) -> str:
        if self.moved_out[person]:
            return "a"
        if self.deadline_met[person]:
            return "b"
        return "c"

    def _priority(self, person: int) -> tuple[int, int]:
        """Lower comes first: stage of need, then rank inside it."""
        need = self.need[person]
        if need == NEED_UNSUITABLE:
            return (0, int(self.urgency_rank[person]))
        if need == NEED_IMMINENT:
            return (1, int(self.deadline_rank[person]))
        return (2, 0)

    def proposals(self) -> Table:
        chosen = self.detail(np.flatnonzero(self.edge_chosen))
        if len(chosen) == 0:
            return Table.empty(PROPOSAL_COLUMNS)
        chosen = chosen.assign(stage=[self.secured_stage(p) for p in chosen["person"].tolist()])
        sentences = []
        total = int((self.needs["urgency_rank"] >= 0).sum())
        deadlines = self.needs["deadline"].tolist()
        # only the columns a sentence reads
        read = [c for c in SENTENCE_COLUMNS if c in chosen]
        for row in chosen.rows(*read):
            edge = dict(zip(read, row, strict=True))
            person = edge["person"]
            need = self.need[person]
            where = (
                f"{PLACEMENT_TYPE_LABELS[edge['placement_type']]} at {edge['provision_id']} in"
                f" {edge['vacancy_area']} from {day_words(edge['available_on'])}"
            )
            if edge["stage"] == "a":
                rank = int(self.urgency_rank[person]) + 1
                why = f"moves out of unsuitable accommodation (number {rank} of {total} by urgency)"
            elif edge["stage"] == "b" and self.overdue[person]:
                why = (
                    f"needed by {day_words(deadlines[person])}, a date already passed: a place"
                    f" within {self.imminent_weeks} weeks (earliest deadline first)"
                )
            elif edge["stage"] == "b":
                why = f"meets the need by {day_words(deadlines[person])} (earliest deadline first)"
            elif need == NEED_IMMINENT and self.overdue[person]:
                why = (
                    f"a move, overdue, but the place is free only after {self.imminent_weeks}"
                    " weeks (best fit)"
                )
            elif need == NEED_IMMINENT:
                why = "a move, but the place is free only after the deadline (best fit)"
            else:
                why = "best fit among the places left"
            sentences.append(
                f"{edge['person_id']} ({self.situations[person]}) to {where}: {why}. "
                f"Fit {out_of_100(edge['score'])} points out of 100: {_fit_words(edge)}."
            )
        chosen = chosen.assign(reasons=sentences, need=self.need[chosen["person"]])
        # in the order the pages promise: out of unsuitable accommodation the most urgent
        # first, then by deadline, then everyone else (by reference within each)
        keys = [
            (stage, self._priority(p)[1] if stage != "c" else 0, pid)
            for p, stage, pid in chosen.rows("person", "stage", "person_id")
        ]
        ordered = sorted(range(len(keys)), key=keys.__getitem__)
        return chosen.take(np.array(ordered, dtype=np.int64)).select(PROPOSAL_COLUMNS)

    def _decision_words(self, person_id: str) -> str:
        """The vacancies only a decision keeps from this young person, each named by it."""
        mine = self.decisions_of.get(person_id)
        if not mine:
            return ""
        named = "; ".join(f"{vacancy_id}: {reason}" for vacancy_id, reason in mine)
        return f" Not proposed again because of a decision: {named}."

    def _rule_counts(self, person_id: str) -> list[tuple[str, int]]:
        """The rules that ruled out some of a young person's vacancies, with how many."""
        if self._rule_rows is None:  # every young person's at once
            c = self.compatibility
            self._rule_rows = {
                pid: dict(zip(RULE_NAMES, counts, strict=True))
                for pid, counts in zip(
                    c.person_ids[c.considered].tolist(), c.rule_counts.tolist(), strict=True
                )
            }
        return [(name, int(n)) for name, n in self._rule_rows[person_id].items() if n]

    def _rule_words(self, person_id: str) -> str:
        """The rule codes and counts, for the `excluded_by_rule` column (files, scripts)."""
        return ", ".join(f"{name} {n}" for name, n in self._rule_counts(person_id))

    def _rule_sentence(self, person_id: str) -> str:
        """The same as people read it in the reasons: each rule's description with its count
        of vacancies ("support offered below the support needed: 5")."""
        return "; ".join(f"{RULES[name]}: {n}" for name, n in self._rule_counts(person_id))

    def unmatched(self) -> Table:
        rows = []
        placed = set(self.proposal_of)
        possible = np.bincount(self.edge_person, minlength=len(self.people))
        vacancies_total = len(self.vacancies)
        # Only the edges of young people left without a proposal, best fit first, then id
        # (vacancies are sorted by id, so position order is id order).
        unplaced = np.ones(len(self.people), dtype=bool)
        unplaced[list(placed)] = False
        mine = np.flatnonzero(unplaced[self.edge_person])
        ordered = mine[
            sort_order(self.edge_person[mine], -self.edge_score[mine], self.edge_vacancy[mine])
        ]
        edge_person = self.edge_person[ordered]
        ordered_vacancy = self.edge_vacancy[ordered]
        for person in range(len(self.people)):
            if person in placed:
                continue
            pid = self.pids[person]
            need = self.need[person]
            if need == NEED_NONE:
                rows.append(
                    (
                        pid,
                        need,
                        0,
                        "",
                        "",
                        "Not considered: in suitable accommodation, no deadline within "
                        f"{self.imminent_weeks} weeks and no request to move.",
                    )
                )
                continue
            count = int(possible[person])
            excluded = self._rule_words(pid)
            ruled_out = self._rule_sentence(pid)
            if count == 0:
                reason = (
                    f"No possible vacancy among {vacancies_total}: the rules excluded them"
                    f" ({ruled_out})."
                    if vacancies_total
                    else "No vacancies in this run."
                )
                reason += self._decision_words(pid)
                rows.append(
                    (pid, need, 0, excluded, "", f"{pid} ({self.situations[person]}). {reason}")
                )
                continue
            start = int(np.searchsorted(edge_person, person))
            # only the best few are named; the rest are counted
            best = ordered_vacancy[start : start + min(count, self.top_k)].tolist()
            taken = self._taken_words(person, [(v, self.vids[v]) for v in best], count)
            reason = (
                f"{pid} ({self.situations[person]}). {count} possible vacanc"
                f"{'y' if count == 1 else 'ies'}, all proposed to others: {taken}."
                + self._why_not_words(person)
            )
            if excluded:
                reason += f" Rules excluded the other vacancies ({ruled_out})."
            reason += self._decision_words(pid)
            rows.append((pid, need, count, excluded, taken, reason))
        return Table.from_rows(rows, UNMATCHED_COLUMNS)

    def _taken_words(self, person: int, options: list[tuple[int, str]], count: int) -> str:
        """The best possible vacancies (by fit, `top_k` of the young person's `count`) and who
        they went to, and why."""
        parts = []
        mine = self._priority(person)
        for vacancy, vacancy_id in options[: self.top_k]:
            holders = self.holder_of.get(vacancy, [])
            who = []
            for holder in holders:
                theirs = self._priority(holder)
                if theirs[0] < mine[0]:
                    because = {0: "moving out of unsuitable accommodation", 1: "a deadline"}[
                        theirs[0]
                    ]
                    verdict = f"came first: {because}"
                elif theirs[0] == mine[0] and theirs[0] < 2 and theirs[1] < mine[1]:
                    verdict = (
                        "came first: more urgent"
                        if mine[0] == 0
                        else "came first: earlier deadline"
                    )
                elif theirs[0] == mine[0] and theirs[0] < 2:
                    verdict = (
                        "less urgent, but needed this place because their other options"
                        " went to others"
                    )
                else:
                    verdict = "better overall fit"
                who.append(f"{self.pids[holder]} ({self.situations[holder]}; {verdict})")
            parts.append(f"{vacancy_id} to " + " and ".join(who))
        more = count - self.top_k
        if more > 0:
            parts.append(f"and {more} more")
        return "; ".join(parts)

    def _why_not_words(self, person: int) -> str:
        need = self.need[person]
        if need == NEED_UNSUITABLE:
            return (
                " Placing them anywhere would leave a more urgent young person in unsuitable"
                " accommodation."
            )
        if need == NEED_IMMINENT:
            return (
                " Meeting their deadline would leave someone in unsuitable accommodation or with"
                " an earlier deadline without a place, and the best overall fit left no place"
                " after it."
            )
        return " The proposals as a whole fit better without this move."

    def alternatives_skipped(self) -> Table:
        """No alternatives: the empty table with the columns of `alternatives`."""
        return Table.empty(ALTERNATIVE_COLUMNS)

    def alternatives(self) -> Table:
        if len(self.edges) == 0 and not self.decisions_of:
            return Table.empty(ALTERNATIVE_COLUMNS)
        score = self.edge_score
        current_score = {p: int(score[e]) for p, e in self.proposal_of.items()}
        free = np.flatnonzero(~self.edge_chosen)
        rows: list[tuple[object, ...]] = []
        # For each vacancy: the best people not proposed to it (ties: person id).
        top, ranks = self._top(self.edge_vacancy, self.edge_person, free)
        for e, rank in zip(top, ranks, strict=True):
            vacancy, person = int(self.edge_vacancy[e]), int(self.edge_person[e])
            holders = self.holder_of.get(vacancy, [])
            if len(holders) < self.capacity[vacancy]:
                change, replaces, text = (
                    0,
                    "",
                    "the place is not fully proposed: no one is displaced"
                    + self._loss_words(person, vacancy, None),
                )
            else:
                replaced = min(holders, key=lambda h: (current_score[h], self.pids[h]))
                change = int(score[e]) - current_score[replaced]
                replaces = self.pids[replaced]
                loss = self._loss_words(person, vacancy, replaced)
                text = f"{replaces} would lose this proposal{loss}"
            if person in self.proposal_of:
                given_up = self.proposal_of[person]
                change -= int(score[given_up])
                text += (
                    f"; {self.pids[person]} would give up {self.vids[self.edge_vacancy[given_up]]}"
                )
            rows.append(
                (
                    "vacancy",
                    self.vids[vacancy],
                    self.pids[person],
                    int(rank),
                    int(score[e]),
                    change,
                    replaces,
                    text,
                )
            )
        # For each young person needing a move: the best vacancies other than their proposal.
        top, ranks = self._top(self.edge_person, self.edge_vacancy, free)
        for e, rank in zip(top, ranks, strict=True):
            vacancy, person = int(self.edge_vacancy[e]), int(self.edge_person[e])
            holders = self.holder_of.get(vacancy, [])
            change = int(score[e]) - current_score.get(person, 0)
            if len(holders) < self.capacity[vacancy]:
                replaces = ""
                text = "has a place not proposed to anyone" + self._loss_words(
                    person, vacancy, None
                )
            else:
                replaced = min(holders, key=lambda h: (current_score[h], self.pids[h]))
                replaces = self.pids[replaced]
                change -= int(current_score[replaced])
                text = f"proposed to {replaces}, who would lose it" + self._loss_words(
                    person, vacancy, replaced
                )
            rows.append(
                (
                    "young_person",
                    self.vids[vacancy],
                    self.pids[person],
                    int(rank),
                    int(score[e]),
                    change,
                    replaces,
                    text,
                )
            )
        # The pairs only a decision keeps apart: not alternatives an officer can pick, but
        # the reason a young person is not among them, named by the decision.
        for pid, mine in sorted(self.decisions_of.items()):
            for vacancy_id, reason in mine:
                rows.append(
                    (
                        "decision",
                        vacancy_id,
                        pid,
                        0,
                        None,
                        None,
                        "",
                        f"not proposed again: {reason}; lifting the exclusion would make the"
                        " pair possible",
                    )
                )
        rows.sort(key=lambda row: (row[0], row[1], row[2]))  # kind, vacancy, young person
        return Table.from_rows(rows, ALTERNATIVE_COLUMNS)

    def _loss_words(self, person: int, vacancy: int, replaced: int | None) -> str:
        """What forcing `person` into `vacancy` does to the young people moved out of
        unsuitable accommodation: computed, not assumed (`StageA.force`).

        `replaced` is the young person who loses their proposal (None when the place has
        room). They may still be moved out, to another place; or someone else, less urgent,
        may stay in unsuitable accommodation instead of them."""
        if self._stage_a is None:
            self._stage_a = StageA(self)
        if not self._stage_a.exact:
            if replaced is not None and self.moved_out[replaced]:
                return (
                    " and might stay in unsuitable accommodation (not worked out for a run"
                    " this size)"
                )
            return ""
        dropped = self._stage_a.force(person, vacancy)
        words = ""
        if replaced is not None:
            if self.moved_out[replaced]:
                if dropped == replaced:
                    words = " and would stay in unsuitable accommodation"
                else:
                    words = " but would still be moved out of unsuitable accommodation"
                    if self.capacity[vacancy] == 1:
                        words += ", to another place"
            elif self.deadline_met[replaced]:
                words = " and could miss their deadline"
        if dropped is not None and dropped != replaced:
            words += (
                f"; {self.pids[dropped]} ({self.situations[dropped]}) would stay in unsuitable"
                " accommodation instead"
            )
        if words and self.side_constraints:
            words += " (before the run's side constraints, which may change it)"
        return words

    def unmet_need(self) -> Table:
        placed = np.zeros(len(self.people), dtype=bool)
        placed[list(self.proposal_of)] = True
        wanting = np.isin(self.need, [NEED_UNSUITABLE, NEED_IMMINENT, NEED_ASKED])
        left = wanting & ~placed
        counted = Counter(
            zip(
                seeking_type(self.people, self.needs)[left].tolist(),
                self.people["area"][left].tolist(),
                self.need[left].tolist(),
                strict=True,
            )
        )
        return Table.from_rows(
            [(*key, count) for key, count in sorted(counted.items())], UNMET_COLUMNS
        )


class StageA:
    """Stage a's assignment as a matching, to say exactly what forcing one pair does.

    Stage a moves out the greedy (most urgent first) basis S of a transversal matroid. Forcing
    young person p into vacancy v and solving again is two matroid steps, each one search
    for alternating paths over the stage-a pairs (no solver):

    1. p leaves the ground set. If p was in S, its place is free: the most urgent young person
       outside S who can reach that place by an alternating path joins (the heaviest basis
       of a matroid with one element deleted is B - p + g for the best such g).
    2. v has one place fewer (p holds it). If its holders can all still be placed (an
       alternating path from v to a place with room), nobody loses out; otherwise the least
       urgent young person reachable from v stays in unsuitable accommodation (the heaviest
       basis containing one more element drops the lightest of its fundamental circuit).

    `tests/optimiser/test_matching_consequences.py` checks this against forced re-solves."""

    def __init__(self, explainer: Explainer):
        unsuitable = explainer.need == NEED_UNSUITABLE
        self.rank: list[int] = explainer.urgency_rank.tolist()  # plain ints: read per step
        self.capacity: list[int] = explainer.capacity.tolist()
        self.adjacent: dict[int, list[int]] = {}  # person -> vacancies
        self.candidates: dict[int, list[int]] = {}  # vacancy -> unsuitable people
        work = int(unsuitable[explainer.edge_person].sum()) * int(explainer.moved_out.sum())
        self.exact = work <= CONSEQUENCE_PAIR_LIMIT
        if not self.exact:
            return
        stage_a = unsuitable[explainer.edge_person]  # stage a's pairs, in the same order
        for person, vacancy in zip(
            explainer.edge_person[stage_a].tolist(),
            explainer.edge_vacancy[stage_a].tolist(),
            strict=True,
        ):
            self.adjacent.setdefault(person, []).append(vacancy)
            self.candidates.setdefault(vacancy, []).append(person)
        moved = explainer.moved_out
        self.where = {p: int(explainer.edge_vacancy[e]) for p, e in explainer.proposal_of.items()}
        self.where = {p: v for p, v in self.where.items() if moved[p]}
        self.holders: dict[int, list[int]] = {}
        for p, v in self.where.items():
            self.holders.setdefault(v, []).append(p)
        # the young people in unsuitable accommodation stage a leaves there (with a pair):
        # step 1 looks for one of them, so with none (everyone moved out) it finds nobody
        self.outside = [p for p in self.adjacent if p not in self.where]
        self._unforced: dict[int, int | None] = {}  # vacancy -> dropped, for p outside S
        # step 1 for the last young person forced (`_drop` only reads it): the alternatives
        # of one young person come one after another, and step 1 is the same for each
        self._refilled: tuple[int, dict[int, int], dict[int, list[int]]] | None = None
        self._moves: dict[int, list[tuple[int, int | None, int]]] = {}  # step 1, by person

    def force(self, person: int, vacancy: int) -> int | None:
        """The young person moved out today who would stay in unsuitable accommodation if
        `person` were forced into `vacancy`, or None if everyone moved out still is."""
        if person not in self.where:
            if vacancy not in self._unforced:
                self._unforced[vacancy] = self._drop(vacancy, self.where, self.holders)
            return self._unforced[vacancy]
        if self._refilled is None or self._refilled[0] != person:
            where = dict(self.where)
            holders = {v: list(h) for v, h in self.holders.items()}
            freed = where.pop(person)
            holders[freed].remove(person)
            if person not in self._moves:
                self._moves[person] = self._refill(freed, person, where)
            for who, source, target in self._moves[person]:
                if source is not None:
                    holders[source].remove(who)
                where[who] = target
                holders.setdefault(target, []).append(who)
            self._refilled = (person, where, holders)
        _, where, holders = self._refilled
        dropped = self._drop(vacancy, where, holders)
        # the one who joined in step 1 may be the one who leaves in step 2: nobody moved
        # out today loses out then
        return dropped if dropped in self.where else None

    def _refill(
        self, freed: int, person: int, where: dict[int, int]
    ) -> list[tuple[int, int | None, int]]:
        """Step 1: the most urgent young person outside the matching who can reach the
        freed place along an alternating path joins it; the path's holders shift along.
        Returns the moves (who, from where or None for the one who joins, to where)."""
        if not self.outside:
            return []  # nobody left to join: the search could only come back empty
        parent: dict[int, tuple[int, int]] = {}  # vacancy freed -> (who moves, to where)
        seen = {freed}
        frontier = [freed]
        best: tuple[int, int] | None = None  # (person, vacancy they take)
        rank = self.rank
        while frontier:
            nxt = []
            for w in frontier:
                for x in self.candidates.get(w, ()):
                    if x == person:
                        continue
                    if x not in where:
                        if best is None or rank[x] < rank[best[0]]:
                            best = (x, w)
                        continue
                    u = where[x]
                    if u not in seen:
                        seen.add(u)
                        parent[u] = (x, w)
                        nxt.append(u)
            frontier = nxt
        if best is None:
            return []
        joiner, w = best
        moves: list[tuple[int, int | None, int]] = [(joiner, None, w)]
        while w != freed:
            x, to = parent[w]
            moves.append((x, w, to))
            w = to
        return moves

    def _drop(
        self, vacancy: int, where: dict[int, int], holders: dict[int, list[int]]
    ) -> int | None:
        """Step 2: with one place fewer at `vacancy`, who stays in unsuitable accommodation."""
        if len(holders.get(vacancy, ())) < self.capacity[vacancy]:
            return None
        reached: list[int] = []
        seen = {vacancy}
        frontier = [vacancy]
        while frontier:
            nxt = []
            for w in frontier:
                for x in holders.get(w, ()):
                    reached.append(x)
                    for u in self.adjacent.get(x, ()):
                        if u in seen:
                            continue
                        if len(holders.get(u, ())) < self.capacity[u]:
                            return None  # an alternating path to a place with room
                        seen.add(u)
                        nxt.append(u)
            frontier = nxt
        return max(reached, key=lambda x: self.rank[x])


PROPOSAL_COLUMNS = [
    "person_id",
    "vacancy_id",
    "provision_id",
    "placement_type",
    "vacancy_area",
    "available_on",
    "stage",
    "need",
    "score",
    *[f"score_{c}" for c in COMPONENTS],
    "travel_minutes",
    "weekly_cost",
    "reasons",
]
UNMATCHED_COLUMNS = [
    "person_id",
    "need",
    "possible_vacancies",
    "excluded_by_rule",
    "proposed_to_others",
    "reasons",
]
ALTERNATIVE_COLUMNS = [
    "kind",
    "vacancy_id",
    "person_id",
    "rank",
    "score",
    "score_change",
    "replaces",
    "consequence",
]
UNMET_COLUMNS = ["placement_type", "area", "need", "young_people"]
RULE_DESCRIPTIONS = RULES
