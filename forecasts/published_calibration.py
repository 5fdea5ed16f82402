"""Calibration helpers for the aggregate-mode forecast: weighted quantiles, a variance model
for normalised residuals, and split-conformal quantiles.

Why normalised residuals: a council of 40 care leavers moves far more, in proportion, than a
council of 400, so one pooled spread is too wide for the large and too narrow for the small.
Each residual is divided by a scale ``s(x) = sqrt(a + b * x)`` fitted to the squared residuals
(``x`` is ``1 / size`` for log ratios and the level for square-root counts); quantiles of the
scaled residuals, times each council's own scale, give its interval (normalised split
conformal prediction). Everything here is pure numpy on arrays it is given.
"""

from __future__ import annotations

import numpy as np


def weighted_quantile(values, probs, weights=None) -> np.ndarray:
    """Quantiles of ``values`` at ``probs`` with optional non-negative weights (the inverse of
    the weighted empirical distribution, interpolated at mid-points of each weight)."""
    values = np.asarray(values, float)
    probs = np.asarray(probs, float)
    weights = np.ones_like(values) if weights is None else np.asarray(weights, float)
    keep = np.isfinite(values) & (weights > 0)
    values, weights = values[keep], weights[keep]
    if len(values) == 0:
        raise ValueError("no residuals to take quantiles of")
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cum = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(probs, cum, values)


def conformal_levels(probs, n_effective: float) -> np.ndarray:
    """Split-conformal finite-sample widening: each tail level moved out by the factor
    ``(n + 1) / n`` around the median, so that coverage is at least nominal for exchangeable
    scores."""
    probs = np.asarray(probs, float)
    n = max(float(n_effective), 1.0)
    return np.clip(0.5 + (probs - 0.5) * (n + 1) / n, 0.0, 1.0)


def fit_scale(residuals, x, weights=None, floor: float = 0.05) -> tuple[float, float]:
    """Least-squares fit of ``residual**2 = a + b * x`` with ``a, b >= 0`` (weighted). The
    intercept is kept at least ``floor`` times the mean square so no scale reaches zero."""
    e2 = np.asarray(residuals, float) ** 2
    x = np.asarray(x, float)
    w = np.ones_like(e2) if weights is None else np.asarray(weights, float)
    keep = np.isfinite(e2) & np.isfinite(x) & (w > 0)
    e2, x, w = e2[keep], x[keep], w[keep]
    mean_square = float(np.average(e2, weights=w))
    if len(e2) < 3 or np.ptp(x) == 0:
        return mean_square, 0.0
    design = np.column_stack([np.ones_like(x), x]) * np.sqrt(w)[:, None]
    a, b = np.linalg.lstsq(design, e2 * np.sqrt(w), rcond=None)[0]
    if b < 0:
        a, b = mean_square, 0.0
    elif a < floor * mean_square:
        a = floor * mean_square
        b = max(float(np.average(e2 - a, weights=w * x) / np.average(x, weights=w * x)), 0.0)
    return float(a), float(b)


def scale(a: float, b: float, x) -> np.ndarray:
    return np.sqrt(a + b * np.asarray(x, float))


def conformal_quantiles(residuals, x, probs, weights=None) -> tuple[np.ndarray, float, float]:
    """Quantiles (at ``probs``) of residuals normalised by the fitted scale, widened for the
    finite sample; returns ``(quantiles, a, b)`` so that a new case's quantiles are
    ``quantiles * scale(a, b, x_new)``."""
    residuals = np.asarray(residuals, float)
    w = np.ones_like(residuals) if weights is None else np.asarray(weights, float)
    a, b = fit_scale(residuals, x, w)
    scores = residuals / scale(a, b, x)
    n_effective = w.sum() ** 2 / max((w**2).sum(), 1e-12)
    return weighted_quantile(scores, conformal_levels(probs, n_effective), w), a, b
