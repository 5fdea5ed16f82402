"""Ages in whole calendar months, with the planner's birthday rule.

The forecast ages people month by month, so it needs ages in whole months; dividing days by
an average month length put a birthday a day or two early or late, so the forecast and the
planner could disagree about whether someone was 18 on the day care ends. Counting calendar
months agrees with ``planner.domain.dates.age_on`` to the day: a month is complete on the
same day-of-month as the birth, and a 29 February birthday is complete on 1 March in a
common year (the rule in England and Wales, Family Law Reform Act 1969 s.9). The pure
package cannot import the planner; ``tests/domain/test_leap_day.py`` checks the agreement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _parts(when: pd.Series | pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if isinstance(when, pd.Series):
        return when.dt.year.to_numpy(), when.dt.month.to_numpy(), when.dt.day.to_numpy()
    stamp = pd.Timestamp(when)
    return np.array(stamp.year), np.array(stamp.month), np.array(stamp.day)


def age_in_months(date_of_birth: pd.Series, when: pd.Series | pd.Timestamp) -> np.ndarray:
    """Whole calendar months of age on ``when`` (a date, or one date per person)."""
    by, bm, bd = _parts(pd.to_datetime(date_of_birth))
    wy, wm, wd = _parts(when)
    return ((wy - by) * 12 + (wm - bm) - (wd < bd)).astype(np.int64)


def age_in_years(date_of_birth: pd.Series, when: pd.Series | pd.Timestamp) -> np.ndarray:
    """Whole years of age on ``when``: the planner's ``age_on``, vectorised."""
    return age_in_months(date_of_birth, when) // 12
