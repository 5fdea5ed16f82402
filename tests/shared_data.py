"""Where the project's shared reference data lives, for the tests that read it.

The repository sits beside `shared/` (`../shared`); a clone elsewhere finds it through
`PLANNER_SHARED_DIR` or the workplace's `/work/shared`. Locally a missing folder skips the
tests that need it; in CI (`PLANNER_CI=1`) it fails them, so nothing is skipped unseen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_CANDIDATES = [
    os.environ.get("PLANNER_SHARED_DIR", ""),
    str(Path(__file__).resolve().parents[2] / "shared"),
    "/work/shared",
]
SHARED = next((Path(c) for c in _CANDIDATES if c and Path(c).is_dir()), Path(_CANDIDATES[1]))
DFE = SHARED / "data" / "external" / "dfe_cla_la"


def require_dfe() -> None:
    """Skip (locally) or fail (in CI) when the DfE tables cannot be found."""
    if DFE.is_dir():
        return
    message = f"shared DfE data not found at {DFE} (set PLANNER_SHARED_DIR)"
    if os.environ.get("PLANNER_CI") == "1":
        pytest.fail(message)
    pytest.skip(message)
