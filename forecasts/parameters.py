"""Per-run parameters: every rate drawn from its sampling distribution, then scenario levers.

Why draw per run: a council's rates rest on a few dozen moves. A forecast that plugs in the
point estimate reports only process noise and is over-confident (the prior art's own check:
a 2-year sd of 6.9 with known rates against 10.1 with rates re-estimated from 3 years of
data). Drawing the hazards from their Gamma posteriors, destination shares from their
Dirichlet posteriors, the review-at-21 share from its Beta posterior and each arrival
stream's rate from its Gamma posterior, once per run, puts that uncertainty in the intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasts.arrivals import STREAMS, ArrivalStream, nts_threshold
from forecasts.rates import TransitionEstimates
from forecasts.scenarios import Scenario


@dataclass(frozen=True)
class RunParameters:
    """What one run of the simulation needs, for all runs at once (first axis = run)."""

    leave_probability: np.ndarray  # (R, S*A*D) float32, monthly
    destination_cumulative: np.ndarray  # (R, S*A, K) float32, for moves by hazard
    forced_cumulative: np.ndarray  # (R, S*A, K) float32, for moves a rule forces (not to self)
    continue_21: np.ndarray  # (R,) float32
    arrival_rate: dict[str, np.ndarray]  # stream -> (R,) per month
    nts_threshold: np.ndarray  # (R,) int


def _cumulative(shares: np.ndarray) -> np.ndarray:
    total = shares.sum(axis=-1, keepdims=True)
    cum = np.cumsum(shares / np.where(total > 0, total, 1.0), axis=-1)
    cum[..., -1] = np.where(total[..., 0] > 0, 1.0, cum[..., -1])
    return cum.astype(np.float32)


def draw_parameters(
    estimates: TransitionEstimates,
    streams: dict[str, ArrivalStream],
    child_population: int,
    scenario: Scenario,
    runs: int,
    rng: np.random.Generator,
) -> RunParameters:
    """Draw every parameter once per run and apply the scenario's levers."""
    states = estimates.states
    scale = 1.0 / np.maximum(estimates.hazard_rate, 1e-9)
    shape = estimates.hazard_shape
    hazard = rng.gamma(np.maximum(shape, 1e-12), scale, size=(runs,) + shape.shape) * (shape > 0)
    alpha = estimates.share_alpha
    shares = rng.gamma(np.where(alpha > 0, alpha, 1.0), size=(runs,) + alpha.shape) * (alpha > 0)
    for lever in scenario.of_kind("exit_rate"):
        hazard[:, states.index(lever.state)] *= lever.draw(runs, rng)[:, None, None]
    for lever in scenario.of_kind("move_share"):
        factor = lever.draw(runs, rng)[:, None]
        dest = states.index(lever.destination)
        if lever.state:
            shares[:, states.index(lever.state), :, dest] *= factor
        else:
            shares[:, :, :, dest] *= factor[:, None]
    hazard[:, states.left] = 0.0
    leave = (1.0 - np.exp(-hazard)).astype(np.float32).reshape(runs, -1)
    n_s, n_a = shares.shape[1], shares.shape[2]
    forced = shares.copy()
    forced[:, np.arange(n_s), :, np.arange(n_s)] = 0.0
    forced[:, :, :, states.left] += 1e-9  # always somewhere to go
    continue_21 = rng.beta(*estimates.continue_21, size=runs).astype(np.float32)
    rates = {}
    for name in STREAMS:
        stream = streams[name]
        rate = rng.gamma(stream.rate_shape, 1.0 / max(stream.exposure_months, 1e-9), size=runs)
        for lever in scenario.of_kind("arrivals"):
            if lever.stream == name:
                rate = rate * lever.draw(runs, rng)
        rates[name] = rate
    nts = np.full(runs, nts_threshold(child_population))
    for lever in scenario.of_kind("nts_rate"):
        nts = np.floor(child_population * lever.draw(runs, rng)).astype(int)
    return RunParameters(
        leave_probability=leave,
        destination_cumulative=_cumulative(shares).reshape(runs, n_s * n_a, n_s),
        forced_cumulative=_cumulative(forced).reshape(runs, n_s * n_a, n_s),
        continue_21=continue_21,
        arrival_rate=rates,
        nts_threshold=nts,
    )
