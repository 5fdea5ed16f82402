"""The states a young person can be in, and the hard rules of practice that bind them.

Why a module of its own: every other module (estimation, simulation, summaries) must agree on
the same numbering of states, age bands and time-in-placement bands, and the rules of practice
(framework stays end by 18 months, staying put by 21, supported lodgings hosts take young
people up to about 23, everyone leaves at 25) must be written down once, as data, so that a
scenario or a council with different rules can change them without touching the engine.

A *state* is a placement type, plus the ring-fenced lot for supported accommodation framework
places (the lots are separate capacity pools). ``left`` means no longer in the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SUITABLE_TYPES: tuple[str, ...] = (
    "staying_put",
    "supported_lodgings",
    "staying_close",
    "supported_accommodation",
    "council_flat",
    "independent_tenancy",
    "with_family",
    "other_suitable",
    "in_care_other",
)
UNSUITABLE_TYPES: tuple[str, ...] = (
    "bed_and_breakfast",
    "emergency_accommodation",
    "sofa_surfing",
    "no_fixed_abode",
    "custody",
)
PLACEMENT_TYPES: tuple[str, ...] = SUITABLE_TYPES + UNSUITABLE_TYPES
FRAMEWORK = "supported_accommodation"
LOTS: tuple[str, ...] = ("uasc", "care_leavers", "homeless_16_21")
LEFT = "left"
# the settled homes young people move on to from framework places and staying close: the
# "move-on places" a council's housing service must find each year
MOVE_ON_TYPES: tuple[str, ...] = ("council_flat", "independent_tenancy")
# where move-on places are asked for: framework places (every lot) and staying close
MOVE_ON_FROM: tuple[str, ...] = ("supported_accommodation", "staying_close")
NO_LOT = ""

# Age bands (years, lower bounds) and time-in-placement bands (months, lower bounds) over
# which exit rates are estimated. Bands break where practice changes: 18 (leaving care),
# 21 (end of staying put and of the automatic duty), 23 (supported lodgings hosts' limit).
AGE_BAND_STARTS: tuple[int, ...] = (0, 18, 21, 23)
AGE_BAND_LABELS: tuple[str, ...] = ("under_18", "18_to_20", "21_to_22", "23_to_24")
DURATION_BAND_STARTS: tuple[int, ...] = (0, 6, 12, 18, 36)
DURATION_BAND_LABELS: tuple[str, ...] = ("0-5m", "6-11m", "12-17m", "18-35m", "36m+")


def normalise_lot(placement_type: str, lot: object) -> str:
    """The lot as the model keys it: only framework places carry a lot."""
    if placement_type != FRAMEWORK:
        return NO_LOT
    if lot is None or (isinstance(lot, float) and np.isnan(lot)):
        return NO_LOT
    text = str(lot).strip()
    return "" if text in {"", "any", "nan", "None", "<NA>"} else text


def state_name(placement_type: str, lot: str) -> str:
    """``supported_accommodation/uasc`` for a lot, else the placement type itself."""
    return f"{placement_type}/{lot}" if lot else placement_type


def split_state(name: str) -> tuple[str, str]:
    """Inverse of :func:`state_name`."""
    placement_type, _, lot = name.partition("/")
    return placement_type, lot


@dataclass(frozen=True)
class StateSpace:
    """The numbered states of one forecast: the standard ones plus any others in the data."""

    names: tuple[str, ...]

    @classmethod
    def standard(cls, extra: tuple[str, ...] = ()) -> StateSpace:
        names = [t for t in PLACEMENT_TYPES if t != FRAMEWORK]
        names += [state_name(FRAMEWORK, lot) for lot in LOTS]
        names += [n for n in extra if n not in names and n != LEFT]
        return cls(tuple(names) + (LEFT,))

    @property
    def size(self) -> int:
        return len(self.names)

    @property
    def left(self) -> int:
        return self.names.index(LEFT)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def indices(self, names: list[str]) -> np.ndarray:
        lookup = {n: i for i, n in enumerate(self.names)}
        return np.array([lookup[n] for n in names], dtype=np.int16)

    def placement_types(self) -> list[str]:
        return [split_state(n)[0] for n in self.names]

    def mask(self, predicate) -> np.ndarray:
        return np.array([predicate(n) for n in self.names], dtype=bool)

    def suitable(self) -> np.ndarray:
        return self.mask(lambda n: split_state(n)[0] in SUITABLE_TYPES)


@dataclass(frozen=True)
class StateRule:
    """A hard rule on one state: a maximum stay, a maximum age, and who may enter it."""

    max_months: int | None = None  # the stay ends when it reaches this many months
    max_age: float | None = None  # the stay ends at this birthday
    entry_min_age: float = 0.0  # no one enters younger than this
    entry_max_age: float = 25.0  # no one enters at or above this age


def _default_rules() -> dict[str, StateRule]:
    framework = {
        state_name(FRAMEWORK, "uasc"): StateRule(max_months=18, max_age=18, entry_max_age=18),
        state_name(FRAMEWORK, "care_leavers"): StateRule(max_months=18),
        state_name(FRAMEWORK, "homeless_16_21"): StateRule(max_months=18, entry_max_age=21),
        FRAMEWORK: StateRule(max_months=18),
    }
    return {
        "staying_put": StateRule(max_age=21, entry_min_age=18, entry_max_age=21),
        "supported_lodgings": StateRule(max_age=23, entry_min_age=17, entry_max_age=23),
        "in_care_other": StateRule(max_age=18, entry_max_age=18),
        **framework,
    }


@dataclass(frozen=True)
class PracticeRules:
    """Rules of practice the simulation enforces exactly (not estimated from data).

    ``continue_past_21`` is not a rule but the prior for the share who ask for support
    after 21; the estimate from the stays replaces it when there is data.
    """

    state_rules: dict[str, StateRule] = field(default_factory=_default_rules)
    leaving_age: float = 25.0
    review_age: float = 21.0
    care_leaving_age: float = 18.0

    def rule(self, state: str) -> StateRule:
        return self.state_rules.get(state, StateRule())


def age_band_of(age_months: np.ndarray) -> np.ndarray:
    """Age band index of ages given in whole months."""
    edges = np.array(AGE_BAND_STARTS[1:]) * 12
    return np.searchsorted(edges, age_months, side="right").astype(np.int8)


def duration_band_of(months: np.ndarray) -> np.ndarray:
    """Time-in-placement band index of stays given in whole months."""
    edges = np.array(DURATION_BAND_STARTS[1:])
    return np.searchsorted(edges, months, side="right").astype(np.int8)
