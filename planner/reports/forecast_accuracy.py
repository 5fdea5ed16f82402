""" "How good has this forecast been here?": the rolling-origin backtest on the council's own
records, in a commissioner's words, with the fall-back said where the model loses.

Why a page: a commissioner should not take a forecast to the board without seeing how the
same model did on the council's own history. Forecasts made at past quarter-ends from only
what the records held then are scored against what the records show happened
(:func:`planner.forecasting.service.backtest_records`, the same as ``planner
forecast-backtest``), done on the work queue (``planner.work``, kind ``forecast_accuracy``)
and kept on its work item: the page shows the latest and offers to check again. Where the
model's error is not below the recent count's ("naive": as
at the forecast date), the page says to read the recent count for that type instead; and it
lists, per type, the forecast the check chose (``forecasts.selection``: the forecast model,
the recent trend, the average of the last year or the count now) and why, in plain words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from planner.forecasting import service as forecasting

PAGE_ORIGINS = 4  # forecast dates scored, one quarter apart
PAGE_HORIZON = 4  # quarters ahead
PAGE_RUNS = 100  # runs per forecast (a check takes seconds, on the work queue)


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


def accuracy_view(kept: dict[str, Any]) -> dict[str, Any]:
    """The page's tables from a backtest kept on its work item
    (:func:`planner.forecasting.service.backtest_summary`), or the reason there are none
    (``{"problem": words}``: no records yet, or too short a history)."""
    if kept.get("problem"):
        return {"problem": str(kept["problem"])}
    overall = [{"horizon": int(r["horizon_quarters"]), **_row(r)} for r in kept["overall"]]
    by_state = pd.DataFrame(kept["by_state"])
    types: list[dict[str, Any]] = []
    for state, part in by_state.groupby("state", sort=False) if len(by_state) else []:
        ptype, _, lot = str(state).partition("/")
        rows = {int(r["horizon_quarters"]): _row(r) for r in forecasting.table_records(part)}
        first, last = rows.get(1), rows.get(max(rows))
        types.append({"label": forecasting.state_label(ptype, lot), "first": first, "last": last})
    used = []
    for rec in kept.get("choices") or []:
        ptype, _, lot = str(rec["state"]).partition("/")
        used.append(
            {
                "label": forecasting.state_label(ptype, lot),
                "model": forecasting.forecast_used_words(str(rec["model"])),
                "why": forecasting.forecast_reason_words(str(rec["reason"])),
                "fall_back": rec["model"] == "naive",
            }
        )
    return {
        "problem": None,
        "used": used,
        "origins": [date.fromisoformat(d) for d in kept["origins"]],
        "horizon": int(kept["horizon"]),
        "runs": int(kept["runs"]),
        "overall": overall,
        "types": types,
        # the types whose forecast is the count now: chosen so by the check itself where it
        # chose (older checks: where the model's error was not below the recent count's)
        "fall_back": [u["label"] for u in used if u["fall_back"]]
        if used
        else [
            t["label"] for t in types if t["last"] and t["last"]["verdict"].startswith("The recent")
        ],
    }
