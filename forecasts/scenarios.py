"""Scenarios: named sets of assumptions a commissioner can change, each with its uncertainty.

Why low/central/high: commissioners rarely know an assumption exactly ("between 10% and 30%
more UASC"). Each lever is entered as the lowest, most likely and highest value and drawn
afresh in every run from a PERT distribution on ``[low, high]`` with its mode at ``central``
(a Beta(1 + 4 (central - low) / (high - low), 1 + 4 (high - central) / (high - low)) scaled to
the range): never outside the range, and lopsided where the entry is (20/30/30 places draws
at most 30, mostly near 30). The forecast's intervals then carry the assumption's uncertainty
as well as the data's. (Until 2026-11 levers were drawn from a normal distribution around
central, symmetric whatever was entered, which drew 45% of runs above a high of 30.)

A lever is one of:

- ``arrivals``: multiplies the monthly rate of a stream (``new``, ``uasc``, ``returner``);
- ``exit_rate``: multiplies the hazard of leaving a state (below 1 = longer stays);
- ``move_share``: multiplies the share of moves into ``destination`` (from ``state``, or from
  every state when ``state`` is empty), e.g. staying put take-up at 18;
- ``places``: adds places of a state from a date (negative for attrition or closures);
- ``nts_rate``: the National Transfer Scheme threshold as a share of the child population.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LEVER_KINDS = ("arrivals", "exit_rate", "move_share", "places", "nts_rate")
PERT_WEIGHT = 4.0  # the classic PERT: the mode weighs four times each end in the mean


@dataclass(frozen=True)
class Lever:
    """One assumption: the lowest, most likely (``central``) and highest value."""

    kind: str
    central: float
    low: float | None = None
    high: float | None = None
    stream: str = ""
    state: str = ""
    destination: str = ""
    start: pd.Timestamp | None = None  # for ``places``: from this date on

    def __post_init__(self) -> None:
        if self.kind not in LEVER_KINDS:
            raise ValueError(f"unknown lever kind {self.kind!r}; use one of {LEVER_KINDS}")
        low = self.central if self.low is None else self.low
        high = self.central if self.high is None else self.high
        if not low <= self.central <= high:
            raise ValueError(f"lever {self.kind}: need low <= central <= high")

    def pert(self) -> tuple[float, float, float, float]:
        """(low, high, alpha, beta): the value is low + (high - low) x Beta(alpha, beta)."""
        low = float(self.central if self.low is None else self.low)
        high = float(self.central if self.high is None else self.high)
        if high <= low:
            return low, high, 1.0, 1.0
        width = high - low
        alpha = 1 + PERT_WEIGHT * (self.central - low) / width
        beta = 1 + PERT_WEIGHT * (high - self.central) / width
        return low, high, alpha, beta

    def draw(self, runs: int, rng: np.random.Generator) -> np.ndarray:
        """One value per run from the PERT distribution on [low, high] with mode central;
        places are rounded to whole places (still within the range)."""
        low, high, alpha, beta = self.pert()
        if high <= low:
            values = np.full(runs, float(self.central))
        else:
            values = low + (high - low) * rng.beta(alpha, beta, size=runs)
        if self.kind == "places":
            return np.clip(np.round(values), np.ceil(low), np.floor(high))
        return np.clip(values, max(low, 0.0), max(high, 0.0))


@dataclass(frozen=True)
class Scenario:
    """A named set of levers; the empty scenario is the central forecast from the data."""

    name: str = "central"
    levers: tuple[Lever, ...] = field(default_factory=tuple)
    description: str = ""

    def of_kind(self, kind: str) -> list[Lever]:
        return [lever for lever in self.levers if lever.kind == kind]

    def describe(self) -> pd.DataFrame:
        """The levers as a table (for the page and the export)."""
        rows = [
            {
                "scenario": self.name,
                "kind": lv.kind,
                "stream": lv.stream,
                "state": lv.state,
                "destination": lv.destination,
                "start": lv.start,
                "low": lv.low if lv.low is not None else lv.central,
                "central": lv.central,
                "high": lv.high if lv.high is not None else lv.central,
            }
            for lv in self.levers
        ]
        return pd.DataFrame(rows)


# The catalogue's names, in its order. A capacity scenario is only offered to a council that
# has places of its type now (adding to places it does not plan for means nothing).
CATALOGUE_NAMES = (
    "central",
    "more_uasc",
    "longer_stays",
    "staying_put_take_up",
    "staying_close_roll_out",
    "host_recruitment",
    "move_on_supply",
    "new_framework_places",
)
FRAMEWORK_CARE_LEAVERS = "supported_accommodation/care_leavers"


def places_now(capacity: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, int]:
    """The council's planned places per state in the quarter of ``as_of`` (the latest
    ``quarter_start`` on or before it, else the earliest), from a capacity frame with
    ``placement_type``, ``lot``, ``quarter_start`` and ``places``: what the catalogue's
    capacity scenarios are sized from."""
    if capacity is None or not len(capacity):
        return {}
    frame = capacity.copy()
    frame["quarter_start"] = pd.to_datetime(frame["quarter_start"])
    day = pd.Timestamp(as_of)
    earlier = frame[frame["quarter_start"] <= day]
    quarter = earlier["quarter_start"].max() if len(earlier) else frame["quarter_start"].min()
    rows = frame[frame["quarter_start"] == quarter]
    totals: dict[str, int] = {}
    for ptype, lot, places in zip(rows["placement_type"], rows["lot"], rows["places"], strict=True):
        name = f"{ptype}/{lot}" if lot else str(ptype)
        totals[name] = totals.get(name, 0) + int(places)
    return {name: n for name, n in totals.items() if n > 0}


def _share(places: int, share: float) -> int:
    """A share of a council's places as a whole number of places, at least one."""
    return max(1, int(round(places * share)))


def _places_word(n: int) -> str:
    return f"{n} place" if n == 1 else f"{n} places"


def standard_scenarios(
    as_of: pd.Timestamp, places: Mapping[str, int] | None = None
) -> dict[str, Scenario]:
    """The scenarios commissioners ask for, with illustrative ranges (edit them freely).

    The capacity scenarios are sized from the council's own planned places now (``places``,
    by state, from :func:`places_now`), each a stated share of them, and offered only when the
    council has places of that type: a council of 10 framework places is offered 10 more, not
    the demo's 30. Without ``places`` only the scenarios that change rates and arrivals are
    offered."""
    in_a_year = pd.Timestamp(as_of) + pd.DateOffset(months=12)
    have = {name: int(n) for name, n in (places or {}).items() if int(n) > 0}
    catalogue = {
        "central": Scenario("central", description="rates and arrivals as in the data"),
        "more_uasc": Scenario(
            "more_uasc",
            (
                Lever("arrivals", 1.5, 1.2, 2.0, stream="uasc"),
                Lever("nts_rate", 0.0012, 0.001, 0.0014),
            ),
            "UASC arrival pressure up by 20-100% and a higher transfer threshold",
        ),
        "longer_stays": Scenario(
            "longer_stays",
            tuple(
                Lever("exit_rate", 0.8, 0.7, 0.9, state=s)
                for s in (
                    "supported_lodgings",
                    "staying_close",
                    FRAMEWORK_CARE_LEAVERS,
                    "council_flat",
                )
            ),
            "stays 10-30% longer in supported types",
        ),
        "staying_put_take_up": Scenario(
            "staying_put_take_up",
            (Lever("move_share", 1.3, 1.1, 1.5, state="in_care_other", destination="staying_put"),),
            "more young people stay with their foster carers at 18",
        ),
    }
    n = have.get("staying_close", 0)
    if n:  # as many places again as now (the demo's 12 more on its 12)
        add = n
        catalogue["staying_close_roll_out"] = Scenario(
            "staying_close_roll_out",
            (
                Lever("move_share", 2.0, 1.5, 2.5, destination="staying_close"),
                Lever(
                    "places", add, _share(add, 2 / 3), add, state="staying_close", start=in_a_year
                ),
            ),
            f"staying close doubles its intake; as many places again within a year: "
            f"{add} more ({_share(add, 2 / 3)} to {add}) on the {n} now",
        )
    n = have.get("supported_lodgings", 0)
    if n:  # a fifth more hosts
        add, low, high = _share(n, 1 / 5), _share(_share(n, 1 / 5), 1 / 2), _share(n, 1 / 4)
        high = max(high, add)
        catalogue["host_recruitment"] = Scenario(
            "host_recruitment",
            (Lever("places", add, low, high, state="supported_lodgings", start=in_a_year),),
            f"a fifth more supported lodgings hosts recruited within a year: {add} "
            f"({low} to {high}) on the {_places_word(n)} now",
        )
    n = have.get("council_flat", 0)
    if n:  # a quarter more council flats
        add = _share(n, 1 / 4)
        low = _share(add, 2 / 3)
        catalogue["move_on_supply"] = Scenario(
            "move_on_supply",
            (Lever("places", add, low, add, state="council_flat", start=in_a_year),),
            f"a quarter more council flats within a year: {add} ({low} to {add}) on the {n} now",
        )
    n = have.get(FRAMEWORK_CARE_LEAVERS, 0)
    if n:  # as many framework places again (the demo's 30 more on its 30)
        low = _share(n, 2 / 3)
        catalogue["new_framework_places"] = Scenario(
            "new_framework_places",
            (Lever("places", n, low, n, state=FRAMEWORK_CARE_LEAVERS, start=in_a_year),),
            f"as many framework places again in the care leavers lot from a year on: {n} "
            f"more ({low} to {n}) on the {_places_word(n)} now",
        )
    return catalogue
