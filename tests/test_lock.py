"""requirements.lock pins every dependency pyproject.toml names (README, "Dependencies").

run.py, CI and the Dockerfile install with the lock as pip constraints. Constraints only
limit what is installed: a dependency added to pyproject.toml but not to the lock would be
installed unpinned, at whatever release is newest that day, and CI would stop being
reproducible without anyone noticing. These tests make that a failure instead.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(text) for text in names]


def _locked() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert "==" in line, f"requirements.lock: {line!r} is not pinned with =="
        name, version = line.split("==", 1)
        pins[canonicalize_name(name.split("[", 1)[0])] = Version(version.split(";")[0].strip())
    return pins


DECLARED = _declared()


def test_the_lock_is_not_empty_and_pins_transitive_packages_too():
    locked = _locked()
    assert len(locked) > len(DECLARED)  # starlette, pydantic-core, greenlet...
    for transitive in ("starlette", "pydantic-core", "click"):
        assert transitive in locked


@pytest.mark.parametrize("requirement", DECLARED, ids=lambda r: r.name)
def test_every_dependency_is_pinned_within_its_declared_range(requirement):
    locked = _locked()
    name = canonicalize_name(requirement.name)
    assert name in locked, (
        f"{requirement.name} is in pyproject.toml but not in requirements.lock: "
        "regenerate the lock (README, Dependencies)"
    )
    assert requirement.specifier.contains(locked[name], prereleases=True), (
        f"requirements.lock pins {name}=={locked[name]}, outside pyproject's "
        f"{requirement.specifier}: regenerate the lock"
    )
    if "binary" in requirement.extras:  # psycopg[binary]: the extra's package is pinned too
        assert f"{name}-binary" in locked


@pytest.mark.parametrize("requirement", DECLARED, ids=lambda r: r.name)
def test_the_environment_running_the_tests_was_installed_from_the_lock(requirement):
    """The independent check that run.py really installs with the lock as constraints."""
    installed = Version(metadata.version(requirement.name))
    assert installed == _locked()[canonicalize_name(requirement.name)], (
        f"{requirement.name} {installed} is installed but the lock pins another release: "
        "run `python3 run.py setup` (it rebuilds .venv when the lock changes)"
    )
