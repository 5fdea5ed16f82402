"""Synthetic match runs with area-based sparsity, for the matching benchmark.

Areas sit on a grid; travel minutes grow with distance; a young person may only be placed
within `max_travel_minutes` of their area (the `too_far` rule), so each sees the vacancies of
a handful of nearby areas, and the other hard rules (age, gender, support, Ofsted, pets,
cohort...) thin those further. The result is tens to a few hundred possible vacancies per
young person, as in a real county, instead of a fixed share of every vacancy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

AS_OF = dt.date(2024, 5, 1)
TYPES = (
    "supported_accommodation",
    "supported_lodgings",
    "council_flat",
    "independent_tenancy",
    "staying_close",
)
LEVELS = ("none", "low", "medium", "high")


@dataclass(frozen=True)
class Size:
    name: str
    people: int
    vacancies: int
    areas: int


SIZES = {
    "council": Size("council", 600, 250, 12),
    "county": Size("county", 5_000, 2_000, 64),
    "regional": Size("regional", 20_000, 8_000, 256),
}


def _areas(count: int) -> tuple[list[str], pd.DataFrame]:
    side = int(np.ceil(np.sqrt(count)))
    names = [f"A{k:03d}" for k in range(count)]
    xy = np.array([(k % side, k // side) for k in range(count)], dtype=float)
    rows = []
    for i in range(count):
        distance = np.abs(xy - xy[i]).sum(axis=1)
        for j in np.flatnonzero((distance > 0) & (distance <= 3)):
            rows.append((names[i], names[j], 10.0 + 12.0 * distance[j]))
    return names, pd.DataFrame(rows, columns=["from_area", "to_area", "minutes"])


def make_instance(size: Size, seed: int = 1) -> dict[str, object]:
    """People, vacancies and a travel table; every column typed as the templates define them."""
    rng = np.random.default_rng(seed)
    names, travel = _areas(size.areas)
    n, m = size.people, size.vacancies
    as_of = pd.Timestamp(AS_OF)
    age_days = rng.integers(16 * 365, 25 * 365, n)
    kind = rng.choice(["unsuitable", "imminent", "asked"], n, p=[0.15, 0.35, 0.5])
    unsuitable_type = rng.choice(
        ["bed_and_breakfast", "sofa_surfing", "emergency_accommodation", "no_fixed_abode"], n
    )
    current = np.where(kind == "unsuitable", unsuitable_type, "supported_lodgings")
    home = rng.integers(0, size.areas, n)
    people = pd.DataFrame(
        {
            "person_id": [f"YP{k:06d}" for k in range(n)],
            "date_of_birth": as_of - pd.to_timedelta(age_days, unit="D"),
            "gender": rng.choice(["male", "female", "non_binary"], n, p=[0.55, 0.42, 0.03]),
            "uasc": rng.random(n) < 0.1,
            "current_accommodation": current,
            "suitable": kind != "unsuitable",
            "unsuitable_since": np.where(
                kind == "unsuitable",
                as_of - pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
                pd.NaT,
            ),
            "free_from": pd.NaT,
            "needed_by": np.where(
                kind == "imminent",
                as_of + pd.to_timedelta(rng.integers(7, 84, n), unit="D"),
                pd.NaT,
            ),
            "support_need": rng.choice(LEVELS, n, p=[0.2, 0.4, 0.3, 0.1]),
            "area": [names[a] for a in home],
            "preferred_areas": [(names[a],) for a in home],
            "excluded_areas": [() for _ in range(n)],
            "needs_step_free": rng.random(n) < 0.03,
            "has_child": rng.random(n) < 0.04,
            "has_pet": rng.random(n) < 0.2,
            "risk_flags": [("arson",) if r < 0.03 else () for r in rng.random(n)],
            "wants_move": kind == "asked",
        }
    )
    low = rng.choice([16, 17, 18], m, p=[0.4, 0.2, 0.4])
    vacancies = pd.DataFrame(
        {
            "vacancy_id": [f"V{k:06d}" for k in range(m)],
            "provision_id": [f"P{k // 3:06d}" for k in range(m)],
            "placement_type": rng.choice(TYPES, m),
            "area": [names[a] for a in rng.integers(0, size.areas, m)],
            "available_from": as_of + pd.to_timedelta(rng.integers(0, 60, m), unit="D"),
            "capacity": rng.choice([1, 2, 3], m, p=[0.6, 0.3, 0.1]),
            "min_age": low,
            "max_age": rng.choice([21, 23, 25], m),
            "gender": rng.choice(["any", "male", "female"], m, p=[0.8, 0.1, 0.1]),
            "cohort": rng.choice(["any", "uasc", "care_leavers"], m, p=[0.8, 0.05, 0.15]),
            "support_level": rng.choice(LEVELS, m, p=[0.1, 0.3, 0.4, 0.2]),
            "ofsted_registered": rng.random(m) < 0.6,
            "step_free": rng.random(m) < 0.2,
            "parent_and_child": rng.random(m) < 0.04,
            "pets_allowed": rng.random(m) < 0.4,
            "excluded_risks": [("arson",) if r < 0.3 else () for r in rng.random(m)],
            "reserved_for": None,
            "weekly_cost": rng.integers(150, 900, m).astype(float),
        }
    )
    return {"people": people, "vacancies": vacancies, "travel_times": travel}


def side_constraints(instance: dict[str, object], seed: int = 2) -> dict[str, object]:
    """Mix limits, lot limits and together groups for an instance, as a council might set them.

    * mix limits: at most one young person with the arson flag in a tenth of the provisions;
    * lot limits: the care leavers' lot (vacancies of that cohort) at most half its places,
      the UASC lot at least a few proposals;
    * together groups: one young person in fifty, in pairs of the same home area (siblings).
    """
    rng = np.random.default_rng(seed)
    people = instance["people"].copy()
    vacancies = instance["vacancies"]
    provisions = np.unique(vacancies["provision_id"])
    chosen = provisions[rng.random(len(provisions)) < 0.1]
    mix = pd.DataFrame({"provision_id": chosen, "risk_flag": "arson", "max_young_people": 1})
    places = vacancies.groupby("cohort")["capacity"].sum()
    lots = pd.DataFrame(
        [
            {
                "lot": "care_leavers",
                "min_young_people": 0,
                "max_young_people": int(places.get("care_leavers", 0) // 2),
            },
            {
                "lot": "uasc",
                "min_young_people": min(3, int(places.get("uasc", 0))),
                "max_young_people": None,
            },
        ]
    )
    groups: list[object] = [None] * len(people)
    by_area = people.groupby("area").indices
    count = 0
    for area in sorted(by_area):
        members = by_area[area]
        pick = members[rng.random(len(members)) < 0.02]
        for a, b in zip(pick[0::2], pick[1::2], strict=False):
            groups[a] = groups[b] = f"G{count:05d}"
            count += 1
    people["together_group"] = groups
    return {**instance, "people": people, "mix_limits": mix, "lot_limits": lots}
