"""Hard rules: which (young person, vacancy) pairs are possible, and why the others are not.

Rules remove pairs before the model is built, so the model only sees feasible edges and stays
a bipartite matching (totally unimodular). The rules are evaluated with numpy on blocks of
young people against all vacancies, so 20,000 x 8,000 pairs never sit in memory at once; for
each young person the number of vacancies each rule excluded is kept, and for small runs the
rule that excluded every pair is kept as well (`Compatibility.excluded_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from optimiser.inputs import MatchInputs
from optimiser.needs import as_days, day_parts, provision_limit
from optimiser.table import Table, blank

if TYPE_CHECKING:
    import pandas as pd
from optimiser.vocabulary import COHORTS, SUPPORT_LEVELS

# Order matters only for the "first rule" kept per excluded pair.
RULES: dict[str, str] = {
    "reserved": "reserved for another young person",
    "age": "age on the vacancy's date outside the provision's age range",
    "gender": "the provision's gender rule",
    "cohort": "ring-fenced for another cohort",
    "ofsted": "under 18 and the provision is not Ofsted-registered",
    "support": "support offered below the support needed",
    "step_free": "needs step-free access",
    "parent_and_child": "parent-and-child place (needs a child, or a child needs one)",
    "pets": "has a pet and pets are not allowed",
    "excluded_area": "in an area excluded for the young person",
    "too_far": "further than the travel limit from the young person's area",
    "not_free": "not free to move by the vacancy's date",
    "risk": "a risk the provision does not accept",
    "same_provision": "a place in the provision whose time limit they are reaching",
    # Last, so every other rule is named first; a pair only a decision excludes is named by
    # the decision itself ("declined by the provider on 3 December 2026").
    "decision": "excluded by a decision (declined, or not suitable on review)",
}
RULE_NAMES: tuple[str, ...] = tuple(RULES)
PAIR_DETAIL_LIMIT = 4_000_000  # keep the rule of every excluded pair up to this many pairs
BLOCK_PAIRS = 4_000_000  # pairs evaluated per block


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class AreaIndex:
    """Area names as integer codes, and the area-to-area travel minutes between them."""

    names: tuple[str, ...]
    minutes: np.ndarray  # (areas x areas)
    # (areas x areas): the minutes come from the council's travel table (or are the same
    # area); elsewhere they are the run's default, which an explanation must say it assumed
    recorded: np.ndarray | None = None

    def code(self, values: np.ndarray) -> np.ndarray:
        lookup = {name: i for i, name in enumerate(self.names)}
        return np.array([lookup.get(v, -1) for v in values], dtype=np.int64)

    def membership(self, lists: np.ndarray) -> np.ndarray:
        """(rows x areas) booleans: is area k in row i's list."""
        lookup = {name: i for i, name in enumerate(self.names)}
        matrix = np.zeros((len(lists), len(self.names)), dtype=bool)
        for row, items in enumerate(lists):
            for item in items:
                matrix[row, lookup[item]] = True
        return matrix


def build_area_index(inputs: MatchInputs) -> AreaIndex:
    """Every area named anywhere, with the council's travel table (unknown pairs get a default)."""
    people, vacancies, travel = inputs.people, inputs.vacancies, inputs.travel_times
    names: set[str] = set(people["area"].tolist()) | set(vacancies["area"].tolist())
    for column in ("preferred_areas", "excluded_areas"):
        for items in people[column].tolist():
            names.update(items)
    for column in ("education_area", "work_area", "network_area"):
        names.update(area for area in people[column].tolist() if area is not None)
    names.update(travel["from_area"].tolist())
    names.update(travel["to_area"].tolist())
    ordered = tuple(sorted(names))
    index = {name: i for i, name in enumerate(ordered)}
    minutes = np.full((len(ordered), len(ordered)), inputs.settings.default_travel_minutes)
    np.fill_diagonal(minutes, 0.0)
    given = np.zeros_like(minutes, dtype=bool)
    for origin, destination, value in travel.rows("from_area", "to_area", "minutes"):
        i, j = index[origin], index[destination]
        minutes[i, j] = value
        given[i, j] = True
    # A table listing only one direction is read as the same time both ways.
    one_way = given & ~given.T
    minutes.T[one_way] = minutes[one_way]
    recorded = given | given.T
    np.fill_diagonal(recorded, True)
    return AreaIndex(ordered, minutes, recorded)


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class PeopleArrays:
    """What the rules read about each young person under consideration."""

    birth_year: np.ndarray
    birth_month_day: np.ndarray
    gender: np.ndarray  # 1 male, 2 female, 0 other
    cohorts: np.ndarray  # bit mask over COHORTS
    support: np.ndarray
    step_free: np.ndarray
    has_child: np.ndarray
    has_pet: np.ndarray
    excluded: np.ndarray  # (n x areas)
    preferred: np.ndarray  # (n x areas)
    area: np.ndarray
    free_from: np.ndarray  # days since epoch; big for custody without a release date
    risks: np.ndarray  # (n x words) bit masks
    index: np.ndarray  # position in inputs.people
    limited_provision: np.ndarray  # provision code of a provision with a time limit, or -1


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class VacancyArrays:
    """What the rules read about each vacancy."""

    year: np.ndarray
    month_day: np.ndarray
    day: np.ndarray  # days since epoch of the vacancy's date
    gender: np.ndarray  # 0 any, 1 male, 2 female
    cohort: np.ndarray  # index into COHORTS; 0 = any
    min_age: np.ndarray
    max_age: np.ndarray
    ofsted: np.ndarray
    support: np.ndarray
    step_free: np.ndarray
    parent_and_child: np.ndarray
    pets: np.ndarray
    risks: np.ndarray  # (m x words)
    reserved_for: np.ndarray  # position in inputs.people, -1 open, -2 someone not listed
    area: np.ndarray
    provision: np.ndarray  # provision code (shared with PeopleArrays.limited_provision)


def vacancy_dates(inputs: MatchInputs) -> np.ndarray:
    """The date a vacancy can be taken (datetime64[D]): its `available_from`, or the run date
    if earlier or blank."""
    as_of = np.datetime64(inputs.settings.as_of, "D")
    given = as_days(inputs.vacancies["available_from"])
    return np.where(np.isnat(given) | (given < as_of), as_of, given)


def _risk_words(lists: np.ndarray, vocabulary: dict[str, int]) -> np.ndarray:
    words = max(1, (len(vocabulary) + 62) // 63)
    masks = np.zeros((len(lists), words), dtype=np.int64)
    for row, items in enumerate(lists):
        for item in items:
            bit = vocabulary.get(item)
            if bit is not None:
                masks[row, bit // 63] |= np.int64(1) << np.int64(bit % 63)
    return masks


def _days(dates: np.ndarray, blank: int) -> np.ndarray:
    days = as_days(dates)
    return np.where(np.isnat(days), blank, days.astype(np.int64))


def _codes(values: np.ndarray, codes: dict[str, int], missing: int | None = None) -> np.ndarray:
    """Words as whole-number codes (`missing` for a word not in `codes`; None: every word is)."""
    if missing is None:
        return np.array([codes[v] for v in values.tolist()], dtype=np.int64)
    return np.array([codes.get(v, missing) for v in values.tolist()], dtype=np.int64)


def _arrays(
    inputs: MatchInputs, considered: np.ndarray, needs: Table, areas: AreaIndex
) -> tuple[PeopleArrays, VacancyArrays]:
    people = inputs.people.take(considered)
    vacancies = inputs.vacancies
    flags = sorted(
        {f for items in people["risk_flags"].tolist() for f in items}
        & {f for items in vacancies["excluded_risks"].tolist() for f in items}
    )
    vocabulary = {flag: bit for bit, flag in enumerate(flags)}
    cohort_bits = np.array(
        [
            sum(1 << COHORTS.index(c) for c in cohorts)
            for cohorts in needs["cohorts"][considered].tolist()
        ],
        dtype=np.int64,
    )
    gender_code = {"male": 1, "female": 2}
    birth_year, birth_month, birth_day = day_parts(as_days(people["date_of_birth"]))
    custody_unknown = (people["current_accommodation"] == "custody") & blank(people["free_from"])
    free_from = _days(people["free_from"], np.iinfo(np.int64).min // 2)
    free_from = np.where(custody_unknown, np.iinfo(np.int64).max // 2, free_from)
    provisions = {p: i for i, p in enumerate(sorted(set(vacancies["provision_id"].tolist())))}
    limited = ~np.isnat(provision_limit(people, inputs.settings))
    limited_provision = np.array(
        [
            provisions.get(pid, -1) if has_limit and pid is not None else -1
            for pid, has_limit in zip(
                people["current_provision_id"].tolist(), limited.tolist(), strict=True
            )
        ],
        dtype=np.int64,
    )
    support_code = {level: k for k, level in enumerate(SUPPORT_LEVELS)}
    person = PeopleArrays(
        birth_year=birth_year,
        birth_month_day=birth_month * 100 + birth_day,
        gender=_codes(people["gender"], gender_code, 0),
        cohorts=cohort_bits,
        support=_codes(people["support_need"], support_code),
        step_free=people["needs_step_free"].astype(bool),
        has_child=people["has_child"].astype(bool),
        has_pet=people["has_pet"].astype(bool),
        excluded=areas.membership(people["excluded_areas"]),
        preferred=areas.membership(people["preferred_areas"]),
        area=areas.code(people["area"]),
        free_from=free_from,
        risks=_risk_words(people["risk_flags"], vocabulary),
        index=considered,
        limited_provision=limited_provision,
    )
    dates = vacancy_dates(inputs)
    position = {pid: i for i, pid in enumerate(inputs.people["person_id"].tolist())}
    reserved = np.array(
        [-1 if r is None else position.get(r, -2) for r in vacancies["reserved_for"].tolist()],
        dtype=np.int64,
    )
    year, month, day = day_parts(dates)
    place = VacancyArrays(
        year=year,
        month_day=month * 100 + day,
        day=_days(dates, 0),
        gender=_codes(vacancies["gender"], {"any": 0, **gender_code}),
        cohort=_codes(vacancies["cohort"], {c: k for k, c in enumerate(COHORTS)}),
        min_age=vacancies["min_age"].astype(np.int64),
        max_age=vacancies["max_age"].astype(np.int64),
        ofsted=vacancies["ofsted_registered"].astype(bool),
        support=_codes(vacancies["support_level"], support_code),
        step_free=vacancies["step_free"].astype(bool),
        parent_and_child=vacancies["parent_and_child"].astype(bool),
        pets=vacancies["pets_allowed"].astype(bool),
        risks=_risk_words(vacancies["excluded_risks"], vocabulary),
        reserved_for=reserved,
        area=areas.code(vacancies["area"]),
        provision=_codes(vacancies["provision_id"], provisions),
    )
    return person, place


def _block_failures(
    p: PeopleArrays,
    v: VacancyArrays,
    rows: slice,
    areas: AreaIndex,
    max_travel: float | None,
    decided: np.ndarray,
) -> dict[str, np.ndarray]:
    """(block x vacancies) boolean failure mask for every rule."""
    col = np.newaxis
    age = (
        v.year[col, :]
        - p.birth_year[rows, col]
        - (v.month_day[col, :] < p.birth_month_day[rows, col])
    )
    reserved = (v.reserved_for[col, :] != -1) & (v.reserved_for[col, :] != p.index[rows, col])
    cohort_bit = np.left_shift(np.int64(1), v.cohort)[col, :]
    cohort_fail = (v.cohort[col, :] != 0) & ((p.cohorts[rows, col] & cohort_bit) == 0)
    cohort_fail |= (v.cohort[col, :] == COHORTS.index("homeless_16_21")) & (age > 21)
    gender = (v.gender[col, :] != 0) & (v.gender[col, :] != p.gender[rows, col])
    risk = np.zeros(age.shape, dtype=bool)
    for word in range(p.risks.shape[1]):
        risk |= (p.risks[rows, word][:, col] & v.risks[:, word][col, :]) != 0
    failures = {
        "reserved": reserved,
        "age": (age < v.min_age[col, :]) | (age > v.max_age[col, :]),
        "gender": gender,
        "cohort": cohort_fail,
        "ofsted": (age < 18) & ~v.ofsted[col, :],
        "support": v.support[col, :] < p.support[rows, col],
        "step_free": p.step_free[rows, col] & ~v.step_free[col, :],
        "parent_and_child": p.has_child[rows, col] != v.parent_and_child[col, :],
        "pets": p.has_pet[rows, col] & ~v.pets[col, :],
        "excluded_area": p.excluded[rows][:, v.area],
        "not_free": p.free_from[rows, col] > v.day[col, :],
        "risk": risk,
        # Every stay in the provision counts to its limit, so a room in the same scheme
        # would only look like a move: it never meets the need (docs/matching-workflow.md).
        "same_provision": (p.limited_provision[rows, col] >= 0)
        & (p.limited_provision[rows, col] == v.provision[col, :]),
        "decision": decided,
    }
    if max_travel is None:
        failures["too_far"] = np.zeros(age.shape, dtype=bool)
    else:
        far = areas.minutes[p.area[rows]][:, v.area] > max_travel
        failures["too_far"] = far & ~p.preferred[rows][:, v.area]
    return {name: failures[name] for name in RULE_NAMES}


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Compatibility:
    """The possible pairs and, for every excluded pair, the rules that excluded it."""

    person: np.ndarray  # edge -> position in inputs.people
    vacancy: np.ndarray  # edge -> position in inputs.vacancies
    rule_counts: np.ndarray  # (considered x RULE_NAMES): vacancies each rule excluded
    first_rule: np.ndarray | None  # (considered x vacancies) rule code + 1, 0 = compatible
    considered: np.ndarray  # positions in inputs.people of young people needing a move
    person_ids: np.ndarray
    vacancy_ids: np.ndarray
    # person_id, vacancy_id, reason, only: the pairs a decision excluded (of young people
    # needing a move), and whether the decision is the only rule keeping them apart
    decisions: Table = field(
        default_factory=lambda: Table.empty(["person_id", "vacancy_id", "reason", "only"])
    )

    def excluded_pairs(self) -> pd.DataFrame:
        """Every excluded (person, vacancy) pair with the first rule (in RULES order) excluding it.

        Kept for runs up to PAIR_DETAIL_LIMIT pairs; larger runs report counts per rule only.
        """
        if self.first_rule is None:
            raise ValueError("too many pairs to keep each one; use rule_counts")
        rows, cols = np.nonzero(self.first_rule)
        return Table(
            {
                "person_id": self.person_ids[self.considered[rows]],
                "vacancy_id": self.vacancy_ids[cols],
                "rule": np.array(RULE_NAMES, dtype=object)[self.first_rule[rows, cols] - 1],
            }
        ).to_frame()


def assess_pairs(inputs: MatchInputs, needs: Table, areas: AreaIndex) -> Compatibility:
    """Apply every hard rule to every young person needing a move against every vacancy."""
    considered = np.flatnonzero(needs["need"] != "no_move_needed")
    people, places = _arrays(inputs, considered, needs, areas)
    n, m = len(considered), len(inputs.vacancies)
    keep_detail = n * m <= PAIR_DETAIL_LIMIT
    first_rule = np.zeros((n, m), dtype=np.int8) if keep_detail else None
    counts = np.zeros((n, len(RULE_NAMES)), dtype=np.int64)
    edge_people: list[np.ndarray] = []
    edge_places: list[np.ndarray] = []
    block = max(1, BLOCK_PAIRS // max(m, 1))
    d_row, d_col, d_reason = _decided_pairs(inputs, considered)
    d_only = np.zeros(len(d_row), dtype=bool)
    for start in range(0, n, block):
        rows = slice(start, min(n, start + block))
        in_block = (d_row >= rows.start) & (d_row < rows.stop)
        decided = np.zeros((rows.stop - rows.start, m), dtype=bool)
        decided[d_row[in_block] - rows.start, d_col[in_block]] = True
        failures = _block_failures(
            people, places, rows, areas, inputs.settings.max_travel_minutes, decided
        )
        excluded = np.zeros((rows.stop - rows.start, m), dtype=bool)
        for k, name in enumerate(RULE_NAMES):
            mask = failures[name]
            if name == "decision":
                d_only[in_block] = ~excluded[d_row[in_block] - rows.start, d_col[in_block]]
            counts[rows, k] = mask.sum(axis=1)
            if first_rule is not None:
                fresh = mask & ~excluded
                first_rule[rows][fresh] = k + 1
            excluded |= mask
        r, c = np.nonzero(~excluded)
        edge_people.append(considered[r + start])
        edge_places.append(c)
    person = np.concatenate(edge_people) if edge_people else np.zeros(0, dtype=np.int64)
    vacancy = np.concatenate(edge_places) if edge_places else np.zeros(0, dtype=np.int64)
    return Compatibility(
        person=person.astype(np.int64),
        vacancy=vacancy.astype(np.int64),
        rule_counts=counts,
        first_rule=first_rule,
        considered=considered,
        person_ids=inputs.people["person_id"],
        vacancy_ids=inputs.vacancies["vacancy_id"],
        decisions=Table(
            {
                "person_id": inputs.people["person_id"][considered[d_row]],
                "vacancy_id": inputs.vacancies["vacancy_id"][d_col],
                "reason": d_reason,
                "only": d_only,
            }
        ),
    )


def _decided_pairs(
    inputs: MatchInputs, considered: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The excluded pairs as (row among `considered`, vacancy position, reason) arrays.

    Pairs naming a young person who needs no move or a vacancy not in this run are ignored:
    a decision about last month's vacancy says nothing about a new one."""
    row_of = {pid: r for r, pid in enumerate(inputs.people["person_id"][considered].tolist())}
    col_of = {vid: c for c, vid in enumerate(inputs.vacancies["vacancy_id"].tolist())}
    rows, cols, reasons = [], [], []
    for pid, vid, reason in inputs.excluded_pairs.rows("person_id", "vacancy_id", "reason"):
        if pid in row_of and vid in col_of:
            rows.append(row_of[pid])
            cols.append(col_of[vid])
            reasons.append(reason)
    order = np.lexsort((np.array(cols, dtype=np.int64), np.array(rows, dtype=np.int64)))
    return (
        np.array(rows, dtype=np.int64)[order],
        np.array(cols, dtype=np.int64)[order],
        np.array(reasons, dtype=object)[order],
    )


def rule_failures(
    inputs: MatchInputs,
    needs: Table,
    areas: AreaIndex,
    considered: np.ndarray,
    vacancies: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every rule's (considered x vacancies) failure mask: *all* the rules a pair breaks, not
    only the first, so a page can say which rules rule out every place and which places
    fail exactly one ("would fit if pets were allowed"). The same masks `assess_pairs`
    applies (one block: callers ask about a few young people, or about one vacancy: pass
    its position in `vacancies` and the columns are those vacancies only)."""
    considered = np.asarray(considered, dtype=np.int64)
    people, places = _arrays(inputs, considered, needs, areas)
    d_row, d_col, _ = _decided_pairs(inputs, considered)
    decided = np.zeros((len(considered), len(inputs.vacancies)), dtype=bool)
    decided[d_row, d_col] = True
    if vacancies is not None:
        cols = np.asarray(vacancies, dtype=np.int64)
        places = VacancyArrays(
            **{name: getattr(places, name)[cols] for name in VacancyArrays.__dataclass_fields__}
        )
        decided = decided[:, cols]
    return _block_failures(
        people,
        places,
        slice(0, len(considered)),
        areas,
        inputs.settings.max_travel_minutes,
        decided,
    )
