"""The council's questions on a forecast page: places needed for former UASC are said only
for the types the council plans places of (never bed and breakfast or a family home)."""

from __future__ import annotations

import pandas as pd

from planner.reports.forecast_questions import planned_types, uasc_rows


def _uasc(ptype: str, lot: str, needed: float) -> pd.DataFrame:
    quarters = pd.date_range("2027-01-01", periods=4, freq="QS")
    return pd.DataFrame(
        {
            "quarter_start": quarters,
            "placement_type": ptype,
            "lot": lot,
            "uasc_median": 2.0,
            "uasc_lo_80": 1.0,
            "uasc_hi_80": 4.0,
            "uasc_hi_95": 5.0,
            "uasc_places_needed": needed,
        }
    )


def test_places_needed_only_for_types_with_planned_places():
    uasc = pd.concat(
        [
            _uasc("supported_lodgings", "", 6),
            _uasc("bed_and_breakfast", "", 2),
            _uasc("supported_accommodation", "care_leavers", 5),
        ],
        ignore_index=True,
    )
    demand = pd.DataFrame(
        {
            "placement_type": [
                "supported_lodgings",
                "bed_and_breakfast",
                "supported_accommodation",
            ],
            "lot": [None, None, "care_leavers"],
            "capacity": [27.0, None, 30.0],
        }
    )
    planned = planned_types(demand)
    assert planned == {("supported_lodgings", ""), ("supported_accommodation", "care_leavers")}
    heads, rows = uasc_rows(uasc, planned)
    assert heads == ["End of December 2027"]
    places = {r["label"]: r["places"] for r in rows}
    assert places["Supported lodgings"] == "6"
    assert places["Bed and breakfast"] == "Not planned"
    assert [r["cells"] for r in rows][0] == ["2 (1 to 4)"]
    assert sum(p == "5" for p in places.values()) == 1  # the framework lot's own row
