""" "How good has this forecast been here?": the rolling-origin backtest on the council's own
records, in a commissioner's words, with the fall-back said where the model loses.

Why a page: a commissioner should not take a forecast to the board without seeing how the
same model did on the council's own history. Forecasts made at past quarter-ends from only
what the records held then are scored against what the records show happened
(:func:`planner.forecasting.service.backtest_records`, the same as ``planner
forecast-backtest``). Where the model's error is not below the recent count's ("naive": as
at the forecast date), the page says to read the recent count for that type instead.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlmodel import Session

from planner.core.errors import InvalidInput
from planner.forecasting import service as forecasting

PAGE_ORIGINS = 4  # forecast dates scored, one quarter apart
PAGE_HORIZON = 4  # quarters ahead
PAGE_RUNS = 100  # runs per forecast (the page answers in seconds)


def _pct(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value) * 100:.0f}%"


def _num(value: Any, digits: int = 2) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


def verdict(mase: Any) -> str:
    """Model or fall-back, in words: MASE below 1 means the model's error is smaller than
    the recent count's on the same forecasts."""
    if mase is None or pd.isna(mase):
        return "Not enough to tell"
    return "The forecast" if float(mase) < 1 else "The recent count (the forecast did worse)"


def _row(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "forecasts": int(rec["forecasts"]),
        "mase": _num(rec["mase"]),
        "mase_seasonal": _num(rec.get("mase_seasonal")),
        "bias": _num(rec["bias"], 1),
        "coverage_50": _pct(rec["coverage_50"]),
        "coverage_80": _pct(rec["coverage_80"]),
        "coverage_95": _pct(rec["coverage_95"]),
        "crps": _num(rec.get("crps")),
        "verdict": verdict(rec["mase"]),
    }


def accuracy_context(session: Session, *, child_population: int) -> dict[str, Any]:
    """The backtest's tables for the page, or the reason there are none."""
    try:
        result = forecasting.backtest_records(
            session,
            origins=PAGE_ORIGINS,
            horizon=PAGE_HORIZON,
            runs=PAGE_RUNS,
            child_population=child_population,
        )
    except InvalidInput as exc:  # no records yet, or too short a history
        return {"problem": exc.message}
    overall = [
        {"horizon": int(r["horizon_quarters"]), **_row(r)}
        for r in forecasting.table_records(result.overall)
    ]
    by_state = result.by_state
    types: list[dict[str, Any]] = []
    for state, part in by_state.groupby("state", sort=False):
        ptype, _, lot = str(state).partition("/")
        rows = {int(r["horizon_quarters"]): _row(r) for r in forecasting.table_records(part)}
        first, last = rows.get(1), rows.get(max(rows))
        types.append({"label": forecasting.state_label(ptype, lot), "first": first, "last": last})
    return {
        "problem": None,
        "origins": result.origins,
        "horizon": result.horizon,
        "runs": result.runs,
        "overall": overall,
        "types": types,
        "fall_back": [
            t["label"] for t in types if t["last"] and t["last"]["verdict"].startswith("The recent")
        ],
    }
