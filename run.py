#!/usr/bin/env python3
"""Two commands for a fresh machine with only Python 3.11+.

    python3 run.py demo    builds the demo council in a local SQLite file and shows it
    python3 run.py test    runs the whole test suite

Why a script and not a Makefile: a council analyst's laptop has Python but rarely make,
and the set-up (a virtual environment with this project installed) must happen by itself.
The environment lives in `.venv/` and is rebuilt only when `pyproject.toml` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    """Create `.venv` and install the project with its test tools, once per pyproject."""
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    python = str(BIN / "python")
    print("Installing the planner and its dependencies into .venv ...", flush=True)
    quiet = dict(os.environ, PYTHONWARNINGS="ignore")  # setuptools' editable-install notice
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, env=quiet)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True, env=quiet)
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
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
