"""One match run: frames in, a `MatchResult` of frames out.

    result = match(people, vacancies, as_of=date(2024, 5, 1))
    result.proposals, result.unmatched, result.alternatives, result.unmet_need, result.stages

The run never raises on an impossible case: infeasible side constraints or a time limit give
a result whose `status` says so (`optimal`, `time_limit`, `infeasible`, `no_solution`).
Bad inputs raise `InputError` before anything is solved, listing every bad cell.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from optimiser.explain import Explainer
from optimiser.fit import score_pairs
from optimiser.graph import Graph
from optimiser.inputs import MatchInputs, MatchSettings, prepare_inputs
from optimiser.needs import NEED_IMMINENT, NEED_UNSUITABLE, as_days, assess_needs, free_in_time
from optimiser.rules import Compatibility, assess_pairs, build_area_index, vacancy_dates
from optimiser.stages import ARRAYS, FLOW, StageInputs, choose_backend, run_stages


@dataclass(frozen=True, eq=False)  # holds frames: compared by identity
class MatchResult:
    """Everything a match run produced; frames are plain pandas so any shell can store them."""

    status: str
    solver: str  # the solver that ran: the array path always runs HiGHS
    proposals: pd.DataFrame
    unmatched: pd.DataFrame
    alternatives: pd.DataFrame
    unmet_need: pd.DataFrame
    exclusions: pd.DataFrame  # person_id, rule, vacancies: how many vacancies each rule excluded
    stages: pd.DataFrame
    timings: dict[str, float]
    counts: dict[str, int]
    compatibility: Compatibility = field(repr=False)
    warnings: tuple[str, ...] = ()
    backend: str = "pulp"  # pulp | arrays | flow: how the stages were solved
    needs: pd.DataFrame | None = field(default=None, repr=False)  # per young person

    def summary(self) -> dict[str, object]:
        """A JSON-ready digest: solver, status, timings per stage, counts, unmet need."""
        stages = self.stages.replace({np.nan: None}).to_dict(orient="records")
        return {
            "solver": self.solver,
            "backend": self.backend,
            "status": self.status,
            "counts": self.counts,
            "timings_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "stages": stages,
            "unmet_need": self.unmet_need.to_dict(orient="records"),
            "warnings": list(self.warnings),
        }


def match(
    people: pd.DataFrame,
    vacancies: pd.DataFrame,
    *,
    as_of: dt.date,
    travel_times: pd.DataFrame | None = None,
    mix_limits: pd.DataFrame | None = None,
    lot_limits: pd.DataFrame | None = None,
    excluded_pairs: pd.DataFrame | None = None,
    **settings: object,
) -> MatchResult:
    """Validate the frames and run the staged match. `settings` are `MatchSettings` fields."""
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
    inputs: MatchInputs, compatibility: Compatibility, needs: pd.DataFrame, dates: pd.Series, areas
) -> pd.DataFrame:
    """One lean row per possible pair: positions, score components and whether it is on time.

    Names, dates and costs are looked up only for the rows an output needs
    (`Explainer.detail`): at regional size there are millions of pairs, and a text column
    over all of them costs about 20 MB of pointers and a copy in every sort.
    """
    person, vacancy = compatibility.person, compatibility.vacancy
    edges = score_pairs(inputs, person, vacancy, areas)
    edges.insert(0, "person", person)
    edges.insert(1, "vacancy", vacancy)
    deadline = as_days(needs["deadline"])[person]
    available = as_days(dates)[vacancy]
    edges["on_time"] = free_in_time(
        deadline, available, inputs.settings.as_of, inputs.settings.imminent_weeks
    )
    return edges


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
        person_ids=people["person_id"].to_numpy(),
        vacancy_ids=vacancies["vacancy_id"].to_numpy(),
        capacity=vacancies["capacity"].to_numpy(dtype=np.int64),
        provision_ids=vacancies["provision_id"].to_numpy(),
        lots=vacancies["lot"].to_numpy(),
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
            need=needs["need"].to_numpy(),
            tier=needs["tier"].to_numpy(),
            urgency_rank=needs["urgency_rank"].to_numpy(),
            deadline_rank=needs["deadline_rank"].to_numpy(),
            on_time=edges["on_time"].to_numpy(dtype=bool),
            score=edges["score"].to_numpy(),
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
    edges["chosen"] = solution.chosen
    explainer = Explainer(
        people,
        vacancies.assign(available_on=dates.to_numpy()),
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
    exclusions = (
        compatibility.rule_counts.rename_axis("person_id")
        .reset_index()
        .melt(id_vars="person_id", var_name="rule", value_name="vacancies")
    )
    exclusions = exclusions[exclusions["vacancies"] > 0].sort_values(["person_id", "rule"])
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
            unmatched["need"].isin([NEED_UNSUITABLE, NEED_IMMINENT, "asked_to_move"]).sum()
        ),
    }
    stages = pd.DataFrame([asdict(r) for r in solution.records])
    return MatchResult(
        status=solution.status,
        solver=solver,
        proposals=proposals,
        unmatched=unmatched,
        alternatives=alternatives,
        unmet_need=unmet,
        exclusions=exclusions.reset_index(drop=True),
        stages=stages,
        timings=timings,
        counts=counts,
        compatibility=compatibility,
        warnings=warnings,
        backend=backend,
        needs=needs,
    )
