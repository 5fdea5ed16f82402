"""Young people who are not in the service yet: assumed arrivals, UASC transfers, returners.

Why three streams: they answer to different levers. Children entering care at 16-17 (and
16-21 year olds presenting homeless into the framework lot) follow local demand. UASC arrive
through the National Transfer Scheme, which stops sending a council children once its UASC in
care reach 0.1% of its child population, so that stream is *pressure capped by headroom*,
not a free Poisson stream. Returners are former care leavers (21-25) asking for support again.

Each stream's monthly rate is a Gamma posterior (arrivals + 1/2, months observed), drawn once
per run; the age, first placement and status of each arrival are resampled from the arrivals
seen in the window, so they carry the council's own mix without a parametric guess.
The known pipeline (young people in care now, turning 18) is not an arrival stream: it is in
``people`` and is reported apart from these assumed arrivals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasts.ages import age_in_months
from forecasts.frames import CouncilData
from forecasts.rates import DAYS_PER_MONTH, GAP_DAYS, journey, recency_weight
from forecasts.vocabulary import FRAMEWORK, StateSpace, state_name

STREAMS: tuple[str, ...] = ("new", "uasc", "returner")
NTS_RATE = 0.001  # the National Transfer Scheme threshold: 0.1% of the child population
# Left-censoring: a young person's first *recorded* stay is not their arrival when the records
# begin after they arrived. First stays that start within CENSOR_MONTHS of the first recorded
# stay, of young people already ENTRY_AGE_YEARS or older, are taken as recorded from the start
# of the records, not as arrivals: arrivals are then counted only from CENSOR_MONTHS after the
# start of the records (all streams, so the rate's months match its count). When the records
# hold only current stays (none has ended), every adult's first stay is taken that way.
CENSOR_MONTHS = 12
ENTRY_AGE_YEARS = 18
MIN_MONTHS = 6  # the least history, after the suspect months, to count arrivals over


@dataclass(frozen=True)
class ArrivalStream:
    """One stream: how many arrived in how many months, and what they looked like."""

    name: str
    arrivals: int
    months: float
    age_months: np.ndarray  # age on arrival, whole months
    state: np.ndarray  # first state index
    in_care: np.ndarray  # looked after on arrival
    uasc: np.ndarray
    left_censored: int = 0  # first stays taken as recorded from the start of the records
    counted_from: pd.Timestamp | None = None  # arrivals counted from this date
    # with a recency half-life: arrivals and months each weighted by how recent they are
    weighted_arrivals: float | None = None
    weighted_months: float | None = None

    @property
    def rate_shape(self) -> float:
        return (self.arrivals if self.weighted_arrivals is None else self.weighted_arrivals) + 0.5

    @property
    def exposure_months(self) -> float:
        """The months the rate rests on (recency-weighted when a half-life is set)."""
        return self.months if self.weighted_months is None else self.weighted_months

    @property
    def rate_per_month(self) -> float:
        return self.rate_shape / max(self.exposure_months, 1e-9)


def _default_profile(name: str, states: StateSpace) -> dict[str, np.ndarray]:
    """A profile for a stream never seen in the window (used only if a scenario adds some)."""
    if name == "uasc":
        age, state, in_care, uasc = 16 * 12 + 6, state_name(FRAMEWORK, "uasc"), True, True
    elif name == "returner":
        age, state, in_care, uasc = 22 * 12, "independent_tenancy", False, False
    else:
        age, state, in_care, uasc = 16 * 12 + 6, "in_care_other", True, False
    return {
        "age_months": np.array([age]),
        "state": states.indices([state]),
        "in_care": np.array([in_care]),
        "uasc": np.array([uasc]),
    }


def _in_care_on_arrival(stays: pd.DataFrame, age_months: np.ndarray) -> np.ndarray:
    if "in_care" in stays.columns:
        return stays["in_care"].fillna(False).astype(bool).to_numpy()
    in_care_state = stays["state"].isin(["in_care_other", state_name(FRAMEWORK, "uasc")])
    return (age_months < 18 * 12) & in_care_state.to_numpy()


def estimate_arrivals(
    data: CouncilData,
    states: StateSpace,
    window: tuple[pd.Timestamp, pd.Timestamp],
    half_life_years: float | None = None,
) -> dict[str, ArrivalStream]:
    """Arrivals per stream in the estimation window, with the profile of each arrival (with
    a half-life, each arrival and each month weighted by how recent it is: a rising stream's
    rate follows its recent level)."""
    stays = journey(data)
    stays = stays[stays["date_of_birth"].notna() & stays["state"].isin(states.names)]
    uasc_known = data.people.set_index("person_id")["uasc"]
    uasc = stays["person_id"].map(uasc_known)
    if "uasc" in stays.columns:
        uasc = uasc.fillna(stays["uasc"])
    stays = stays.assign(uasc=uasc.fillna(False).astype(bool))
    previous_end = stays.groupby("person_id")["end"].shift(1)
    first = previous_end.isna() & ~stays["person_id"].duplicated()
    gap = (stays["start"] - previous_end).dt.days
    returning = previous_end.notna() & (gap > GAP_DAYS)
    age = pd.Series(age_in_months(stays["date_of_birth"], stays["start"]), index=stays.index)
    from_ = window[0]
    censored = 0
    suspect = pd.Series(False, index=stays.index)
    if len(stays):
        records_begin = stays["start"].min()
        censor_until = records_begin + pd.DateOffset(months=CENSOR_MONTHS)
        adult = age >= ENTRY_AGE_YEARS * 12
        suspect = first & (stays["start"] < censor_until) & adult
        if stays["end"].isna().all():
            # only current stays (none has ended): an adult's first recorded stay is where
            # they live now, reached by moves the records do not hold, whenever it began
            suspect = first & adult
        censored = int(suspect.sum())
        # count from the end of the suspect months when at least MIN_MONTHS are left after
        # them; with a shorter history the suspect first stays are dropped one by one
        if (
            censored
            and censor_until > window[0]
            and censor_until + pd.DateOffset(months=MIN_MONTHS) <= window[1]
        ):
            from_ = censor_until
    in_window = (stays["start"] >= from_) & (stays["start"] <= window[1]) & ~suspect
    months = max((window[1] - from_).days / DAYS_PER_MONTH, 1e-9)
    weighted_months = None
    if half_life_years is not None:
        # the integral of exp(-ln2 t / h) over the months counted, t back from the window end
        h = half_life_years * 12
        weighted_months = h / np.log(2) * (1 - np.exp(-np.log(2) * months / h))
    weight = recency_weight((window[1] - stays["start"]).dt.days, half_life_years)
    stream_of = {
        "new": first & ~stays["uasc"],
        "uasc": first & stays["uasc"],
        "returner": returning,
    }
    streams = {}
    for name, mask in stream_of.items():
        chosen = stays[mask & in_window]
        ages = age[mask & in_window].to_numpy()
        profile = {
            "age_months": ages,
            "state": states.indices(chosen["state"].tolist()),
            "in_care": _in_care_on_arrival(chosen, ages),
            "uasc": chosen["uasc"].to_numpy(bool),
        }
        count = len(chosen)
        if count == 0:
            profile = _default_profile(name, states)
        streams[name] = ArrivalStream(
            name,
            count,
            months,
            **profile,
            left_censored=censored,
            counted_from=from_,
            weighted_arrivals=float(weight[(mask & in_window).to_numpy()].sum())
            if half_life_years is not None
            else None,
            weighted_months=weighted_months,
        )
    return streams


def nts_threshold(child_population: int, rate: float = NTS_RATE) -> int:
    """The most UASC in care a council is asked to hold under the transfer scheme."""
    return int(np.floor(child_population * rate))


def arrivals_trace(streams: dict[str, ArrivalStream]) -> pd.DataFrame:
    """One row per stream: arrivals, months observed, rate per month used, thin flag."""
    rows = [
        {
            "stream": s.name,
            "arrivals": s.arrivals,
            "months": round(s.months, 1),
            "rate_per_month": s.rate_per_month,
            "thin_data": s.arrivals < 10,
            "counted_from": s.counted_from,
            "left_censored_first_stays": s.left_censored,
        }
        for s in streams.values()
    ]
    return pd.DataFrame(rows)
