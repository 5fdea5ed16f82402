"""The possible pairs of a match run, as arrays: what every path and constraint family reads.

It lives apart from `model` (the PuLP model) so that the flow and array paths, and a command
that never builds a PuLP model, do not import PuLP at all (`planner match` starts faster).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Graph:
    """The possible pairs of a match run and what the constraint families read about them."""

    person: np.ndarray  # edge -> position in people
    vacancy: np.ndarray  # edge -> position in vacancies
    person_ids: np.ndarray
    vacancy_ids: np.ndarray
    capacity: np.ndarray  # per vacancy
    provision_ids: np.ndarray  # per vacancy
    lots: np.ndarray  # per vacancy
    risk_flags: pd.Series  # per person: tuple of flags
    together_group: pd.Series  # per person: group name or None
    mix_limits: pd.DataFrame
    lot_limits: pd.DataFrame
