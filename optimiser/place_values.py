"""The value of one more place: what one more vacancy of each kind would change.

For each distinct *vacancy profile* (the rules a vacancy carries: placement type, area, lot,
cohort, ages, gender, support level, Ofsted registration, step-free access, parent and child,
pets, risks it does not accept), the first two stages are solved again with one more place
like the open vacancy of that profile free soonest (a copy of its row with a new id and one
place), and compared with the run as it is:

* `more_moved_out`: how many more young people leave unsuitable accommodation (stage a);
* `more_on_time`: how many more imminent needs are met by their deadline (stage b);
* `who`: the young people moved out or meeting their deadline with the extra place who are
  not without it (pseudonymous references).

The figures are exact: every profile is a re-solve, not a dual estimate. LP duals of stage a
give the change for a marginal unit of a vacancy's capacity only when the dual is unique,
which a degenerate matching rarely has, so they are not used. The first stages place a unique
set of young people (docs/optimiser.md, "Why stage a is solved exactly"), so any exact solver
returns the same sets; a pure run is re-solved on the array path (HiGHS in the process, a few
milliseconds per profile at council size), a run with side constraints on the PuLP path with
HiGHS (in the process too). The rules are applied once, to the vacancies and all the copies
together: a copy's pairs are exactly the pairs it would have in a run of its own, because every rule
looks at one young person and one vacancy at a time.

    values = place_values(people, vacancies, as_of=date(2024, 5, 1))  # a pandas frame
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optimiser.graph import Graph
from optimiser.inputs import Frame, MatchInputs, MatchSettings, prepare_inputs
from optimiser.needs import as_days, assess_needs, free_in_time
from optimiser.rules import Compatibility, assess_pairs, build_area_index, vacancy_dates
from optimiser.solve import quiet_highs_banner
from optimiser.stages import ARRAYS, FLOW, StageInputs, run_stages
from optimiser.table import Table, blank
from optimiser.vocabulary import PLACEMENT_TYPE_LABELS

if TYPE_CHECKING:
    import pandas as pd

# The rules that make two vacancies "the same kind of place" for a young person.
PROFILE_COLUMNS: tuple[str, ...] = (
    "placement_type",
    "area",
    "lot",
    "cohort",
    "min_age",
    "max_age",
    "gender",
    "support_level",
    "ofsted_registered",
    "step_free",
    "parent_and_child",
    "pets_allowed",
    "excluded_risks",
)
COPY_SUFFIX = "+1"  # the id of the extra place: the vacancy it copies, then this

PLACE_VALUE_COLUMNS: tuple[str, ...] = (
    "placement_type",
    "area",
    "lot",
    "like_vacancy",
    "profile",
    "more_moved_out",
    "more_on_time",
    "who_moved_out",
    "who_on_time",
)


def _profile_text(row: Mapping[str, Any]) -> str:
    """The profile in words, for people: the rules that differ from an open place."""
    parts = [f"ages {row['min_age']}-{row['max_age']}"]
    if row["gender"] != "any":
        parts.append(f"{row['gender']} only")
    if row["cohort"] != "any":
        cohort = str(row["cohort"])
        parts.append(f"ring-fenced: {LOT_LABELS.get(cohort, cohort.replace('_', ' '))}")
    parts.append(f"{row['support_level']} support")
    for column, words in (
        ("ofsted_registered", "Ofsted registered"),
        ("step_free", "step-free"),
        ("parent_and_child", "parent and child"),
        ("pets_allowed", "pets allowed"),
    ):
        if bool(row[column]):
            parts.append(words)
    if row["excluded_risks"]:
        parts.append("does not accept " + ", ".join(row["excluded_risks"]))
    return "; ".join(parts)


def profile_representatives(vacancies: Table) -> Table:
    """One open vacancy per profile: the one free soonest (then the smallest id).

    A place reserved for a named young person is not a kind of place anyone else can have, so
    reserved vacancies are left out.
    """
    open_ = vacancies.take(blank(vacancies["reserved_for"]))
    if len(open_) == 0:
        return open_
    # the profile as one text per vacancy; the order and the choice in plain Python
    texts = [[str(cell) for cell in open_[column].tolist()] for column in PROFILE_COLUMNS]
    keys = ["|".join(parts) for parts in zip(*texts, strict=True)]
    days = as_days(open_["available_from"])
    # free now (no date) comes first
    starts = np.where(np.isnat(days), np.iinfo(np.int64).min, days.astype(np.int64)).tolist()
    ids = open_["vacancy_id"].tolist()
    seen: set[str] = set()
    chosen = []
    for k in sorted(range(len(keys)), key=lambda k: (keys[k], starts[k], ids[k])):
        if keys[k] not in seen:
            seen.add(keys[k])
            chosen.append(k)
    return open_.take(np.array(chosen, dtype=np.int64))


def _solve_first_stages(
    inputs: MatchInputs,
    needs: Table,
    on_time: np.ndarray,
    person: np.ndarray,
    vacancy: np.ndarray,
    capacity: np.ndarray,
    time_limit: float,
    stop_after: str = "b",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who stage a moves out, whose deadline stage b meets, and the last stage's pairs."""
    vacancies = inputs.vacancies
    graph = Graph(
        person=person,
        vacancy=vacancy,
        person_ids=inputs.people["person_id"],
        vacancy_ids=vacancies["vacancy_id"],
        capacity=capacity,
        provision_ids=vacancies["provision_id"],
        lots=vacancies["lot"],
        risk_flags=inputs.people["risk_flags"],
        together_group=inputs.people["together_group"],
        mix_limits=inputs.mix_limits,
        lot_limits=inputs.lot_limits,
    )
    side = inputs.has_side_constraints
    solution = run_stages(
        StageInputs(
            graph=graph,
            need=needs["need"],
            tier=needs["tier"],
            urgency_rank=needs["urgency_rank"],
            deadline_rank=needs["deadline_rank"],
            on_time=on_time,
            score=np.zeros(len(person)),
            side_constraints=side,
            solver="highs",  # in the process: no file round trip per kind of place
            time_limit=time_limit,
            backend=ARRAYS if side else FLOW,  # side: HiGHS MIP steps on arrays
            stop_after=stop_after,
        )
    )
    if solution.status != "optimal":
        raise PlaceValueError(
            f"the first stages did not solve to optimality ({solution.status}); "
            "the value of one more place was not worked out"
        )
    return solution.moved_out, solution.deadline_met, solution.chosen


def reached_by_alternating_paths(
    person: np.ndarray,
    vacancy: np.ndarray,
    usable: np.ndarray,
    chosen: np.ndarray,
    start: np.ndarray,
    vacancies: int,
) -> np.ndarray:
    """Per young person: reached from `start` by a path that alternates a usable pair and a
    chosen pair (young person -> vacancy -> someone placed there -> vacancy ...).

    A new place changes a stage's set only if it can be reached this way from a young person
    the stage did not place: otherwise every prefix of the urgency (or deadline) order has the
    same rank with and without it, so the greedy set of the matroid is the same
    (docs/optimiser.md, "The value of one more place").
    """
    reached = start.copy()
    seen = np.zeros(vacancies, dtype=bool)
    while True:
        new_vacancies = np.zeros(vacancies, dtype=bool)
        new_vacancies[vacancy[usable & reached[person]]] = True
        new_vacancies &= ~seen
        if not new_vacancies.any():
            return reached
        seen |= new_vacancies
        holders = np.zeros(len(reached), dtype=bool)
        holders[person[chosen & new_vacancies[vacancy]]] = True
        if not (holders & ~reached).any():
            return reached
        reached |= holders


def _from_proposals(
    proposals: Table | pd.DataFrame,
    person_ids: np.ndarray,
    vacancy_ids: np.ndarray,
    person: np.ndarray,
    vacancy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first stages' sets and matchings, from an optimal run's proposals."""
    position = {pid: k for k, pid in enumerate(person_ids.tolist())}
    place = {vid: k for k, vid in enumerate(vacancy_ids.tolist())}
    moved_out = np.zeros(len(person_ids), dtype=bool)
    met = np.zeros(len(person_ids), dtype=bool)
    keys = set()
    read = (proposals[name].tolist() for name in ("person_id", "vacancy_id", "stage"))
    for pid, vid, stage in zip(*read, strict=True):
        k = position[pid]
        moved_out[k] |= stage == "a"
        met[k] |= stage == "b"
        keys.add(k * len(vacancy_ids) + place[vid])
    chosen = np.isin(person.astype(np.int64) * len(vacancy_ids) + vacancy, list(keys))
    return moved_out, met, chosen & moved_out[person], chosen & (moved_out | met)[person]


class PlaceValueError(RuntimeError):
    """The re-solves did not finish: no figure is better than a wrong one."""


def place_values_inputs(
    inputs: MatchInputs,
    *,
    time_limit_seconds: float | None = None,
    proposals: Table | pd.DataFrame | None = None,
    needs: Table | None = None,
    compatibility: Compatibility | None = None,
) -> pd.DataFrame:
    """`value_of_one_more_place` as a pandas frame."""
    return value_of_one_more_place(
        inputs,
        time_limit_seconds=time_limit_seconds,
        proposals=proposals,
        needs=needs,
        compatibility=compatibility,
    ).to_frame()


def value_of_one_more_place(
    inputs: MatchInputs,
    *,
    time_limit_seconds: float | None = None,
    proposals: Table | pd.DataFrame | None = None,
    needs: Table | None = None,
    compatibility: Compatibility | None = None,
) -> Table:
    """One row per vacancy profile, most valuable first (see the module's docstring).

    Columns: `PLACE_VALUE_COLUMNS`; `who_moved_out` and `who_on_time` are tuples of person ids.
    `proposals`, the proposals of an *optimal* match of the same inputs (person_id,
    vacancy_id, stage), saves solving the run as it is again: its stage a and b proposals
    are the first stages' sets, and the pairs they use are a matching of them on the
    first stages' pairs (stage c keeps those young people on such pairs). `needs`, the
    run's own `assess_needs` of the same inputs, saves working them out again: they depend
    on the young people and the settings only, not on the vacancies. `compatibility`, the
    run's own `assess_pairs` of the same inputs (with those needs), saves applying the rules
    to the run's own vacancies again: every rule reads one young person and one vacancy, so
    only the copies are assessed and their pairs merged in, in the order `assess_pairs`
    gives (young person, then vacancy).
    """
    started = time.perf_counter()
    if inputs.has_side_constraints:  # only the side-constraint re-solves use HiGHS
        quiet_highs_banner()
    limit = time_limit_seconds or inputs.settings.time_limit_seconds
    original = inputs.vacancies
    representatives = profile_representatives(original)
    like = representatives["vacancy_id"]
    copies = representatives.assign(
        vacancy_id=[f"{vacancy_id}{COPY_SUFFIX}" for vacancy_id in like.tolist()],
        capacity=np.ones(len(representatives), dtype=np.int64),
    )
    # the copies go after the vacancies: positions below len(original) are the run's own
    extended = replace(inputs, vacancies=original.concat(copies))
    if needs is None:
        needs = assess_needs(extended)
    areas = build_area_index(extended)
    if compatibility is None:
        compatibility = assess_pairs(extended, needs, areas)
        person, vacancy = compatibility.person, compatibility.vacancy
    else:
        added = assess_pairs(replace(inputs, vacancies=copies), needs, areas)
        person = np.concatenate([compatibility.person, added.person])
        vacancy = np.concatenate([compatibility.vacancy, added.vacancy + len(original)])
        order = np.lexsort((vacancy, person))
        person, vacancy = person[order], vacancy[order]
    dates = as_days(vacancy_dates(extended))
    deadline = as_days(needs["deadline"])[person]
    on_time = free_in_time(
        deadline, dates[vacancy], inputs.settings.as_of, inputs.settings.imminent_weeks
    )
    capacity = extended.vacancies["capacity"].astype(np.int64)
    own = vacancy < len(original)

    def first_stages(keep: np.ndarray, stop_after: str = "b"):  # type: ignore[no-untyped-def]
        remaining = limit - (time.perf_counter() - started)
        if remaining <= 0:
            raise PlaceValueError("the time limit ran out before every kind of place was tried")
        return _solve_first_stages(
            extended,
            needs,
            on_time[keep],
            person[keep],
            vacancy[keep],
            capacity,
            remaining,
            stop_after,
        )

    pure = not extended.has_side_constraints
    ids = extended.people["person_id"]
    if pure and proposals is not None:
        base_out, base_met, chosen_a, chosen_b = _from_proposals(
            proposals, ids, extended.vacancies["vacancy_id"], person[own], vacancy[own]
        )
    else:
        base_out, base_met, chosen_b = first_stages(own)
    affected = np.ones(len(copies), dtype=bool)
    unsuitable = needs["urgency_rank"] >= 0
    imminent = needs["deadline_rank"] >= 0
    to_copy = ~own
    touched = np.zeros(len(capacity), dtype=bool)
    if pure:  # a place nobody unplaced can reach changes nothing (see the function's doc)
        if proposals is None:
            chosen_a = (
                first_stages(own, "a")[2]
                if (unsuitable & ~base_out).any()
                else np.zeros(int(own.sum()), dtype=bool)  # nobody is left to reach from
            )
        p = person[own]
        in_a = unsuitable[p]
        reach_a = reached_by_alternating_paths(
            p, vacancy[own], in_a, chosen_a, unsuitable & ~base_out, len(capacity)
        )
        in_b = (base_out[p] | (imminent[p] & on_time[own])) & ~(unsuitable & ~base_out)[p]
        reach_b = reached_by_alternating_paths(
            p, vacancy[own], in_b, chosen_b, imminent & ~base_met, len(capacity)
        )
        stage_a_edge = to_copy & unsuitable[person] & reach_a[person]
        stage_b_edge = (
            to_copy
            & (base_out[person] | (imminent[person] & on_time))
            & ~(unsuitable & ~base_out)[person]
            & reach_b[person]
        )
        touched[vacancy[stage_a_edge | stage_b_edge]] = True
        affected = touched[len(original) :]
    else:
        # With side constraints: a place that no one the first stages count (in unsuitable
        # accommodation, or imminent on a pair free in time) and no member of a together
        # group could take, outside a lot with a minimum, changes neither figure: any
        # solution using it for someone else stays feasible, with the same stage values,
        # when that one proposal is dropped (every other side constraint is an upper bound).
        together = ~blank(extended.people["together_group"])
        counted = unsuitable[person] | (imminent[person] & on_time) | together[person]
        touched[vacancy[to_copy & counted]] = True
        limits = extended.lot_limits
        with_minimum = set(limits["lot"][limits["min_young_people"] > 0].tolist())
        copy_lots = extended.vacancies["lot"][len(original) :]
        affected = touched[len(original) :] | np.isin(copy_lots, list(with_minimum))
    rows = []
    base_out_count, base_met_count = int(base_out.sum()), int(base_met.sum())
    # only the profile's columns (what a row shows)
    profiles = representatives.rows(*PROFILE_COLUMNS)
    for k, row in enumerate(dict(zip(PROFILE_COLUMNS, cells, strict=True)) for cells in profiles):
        # a kind of place nobody unplaced can reach changes nothing: no re-solve, no counting
        more_out, more_met, who_out, who_met = 0, 0, (), ()
        if affected[k]:
            moved_out, met, _ = first_stages(own | (vacancy == len(original) + k))
            more_out = int(moved_out.sum()) - base_out_count
            more_met = int(met.sum()) - base_met_count
            who_out = tuple(sorted(ids[moved_out & ~base_out].tolist()))
            who_met = tuple(sorted(ids[met & ~base_met].tolist()))
        rows.append(
            (
                row["placement_type"],
                row["area"],
                row["lot"],
                like[k],
                _profile_text(row),
                more_out,
                more_met,
                who_out,
                who_met,
            )
        )
    # most valuable first: more moved out, more on time; then type, area and the vacancy
    rows.sort(key=lambda r: (-r[5], -r[6], r[0], r[1], r[3]))
    return Table.from_rows(rows, PLACE_VALUE_COLUMNS)


def place_values(
    people: Frame,
    vacancies: Frame,
    *,
    as_of: dt.date,
    travel_times: Frame | None = None,
    mix_limits: Frame | None = None,
    lot_limits: Frame | None = None,
    excluded_pairs: Frame | None = None,
    proposals: pd.DataFrame | None = None,
    **settings: object,
) -> pd.DataFrame:
    """The value of one more place of each kind, from the same frames as `match` (and,
    optionally, the proposals of an optimal match of them: see `place_values_inputs`)."""
    inputs = prepare_inputs(
        people,
        vacancies,
        MatchSettings(as_of=as_of, **settings),  # type: ignore[arg-type]
        travel_times=travel_times,
        mix_limits=mix_limits,
        lot_limits=lot_limits,
        excluded_pairs=excluded_pairs,
    )
    return value_of_one_more_place(inputs, proposals=proposals).to_frame()


LOT_LABELS = {
    "any": "not ring-fenced",
    "uasc": "unaccompanied asylum-seeking young people",
    "care_leavers": "care leavers",
    "homeless_16_21": "homeless 16-21",
}


def placement_type_label(placement_type: str) -> str:
    """'council_flat' -> 'Council flat': the label of a placement type at the head of a row."""
    label = PLACEMENT_TYPE_LABELS.get(placement_type, placement_type.replace("_", " "))
    for article in ("a ", "an "):
        if label.startswith(article):
            label = label[len(article) :]
    return label[:1].upper() + label[1:]


def place_value_records(values: Table | pd.DataFrame) -> list[dict[str, object]]:
    """The rows as JSON-ready records with labels people read (what a run saves and pages show)."""
    if not isinstance(values, Table):
        values = Table.from_frame(values)
    return [
        {
            "placement_type": placement_type_label(str(row["placement_type"])),
            "area": row["area"],
            "lot": LOT_LABELS.get(str(row["lot"]), str(row["lot"]).replace("_", " ")),
            "like_vacancy": row["like_vacancy"],
            "profile": row["profile"],
            "more_moved_out": int(row["more_moved_out"]),
            "more_on_time": int(row["more_on_time"]),
            "who_moved_out": list(row["who_moved_out"]),
            "who_on_time": list(row["who_on_time"]),
        }
        for row in (
            dict(zip(values.columns, cells, strict=True)) for cells in values.rows(*values.columns)
        )
    ]


# The headers of place_values.csv, in people's words, and the record field each one shows.
PLACE_VALUE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Placement type", "placement_type"),
    ("Area", "area"),
    ("Lot", "lot"),
    ("Like vacancy", "like_vacancy"),
    ("Kind of place", "profile"),
    ("More moved out of unsuitable accommodation", "more_moved_out"),
    ("More meeting their deadline", "more_on_time"),
    ("Who", "who"),
)


def who_text(record: dict[str, object]) -> str:
    """'YP01 (moved out of unsuitable accommodation); YP07 (meets their deadline)'."""
    moved = [f"{p} (moved out of unsuitable accommodation)" for p in record["who_moved_out"]]  # type: ignore[attr-defined]
    met = [f"{p} (meets their deadline)" for p in record["who_on_time"]]  # type: ignore[attr-defined]
    return "; ".join(moved + met)


def place_value_table(values: Table | pd.DataFrame) -> Table:
    """place_values.csv: one row per kind of place, headers in people's words."""
    records = place_value_records(values)
    rows = [
        tuple(who_text(r) if field == "who" else r[field] for _, field in PLACE_VALUE_HEADERS)
        for r in records
    ]
    return Table.from_rows(rows, [header for header, _ in PLACE_VALUE_HEADERS])
