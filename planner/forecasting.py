"""Forecasts from the planner's own records: read, run the pure model, save, export.

The model in ``forecasts/`` never sees the database; this service shapes the records into
its frames (``planner.forecast_inputs``), runs the named scenarios on the same fitted data
and seed (so differences between scenarios are the levers', not noise), and saves each run
with when it was made and a fingerprint of the data it was made from, so a page can say
"made at 02:30 from 654 young people and 3,110 stays" and a nightly refresh can be added
without changing the model. Only aggregates are saved or exported: no young person is named.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from statistics import mean

import pandas as pd
from sqlmodel import Session, select

from forecasts.forecast import ForecastSettings, fit, run_forecast
from forecasts.frames import CouncilData
from forecasts.outputs import (
    costs_by_quarter,
    demand_by_quarter,
    flows_by_quarter,
    unsuitable_by_quarter,
)
from forecasts.planning import compare_scenarios
from forecasts.scenarios import Scenario, standard_scenarios
from planner import audit
from planner.domain import PlacementType
from planner.forecast_inputs import frames_from_database
from planner.models import ForecastRun, Provision

# Weekly costs of accommodation the council does not hold in its inventory, for the cost
# tables (editable per council; B&B is the figure councils most often quote).
DEFAULT_WEEKLY_COSTS = {
    PlacementType.bed_and_breakfast.value: 700.0,
    PlacementType.emergency_accommodation.value: 550.0,
}
TABLES = ("demand", "unsuitable", "flows", "costs")


class UnknownScenario(ValueError):
    pass


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


def scenario_catalogue(as_of: date) -> dict[str, Scenario]:
    """The named scenarios commissioners can run (see ``docs/forecasts.md``)."""
    return standard_scenarios(pd.Timestamp(as_of))


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
) -> ForecastReport:
    """Run ``scenarios`` on today's records and save each run (the caller commits)."""
    day = as_of or date.today()
    catalogue = scenario_catalogue(day)
    unknown = [name for name in scenarios if name not in catalogue]
    if unknown or not scenarios:
        raise UnknownScenario(
            f"unknown scenario {', '.join(unknown) or '(none given)'}; "
            f"expected one of {', '.join(catalogue)}"
        )
    frames = frames_from_database(session, day)
    data = CouncilData.build(
        people=frames["people"],
        stays=frames["stays"],
        capacity=frames["capacity"],
        as_of=day,
        child_population=child_population,
    )
    settings = ForecastSettings(
        months=months, runs=runs, seed=seed, weekly_costs=weekly_costs(session)
    )
    fitted = fit(data, settings)
    chosen = [catalogue[name] for name in scenarios]
    report = ForecastReport(
        as_of=day,
        settings=settings,
        scenarios=chosen,
        fingerprint=_fingerprint(frames),
        counts={"young_people": len(frames["people"]), "stays": len(frames["stays"])},
    )
    per_table: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for scenario in chosen:
        result = run_forecast(fitted, settings, scenario)
        made = {
            "demand": demand_by_quarter(result),
            "unsuitable": unsuitable_by_quarter(result),
            "flows": flows_by_quarter(result).assign(scenario=scenario.name),
            "costs": costs_by_quarter(result).assign(scenario=scenario.name),
        }
        for name, table in made.items():
            per_table[name].append(table)
        if scenario is chosen[0]:
            for name, table in result.inputs().items():
                report.tables[f"inputs_{name}"] = table
        run = ForecastRun(
            scenario=scenario.name,
            as_of=day,
            months=months,
            runs=runs,
            seed=seed,
            data_fingerprint=report.fingerprint,
            young_people=report.counts["young_people"],
            stays=report.counts["stays"],
            created_by=actor,
            tables=json.dumps(
                {
                    name: json.loads(t.to_json(orient="records", date_format="iso"))
                    for name, t in made.items()
                }
            ),
        )
        session.add(run)
        session.flush()
        report.run_ids.append(run.id)  # type: ignore[arg-type]
    for name, tables in per_table.items():
        report.tables[name] = pd.concat(tables, ignore_index=True)
    if len(chosen) > 1:
        report.tables["comparison"] = compare_scenarios(fitted, chosen, settings)[1]
    audit.record(
        session,
        actor=actor,
        action="forecast",
        entity="forecast_run",
        entity_id=",".join(str(i) for i in report.run_ids),
        detail=f"scenarios={','.join(scenarios)} months={months} runs={runs}",
    )
    return report


def write_report(report: ForecastReport, out: Path) -> list[Path]:
    """Every table as CSV, all of them in one Excel workbook, and a summary.json."""
    from planner.spreadsheets import safe_cell

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in report.tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    workbook = out / "forecast.xlsx"
    with pd.ExcelWriter(workbook, engine="openpyxl") as excel:
        for name, table in report.tables.items():
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
