"""planner forecast --out: every scenario's inputs, each scenario run once, a provenance
sheet first, partial quarters flagged, and what the records cannot tell said."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest

import planner.forecasting.service as service_module
from planner.demo.council import generate_council, load_council
from planner.forecasting.service import data_notes, make_forecast, write_report

AS_OF = date(2024, 3, 31)


@pytest.fixture(scope="module")
def council():
    return generate_council(2024, AS_OF)


def test_every_scenario_once_with_its_inputs_and_the_provenance(
    session, council, tmp_path, monkeypatch
):
    load_council(session, council, actor="demo")
    calls = []
    real = service_module.run_forecast
    monkeypatch.setattr(
        service_module, "run_forecast", lambda *a, **k: calls.append(a[2].name) or real(*a, **k)
    )
    report = make_forecast(
        session,
        scenarios=["central", "new_framework_places"],
        months=12,
        runs=100,
        seed=1,
        as_of=date(2024, 5, 15),  # mid-quarter: the first and last quarters are partial
        child_population=67_300,
        actor="test",
    )
    assert calls == ["central", "new_framework_places"]  # each scenario run once
    assert "comparison" in report.tables
    write_report(report, tmp_path)
    for name in ("inputs_rates", "inputs_arrivals", "inputs_data", "inputs_scenario"):
        table = pd.read_csv(tmp_path / f"{name}.csv")
        assert set(table["scenario"]) == {"central", "new_framework_places"}, name
    levers = pd.read_csv(tmp_path / "inputs_scenario.csv")
    assert len(levers) == 2  # one lever, and a row saying central has none
    book = openpyxl.load_workbook(tmp_path / "forecast.xlsx", read_only=True)
    assert book.sheetnames[0] == "provenance"
    items = {row[0] for row in book["provenance"].iter_rows(values_only=True)}
    assert {"data as of", "runs", "seed", "model", "planner version", "stays counted"} <= items
    costs = pd.read_csv(tmp_path / "costs.csv")
    first, last = costs["quarter_start"].min(), costs["quarter_start"].max()
    assert costs.loc[costs["quarter_start"] == first, "partial_quarter"].all()
    assert costs.loc[costs["quarter_start"] == last, "partial_quarter"].all()
    middle = costs[(costs["quarter_start"] != first) & (costs["quarter_start"] != last)]
    assert not middle["partial_quarter"].any() and (middle["months_in_quarter"] == 3).all()
    data = pd.read_csv(tmp_path / "inputs_data.csv").iloc[0].to_dict()
    assert data["history_years"] > 0
    notes = " ".join(data_notes(data))
    assert "The records go back" in notes
    assert "not set" in data["child_population_source"]
    assert "demo council's figure" in notes


def test_forecast_backtest_command_on_the_demo(sqlite_url, tmp_path):
    from typer.testing import CliRunner

    from planner.cli import app

    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    assert runner.invoke(app, ["demo", "--as-of", "2024-03-31"], env=env).exit_code == 0
    args = ["forecast-backtest", "--origins", "2", "--horizon", "2", "--runs", "100"]
    result = runner.invoke(app, [*args, "--as-of", "2024-03-31", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    accuracy = pd.read_csv(tmp_path / "accuracy.csv")
    assert {"mase", "mase_seasonal", "bias", "coverage_80", "crps"} <= set(accuracy.columns)
    overall = accuracy[accuracy["state"] == "All types"]
    assert list(overall["horizon_quarters"]) == [1, 2]
    assert (overall["forecasts"] > 0).all()
    rows = pd.read_csv(tmp_path / "backtest_rows.csv")
    assert set(rows["origin"]) == {"2023-06-30", "2023-09-30"}
    # against the targets, one line per horizon, why where missed (in the CSV and printed)
    targets = pd.read_csv(tmp_path / "targets.csv")
    assert list(targets["horizon_quarters"]) == [1, 2]
    assert {"mase", "mase_hindsight", "coverage_80", "met", "why"} <= set(targets.columns)
    assert (targets["why"].fillna("") != "").eq(~targets["met"]).all()
    assert "Against the targets" in result.output
    assert "1 quarter ahead:" in result.output and "2 quarters ahead:" in result.output
    as_json = runner.invoke(app, [*args, "--as-of", "2024-03-31", "--format", "json"], env=env)
    assert as_json.exit_code == 0 and '"crps"' in as_json.output
