"""The forecasts' frames are the records as they stood on the day: a planned move is not
where anyone lives yet, and a stay that ends later is still going on."""

from __future__ import annotations

from datetime import date

import pandas as pd

from planner.forecasting.inputs import forecast_frames

MOVE = date(2027, 3, 1)


def _frames(as_of: date) -> dict[str, pd.DataFrame]:
    people = pd.DataFrame(
        [
            {
                "person_id": "YP1",
                "date_of_birth": date(2007, 5, 1),
                "gender": "female",
                "uasc": False,
                "in_care": False,
                "left_service_on": None,
            }
        ]
    )
    stays = pd.DataFrame(
        [
            {
                "person_id": "YP1",
                "placement_type": "bed_and_breakfast",
                "lot": "",
                "start": date(2026, 12, 1),
                "end": MOVE,
                "suitable": False,
            },
            {
                "person_id": "YP1",
                "placement_type": "supported_accommodation",
                "lot": "care_leavers",
                "start": MOVE,
                "end": None,
                "suitable": True,
            },
        ]
    )
    return forecast_frames(people, stays, as_of)


def test_before_the_move_they_are_in_bed_and_breakfast_and_the_move_is_not_history():
    frames = _frames(date(2027, 2, 28))
    assert frames["people"]["placement_type"].tolist() == ["bed_and_breakfast"]
    assert frames["stays"]["placement_type"].tolist() == ["bed_and_breakfast"]
    assert frames["stays"]["end"].isna().all()


def test_on_the_day_of_the_move_they_are_in_supported_accommodation():
    frames = _frames(MOVE)
    assert frames["people"]["placement_type"].tolist() == ["supported_accommodation"]
    assert len(frames["stays"]) == 2
