"""The one clock: today is the council's date, not the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from planner.core import clock
from planner.core.settings import Settings


def test_just_after_midnight_in_summer_it_is_already_tomorrow_in_london():
    # 23:30 UTC on 1 June is 00:30 on 2 June in British Summer Time
    with clock.frozen(datetime(2026, 6, 1, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2026, 6, 2)
        assert clock.now().utcoffset().total_seconds() == 3600


def test_in_winter_london_is_utc():
    with clock.frozen(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2026, 12, 1)


def test_a_frozen_date_is_that_day_and_the_clock_runs_again_after():
    with clock.frozen(date(2024, 2, 29)):
        assert clock.today() == date(2024, 2, 29)
    assert clock.today() != date(2024, 2, 29) or date.today() == date(2024, 2, 29)


def test_an_unknown_time_zone_is_refused_at_start():
    with pytest.raises(ValueError, match="time zone"):
        Settings(timezone="Europe/Londres")
