"""Moves between placement types, estimated from the history of stays.

Why occurrence/exposure: a rate is (moves out) / (months lived in the state) over a reference
window. Open stays contribute their months without a move (right-censoring), so the estimate
is not biased short the way an average of closed stays is, and a month lived by one young
person weighs the same whatever else happened that day (the prior art's mean of daily ratios
does not).

Why competing risks in two parts: the hazard of leaving a state depends on age band and time
in the placement; where the young person goes depends on the state and age band. Splitting
``rate(s -> k) = hazard(s) * share(s -> k)`` keeps each part estimable from a small council's
history.

Why shrinkage: a council has a few dozen stays per type. Each cell's hazard is a Gamma
posterior whose prior is centred on the state's pooled hazard (itself shrunk to the pooled
hazard of all states) with the weight of ``prior_months`` months of exposure; destination
shares are Dirichlet posteriors centred on the state's pooled shares, plus a little mass on
every allowed destination so that no move is impossible only because it was never seen.

Why rule-aware: moves forced by a hard rule (18-month framework cap, staying put ending at 21,
leaving care at 18, leaving at 25, the review at 21) are simulated exactly, so they are not
counted as hazard events (their months still count as exposure); their destinations do count
in the shares, because they are where young people went.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.frames import CouncilData
from forecasts.vocabulary import (
    AGE_BAND_LABELS,
    AGE_BAND_STARTS,
    DURATION_BAND_LABELS,
    DURATION_BAND_STARTS,
    LEFT,
    PracticeRules,
    StateSpace,
)

DAYS_PER_MONTH = 365.25 / 12
GAP_DAYS = 31  # a later stay starting within this many days continues the same journey
THIN_EVENTS = 10  # fewer events than this behind a rate: flagged as thin data


@dataclass(frozen=True)
class EstimationSettings:
    """How far back to look and how strongly to pool."""

    window_years: float = 3.0
    prior_months: float = 12.0  # weight of the pooled hazard, in months of exposure
    prior_moves: float = 2.0  # weight of the state's pooled destination shares, in moves
    floor_moves: float = 0.25  # mass spread over every allowed destination
    # recency: a month lived (and a move made) ``half_life_years`` before the forecast date
    # weighs half as much as one just before it; None = every month in the window alike.
    # The backtest chooses it (``forecasts.selection``), not the user.
    half_life_years: float | None = None


def recency_weight(age_days: np.ndarray | pd.Series, half_life_years: float | None) -> np.ndarray:
    """exp(-ln 2 * age / half-life): the weight of something ``age_days`` before the
    forecast date (1 without a half-life)."""
    age = np.clip(np.asarray(age_days, dtype=float), 0, None)
    if half_life_years is None:
        return np.ones_like(age)
    return np.exp(-np.log(2) * age / (half_life_years * 365.25))


@dataclass(frozen=True)
class TransitionEstimates:
    """Counts behind every rate, and the posterior parameters the runs draw from."""

    states: StateSpace
    events: np.ndarray  # (S, A, D) moves not forced by a rule
    exposure: np.ndarray  # (S, A, D) months
    hazard_shape: np.ndarray  # (S, A, D) Gamma posterior shape
    hazard_rate: np.ndarray  # (S, A, D) Gamma posterior rate (months)
    # the events and months the posteriors rest on: the counts above, each weighted by its
    # recency (equal to them without a half-life)
    weighted_events: np.ndarray  # (S, A, D)
    weighted_exposure: np.ndarray  # (S, A, D)
    moves: np.ndarray  # (S, A, K) destinations counted (all moves, forced included)
    share_alpha: np.ndarray  # (S, A, K) Dirichlet posterior
    continue_21: tuple[float, float]  # Beta posterior of asking for support after 21
    continue_21_counts: tuple[int, int]  # (continued, left) at the 21st birthday
    window: tuple[pd.Timestamp, pd.Timestamp]
    stays_without_birth_date: int

    def trace(self) -> pd.DataFrame:
        """One row per (state, age band, time band): counts, raw, prior and posterior rates."""
        s, a, d = np.indices(self.events.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            prior = (self.hazard_shape - self.weighted_events) / (
                self.hazard_rate - self.weighted_exposure
            )
            used = self.hazard_shape / self.hazard_rate
            raw = np.where(self.exposure > 0, self.events / self.exposure, np.nan)
        frame = pd.DataFrame(
            {
                "state": np.array(self.states.names)[s.ravel()],
                "age_band": np.array(AGE_BAND_LABELS)[a.ravel()],
                "time_in_placement": np.array(DURATION_BAND_LABELS)[d.ravel()],
                "events": self.events.ravel(),
                "exposure_months": self.exposure.ravel().round(1),
                "rate_raw": raw.ravel(),
                "rate_prior": prior.ravel(),
                "rate_used": used.ravel(),
                "window_start": self.window[0],
                "window_end": self.window[1],
            }
        )
        frame["thin_data"] = frame["events"] < THIN_EVENTS
        return frame[frame["state"] != LEFT].reset_index(drop=True)

    def destination_trace(self) -> pd.DataFrame:
        """One row per (state, age band, destination) with moves counted and share used."""
        s, a, k = np.indices(self.moves.shape)
        share = self.share_alpha / self.share_alpha.sum(axis=2, keepdims=True).clip(1e-12)
        frame = pd.DataFrame(
            {
                "state": np.array(self.states.names)[s.ravel()],
                "age_band": np.array(AGE_BAND_LABELS)[a.ravel()],
                "destination": np.array(self.states.names)[k.ravel()],
                "moves": self.moves.ravel(),
                "share_used": share.ravel(),
            }
        )
        keep = (frame["state"] != LEFT) & ((frame["moves"] > 0) | (frame["share_used"] > 0.01))
        return frame[keep].reset_index(drop=True)


def _births(data: CouncilData, stays: pd.DataFrame) -> pd.Series:
    known = data.people.set_index("person_id")["date_of_birth"]
    dob = stays["person_id"].map(known)
    if "date_of_birth" in stays.columns:
        dob = dob.fillna(pd.to_datetime(stays["date_of_birth"]))
    return dob


def journey(data: CouncilData) -> pd.DataFrame:
    """Each stay with the young person's date of birth, where they went next and whether the
    stay is still open at ``as_of`` (then ``destination`` is empty)."""
    stays = data.stays.sort_values(["person_id", "start"]).reset_index(drop=True)
    stays["date_of_birth"] = _births(data, stays)
    after = stays.groupby("person_id")[["state", "start"]].shift(-1)
    gap = (after["start"] - stays["end"]).dt.days
    closed = stays["end"].notna() & (stays["end"] <= data.as_of)
    continues = closed & after["state"].notna() & (gap <= GAP_DAYS)
    ended = pd.Series(LEFT, index=stays.index, dtype=object).where(closed, None)
    stays["destination"] = after["state"].where(continues, ended)
    stays["end_seen"] = stays["end"].where(closed, data.as_of)
    return stays


def _age_edges_days() -> np.ndarray:
    return np.array([*AGE_BAND_STARTS, 200]) * 12 * DAYS_PER_MONTH


def _duration_edges_days() -> np.ndarray:
    return np.array([*DURATION_BAND_STARTS, 10_000]) * DAYS_PER_MONTH


def _band(values_days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(edges, values_days, side="right") - 1, 0, len(edges) - 2)


def _forced(stays: pd.DataFrame, rules: PracticeRules, age_end: np.ndarray) -> np.ndarray:
    """Exits a hard rule explains (within a month of the rule's limit)."""
    months = (stays["end_seen"] - stays["start"]).dt.days.to_numpy() / DAYS_PER_MONTH
    age_years = age_end / (365.25)
    forced = age_years >= rules.leaving_age - 1 / 12
    for state, rule in rules.state_rules.items():
        here = (stays["state"] == state).to_numpy()
        if rule.max_months is not None:
            forced |= here & (months >= rule.max_months - 0.25)  # a week's slack
        if rule.max_age is not None:
            forced |= here & (age_years >= rule.max_age - 1 / 12)
    return forced


def estimate_transitions(
    data: CouncilData,
    states: StateSpace,
    rules: PracticeRules | None = None,
    settings: EstimationSettings | None = None,
) -> TransitionEstimates:
    """Occurrence/exposure hazards and destination shares from the stays, with shrinkage."""
    rules = rules or PracticeRules()
    settings = settings or EstimationSettings()
    stays = journey(data)
    missing_birth = int(stays["date_of_birth"].isna().sum())
    stays = stays[stays["date_of_birth"].notna() & stays["state"].isin(states.names)]
    earliest = data.stays["start"].min() if len(data.stays) else data.as_of
    window_start = max(
        data.as_of - pd.DateOffset(months=round(settings.window_years * 12)),
        earliest + pd.Timedelta(days=GAP_DAYS),
    )
    window_start = min(window_start, data.as_of)
    n_s, n_a, n_d = states.size, len(AGE_BAND_STARTS), len(DURATION_BAND_STARTS)

    lo = stays["start"].clip(lower=pd.Timestamp(window_start))
    hi = stays["end_seen"]
    dob = stays["date_of_birth"]
    start = stays["start"]
    lo_d = (lo - dob).dt.days.to_numpy(float)
    hi_d = (hi - dob).dt.days.to_numpy(float)
    shift = (start - dob).dt.days.to_numpy(float)  # age when the stay started
    age_e, dur_e = _age_edges_days(), _duration_edges_days()
    # exposure in each (age band, duration band): intersect [lo, hi) with both bands (age days)
    lower = np.maximum(
        np.maximum(lo_d[:, None, None], age_e[None, :-1, None]),
        shift[:, None, None] + dur_e[None, None, :-1],
    )
    upper = np.minimum(
        np.minimum(hi_d[:, None, None], age_e[None, 1:, None]),
        shift[:, None, None] + dur_e[None, None, 1:],
    )
    piece = np.clip(upper - lower, 0, None) / DAYS_PER_MONTH
    state_idx = states.indices(stays["state"].tolist()).astype(int)
    exposure = np.zeros((n_s, n_a, n_d))
    np.add.at(exposure, state_idx, piece)
    # recency: each piece of exposure weighted at its midpoint, each move at its date
    hl = settings.half_life_years
    as_of_d = (data.as_of - dob).dt.days.to_numpy(float)
    mid = np.clip((lower + upper) / 2, 0, None)
    weighted_exposure = np.zeros((n_s, n_a, n_d))
    np.add.at(
        weighted_exposure, state_idx, piece * recency_weight(as_of_d[:, None, None] - mid, hl)
    )
    event_weight = recency_weight(as_of_d - hi_d, hl)

    closed = (
        stays["destination"].notna().to_numpy() & (stays["end_seen"] >= window_start).to_numpy()
    )
    age_end = hi_d
    dur_end = (hi - start).dt.days.to_numpy(float)
    a_end = _band(np.maximum(age_end - 1, 0), age_e)
    d_end = _band(np.maximum(dur_end - 1, 0), dur_e)
    a_after = _band(age_end + 15, age_e)
    forced = _forced(stays, rules, age_end)
    b21 = rules.review_age * 365.25
    to_left = (stays["destination"] == LEFT).to_numpy()
    review_exit = to_left & (np.abs(age_end - b21) <= GAP_DAYS)
    hazard_event = closed & ~forced & ~review_exit
    events = np.zeros((n_s, n_a, n_d))
    cell = (state_idx[hazard_event], a_end[hazard_event], d_end[hazard_event])
    np.add.at(events, cell, 1)
    weighted_events = np.zeros((n_s, n_a, n_d))
    np.add.at(weighted_events, cell, event_weight[hazard_event])

    dest_names = stays["destination"].fillna(LEFT).tolist()
    dest_idx = states.indices(dest_names).astype(int)
    counted = closed & ~review_exit & ~(to_left & (age_end >= (rules.leaving_age * 365.25 - 31)))
    moves = np.zeros((n_s, n_a, n_s))
    np.add.at(moves, (state_idx[counted], a_after[counted], dest_idx[counted]), 1)
    weighted_moves = np.zeros((n_s, n_a, n_s))
    np.add.at(
        weighted_moves,
        (state_idx[counted], a_after[counted], dest_idx[counted]),
        event_weight[counted],
    )

    # the review at 21: of those in the service at their 21st birthday, who carried on
    continued = int(np.sum((lo_d <= b21) & (hi_d > b21 + GAP_DAYS)))
    left21 = int(np.sum(review_exit & closed))

    shape, rate = _shrunk_hazards(weighted_events, weighted_exposure, settings.prior_months)
    alpha = _shrunk_shares(weighted_moves, states, rules, settings)
    return TransitionEstimates(
        states=states,
        events=events.astype(int),
        exposure=exposure,
        hazard_shape=shape,
        hazard_rate=rate,
        weighted_events=weighted_events,
        weighted_exposure=weighted_exposure,
        moves=moves.astype(int),
        share_alpha=alpha,
        continue_21=(continued + 1.0, left21 + 1.0),
        continue_21_counts=(continued, left21),
        window=(pd.Timestamp(window_start), data.as_of),
        stays_without_birth_date=missing_birth,
    )


def _shrunk_hazards(
    events: np.ndarray, exposure: np.ndarray, prior_months: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gamma posteriors: cell -> state pooled -> all states pooled."""
    overall = (events.sum() + 0.5) / (exposure.sum() + prior_months)
    state_events = events.sum(axis=(1, 2))
    state_exposure = exposure.sum(axis=(1, 2))
    denominator = state_exposure + prior_months
    by_state = np.divide(
        state_events + prior_months * overall,
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    prior = by_state[:, None, None]
    return events + prior_months * prior, exposure + prior_months


def allowed_destinations(states: StateSpace, rules: PracticeRules) -> np.ndarray:
    """(A, K) mask: may a young person in this age band enter that state?"""
    ages = np.array(AGE_BAND_STARTS, dtype=float)
    ends = np.array([*AGE_BAND_STARTS[1:], rules.leaving_age], dtype=float)
    allowed = np.ones((len(ages), states.size), dtype=bool)
    for k, name in enumerate(states.names):
        rule = rules.rule(name)
        allowed[:, k] = (ends > rule.entry_min_age) & (ages < rule.entry_max_age)
    allowed[:, states.left] = True
    return allowed


def _shrunk_shares(
    moves: np.ndarray, states: StateSpace, rules: PracticeRules, settings: EstimationSettings
) -> np.ndarray:
    """Dirichlet posteriors for where a move out of each state goes, by age band."""
    allowed = allowed_destinations(states, rules)[None, :, :].repeat(states.size, axis=0)
    pooled_state = moves.sum(axis=1, keepdims=True)  # (S, 1, K)
    pooled_all = moves.sum(axis=(0, 1))[None, None, :]
    share_state = pooled_state / np.clip(pooled_state.sum(axis=2, keepdims=True), 1e-12, None)
    share_all = pooled_all / max(pooled_all.sum(), 1e-12)
    prior = settings.prior_moves * share_state + settings.prior_moves * 0.25 * share_all
    prior = prior + settings.floor_moves / states.size
    alpha = np.where(allowed, moves + prior, 0.0)
    return alpha
