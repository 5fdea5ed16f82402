"""Accuracy measures for forecasts of counts, as the backtests report them.

Why these: WAPE (sum |error| / sum actual) is defined at zero and weights large services by
size; MASE here is the ratio of the model's mean absolute error to the naive forecast's ("same
as at the origin") on the *same* forecasts, so below 1 means the model beats naive; bias is
the mean error (forecast minus actual); coverage is the share of actuals inside each central
interval (nominal 50/80/95%); the interval (Winkler) score rewards narrow intervals and
penalises misses by 2/alpha times the distance; the Brier score is the mean squared error of
P(shortfall > 0) against what happened. MAPE is not used: it is undefined at zero and
asymmetric on small counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = (50, 80, 95)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    return float(np.abs(forecast - actual).sum() / max(np.abs(actual).sum(), 1e-12))


def mase_against_naive(actual, forecast, naive) -> float:
    """Mean absolute error of the forecast over that of the naive forecast (same cases)."""
    actual = np.asarray(actual, float)
    model = np.abs(np.asarray(forecast, float) - actual).mean()
    base = np.abs(np.asarray(naive, float) - actual).mean()
    return float(model / base) if base > 0 else float("nan")


def bias(actual, forecast) -> float:
    return float(np.mean(np.asarray(forecast, float) - np.asarray(actual, float)))


def coverage(actual, lo, hi) -> float:
    actual = np.asarray(actual, float)
    return float(np.mean((actual >= np.asarray(lo)) & (actual <= np.asarray(hi))))


def interval_score(actual, lo, hi, level: float) -> float:
    """Winkler score of a central interval at ``level`` (e.g. 0.8); lower is better."""
    actual, lo, hi = (np.asarray(x, float) for x in (actual, lo, hi))
    alpha = 1 - level
    score = (hi - lo) + (2 / alpha) * (
        (lo - actual) * (actual < lo) + (actual - hi) * (actual > hi)
    )
    return float(score.mean())


def brier(probability, happened) -> float:
    return float(np.mean((np.asarray(probability, float) - np.asarray(happened, float)) ** 2))


def accuracy_table(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Summarise forecast rows (``actual``, ``median``, ``naive``, ``lo_XX``/``hi_XX`` and
    optionally ``p_shortfall``/``shortfall``) into one line per group of ``by``."""

    def summarise(group: pd.DataFrame) -> pd.Series:
        out = {
            "forecasts": len(group),
            "wape": wape(group["actual"], group["median"]),
            "wape_naive": wape(group["actual"], group["naive"]),
            "mase": mase_against_naive(group["actual"], group["median"], group["naive"]),
            "bias": bias(group["actual"], group["median"]),
        }
        if "seasonal_naive" in group:
            out["mase_seasonal"] = mase_against_naive(
                group["actual"], group["median"], group["seasonal_naive"]
            )
        if "microsim" in group:  # the microsimulation alone, before any fall-back
            out["mase_microsim"] = mase_against_naive(
                group["actual"], group["microsim"], group["naive"]
            )
        if "crps" in group:
            out["crps"] = float(group["crps"].mean())
            out["mae"] = float(np.abs(group["median"] - group["actual"]).mean())
        for level in LEVELS:
            lo, hi = group[f"lo_{level}"], group[f"hi_{level}"]
            out[f"coverage_{level}"] = coverage(group["actual"], lo, hi)
            out[f"interval_score_{level}"] = interval_score(group["actual"], lo, hi, level / 100)
        if "p_shortfall" in group and group["p_shortfall"].notna().any():
            known = group.dropna(subset=["p_shortfall"])
            out["brier_shortfall"] = brier(known["p_shortfall"], known["shortfall"])
        return pd.Series(out)

    # one dict a group (groups may differ in which measures they have, e.g. no planned places)
    out = []
    for key, group in rows.groupby(by, sort=True):
        keys = key if isinstance(key, tuple) else (key,)
        out.append({**dict(zip(by, keys, strict=True)), **summarise(group).to_dict()})
    return pd.DataFrame(out)
