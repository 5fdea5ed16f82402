"""Forecasts from the planner's own records: read, run the pure model, save, export.

The model in ``forecasts/`` never sees the database; this service shapes the records into
its frames (``planner.forecasting.inputs``), runs the named scenarios on the same fitted data
and seed (so differences between scenarios are the levers', not noise), and saves each run
with when it was made and a fingerprint of the data it was made from, so a page can say
"made at 02:30 from 654 young people and 3,110 stays" and a nightly refresh can be added
without changing the model. Only aggregates are saved or exported: no young person is named.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from statistics import mean
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from forecasts.forecast import Fitted, ForecastSettings, fit, run_forecast
from forecasts.frames import CouncilData
from forecasts.history import occupancy_by_quarter
from forecasts.outputs import (
    costs_by_quarter,
    demand_by_quarter,
    flows_by_quarter,
    unsuitable_by_quarter,
)
from forecasts.questions import (
    breakdown_by_quarter,
    move_on_by_year,
    sensitivity,
    uasc_by_quarter,
)
from forecasts.scenarios import LEVER_KINDS, Scenario
from forecasts.vocabulary import LEFT, split_state
from planner.core import audit, clock
from planner.core.errors import InvalidInput, NotFound
from planner.core.listing import ListParams, Paged, page_query
from planner.core.progress import Progress, no_progress
from planner.domain import PlacementType
from planner.domain.text import day_words, within_sentence
from planner.forecasting import scenarios as saved
from planner.forecasting.inputs import frames_from_database, inventory_places
from planner.forecasting.scenarios import scenario_words
from planner.models import ForecastRun, Provision
from planner.records.spreadsheets import safe_cell

# Weekly costs of accommodation the council does not hold in its inventory, for the cost
# tables (editable per council; B&B is the figure councils most often quote).
DEFAULT_WEEKLY_COSTS = {
    PlacementType.bed_and_breakfast.value: 700.0,
    PlacementType.emergency_accommodation.value: 550.0,
}
TABLES = ("demand", "unsuitable", "flows", "costs", "uasc", "move_on", "breakdown")
HISTORY_QUARTERS = 12  # three years of recorded occupancy before the snapshot


class UnknownScenario(InvalidInput):
    """A scenario named that is neither in the catalogue nor saved."""

    code = "unknown_scenario"
    message = "There is no such scenario."


class CannotForecast(InvalidInput):
    """The council's records cannot be fitted or run yet (no young people or stays, or a
    scenario they cannot take). The message is fixed: the model's own reason may quote the
    records."""

    code = "cannot_forecast"
    message = (
        "The forecast could not be made from the records: record young people and their "
        "stays first."
    )


@dataclass
class ForecastReport:
    """The tables of one or more scenarios made from one snapshot of the records."""

    as_of: date
    settings: ForecastSettings
    scenarios: list[Scenario]
    fingerprint: str
    counts: dict[str, int]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    run_ids: list[int] = field(default_factory=list)


def scenario_catalogue(as_of: date, session: Session | None = None) -> dict[str, Scenario]:
    """The named scenarios commissioners can run (see ``docs/forecasts.md``): the catalogue,
    then, given a ``session``, the saved scenarios (``planner.forecasting.scenarios``) by name.
    The catalogue's capacity scenarios are sized from the council's own places (given a
    ``session``; without one only the scenarios of rates and arrivals are offered)."""
    catalogue = saved.catalogue(as_of, session)
    if session is not None:
        for view in saved.saved_scenarios(session):
            catalogue.setdefault(view.name, view.to_model())
    return catalogue


def resolve_scenarios(session: Session | None, names: list[str], as_of: date) -> list[Scenario]:
    """The scenarios named, from the catalogue or saved, or :class:`UnknownScenario`."""
    catalogue = scenario_catalogue(as_of, session)
    unknown = [name for name in names if name not in catalogue]
    if unknown or not names:
        raise UnknownScenario(
            f"unknown scenario {', '.join(unknown) or '(none given)'}; "
            f"expected one of {', '.join(catalogue)}"
        )
    return [catalogue[name] for name in names]


def fit_records(
    session: Session,
    *,
    as_of: date,
    months: int,
    runs: int,
    seed: int,
    child_population: int,
) -> tuple[Fitted, ForecastSettings, dict[str, pd.DataFrame]]:
    """Today's records fitted once: the model, its settings and the input frames."""
    frames = frames_from_database(session, as_of)
    if frames["people"].empty or frames["stays"].empty:
        raise CannotForecast()
    settings = ForecastSettings(
        months=months, runs=runs, seed=seed, weekly_costs=weekly_costs(session)
    )
    try:
        data = CouncilData.build(
            people=frames["people"],
            stays=frames["stays"],
            capacity=frames["capacity"],
            as_of=as_of,
            child_population=child_population,
        )
        return fit(data, settings), settings, frames
    except ValueError as exc:
        raise CannotForecast() from exc


DEMO_CHILD_POPULATION = 67_300  # the demo council's figure, Settings' default


def child_population_source(value: int) -> str:
    """Where the child population came from, in words: the absence of a council's own
    figure (PLANNER_CHILD_POPULATION) must show, not silently become the demo's."""
    from planner.core.settings import Settings

    settings = Settings()
    if "child_population" in settings.model_fields_set and value == settings.child_population:
        return "set (PLANNER_CHILD_POPULATION)"
    if value == DEMO_CHILD_POPULATION:
        return "not set; using the demo council's figure"
    return "given for this forecast"


MIN_HISTORY_YEARS = 3  # the estimation window: rates and arrivals use the last three years


def data_notes(data: dict) -> list[str]:
    """What the records cannot tell, in people's words, from a run's ``inputs_data`` row."""
    notes = []
    data = {
        k: v for k, v in data.items() if v is not None and not (isinstance(v, float) and v != v)
    }
    years = data.get("history_years")
    begin = data.get("history_start")
    if years is not None and begin:
        notes.append(
            f"The records go back {float(years):.1f} years, to {_day_words(begin)}; rates and "
            "arrivals are estimated from at most the last three."
        )
        if float(years) < MIN_HISTORY_YEARS:
            notes.append(
                f"Too little history: less than {MIN_HISTORY_YEARS} years of stays. The "
                "forecast's rates rest on few moves and are uncertain; import earlier years "
                "(for example the council's 903 returns, planner import-903) to improve it."
            )
    if str(data.get("only_current_stays")).lower() in {"true", "1"}:
        notes.append(
            "The records hold only current stays (no stay has ended): exit rates cannot be "
            "estimated from them, and arrivals are uncertain: a first recorded stay of someone "
            "aged 18 or over is where they live now, so it is not counted as a new arrival."
        )
    censored = int(data.get("arrivals_left_censored") or 0)
    if censored:
        counted = data.get("arrivals_counted_from")
        since = f" Arrivals are counted from {_day_words(counted)}." if counted else ""
        notes.append(
            f"{censored:,} young people aged 18 or over were first recorded in the first 12 "
            "months of the records: they were most likely already in the service when the "
            "records began, so they are not counted as new arrivals." + since
        )
    source = data.get("child_population_source")
    if source and source.startswith("not set"):
        notes.append(
            "The council's child population (aged 0-17) is not set: the transfer threshold "
            f"uses the demo council's figure, {DEMO_CHILD_POPULATION:,}. Set "
            "PLANNER_CHILD_POPULATION to the ONS mid-year estimate."
        )
    ignored = data.get("capacity_ignored_unsuitable")
    if ignored:
        labels = ", ".join(model_state_label(s, within=True) for s in str(ignored).split(", "))
        notes.append(
            f"Places of unsuitable accommodation in the inventory ({labels}) are not planned "
            "for: the forecast never counts them as places to fill."
        )
    return notes


def _day_words(value: object) -> str:
    return f"{pd.Timestamp(str(value)[:10]):%-d %B %Y}"


def _fingerprint(frames: dict[str, pd.DataFrame]) -> str:
    digest = hashlib.sha256()
    for name in sorted(frames):
        digest.update(name.encode())
        digest.update(frames[name].to_csv(index=False).encode())
    return digest.hexdigest()[:16]


def weekly_costs(session: Session) -> dict[str, float]:
    """Average weekly cost per placement type from the inventory, plus the defaults."""
    costs: dict[str, list[float]] = {}
    for provision in session.exec(select(Provision)):
        if provision.weekly_cost:
            costs.setdefault(str(provision.placement_type), []).append(float(provision.weekly_cost))
    return DEFAULT_WEEKLY_COSTS | {k: round(mean(v), 2) for k, v in costs.items()}


def make_forecast(
    session: Session,
    *,
    scenarios: list[str],
    months: int,
    runs: int = 1000,
    seed: int = 0,
    as_of: date | None = None,
    child_population: int,
    actor: str,
    save_trace: bool = True,
    compare: bool = True,
    progress: Progress | None = None,
    with_sensitivity: bool = False,
) -> ForecastReport:
    """Run ``scenarios`` on today's records and save each run (the caller commits).

    With ``save_trace`` each saved run also keeps the recorded occupancy by quarter
    (``history``) and the inputs behind its figures (``inputs_*``), so its page can show
    them exactly as they were when it was made. ``compare=False`` skips the side-by-side
    ``comparison`` table (made from the scenarios' own demand tables: each scenario runs
    once). The report holds every scenario's inputs (``inputs_*`` with a ``scenario``
    column) and ``provenance`` (data as of, records counted, model, runs, seed, settings).
    ``with_sensitivity`` adds how much each lever moves the main figures (``sensitivity``,
    for the first scenario only: it runs the model twice per lever, with fewer runs).
    """
    tell = progress or no_progress
    tell(1, len(scenarios) + 2, READING)
    inputs = read_forecast(
        session,
        scenarios=scenarios,
        months=months,
        runs=runs,
        seed=seed,
        as_of=as_of,
        child_population=child_population,
        save_trace=save_trace,
        compare=compare,
        with_sensitivity=with_sensitivity,
    )
    return save_forecast(session, compute_forecast(inputs, tell), actor=actor, progress=tell)


READING = "Reading today's records and fitting the model to them"


@dataclass
class ForecastInputs:
    """What a forecast is made from, read in one short transaction (:func:`read_forecast`),
    so the long simulation (:func:`compute_forecast`) holds no transaction: on SQLite every
    other page can be used while it runs."""

    report: ForecastReport
    fitted: Any
    history: pd.DataFrame | None
    scenario_names: list[str]
    months: int
    runs: int
    seed: int
    child_population: int
    compare: bool
    with_sensitivity: bool = False


@dataclass
class ComputedForecast:
    inputs: ForecastInputs
    saved: list[tuple[Scenario, dict[str, pd.DataFrame]]]  # each scenario's tables to keep


def read_forecast(
    session: Session,
    *,
    scenarios: list[str],
    months: int,
    runs: int = 1000,
    seed: int = 0,
    as_of: date | None = None,
    child_population: int,
    save_trace: bool = True,
    compare: bool = True,
    with_sensitivity: bool = False,
) -> ForecastInputs:
    """The scenarios resolved and the model fitted to today's records."""
    day = as_of or clock.today()
    chosen = resolve_scenarios(session, scenarios, day)
    fitted, settings, frames = fit_records(
        session,
        as_of=day,
        months=months,
        runs=runs,
        seed=seed,
        child_population=child_population,
    )
    report = ForecastReport(
        as_of=day,
        settings=settings,
        scenarios=chosen,
        fingerprint=_fingerprint(frames),
        counts={"young_people": len(frames["people"]), "stays": len(frames["stays"])},
    )
    history = (
        occupancy_by_quarter(frames["stays"], as_of=day, quarters=HISTORY_QUARTERS)
        if save_trace
        else None
    )
    return ForecastInputs(
        report,
        fitted,
        history,
        list(scenarios),
        months,
        runs,
        seed,
        child_population,
        compare,
        with_sensitivity,
    )


# each type's demand carries, beside the model's figures, the forecast that did best on the
# council's own history one to four quarters ahead (forecasts made at past quarter-ends and
# scored; forecasts.selection.with_check)
CHOOSE_BY_BACKTEST = True

# the choice for the same records, day and settings, kept for the next forecast in this
# process: it is a pure function of them (forecasts.backtest.choose_at, seeded), and it costs
# about 8 past forecasts, so a commissioner making the four scenarios one after another, or a
# worker making several forecasts of one day, pays for it once. Any process may hold its own
# copy; none is ever stale, because the key is a digest of the records themselves.
_CHOICES: OrderedDict[str, tuple[Any, pd.DataFrame]] = OrderedDict()
_CHOICES_KEPT = 8
_CHOICES_LOCK = threading.Lock()


def backtest_choice(report: ForecastReport, data: CouncilData) -> tuple[Any, pd.DataFrame]:
    """Which forecast did best for each type on the council's own history, and the
    quarter-end counts it was scored on (:func:`forecasts.backtest.choose_at`), once per
    records, day and settings."""
    from dataclasses import replace

    from forecasts.backtest import CHOICE_RUNS, choose_at

    # what the check reads of the settings: its past forecasts run at most CHOICE_RUNS runs a
    # year ahead, on seed 0, whatever this forecast's seed, runs and months (which forecast
    # did best on the council's history is a fact about the history, not about this run)
    settings = replace(
        report.settings, seed=0, runs=min(report.settings.runs, CHOICE_RUNS), months=12
    )
    key = hashlib.sha256(
        repr((report.fingerprint, data.as_of, data.child_population, settings)).encode()
    ).hexdigest()
    with _CHOICES_LOCK:
        if key in _CHOICES:
            _CHOICES.move_to_end(key)
            return _CHOICES[key]
    made = choose_at(data, settings)
    with _CHOICES_LOCK:
        _CHOICES[key] = made
        while len(_CHOICES) > _CHOICES_KEPT:
            _CHOICES.popitem(last=False)
    return made


def compute_forecast(inputs: ForecastInputs, progress: Progress | None = None) -> ComputedForecast:
    """Run each scenario and make the report's tables: no database."""
    tell = progress or no_progress
    report, fitted, history = inputs.report, inputs.fitted, inputs.history
    settings, chosen, runs = report.settings, report.scenarios, inputs.runs
    steps = len(chosen) + 2
    per_table: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    per_input: dict[str, list[pd.DataFrame]] = {}
    kept: list[tuple[Scenario, dict[str, pd.DataFrame]]] = []
    choice = series = None
    if CHOOSE_BY_BACKTEST:
        tell(1, steps, "Checking which forecast has done best on the council's history")
        choice, series = backtest_choice(report, fitted.data)
    central_demand: pd.DataFrame | None = None
    for number, scenario in enumerate(chosen, start=1):
        tell(
            number + 1,
            steps,
            f"Running scenario {number} of {len(chosen)} ({runs:,} possible futures)",
        )
        try:
            result = run_forecast(fitted, settings, scenario)
        except ValueError as exc:
            raise CannotForecast() from exc
        made = {
            "demand": demand_by_quarter(result),
            "unsuitable": unsuitable_by_quarter(result),
            "flows": flows_by_quarter(result).assign(scenario=scenario.name),
            "costs": costs_by_quarter(result).assign(scenario=scenario.name),
            "uasc": uasc_by_quarter(result),
            "move_on": move_on_by_year(result),
            "breakdown": breakdown_by_quarter(result),
        }
        if choice is not None and series is not None:
            from forecasts.selection import choice_table, with_check

            raw = made["demand"]
            made["demand"] = with_check(raw, choice, series, central_demand)
            central_demand = raw if central_demand is None else central_demand
        if inputs.with_sensitivity and scenario is chosen[0]:
            made["sensitivity"] = sensitivity(fitted, settings, scenario)
            per_table.setdefault("sensitivity", [])
        for name, table in made.items():
            per_table[name].append(table)
        scenario_inputs = {f"inputs_{name}": table for name, table in result.inputs().items()}
        if choice is not None:
            scenario_inputs["inputs_forecast_used"] = choice_table(choice)
        scenario_inputs["inputs_data"] = scenario_inputs["inputs_data"].assign(
            child_population_source=child_population_source(inputs.child_population)
        )
        for name, table in scenario_inputs.items():
            shown = table
            if name == "inputs_scenario" and table.empty:  # say "no levers", not nothing
                shown = pd.DataFrame([{"scenario": scenario.name, "kind": "(no levers)"}])
            if "scenario" not in shown.columns:
                shown = shown.assign(scenario=scenario.name)
            per_input.setdefault(name, []).append(shown)
        to_keep = dict(made)
        if history is not None:
            to_keep["history"] = history
            to_keep.update(scenario_inputs)
        kept.append((scenario, to_keep))
    for name, tables in per_input.items():
        report.tables[name] = pd.concat(tables, ignore_index=True)
    for name, tables in per_table.items():
        report.tables[name] = pd.concat(tables, ignore_index=True)
    if inputs.compare and len(chosen) > 1:
        report.tables["comparison"] = side_by_side(report.tables["demand"])
    return ComputedForecast(inputs, kept)


def save_forecast(
    session: Session, computed: ComputedForecast, *, actor: str, progress: Progress | None = None
) -> ForecastReport:
    """Save each scenario's run (the caller commits) and audit the forecast."""
    inputs = computed.inputs
    report = inputs.report
    steps = len(report.scenarios) + 2
    (progress or no_progress)(steps, steps, "Saving the forecast")
    typed = saved.titles(session)  # a saved scenario's name as typed stays with its runs
    for scenario, to_keep in computed.saved:
        run = ForecastRun(
            scenario=scenario.name,
            scenario_title=typed.get(scenario.name, ""),
            as_of=report.as_of,
            months=inputs.months,
            runs=inputs.runs,
            seed=inputs.seed,
            data_fingerprint=report.fingerprint,
            young_people=report.counts["young_people"],
            stays=report.counts["stays"],
            created_by=actor,
            tables=json.dumps(
                {
                    name: json.loads(t.to_json(orient="records", date_format="iso"))
                    for name, t in to_keep.items()
                }
            ),
        )
        session.add(run)
        session.flush()
        report.run_ids.append(run.id)  # type: ignore[arg-type]
    report.tables["provenance"] = provenance(report, inputs.fitted)
    audit.record(
        session,
        actor=actor,
        action="forecast",
        entity="forecast_run",
        entity_id=",".join(str(i) for i in report.run_ids),
        detail=(
            f"scenarios={','.join(inputs.scenario_names)} months={inputs.months} runs={inputs.runs}"
        ),
    )
    return report


def side_by_side(long: pd.DataFrame) -> pd.DataFrame:
    """The scenarios' demand tables side by side (as ``compare_scenarios`` gives), without
    running any scenario again."""
    wide = long.pivot_table(
        index=["quarter_start", "placement_type", "lot"],
        columns="scenario",
        values=["demand_median", "places_needed", "p_shortfall_in_quarter"],
        aggfunc="first",
    )
    wide.columns = [f"{value}__{scenario}" for value, scenario in wide.columns]
    return wide.reset_index()


def planner_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("care-leaver-planner")
    except PackageNotFoundError:
        return "unknown"


def provenance(report: ForecastReport, fitted: Fitted) -> pd.DataFrame:
    """Where the figures come from: one item a row, for the workbook's first sheet."""
    settings = report.settings
    est = settings.estimation
    first, last = fitted.data.as_of, fitted.data.as_of + pd.DateOffset(months=settings.months)
    items = {
        "data as of": report.as_of.isoformat(),
        "young people counted": report.counts["young_people"],
        "stays counted": report.counts["stays"],
        "data fingerprint": report.fingerprint,
        "saved runs": ", ".join(str(i) for i in report.run_ids),
        "scenarios": ", ".join(s.name for s in report.scenarios),
        "model": "monthly Monte Carlo microsimulation, demand and capacity-constrained passes "
        "(docs/forecasts.md)",
        "months ahead": settings.months,
        "runs": settings.runs,
        "seed": settings.seed,
        "places-needed target": f"{settings.target:.0%}",
        "estimation window (years)": est.window_years,
        "prior months / prior moves": f"{est.prior_months:g} / {est.prior_moves:g}",
        "set wait before 'for want of a place' (weeks)": settings.overflow.max_wait_weeks,
        "inflation a year": settings.inflation,
        "weekly costs": ", ".join(f"{k} {v:g}" for k, v in sorted(settings.weekly_costs.items())),
        "partial quarters": (
            f"the first and last quarters can be partial ({first:%d %B %Y} to {last:%d %B %Y}): "
            "see months_in_quarter and partial_quarter; a year with a partial quarter is a "
            "part-year"
        ),
        "planner version": planner_version(),
    }
    return pd.DataFrame({"item": list(items), "value": [str(v) for v in items.values()]})


def write_report(report: ForecastReport, out: Path) -> list[Path]:
    """Every table as CSV, all of them in one Excel workbook, and a summary.json."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in report.tables.items():
        path = out / f"{name}.csv"
        table.map(safe_cell).to_csv(path, index=False)  # formula-safe, as every file we write
        written.append(path)
    workbook = out / "forecast.xlsx"
    ordered = dict(report.tables)
    if "provenance" in ordered:  # the provenance first, then the tables
        ordered = {"provenance": ordered.pop("provenance"), **ordered}
    with pd.ExcelWriter(workbook, engine="openpyxl") as excel:
        for name, table in ordered.items():
            safe = table.map(safe_cell)
            for col in safe.columns:
                if isinstance(safe[col].dtype, pd.DatetimeTZDtype):
                    safe[col] = safe[col].dt.tz_localize(None)
            safe.to_excel(excel, sheet_name=name[:31], index=False)
    written.append(workbook)
    summary = {
        "as_of": report.as_of.isoformat(),
        "scenarios": [s.name for s in report.scenarios],
        "months": report.settings.months,
        "runs": report.settings.runs,
        "seed": report.settings.seed,
        "data_fingerprint": report.fingerprint,
        "counts": report.counts,
        "saved_runs": report.run_ids,
        "tables": sorted(report.tables),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    written.append(out / "summary.json")
    return written


# -- forecasts asked for from the pages: bounded so a request finishes in seconds ------------------

HORIZONS = (12, 24, 36, 48, 60)  # months ahead a page may ask for
RUNS_RANGE = (100, 2000)  # Monte Carlo runs a page may ask for
MAX_SCENARIOS = 2


@dataclass(frozen=True)
class ForecastRequest:
    """A checked request from the forecasts page, or the errors by field."""

    scenarios: list[str]
    months: int
    runs: int
    errors: dict[str, str]


def check_forecast_request(
    *,
    scenarios: list[str],
    months: str,
    runs: str,
    as_of: date,
    session: Session | None = None,
) -> ForecastRequest:
    """Check what a page asked for: one or two scenarios from the catalogue (and, given a
    ``session``, the saved scenarios), a horizon from :data:`HORIZONS` and runs within
    :data:`RUNS_RANGE`; errors are worded for the page."""
    errors: dict[str, str] = {}
    catalogue = scenario_catalogue(as_of, session)
    chosen = list(dict.fromkeys(scenarios))
    if not chosen:
        errors["scenario"] = "Select a scenario"
    elif len(chosen) > MAX_SCENARIOS:
        errors["scenario"] = "Select no more than two scenarios"
    elif any(name not in catalogue for name in chosen):
        errors["scenario"] = "Select scenarios from the list"
    horizon = int(months) if re.fullmatch(r"[0-9]{1,3}", months) else 0
    if horizon not in HORIZONS:
        errors["months"] = "Select how far ahead to forecast"
    low, high = RUNS_RANGE
    count = int(runs.strip()) if re.fullmatch(r"[0-9]{1,6}", runs.strip()) else 0
    if not low <= count <= high:
        errors["runs"] = f"Enter a number of runs from {low} to {high:,}"
    return ForecastRequest(scenarios=chosen, months=horizon, runs=count, errors=errors)


# -- saved forecasts: list, get, compare, export --------------------------------------------------

DATE_COLUMNS = (
    "quarter_start",
    "counted_on",
    "as_of",
    "window_start",
    "window_end",
    "first_day",
    "last_day",
)
STATE = ["placement_type", "lot"]
LOT_LABELS = {
    "uasc": "UASC in care lot",
    "care_leavers": "children in care and care leavers lot",
    "homeless_16_21": "16-21 at risk of homelessness lot",
}
CHART_COLUMNS = (
    "quarter_start",
    "recorded",
    "demand_median",
    "demand_lo_50",
    "demand_hi_50",
    "demand_lo_80",
    "demand_hi_80",
    "demand_lo_95",
    "demand_hi_95",
    "capacity",
    "places_needed",
)
COMPARED = ("capacity", "demand_median", "places_needed", "p_shortfall_in_quarter")


@dataclass(frozen=True)
class ForecastRunSummary:
    """One saved run without its tables: what the list page and the API show."""

    id: int
    created_at: datetime
    created_by: str
    scenario: str
    description: str
    as_of: date
    months: int
    runs: int
    seed: int
    data_fingerprint: str
    young_people: int
    stays: int
    scenario_title: str = ""  # a saved scenario's name as typed; "" for the catalogue's


@dataclass
class SavedForecast:
    """A saved run and its aggregate tables (``demand``, ``unsuitable``, ``flows``,
    ``costs``; ``history`` and ``inputs_*`` when it was made with ``save_trace``)."""

    run: ForecastRunSummary
    tables: dict[str, pd.DataFrame]

    def states(self) -> list[tuple[str, str]]:
        """(placement type, lot) in the forecast: those with planned places first, then the
        other suitable types, then unsuitable accommodation, each in the usual order."""
        demand = self.tables["demand"]
        order = {t.value: i for i, t in enumerate(PlacementType)}
        planned = set(
            map(tuple, demand.loc[demand["capacity"].notna(), STATE].drop_duplicates().values)
        )
        pairs = [tuple(p) for p in demand[STATE].drop_duplicates().values]

        def rank(pair: tuple[str, str]) -> tuple[int, int, str]:
            ptype = PlacementType(pair[0])
            group = 0 if pair in planned else (1 if ptype.suitable_by_policy else 2)
            return group, order[pair[0]], pair[1]

        return sorted(pairs, key=rank)  # type: ignore[arg-type]


@dataclass
class ForecastComparison:
    """Two runs made from the same data, side by side per quarter, placement type and lot:
    ``<measure>_first``, ``<measure>_second`` and ``<measure>_difference`` (second minus
    first) for each of :data:`COMPARED`."""

    first: ForecastRunSummary
    second: ForecastRunSummary
    table: pd.DataFrame
    notes: list[str]
    budget: list[dict] = field(default_factory=list)  # see :func:`budget_rows`


BUDGET_MEASURES = (
    # (label, table, column, how the quarters combine)
    ("Cost over the quarters compared (£)", "costs", "cost_mean", "sum"),
    ("of which block places, paid whether filled or not (£)", "costs", "block_cost_mean", "sum"),
    ("of which block places left empty (£)", "costs", "empty_places_cost_mean", "sum"),
    ("Bed and breakfast nights", "unsuitable", "bed_and_breakfast_nights_mean", "sum"),
    (
        "Young people waiting for a place (average at a quarter's end)",
        "unsuitable",
        "waiting_for_a_place_mean",
        "mean",
    ),
    (
        "In unsuitable accommodation for want of a place (average at a quarter's end)",
        "unsuitable",
        "for_want_of_a_place_mean",
        "mean",
    ),
)


def budget_rows(first: SavedForecast, second: SavedForecast) -> list[dict]:
    """What the second scenario costs against the first and what it buys: costs as a
    commissioner pays them (block places whether filled or not, spot places when used), bed
    and breakfast nights and waits, over the quarters both runs cover. Measures a run lacks
    (made before they existed) are left out."""
    rows = []
    for label, name, column, how in BUDGET_MEASURES:
        a, b = first.tables.get(name), second.tables.get(name)
        if a is None or b is None or column not in a or column not in b:
            continue
        common = set(a["quarter_start"]) & set(b["quarter_start"])
        values = []
        for frame in (a, b):
            part = frame[frame["quarter_start"].isin(common)]
            per_quarter = part.groupby("quarter_start")[column].sum()
            values.append(float(per_quarter.sum() if how == "sum" else per_quarter.mean()))
        rows.append(
            {
                "measure": label,
                "first": values[0],
                "second": values[1],
                "difference": values[1] - values[0],
                "money": "(£)" in label,
            }
        )
    return rows


def state_label(placement_type: str, lot: str) -> str:
    """``Supported accommodation framework: UASC in care lot``, or the type's label."""
    label = PlacementType(placement_type).label
    return f"{label}: {LOT_LABELS.get(lot, lot)}" if lot else label


def model_state_label(state: str, within: bool = False) -> str:
    """The label of one of the model's states (``supported_accommodation/uasc``...),
    including the state of having left the service; ``within`` a sentence in lower case
    ("4 extra places of council flat"), acronyms kept."""
    label = "Left the service" if state == LEFT else state_label(*split_state(state))
    return within_sentence(label) if within else label


STREAM_WORDS = {"new": "new care leavers", "uasc": "UASC", "returner": "returners"}


def lever_what(
    kind: str, stream: str = "", state: str = "", destination: str = "", start: Any = None
) -> str:
    """What a lever acts on, in words: the one home for a lever's words, read by the forecast
    page and paper, the scenarios page, the sensitivity table and ``planner scenario list``
    ("Arrivals of UASC", "Moves into staying put from in care (other)", "Places added to
    council flat from 30 November 2027")."""
    state_words = model_state_label(state, within=True) if state else ""
    if kind == "arrivals":
        return f"Arrivals of {STREAM_WORDS.get(stream, 'young people')}"
    if kind == "exit_rate":
        return f"How fast young people leave {state_words}"
    if kind == "move_share":
        into = model_state_label(destination, within=True) if destination else "any type"
        return f"Moves into {into}" + (f" from {state_words}" if state_words else "")
    if kind == "places":
        day = pd.Timestamp(start).date() if start is not None and not pd.isna(start) else None
        return f"Places added to {state_words}" + (f" from {day_words(day)}" if day else "")
    if kind == "nts_rate":
        return "National Transfer Scheme threshold (share of the child population)"
    return "No levers: rates and arrivals as in the data"


def lever_value(kind: str, value: Any) -> str:
    """One value of a lever as people read it: a multiplier as "x1.5", places as "+12" (or
    "-4"), the transfer threshold as a percentage ("0.12%")."""
    if value is None or pd.isna(value):
        return "-"
    number = float(value)
    if kind == "places":
        return f"{number:+g}" if number else "0"
    if kind == "nts_rate":
        return f"{number * 100:g}%"
    return f"x{number:g}"


def lever_rows(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A run's levers (its ``inputs_scenario`` table) in words, one row per lever: scenario
    (its name, for the ``scenario`` filter), lever, lowest, most likely, highest."""
    if table is None or table.empty:
        return []
    rows = []
    for r in table.to_dict("records"):
        kind = str(r.get("kind") or "")
        blank = {k: ("" if v is None or (isinstance(v, float) and v != v) else v)
                 for k, v in r.items()}  # fmt: skip
        rows.append(
            {
                "scenario": str(r.get("scenario", "")),
                "lever": lever_what(
                    kind,
                    str(blank.get("stream", "")),
                    str(blank.get("state", "")),
                    str(blank.get("destination", "")),
                    r.get("start"),
                ),
                "low": lever_value(kind, r.get("low")) if kind in LEVER_KINDS else "",
                "central": lever_value(kind, r.get("central")) if kind in LEVER_KINDS else "",
                "high": lever_value(kind, r.get("high")) if kind in LEVER_KINDS else "",
            }
        )
    return rows


@dataclass
class _Descriptions:
    """Scenario descriptions for a list of runs: the catalogue's as offered to this council
    on each run's day (sized from its places), then the saved scenarios'."""

    session: Session
    saved: dict[str, Scenario]
    by_day: dict[date, dict[str, Scenario]] = field(default_factory=dict)
    inventory: pd.DataFrame | None = None  # read once, for every day of the list

    def of(self, scenario: str, as_of: date) -> str:
        if as_of not in self.by_day:
            if self.inventory is None:
                self.inventory = inventory_places(self.session)
            self.by_day[as_of] = saved.catalogue(as_of, inventory=self.inventory)
        found = self.by_day[as_of].get(scenario) or self.saved.get(scenario)
        return found.description if found is not None else ""


def _description_cache(session: Session) -> _Descriptions:
    return _Descriptions(session, {v.name: v.to_model() for v in saved.saved_scenarios(session)})


def _summary(run: ForecastRun, cache: _Descriptions) -> ForecastRunSummary:
    return ForecastRunSummary(
        id=run.id,  # type: ignore[arg-type]
        created_at=run.created_at,
        created_by=run.created_by,
        scenario=run.scenario,
        description=cache.of(run.scenario, run.as_of),
        as_of=run.as_of,
        months=run.months,
        runs=run.runs,
        seed=run.seed,
        data_fingerprint=run.data_fingerprint,
        young_people=run.young_people,
        stays=run.stays,
        scenario_title=run.scenario_title,
    )


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows)
    for name in DATE_COLUMNS:
        if name in frame:
            frame[name] = pd.to_datetime(frame[name]).dt.date
    return frame


def scenario_titles(session: Session) -> dict[str, str]:
    """Every scenario name that has a name as typed, for the pages, papers and files to show
    (:func:`planner.forecasting.scenarios.scenario_words`): the forecast runs' (so a deleted
    scenario's runs still read as typed), then the saved scenarios' (the latest word)."""
    found: dict[str, str] = {}
    rows = session.exec(
        select(ForecastRun.scenario, ForecastRun.scenario_title)
        .where(ForecastRun.scenario_title != "")
        .order_by(ForecastRun.id)  # type: ignore[arg-type]
    )
    for name, title in rows:
        found[name] = title
    return found | saved.titles(session)


def list_forecast_runs(
    session: Session, *, limit: int = 100, data_fingerprint: str | None = None
) -> list[ForecastRunSummary]:
    """Saved forecast runs, newest first, optionally only those made from one snapshot of
    the data (their tables are not read)."""
    from sqlalchemy.orm import defer

    query = select(ForecastRun).options(defer(ForecastRun.tables))  # type: ignore[arg-type]
    if data_fingerprint is not None:
        query = query.where(ForecastRun.data_fingerprint == data_fingerprint)
    query = query.order_by(
        ForecastRun.created_at.desc(),  # type: ignore[attr-defined]
        ForecastRun.id.desc(),  # type: ignore[union-attr]
    ).limit(limit)
    cache = _description_cache(session)
    return [_summary(run, cache) for run in session.exec(query)]


def records_sets(session: Session) -> dict[str, int]:
    """Each snapshot of the records forecasts were made from (its data fingerprint), as a
    number people can read: 1 for the records the first saved forecast read, 2 for the next
    different ones, and so on. Forecasts with the same number read the same records and can
    be compared; the fingerprint itself is a code nobody should have to read."""
    first: dict[str, int] = {}
    rows = session.exec(
        select(ForecastRun.data_fingerprint, ForecastRun.id).order_by(ForecastRun.id)  # type: ignore[arg-type]
    )
    for fingerprint, _ in rows:
        first.setdefault(fingerprint, len(first) + 1)
    return first


# the columns the saved forecasts list can be sorted by (the keys of its ``sort`` parameter)
FORECAST_RUN_SORTS = ("made", "scenario", "by", "as_of", "months", "runs")


def page_forecast_runs(session: Session, params: ListParams) -> Paged[ForecastRunSummary]:
    """One page of the saved forecast runs, sorted by a key of :data:`FORECAST_RUN_SORTS`
    (newest first by default), in SQL; their tables are not read."""
    from sqlalchemy.orm import defer

    query = select(ForecastRun).options(defer(ForecastRun.tables))  # type: ignore[arg-type]
    columns = {
        "made": [col(ForecastRun.created_at)],
        "scenario": [col(ForecastRun.scenario)],
        "by": [col(ForecastRun.created_by)],
        "as_of": [col(ForecastRun.as_of)],
        "months": [col(ForecastRun.months)],
        "runs": [col(ForecastRun.runs)],
    }
    found = page_query(session, query, params, columns, tie_break=[col(ForecastRun.id).desc()])
    cache = _description_cache(session)
    rows = [_summary(run, cache) for run in found.rows]
    return Paged(rows=rows, total=found.total, page=found.page, pages=found.pages)


def get_forecast_run_or_raise(session: Session, *, run_id: int) -> SavedForecast:
    """One saved run with its tables, or :class:`NotFound`."""
    run = session.get(ForecastRun, run_id)
    if run is None:
        raise NotFound("There is no such forecast run.")
    raw = json.loads(run.tables)
    return SavedForecast(
        run=_summary(run, _description_cache(session)),
        tables={name: _frame(rows) for name, rows in raw.items()},
    )


def history_of(session: Session, saved: SavedForecast) -> tuple[pd.DataFrame, bool]:
    """The recorded occupancy by quarter behind a run, and whether it was saved with it.

    Runs made without ``save_trace`` (e.g. by ``planner forecast``) did not keep it; their
    history is then counted from the records held now, up to the run's snapshot date.
    """
    if "history" in saved.tables:
        return saved.tables["history"], True
    stays = frames_from_database(session, saved.run.as_of)["stays"]
    history = occupancy_by_quarter(stays, as_of=saved.run.as_of, quarters=HISTORY_QUARTERS)
    return _frame(json.loads(history.to_json(orient="records", date_format="iso"))), False


def fan_chart_frame(
    saved: SavedForecast, history: pd.DataFrame, *, placement_type: str, lot: str
) -> pd.DataFrame:
    """One placement type and lot, one row per quarter: the recorded occupancy before the
    forecast, then the demand median and intervals, planned places and places needed."""
    demand = saved.tables["demand"]
    mine = demand[(demand["placement_type"] == placement_type) & (demand["lot"] == lot)]
    if mine.empty:
        raise NotFound("That placement type and lot are not in this forecast.")
    first = min(mine["quarter_start"])
    past = history[
        (history["placement_type"] == placement_type)
        & (history["lot"] == lot)
        & (history["quarter_start"] < first)
    ]
    past = past[["quarter_start", "occupied"]].rename(columns={"occupied": "recorded"})
    ahead = mine[[c for c in CHART_COLUMNS if c in mine.columns and c != "recorded"]]
    frames = [f for f in (past, ahead) if not f.empty]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    return out.reindex(columns=list(CHART_COLUMNS)).reset_index(drop=True)


def compare_forecast_runs(session: Session, *, first_id: int, second_id: int) -> ForecastComparison:
    """Two saved runs side by side; refused unless they were made from the same data."""
    if first_id == second_id:
        raise InvalidInput("Choose two different forecast runs to compare.")
    first = get_forecast_run_or_raise(session, run_id=first_id)
    second = get_forecast_run_or_raise(session, run_id=second_id)
    if first.run.data_fingerprint != second.run.data_fingerprint:
        raise InvalidInput(
            "These forecast runs were made from different data, so their differences would "
            "mix the scenarios with changes in the records. Compare runs with the same data "
            "fingerprint, or make both scenarios again together."
        )
    keys = ["quarter_start", *STATE]
    left = first.tables["demand"][keys + list(COMPARED)]
    right = second.tables["demand"][keys + list(COMPARED)]
    table = left.merge(right, on=keys, how="inner", suffixes=("_first", "_second"))
    for measure in COMPARED:
        table[f"{measure}_difference"] = table[f"{measure}_second"] - table[f"{measure}_first"]
    notes = []
    if (first.run.runs, first.run.seed) != (second.run.runs, second.run.seed):
        notes.append(
            "The runs used different numbers of simulations or seeds, so small differences "
            "can be Monte Carlo noise rather than the scenarios."
        )
    if first.run.months != second.run.months:
        notes.append("The horizons differ; only the quarters both runs cover are compared.")
    return ForecastComparison(
        first=first.run,
        second=second.run,
        table=table,
        notes=notes,
        budget=budget_rows(first, second),
    )


COMPARISON_COLUMNS = {  # the comparison as a file: plain column names, quarters as dates
    "quarter_start": "quarter_start",
    "placement_type": "placement_type",
    "lot": "lot",
    **{
        f"{m}_{side}": f"{m}_{side}" for m in COMPARED for side in ("first", "second", "difference")
    },
}


def export_comparison(
    session: Session, *, first_id: int, second_id: int, fmt: str, actor: str
) -> tuple[str, bytes]:
    """Two runs' comparison as CSV or Excel (formula-safe, with each run's scenario named in
    the columns' file name), audited as an export of the first run."""
    from planner.records.spreadsheets import table_bytes

    comparison = compare_forecast_runs(session, first_id=first_id, second_id=second_id)
    table = comparison.table
    columns = [c for c in COMPARISON_COLUMNS if c in table.columns]
    rows = table_records(table[columns])
    for row in rows:
        if isinstance(row.get("quarter_start"), pd.Timestamp | datetime):
            row["quarter_start"] = row["quarter_start"].date()
    content = table_bytes(columns, rows, fmt, sheet="comparison")
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="forecast_run",
        entity_id=str(first_id),
        detail=f"format={fmt} table=comparison second={second_id}",
    )
    name = (
        f"forecast-{first_id}-{comparison.first.scenario}-compared-with-"
        f"{second_id}-{comparison.second.scenario}.{fmt}"
    )
    return name, content


def table_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values for JSON (missing values as ``None``)."""
    plain = frame.astype(object).where(frame.notna(), None)
    return plain.to_dict(orient="records")


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.map(safe_cell).to_csv(index=False)


def with_scenario_titles(frame: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    """A table naming scenarios (a ``scenario`` column of names) with, beside it, each
    scenario as people read it (``scenario_title``: a saved one's name as typed), so a file
    names a scenario as the pages do."""
    if "scenario" not in frame.columns or "scenario_title" in frame.columns:
        return frame
    shown = frame.copy()
    words = [scenario_words(str(n), titles=titles) for n in shown["scenario"]]
    shown.insert(list(shown.columns).index("scenario") + 1, "scenario_title", words)
    return shown


def export_forecast_csv(
    session: Session,
    *,
    run_id: int,
    table: str,
    actor: str,
    placement_type: str = "",
    lot: str = "",
) -> tuple[str, str]:
    """One table of a saved run as CSV text (formula-safe), audited as an export; ``table``
    ``chart`` is the data of one fan chart (``placement_type`` and ``lot``)."""
    saved = get_forecast_run_or_raise(session, run_id=run_id)
    if table == "chart":
        history, _ = history_of(session, saved)
        frame = fan_chart_frame(saved, history, placement_type=placement_type, lot=lot)
        name = f"forecast-{run_id}-chart-{placement_type}{'-' + lot if lot else ''}.csv"
        detail = f"format=csv table=chart state={placement_type}/{lot}"
    elif table in saved.tables:
        frame = saved.tables[table]
        name = f"forecast-{run_id}-{table}.csv"
        detail = f"format=csv table={table}"
    else:
        raise NotFound("This forecast run has no such table.")
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="forecast_run",
        entity_id=str(run_id),
        detail=detail,
    )
    return name, _csv_text(with_scenario_titles(frame, scenario_titles(session)))


def read_forecast_table(session: Session, *, run_id: int, table: str, actor: str) -> pd.DataFrame:
    """One table of a saved run for the JSON API, audited as an export like its CSV."""
    saved = get_forecast_run_or_raise(session, run_id=run_id)
    if table not in saved.tables:
        raise NotFound("This forecast run has no such table.")
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="forecast_run",
        entity_id=str(run_id),
        detail=f"format=json table={table}",
    )
    return saved.tables[table]


def export_forecast_workbook(session: Session, *, run_id: int, actor: str) -> tuple[str, bytes]:
    """Every table of a saved run as one sheet each of an Excel workbook (formula-safe),
    after a sheet saying when and from which data it was made; audited as an export."""
    import io

    saved = get_forecast_run_or_raise(session, run_id=run_id)
    run = saved.run
    about = pd.DataFrame(
        {
            "item": list(ForecastRunSummary.__dataclass_fields__),
            "value": [str(getattr(run, f)) for f in ForecastRunSummary.__dataclass_fields__],
        }
    )
    titles = scenario_titles(session)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as excel:
        for name, table in {"about": about, **saved.tables}.items():
            shown = with_scenario_titles(table, titles)
            shown.map(safe_cell).to_excel(excel, sheet_name=name[:31], index=False)
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="forecast_run",
        entity_id=str(run_id),
        detail=f"format=xlsx tables={len(saved.tables)}",
    )
    return f"forecast-{run_id}.xlsx", buffer.getvalue()


# -- the backtest on the council's own records ---------------------------------------------------


@dataclass
class RecordsBacktest:
    """Rolling-origin backtest rows and their summary per placement type and horizon."""

    origins: list[date]
    horizon: int
    runs: int
    rows: pd.DataFrame
    by_state: pd.DataFrame
    overall: pd.DataFrame
    # per type, the forecast used at the latest origin (forecasts.selection): model, reason
    choices: pd.DataFrame | None = None
    # per horizon, against issue 15's targets and why not where missed (targets_verdict)
    targets: pd.DataFrame | None = None


def backtest_records(
    session: Session,
    *,
    origins: int,
    horizon: int,
    runs: int = 200,
    seed: int = 0,
    as_of: date | None = None,
    child_population: int,
) -> RecordsBacktest:
    """Forecasts made at ``origins`` quarter-ends (the latest ``horizon`` quarters before
    ``as_of``, one quarter apart), each from only what the records held then (later stays
    dropped, later ends reopened), scored against what the records show happened."""
    day = as_of or clock.today()
    return backtest_frames(
        read_backtest(session, as_of=day),
        as_of=day,
        origins=origins,
        horizon=horizon,
        runs=runs,
        seed=seed,
        child_population=child_population,
    )


def read_backtest(session: Session, *, as_of: date) -> dict[str, pd.DataFrame]:
    """The records a backtest needs (the work queue's short read phase)."""
    return frames_from_database(session, as_of)


def backtest_frames(
    frames: dict[str, pd.DataFrame],
    *,
    as_of: date,
    origins: int,
    horizon: int,
    runs: int,
    seed: int,
    child_population: int,
) -> RecordsBacktest:
    """:func:`backtest_records` on records already read: no database (the long part)."""
    from forecasts.backtest import (
        backtest_stays,
        stays_accuracy,
        stays_accuracy_by_state,
        targets_verdict,
    )

    day = as_of
    stays = frames["stays"]
    if stays.empty:
        raise CannotForecast()
    stays = stays.assign(gender="")
    # the last quarter-end on or before ``day``: the latest date whose outcome is known
    last_end = (pd.Timestamp(day) + pd.Timedelta(days=1)).to_period("Q").start_time
    last_end -= pd.Timedelta(days=1)
    points = [(last_end - pd.offsets.QuarterEnd(horizon + k)).normalize() for k in range(origins)]
    points = sorted(p for p in points if p > stays["start"].min() + pd.DateOffset(years=1))
    if not points:
        raise InvalidInput(
            "Origins: the records are too short for a backtest this far back; ask for fewer "
            "origins or a shorter horizon."
        )
    settings = ForecastSettings(runs=runs, seed=seed)
    try:
        rows = backtest_stays(
            stays,
            points,
            capacity=frames["capacity"],
            child_population=child_population,
            quarters=horizon,
            settings=settings,
        )
    except ValueError as exc:
        raise CannotForecast() from exc
    rows = rows[~rows["state"].eq(LEFT)]
    latest = rows[rows["origin"] == rows["origin"].max()]
    choices = latest.drop_duplicates("state")[["state", "model", "reason"]].reset_index(drop=True)
    return RecordsBacktest(
        origins=[p.date() for p in points],
        horizon=horizon,
        runs=runs,
        rows=rows,
        by_state=stays_accuracy_by_state(rows),
        overall=stays_accuracy(rows),
        choices=choices,
        targets=targets_verdict(rows),
    )


def forecast_used_words(model: str) -> str:
    """The forecast used for a type, in plain words (``forecasts.selection.PLAIN_WORDS``)."""
    from forecasts.selection import PLAIN_WORDS

    return PLAIN_WORDS.get(model, model)


def forecast_reason_words(reason: str) -> str:
    """Why that forecast was used for a type, in plain words."""
    from forecasts.selection import REASON_WORDS

    return REASON_WORDS.get(reason, "")


def backtest_summary(result: RecordsBacktest) -> dict[str, Any]:
    """A backtest's dates and summary tables as JSON values (kept on its work item for the
    "How good has this forecast been here?" page; the per-forecast rows are not kept)."""
    return {
        "origins": [d.isoformat() for d in result.origins],
        "horizon": result.horizon,
        "runs": result.runs,
        "overall": json.loads(result.overall.to_json(orient="records")),
        "by_state": json.loads(result.by_state.to_json(orient="records")),
        "choices": json.loads(result.choices.to_json(orient="records"))
        if result.choices is not None
        else [],
        "targets": json.loads(result.targets.to_json(orient="records"))
        if result.targets is not None
        else [],
    }
