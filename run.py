#!/usr/bin/env python3
"""Two commands for a fresh machine with only Python 3.11+.

    python3 run.py demo    builds the demo council in a SQLite file in your data folder
                           (it says where; PLANNER_DATA_DIR chooses another) and shows it
    python3 run.py test    runs the whole test suite

Why a script and not a Makefile: a council analyst's laptop has Python but rarely make,
and the set-up (a virtual environment with this project installed) must happen by itself.
The environment lives in `.venv/` and is rebuilt only when `pyproject.toml` or
`requirements.lock` changes. The lock pins every package to the release CI tested, so a
laptop, CI and the Docker image run the same code (README, "Dependencies").
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"
LOCK = ROOT / "requirements.lock"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", LOCK):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create `.venv` and install the project with its test tools, once per pyproject and lock.

    The lock is given to pip as constraints (``-c``), not as requirements: it pins every
    package, and the project itself is still installed editable from this tree. When either
    file changes the environment is built afresh rather than installed over, so a package
    dropped from the lock cannot linger and hide a missing dependency until CI.
    """
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    if VENV.exists():
        print("pyproject.toml or requirements.lock changed: rebuilding .venv ...", flush=True)
        shutil.rmtree(VENV)
    print("Creating .venv ...", flush=True)
    venv.EnvBuilder(with_pip=True).create(VENV)
    python = str(BIN / "python")
    print("Installing the planner and its dependencies into .venv ...", flush=True)
    quiet = dict(os.environ, PYTHONWARNINGS="ignore")  # setuptools' editable-install notice
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, env=quiet)
    subprocess.run([*pip, "-c", str(LOCK), "-e", f"{ROOT}[dev]"], check=True, env=quiet)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "setup":
        return 0
    if command == "demo":
        planner = str(BIN / "planner")
        code = subprocess.run([planner, "demo", *rest], cwd=ROOT).returncode
        if code == 0:
            code = subprocess.run([planner, "status"], cwd=ROOT).returncode
        return code
    return subprocess.run(
        [str(BIN / "python"), "-m", "pytest", *_parallel(rest), *rest], cwd=ROOT
    ).returncode


def _parallel(rest: list[str]) -> list[str]:
    """Spread the suite over the machine's cores (pytest-xdist), at most four workers.

    Why: the suite drives real PostgreSQL, Chromium and uvicorn, so it waits on them as much
    as it computes; two workers halve CI's time on a two-core machine. Each worker is its own
    pytest session with its own temporary folder and its own PostgreSQL databases
    (tests/postgres_databases.py), so workers share nothing. Whole modules go to one worker
    (`--dist loadscope`) so a module's shared fixtures (a seeded database, a live server, a
    browser) are built once. Give `-n 0` (or any `-n`) to choose for yourself.
    """
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in rest):
        return []
    workers = min(4, os.cpu_count() or 1)
    return ["-n", str(workers), "--dist", "loadscope"] if workers > 1 else []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
