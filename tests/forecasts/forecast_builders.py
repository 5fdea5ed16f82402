"""Small councils written by hand, for cases whose answer can be worked out on paper."""

from __future__ import annotations

import pandas as pd

from forecasts.frames import CouncilData
from forecasts.rates import EstimationSettings
from forecasts.scenarios import Lever, Scenario

AS_OF = pd.Timestamp("2024-03-31")

# no pooling and no prior mass: a rate never seen in the data is exactly zero
NO_PRIOR = EstimationSettings(prior_months=0.0, prior_moves=0.0, floor_moves=0.0)
NO_ARRIVALS = Scenario(
    "closed",
    tuple(Lever("arrivals", 0.0, stream=s) for s in ("new", "uasc", "returner")),
)


def born_months_ago(months: int, extra_days: int = 10) -> pd.Timestamp:
    """A date of birth making the young person ``months`` whole months old at AS_OF."""
    return AS_OF - pd.DateOffset(months=months) - pd.Timedelta(days=extra_days)


def council(people: list[dict], history: list[dict] | None = None, capacity=None) -> CouncilData:
    """People now (their current stay is added to the history) plus any past stays."""
    rows = []
    for i, p in enumerate(people):
        rows.append(
            {
                "person_id": p.get("person_id", f"p{i}"),
                "date_of_birth": p["date_of_birth"],
                "gender": "female",
                "uasc": p.get("uasc", False),
                "in_care": p.get("in_care", False),
                "placement_type": p["placement_type"],
                "lot": p.get("lot", ""),
                "stay_start": p["stay_start"],
            }
        )
    people_frame = pd.DataFrame(rows)
    stays = people_frame.rename(columns={"stay_start": "start"})[
        ["person_id", "placement_type", "lot", "start", "date_of_birth", "uasc"]
    ].assign(end=pd.NaT, suitable=True)
    if history:
        stays = pd.concat([pd.DataFrame(history), stays], ignore_index=True)
    stays["suitable"] = stays["suitable"].fillna(True).astype(bool)
    return CouncilData.build(
        people=people_frame,
        stays=stays,
        capacity=capacity,
        as_of=AS_OF,
        child_population=66_436,
    )


def capacity(places: dict[tuple[str, str], int], quarters: int = 8) -> pd.DataFrame:
    first = AS_OF.to_period("Q").start_time
    return pd.DataFrame(
        [
            {
                "placement_type": t,
                "lot": lot,
                "quarter_start": first + pd.DateOffset(months=3 * q),
                "places": n,
            }
            for (t, lot), n in places.items()
            for q in range(quarters)
        ]
    )
