"""The aggregate-mode commands, run through typer on an app of their own."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
from shared_data import DFE
from typer.testing import CliRunner

from planner.cli import app as planner_app

DATA = DFE
pytestmark = pytest.mark.usefixtures("dfe_required")


@pytest.fixture()
def app() -> typer.Typer:
    return planner_app


def test_forecast_published_writes_one_row_per_council_age_measure_and_year(app, tmp_path):
    out = tmp_path / "forecast.csv"
    args = [
        "forecast-published",
        "--data",
        str(DATA),
        "--origin",
        "2023",
        "--horizon",
        "2",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == [
        "la_code",
        "age_group",
        "measure",
        "year",
        "median",
        "lo_50",
        "hi_50",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
        "method",
    ]
    # each group says what it is forecast with, in the file and on the screen
    assert set(table["method"]) <= {"model", "same as last year"}
    assert "Each age group and measure is forecast with:" in result.output
    assert "17 to 18 years, in unsuitable accommodation:" in result.output
    assert set(table["year"]) == {2024, 2025}
    assert set(table["age_group"]) == {"17 to 18 years", "19 to 21 years"}
    assert set(table["measure"]) == {"total", "unsuitable"}
    assert table["la_code"].str.match(r"^E(06|08|09|10)\d{6}$").all()
    assert not table.duplicated(["la_code", "age_group", "measure", "year"]).any()
    assert table["la_code"].nunique() > 140
    ordered = ["lo_95", "lo_80", "lo_50", "median", "hi_50", "hi_80", "hi_95"]
    assert (table[ordered].diff(axis=1).iloc[:, 1:] >= -1e-9).all().all()
    dorset = table[
        (table["la_code"] == "E06000059")
        & (table["age_group"] == "19 to 21 years")
        & (table["measure"] == "total")
        & (table["year"] == 2024)
    ].iloc[0]
    assert dorset["lo_95"] < 201 < dorset["hi_95"]  # the published 2024 figure


def test_forecast_published_uses_no_data_after_the_origin(app, tmp_path):
    # copy the data, then change every figure after the origin: the forecast must not move
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in DATA.glob("la_care_leavers_accommodation_suitability*.csv"):
        frame = pd.read_csv(path, dtype=str)
        count = "care_leaver_count" if "care_leaver_count" in frame else "number"
        later = frame["time_period"].astype(int) > 2022
        frame.loc[later, count] = "999"
        frame.to_csv(changed / path.name, index=False)
    outputs = []
    for folder in (DATA, changed):
        out = tmp_path / f"{folder.name}.csv"
        args = [
            "forecast-published",
            "--data",
            str(folder),
            "--origin",
            "2022",
            "--horizon",
            "2",
            "--out",
            str(out),
        ]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        outputs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(outputs[0], outputs[1])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "/no/such/folder", "--origin", "2023", "--horizon", "1"], "no such folder"),
        (["--data", str(DATA), "--origin", "2030", "--horizon", "1"], "not a year in the data"),
        (["--data", str(DATA), "--origin", "2020", "--horizon", "1"], "at least two years"),
        (["--data", str(DATA), "--origin", "2023", "--horizon", "0"], "--horizon"),
    ],
)
def test_forecast_published_refuses_bad_arguments_with_exit_code_2(app, tmp_path, args, message):
    result = CliRunner().invoke(
        app, ["forecast-published", *args, "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.csv").exists()


def test_backtest_published_prints_accuracy_against_naive(app):
    result = CliRunner().invoke(app, ["forecast-backtest-published", "--data", str(DATA)])
    assert result.exit_code == 0, result.output
    assert "mase" in result.output
    assert "coverage_95" in result.output
    assert "19 to 21 years" in result.output
    # the per-group table: which method each origin used, and what forecasts from 2024 use
    assert "naive 2021; model 2022-2023" in result.output
    assert "Forecasts from 2024 (planner forecast-published) use, for each group:" in result.output


def test_backtest_published_prints_csv_and_json_for_scripts(app):
    import csv
    import json

    args = ["forecast-backtest-published", "--data", str(DATA), "--format"]
    as_csv = CliRunner().invoke(app, [*args, "csv"])
    as_json = CliRunner().invoke(app, [*args, "json"])
    assert as_csv.exit_code == 0 and as_json.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(as_csv.stdout.splitlines()))
    data = json.loads(as_json.stdout)
    assert rows and len(rows) == len(data)
    assert list(rows[0])[:3] == ["measure", "age_group", "horizon"] and "mase" in data[0]
    groups = json.loads(CliRunner().invoke(app, [*args, "json", "--groups"]).stdout)
    assert len(groups) == 8 and {"methods", "coverage_80"} <= set(groups[0])
