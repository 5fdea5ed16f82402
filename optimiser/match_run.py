"""One match run: frames (or tables) in, a `MatchResult` of tables out, as frames on request.

    result = match(people, vacancies, as_of=date(2024, 5, 1))
    result.proposals, result.unmatched, result.alternatives, result.unmet_need, result.stages

The run never raises on an impossible case: infeasible side constraints or a time limit give
a result whose `status` says so (`optimal`, `time_limit`, `infeasible`, `no_solution`).
Bad inputs raise `InputError` before anything is solved, listing every bad cell.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import astuple, dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from optimiser.explain import Explainer
from optimiser.fit import score_pairs
from optimiser.graph import Graph
from optimiser.inputs import Frame, MatchInputs, MatchSettings, prepare_inputs
from optimiser.needs import NEED_IMMINENT, NEED_UNSUITABLE, as_days, assess_needs, free_in_time
from optimiser.rules import RULE_NAMES, Compatibility, assess_pairs, build_area_index, vacancy_dates
from optimiser.stages import ARRAYS, FLOW, StageInputs, StageRecord, choose_backend, run_stages
from optimiser.table import Table

if TYPE_CHECKING:
    import pandas as pd

# the outputs a run keeps as tables, and gives as pandas frames when asked (`MatchResult`)
OUTPUTS = ("proposals", "unmatched", "alternatives", "unmet_need", "exclusions", "stages")


@dataclass(frozen=True, eq=False)  # holds tables: compared by identity
class MatchResult:
    """Everything a match run produced.

    The outputs are kept as `Table`s (`tables`: proposals, unmatched, alternatives,
    unmet_need, exclusions, and stages) and given as plain pandas frames by the attributes of
    the same names, so any shell can store them; the command writes its files from the
    tables and never imports pandas (docs/performance.md)."""

    status: str
    solver: str  # the solver that ran: the array path always runs HiGHS
    tables: dict[str, Table] = field(repr=False)
    timings: dict[str, float]
    counts: dict[str, int]
    compatibility: Compatibility = field(repr=False)
    warnings: tuple[str, ...] = ()
    backend: str = "pulp"  # pulp | arrays | flow: how the stages were solved
    needs: Table | None = field(default=None, repr=False)  # per young person
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def frame(self, name: str) -> pd.DataFrame:
        """One output as a pandas frame, made once (pandas is imported on the first)."""
        if name not in self._frames:
            self._frames[name] = self.tables[name].to_frame()
        return self._frames[name]

    @property
    def proposals(self) -> pd.DataFrame:
        return self.frame("proposals")

    @property
    def unmatched(self) -> pd.DataFrame:
        return self.frame("unmatched")

    @property
    def alternatives(self) -> pd.DataFrame:
        return self.frame("alternatives")

    @property
    def unmet_need(self) -> pd.DataFrame:
        return self.frame("unmet_need")

    @property
    def exclusions(self) -> pd.DataFrame:
        """person_id, rule, vacancies: how many vacancies each rule excluded."""
        return self.frame("exclusions")

    @property
    def stages(self) -> pd.DataFrame:
        return self.frame("stages")

    def summary(self) -> dict[str, object]:
        """A JSON-ready digest: solver, status, timings per stage, counts, unmet need."""
        stages = _records(self.tables["stages"])
        return {
            "solver": self.solver,
            "backend": self.backend,
            "status": self.status,
            "counts": self.counts,
            "timings_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "stages": stages,
            "unmet_need": _records(self.tables["unmet_need"]),
            "warnings": list(self.warnings),
        }


def _records(table: Table) -> list[dict[str, Any]]:
    """A table's rows as dicts of Python values, NaN as None (what JSON can hold)."""
    return [
        {
            name: None if value != value else value
            for name, value in zip(table.columns, row, strict=True)
        }
        for row in table.rows(*table.columns)
    ]


def _stage_table(records: Sequence[StageRecord]) -> Table:
    """The stage records as a table, a number not known (None) as NaN."""
    names = [f.name for f in fields(StageRecord)]
    return Table.from_rows([astuple(record) for record in records], names)


def match(
    people: Frame,
    vacancies: Frame,
    *,
    as_of: dt.date,
    travel_times: Frame | None = None,
    mix_limits: Frame | None = None,
    lot_limits: Frame | None = None,
    excluded_pairs: Frame | None = None,
    **settings: object,
) -> MatchResult:
    """Validate the frames (or tables) and run the staged match. `settings` are
    `MatchSettings` fields."""
    started = time.perf_counter()
    inputs = prepare_inputs(
        people,
        vacancies,
        MatchSettings(as_of=as_of, **settings),  # type: ignore[arg-type]
        travel_times=travel_times,
        mix_limits=mix_limits,
        lot_limits=lot_limits,
        excluded_pairs=excluded_pairs,
    )
    return match_inputs(inputs, validation_seconds=time.perf_counter() - started)


def _edge_frame(
    inputs: MatchInputs, compatibility: Compatibility, needs: Table, dates: np.ndarray, areas
) -> Table:
    """One lean row per possible pair: positions, score components and whether it is on time.

    Names, dates and costs are looked up only for the rows an output needs
    (`Explainer.detail`): at regional size there are millions of pairs, and a text column
    over all of them costs about 20 MB of pointers and a copy in every sort.
    """
    person, vacancy = compatibility.person, compatibility.vacancy
    scores = score_pairs(inputs, person, vacancy, areas)
    deadline = as_days(needs["deadline"])[person]
    available = as_days(dates)[vacancy]
    on_time = free_in_time(
        deadline, available, inputs.settings.as_of, inputs.settings.imminent_weeks
    )
    return Table({"person": person, "vacancy": vacancy}).assign(
        **{name: scores[name] for name in scores.columns}, on_time=on_time
    )


def match_inputs(inputs: MatchInputs, *, validation_seconds: float = 0.0) -> MatchResult:
    """Run the staged match on already validated inputs (what a database service would call)."""
    timings = {"validate": validation_seconds}
    clock = time.perf_counter()
    began = clock - validation_seconds  # the run's limit counts from validation on
    needs = assess_needs(inputs)
    areas = build_area_index(inputs)
    compatibility = assess_pairs(inputs, needs, areas)
    timings["rules"] = time.perf_counter() - clock

    clock = time.perf_counter()
    dates = vacancy_dates(inputs)
    edges = _edge_frame(inputs, compatibility, needs, dates, areas)
    people, vacancies = inputs.people, inputs.vacancies
    graph = Graph(
        person=compatibility.person,
        vacancy=compatibility.vacancy,
        person_ids=people["person_id"],
        vacancy_ids=vacancies["vacancy_id"],
        capacity=vacancies["capacity"].astype(np.int64),
        provision_ids=vacancies["provision_id"],
        lots=vacancies["lot"],
        risk_flags=people["risk_flags"],
        together_group=people["together_group"],
        mix_limits=inputs.mix_limits,
        lot_limits=inputs.lot_limits,
    )
    timings["scores"] = time.perf_counter() - clock
    settings = inputs.settings
    backend, backend_warning = choose_backend(
        settings.backend, len(compatibility.person), inputs.has_side_constraints, settings.solver
    )
    solver = {ARRAYS: "highs", FLOW: FLOW}.get(backend, settings.solver)
    warnings = inputs.warnings + ((backend_warning,) if backend_warning else ())
    solution = run_stages(
        StageInputs(
            graph=graph,
            need=needs["need"],
            tier=needs["tier"],
            urgency_rank=needs["urgency_rank"],
            deadline_rank=needs["deadline_rank"],
            on_time=edges["on_time"].astype(bool),
            score=edges["score"],
            side_constraints=inputs.has_side_constraints,
            solver=solver,
            # what is left of the limit after validation, rules and scores (at least 1 s)
            time_limit=max(1.0, settings.time_limit_seconds - (time.perf_counter() - began)),
            backend=backend,
        )
    )
    for record in solution.records:
        timings[f"stage_{record.stage}_build"] = (
            timings.get(f"stage_{record.stage}_build", 0.0) + record.build_seconds
        )
        timings[f"stage_{record.stage}_solve"] = (
            timings.get(f"stage_{record.stage}_solve", 0.0) + record.solve_seconds
        )
        if record.tie_break_seconds:
            timings["stage_c_tie_break"] = record.tie_break_seconds

    clock = time.perf_counter()
    edges = edges.assign(chosen=solution.chosen)
    explainer = Explainer(
        people,
        vacancies.assign(available_on=dates),
        needs,
        compatibility,
        edges,
        solution.moved_out,
        solution.deadline_met,
        settings.top_k,
        settings.imminent_weeks,
        inputs.has_side_constraints,
    )
    proposals = explainer.proposals()
    unmatched = explainer.unmatched()
    if settings.alternatives:
        alternatives = explainer.alternatives()
    else:
        alternatives = explainer.alternatives_skipped()
        warnings += ("alternatives were not worked out (asked for without them)",)
    unmet = explainer.unmet_need()
    exclusions = _exclusions(compatibility)
    timings["explain"] = time.perf_counter() - clock
    need = needs["need"]
    counts = {
        "young_people": len(people),
        "needing_a_move": int((need != "no_move_needed").sum()),
        "in_unsuitable_accommodation": int((need == NEED_UNSUITABLE).sum()),
        "with_imminent_need": int((need == NEED_IMMINENT).sum()),
        "vacancies": len(vacancies),
        "places": int(vacancies["capacity"].sum()),
        "possible_pairs": len(edges),
        "proposals": len(proposals),
        "moved_out_of_unsuitable": int(solution.moved_out.sum()),
        "imminent_needs_met_on_time": int(solution.deadline_met.sum()),
        "unmatched_needing_a_move": int(
            np.isin(unmatched["need"], [NEED_UNSUITABLE, NEED_IMMINENT, "asked_to_move"]).sum()
        ),
    }
    return MatchResult(
        status=solution.status,
        solver=solver,
        tables={
            "proposals": proposals,
            "unmatched": unmatched,
            "alternatives": alternatives,
            "unmet_need": unmet,
            "exclusions": exclusions,
            "stages": _stage_table(solution.records),
        },
        timings=timings,
        counts=counts,
        compatibility=compatibility,
        warnings=warnings,
        backend=backend,
        needs=needs,
    )


def _exclusions(compatibility: Compatibility) -> Table:
    """How many vacancies each rule excluded, per young person needing a move: one row per
    young person and rule that excluded any, by reference and then rule name."""
    ids = compatibility.person_ids[compatibility.considered].tolist()
    by_name = sorted(range(len(RULE_NAMES)), key=RULE_NAMES.__getitem__)
    counts = compatibility.rule_counts.tolist()
    rows = sorted(
        (pid, RULE_NAMES[k], row[k])
        for pid, row in zip(ids, counts, strict=True)
        for k in by_name
        if row[k] > 0
    )
    return Table.from_rows(rows, ["person_id", "rule", "vacancies"])
