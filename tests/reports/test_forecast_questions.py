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


def _demand(ptype: str, lot: str, medians: list[float], capacity: float) -> pd.DataFrame:
    n = len(medians)
    return pd.DataFrame(
        {
            "quarter_start": pd.date_range("2027-01-01", periods=n, freq="QS"),
            "placement_type": ptype,
            "lot": lot,
            "demand_median": medians,
            "demand_lo_80": [m - 4 for m in medians],
            "demand_hi_80": [m + 5 for m in medians],
            "capacity": capacity,
            "places_needed": [m + 8 for m in medians],
            "partial_quarter": [False] * (n - 1) + [True],
        }
    )


def test_the_reports_four_questions_are_answered_each_with_its_range():
    from planner.reports.forecast_questions import report_answers

    demand = pd.concat(
        [
            _demand("supported_accommodation", "care_leavers", [26, 20, 17, 30], 60),
            _demand("staying_close", "", [12, 16, 20, 27], 24),
        ],
        ignore_index=True,
    )
    move_on = pd.DataFrame(
        {
            "move_on_mean": [9.2, 6.6, 6.9, 2.0],
            "move_on_lo_80": [5, 3, 3, 0],
            "move_on_hi_80": [13, 10, 11, 4],
            "move_on_at_target": [15, 11, 12, 5],
            "part_year": [False, False, False, True],
        }
    )
    uasc = _uasc("supported_lodgings", "", 7).assign(partial_quarter=False)
    answers = report_answers({"demand": demand, "move_on": move_on, "uasc": uasc})
    by_question = {a["question"]: a["answer"] for a in answers}
    assert list(by_question) == [
        "+5 supported lodgings places for former UASC",
        "+30 framework places",
        "+12 staying close",
        "About 50 move-on places a year",
    ]
    assert by_question["+5 supported lodgings places for former UASC"].endswith(
        "2 (1 to 4) in October to December 2027; at most 7 places needed in any quarter."
    )
    # the last full quarter (the part-quarter at the end is not a quarter's end), its 80%
    # range, the planned places, and the most places needed with when
    assert by_question["+30 framework places"] == (
        "Young people needing the framework's care-leaver lot: 17 (13 to 22) in July to "
        "September 2027, against 60 planned places; at most 38 places needed in any quarter "
        "(in October to December 2027)."
    )
    assert (
        "20 (16 to 25) in July to September 2027, against 24 planned places"
        in (by_question["+12 staying close"])
    )
    assert by_question["About 50 move-on places a year"].endswith(
        "9 (5 to 13) in the first year, then about 7 a year; up to 15 a year would be enough "
        "in 95 runs in 100."
    )
