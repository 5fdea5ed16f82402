"""One database, said out loud: the default SQLite file is in the per-user data folder,
whichever folder a command runs from; commands name it; only init and demo create it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core.settings import APP_FOLDER, Settings, default_data_dir

runner = CliRunner()


def _env(tmp_path: Path, **extra: str) -> dict[str, str | None]:
    return {"PLANNER_DATABASE_URL": None, "PLANNER_DATA_DIR": str(tmp_path / "data"),
            "COLUMNS": "200", **extra}  # fmt: skip


def test_the_default_folder_follows_xdg_not_the_current_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("PLANNER_DATA_DIR", raising=False)
    monkeypatch.delenv("PLANNER_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert default_data_dir() == tmp_path / "xdg" / APP_FOLDER
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sqlite_path == tmp_path / "xdg" / APP_FOLDER / "planner.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")  # the spec: absolute paths only
    assert default_data_dir() == Path.home() / ".local" / "share" / APP_FOLDER


def test_data_dir_and_database_url_override_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "mine"))
    monkeypatch.delenv("PLANNER_DATABASE_URL", raising=False)
    assert Settings(_env_file=None).sqlite_path == tmp_path / "mine" / "planner.sqlite3"  # type: ignore[call-arg]
    url = "postgresql+psycopg://planner:s3cret@db:5432/planner"
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sqlite_path is None
    assert "s3cret" not in settings.database_label and "db:5432/planner" in settings.database_label


def test_a_missing_database_is_an_error_and_nothing_is_created(tmp_path):
    for args in (["status"], ["user", "list"], ["proposals"], ["escalations"]):
        result = runner.invoke(app, args, env=_env(tmp_path))
        assert result.exit_code == 2, (args, result.output)
        assert f"No planner database at {tmp_path / 'data' / 'planner.sqlite3'}" in result.output
        assert "planner init" in result.output and "PLANNER_DATA_DIR" in result.output
    assert not (tmp_path / "data" / "planner.sqlite3").exists()


def test_init_creates_it_and_every_command_names_it_on_standard_error(tmp_path):
    path = tmp_path / "data" / "planner.sqlite3"
    init = runner.invoke(app, ["init"], env=_env(tmp_path))
    assert init.exit_code == 0, init.output
    assert path.exists() and str(path) in init.stdout
    listing = runner.invoke(app, ["user", "list", "--format", "json"], env=_env(tmp_path))
    assert listing.exit_code == 0, listing.output
    assert listing.stdout.strip() == "[]"  # standard output is the JSON alone
    assert f"Database: {path}" in listing.stderr


@pytest.mark.parametrize("command", [["demo", "--as-of", "2024-03-31"]])
def test_the_demo_creates_it_and_says_where(tmp_path, command):
    result = runner.invoke(app, command, env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    path = tmp_path / "data" / "planner.sqlite3"
    assert path.exists() and f"The demo council is in {path}" in result.stdout
