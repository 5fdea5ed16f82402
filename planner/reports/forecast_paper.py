"""The commissioning paper of a saved forecast run, and the run page's figures.

The page (``/forecasts/{id}``) and the paper show the same body
(``forecast_run_body.html``) built from the same context (:func:`run_context`): fan charts
as SVG (:mod:`planner.reports.charts`), places needed against planned places, shortfall by
quarter, unsuitable accommodation, flows, costs and the inputs with their provenance. The
paper adds the scenario comparison (the runs made from the same data) and the model's
backtest accuracy where the run stored one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlmodel import Session

from planner.core import audit
from planner.core.errors import InvalidInput
from planner.domain.text import quarter_words
from planner.forecasting import service as forecasting
from planner.reports.charts import FanChart, describe_fan, fan_chart_svg
from planner.reports.papers import pdf_from_html
from planner.reports.templating import render_template

SCENARIOS_COMPARED = 5


def _value(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _chart_section(
    saved: forecasting.SavedForecast, history: pd.DataFrame, ptype: str, lot: str
) -> dict[str, Any]:
    frame = forecasting.fan_chart_frame(saved, history, placement_type=ptype, lot=lot)
    quarters = list(frame["quarter_start"])
    columns: dict[str, Sequence[float | None]] = {
        c: [_value(v) for v in frame[c]] for c in forecasting.CHART_COLUMNS[1:]
    }
    label = forecasting.state_label(ptype, lot)
    anchor = f"{ptype}-{lot}" if lot else ptype
    chart = FanChart(
        chart_id=f"chart-{anchor}",
        title=f"{label}: young people recorded and forecast by quarter",
        description=describe_fan(label, quarters, columns),
        quarters=quarters,
        recorded=columns["recorded"],
        median=columns["demand_median"],
        lo_50=columns["demand_lo_50"],
        hi_50=columns["demand_hi_50"],
        lo_80=columns["demand_lo_80"],
        hi_80=columns["demand_hi_80"],
        lo_95=columns["demand_lo_95"],
        hi_95=columns["demand_hi_95"],
        capacity=columns["capacity"],
    )
    demand = saved.tables["demand"]
    mine = demand[(demand["placement_type"] == ptype) & (demand["lot"] == lot)]
    shortfall = [
        {
            k: (v if k == "quarter_start" else _value(v))
            for k, v in row.items()
            if k not in ("target", "forecast_used") and not k.startswith("check_")
        }
        for row in mine.drop(columns=["scenario", "placement_type", "lot", "thin_data"]).to_dict(
            orient="records"
        )
    ]
    planned = [r for r in shortfall if r["capacity"] is not None]
    short = [r for r in planned if (r["places_needed"] or 0) > (r["capacity"] or 0)]
    used = mine["forecast_used"].iloc[0] if "forecast_used" in mine and len(mine) else None
    check = [
        {
            "quarter": quarter_words(pd.Timestamp(row["quarter_start"]).date()),
            "median": row["check_median"],
            "lo": row["check_lo_80"],
            "hi": row["check_hi_80"],
        }
        for row in mine.to_dict(orient="records")
        if "check_median" in row and pd.notna(row["check_median"])
    ]
    return {
        "id": anchor,
        "label": label,
        "forecast_used": forecasting.forecast_used_words(str(used)) if used else None,
        "check": check,
        "placement_type": ptype,
        "lot": lot,
        "svg": fan_chart_svg(chart),
        "description": chart.description,
        "rows": [
            {"quarter_start": q, **{c: columns[c][i] for c in columns}}
            for i, q in enumerate(quarters)
        ],
        "shortfall": planned,
        "short": short,
        "most_needed": max((r["places_needed"] or 0 for r in planned), default=None),
        "thin_data": bool(mine["thin_data"].astype(bool).any()),
    }


def _costs(costs: pd.DataFrame) -> dict[str, Any]:
    if costs.empty:
        return {"by_quarter": [], "by_type": []}
    by_quarter = costs.groupby("quarter_start", sort=True)["cost_mean"].sum().reset_index()
    by_type = costs.groupby(["placement_type", "lot"], sort=False)["cost_mean"].sum().reset_index()
    by_type = by_type[by_type["cost_mean"] > 0].sort_values("cost_mean", ascending=False)
    return {
        "by_quarter": by_quarter.to_dict(orient="records"),
        "by_type": [
            {"label": forecasting.state_label(t, lot), "cost": c}
            for t, lot, c in by_type.itertuples(index=False)
        ],
    }


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return forecasting.table_records(frame)


def run_context(session: Session, *, run_id: int, made_with: int | None = None) -> dict[str, Any]:
    """Everything the run page and the paper show of one saved run."""
    saved = forecasting.get_forecast_run_or_raise(session, run_id=run_id)
    history, history_saved = forecasting.history_of(session, saved)
    sections = [_chart_section(saved, history, t, lot) for t, lot in saved.states()]
    siblings = [
        r
        for r in forecasting.list_forecast_runs(
            session, data_fingerprint=saved.run.data_fingerprint
        )
        if r.id != run_id
    ]
    flows = saved.tables["flows"]
    expiries = [c for c in flows.columns if c.startswith("expiries_")]
    rates = saved.tables.get("inputs_rates")
    return {
        "run": saved.run,
        # which records it read, as people can tell them apart (not the fingerprint's code)
        "records_set": forecasting.records_sets(session).get(saved.run.data_fingerprint),
        # saved scenarios' names as typed, for the ``scenario`` filter on the page and paper
        "scenario_titles": forecasting.scenario_titles(session),
        "sections": sections,
        "planned": [s for s in sections if s["shortfall"]],
        "siblings": siblings,
        "made_with": next((r for r in siblings if r.id == made_with), None),
        "history_saved": history_saved,
        "unsuitable": _records(saved.tables["unsuitable"]),
        "flows": _records(flows),
        "expiries": [
            (c, forecasting.state_label(*c[len("expiries_") : -len("_mean")].split("/")))
            for c in expiries
        ],
        "costs": _costs(saved.tables["costs"]),
        "inputs_saved": rates is not None,
        "inputs_data": _records(saved.tables.get("inputs_data")),
        "data_notes": [
            note
            for row in _records(saved.tables.get("inputs_data"))[:1]
            for note in forecasting.data_notes(row)
        ],
        "arrivals": _records(saved.tables.get("inputs_arrivals")),
        "review": _records(saved.tables.get("inputs_review_at_21")),
        "forecast_used": [
            r | {"state": forecasting.model_state_label(str(r["state"]))}
            for r in _records(saved.tables.get("inputs_forecast_used"))
        ],
        "levers": forecasting.lever_rows(saved.tables.get("inputs_scenario")),
        "rates": [
            r | {"state": forecasting.model_state_label(str(r["state"]))} for r in _records(rates)
        ],
        "thin_rates": int(rates["thin_data"].astype(bool).sum()) if rates is not None else 0,
        "tables": list(saved.tables),
        "backtest": _records(saved.tables.get("backtest")),
    }


def _scenario_row(saved: forecasting.SavedForecast) -> dict[str, Any]:
    """One run's headline for the comparison: places needed and shortfalls at a glance."""
    demand = saved.tables["demand"]
    planned = demand[demand["capacity"].notna()]
    last = (
        planned[planned["quarter_start"] == planned["quarter_start"].max()]
        if len(planned)
        else planned
    )
    short = planned[planned["places_needed"] > planned["capacity"]]
    return {
        "id": saved.run.id,
        "scenario": saved.run.scenario,
        "description": saved.run.description,
        "places_needed_last": float(last["places_needed"].sum()) if len(last) else None,
        "capacity_last": float(last["capacity"].sum()) if len(last) else None,
        "quarters_short": int(short[["quarter_start"]].drop_duplicates().shape[0]),
        "first_short": short["quarter_start"].min() if len(short) else "",
    }


def scenario_comparison(session: Session, *, run_id: int) -> list[dict[str, Any]]:
    """This run and up to :data:`SCENARIOS_COMPARED` others made from the same data."""
    saved = forecasting.get_forecast_run_or_raise(session, run_id=run_id)
    rows = [_scenario_row(saved)]
    for other in forecasting.list_forecast_runs(
        session, data_fingerprint=saved.run.data_fingerprint
    ):
        if other.id != run_id and len(rows) <= SCENARIOS_COMPARED:
            rows.append(
                _scenario_row(forecasting.get_forecast_run_or_raise(session, run_id=other.id))
            )
    return rows


def forecast_paper_html(session: Session, *, run_id: int) -> str:
    context = run_context(session, run_id=run_id) | {
        "paper": True,
        "paper_title": f"Commissioning paper: forecast {run_id}",
        "comparison": scenario_comparison(session, run_id=run_id),
    }
    return render_template("forecast_paper.html", context)


def export_forecast_paper(
    session: Session, *, run_id: int, fmt: str, actor: str
) -> tuple[str, bytes]:
    """The commissioning paper of a saved run as PDF or HTML, audited as an export."""
    if fmt not in ("pdf", "html"):
        raise InvalidInput("The commissioning paper is written as pdf or html.")
    html = forecast_paper_html(session, run_id=run_id)
    content = pdf_from_html(html) if fmt == "pdf" else html.encode()
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="forecast_run",
        entity_id=str(run_id),
        detail=f"format={fmt} paper",
    )
    return f"forecast-{run_id}-commissioning-paper.{fmt}", content
