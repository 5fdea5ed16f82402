"""The engine's compiled steps against plain numpy statements of what they must do.

The yearly compaction keeps every young person (only their column moves), the table of the
first type a young person may enter along the fallback chain gives what walking the chain
gives, for every state and age, and the compiled passes work from a read-only install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from forecasts.capacity import CapacityPlan
from forecasts.simulation import _Columns

LEFT = 5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compaction_keeps_everyone_in_order_and_those_who_left_after_them(seed):
    rng = np.random.default_rng(seed)
    runs, full, w = 7, 40, 31
    cols = _Columns(runs, full, LEFT)
    for name in _Columns.FIELDS:
        array = getattr(cols, name)
        array[:] = rng.integers(0, 100, size=array.shape).astype(array.dtype)
    cols.state[:] = np.where(rng.random((runs, full)) < 0.4, LEFT, rng.integers(0, 5, (runs, full)))
    cols.filled[:] = w
    before = {name: getattr(cols, name).copy() for name in _Columns.FIELDS}

    cols.compact()

    alive = before["state"][:, :w] != LEFT
    np.testing.assert_array_equal(cols.filled, alive.sum(axis=1))
    for r in range(runs):
        order = np.r_[np.flatnonzero(alive[r]), np.flatnonzero(~alive[r])]
        for name in _Columns.FIELDS:
            np.testing.assert_array_equal(getattr(cols, name)[r, :w], before[name][r, order])
            # columns past the first w are not touched
            np.testing.assert_array_equal(getattr(cols, name)[r, w:], before[name][r, w:])


def _walk(plan: CapacityPlan, state: int, age: int) -> int:
    """The fallback chain walked one step at a time (the rule as the docs state it)."""
    assert plan.entry_min is not None and plan.entry_max is not None
    choice = state
    for _ in range(len(plan.fallback) + 1):
        if choice < 0 or plan.entry_min[choice] <= age < plan.entry_max[choice]:
            return choice
        choice = int(plan.fallback[choice])
    return -1


def test_first_eligible_type_is_the_chain_walked_for_every_state_and_age():
    n = 6
    plan = CapacityPlan(
        limited=np.ones(n, dtype=bool),
        places=np.zeros((1, 1, n), dtype=np.int32),
        fallback=np.array([1, 2, -1, 4, 0, 5], dtype=np.int16),  # 5 falls back to itself
        unsuitable=2,
        max_tries=3,
        entry_min=np.array([192, 216, 0, 192, 252, 300], dtype=np.int32),
        entry_max=np.array([216, 276, 400, 264, 300, 310], dtype=np.int32),
    )
    ages = np.arange(-3, 420)
    for state in [-1, *range(n)]:
        got = plan.first_eligible(np.full(len(ages), state), ages)
        expected = [_walk(plan, state, int(a)) if a >= 0 else _walk(plan, state, 0) for a in ages]
        np.testing.assert_array_equal(got, expected, err_msg=f"state {state}")


def test_forecasts_import_and_run_from_a_read_only_install_with_no_home():
    """An installed package run by a service account: the package folder is read-only and
    there is no writable home. numba alone would refuse to import the engine; the engine
    keeps its compiled passes in the temporary folder instead, and they run (the yearly
    compaction here: compiling every pass would add a quarter of a minute to the suite)."""
    root = Path(__file__).resolve().parents[2]
    # not pytest's tmp_path: its parent is private to the user running the tests, and the
    # forecast below runs as another user when the tests run as root
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        base.chmod(0o755)
        install, temp = base / "site", base / "tmp"
        shutil.copytree(
            root / "forecasts",
            install / "forecasts",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        for path in [install, *install.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        temp.mkdir()
        temp.chmod(0o777)
        script = (
            "import numba, numpy as np, forecasts\n"
            "from forecasts.simulation import _Columns\n"
            "cols = _Columns(2, 6, 5)\n"
            "cols.state[:] = [[1, 5, 2, 5, 5, 3], [5, 4, 5, 5, 5, 5]]\n"
            "cols.filled[:] = 6\n"
            "cols.compact()  # compiled here, and kept\n"
            "print('FROM', forecasts.__file__)\n"
            "print('CACHE', numba.config.CACHE_DIR, cols.state.tolist(), cols.filled.tolist())\n"
        )
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(install),
            "HOME": "/nonexistent",
            "TMPDIR": str(temp),
        }
        command = [sys.executable, "-c", script]
        if os.geteuid() == 0:  # root may write anywhere: run as an unprivileged user instead
            runuser = shutil.which("runuser")
            assert runuser, "runuser is needed to run this test as root"
            command = [runuser, "-u", "nobody", "--", *command]
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, cwd=base, timeout=600
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert f"FROM {install / 'forecasts'}" in done.stdout
        assert f"CACHE {temp}" in done.stdout
        assert "[[1, 2, 3, 5, 5, 5], [4, 5, 5, 5, 5, 5]] [3, 1]" in done.stdout
        assert any(temp.rglob("*.nbi")), "the compiled pass was not kept"
        for path in [install, *install.rglob("*")]:
            path.chmod(0o755)  # so the folder can be removed
