"""Forecasts made from the planner's records: saved with their provenance, exported,
and the same for the same seed."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from planner.cli import app
from planner.demo.council import generate_council, load_council
from planner.forecasting.service import (
    CannotForecast,
    UnknownScenario,
    make_forecast,
    write_report,
)
from planner.models import AuditEvent, ForecastRun

AS_OF = date(2024, 3, 31)


@pytest.fixture(scope="module")
def council():
    return generate_council(2024, AS_OF)


def _forecast(session, scenarios, seed=3):
    return make_forecast(
        session,
        scenarios=scenarios,
        months=12,
        runs=100,
        seed=seed,
        as_of=AS_OF,
        child_population=67_300,
        actor="test",
    )


def test_a_forecast_is_saved_with_when_and_from_which_data(session, council):
    load_council(session, council, actor="demo")
    report = _forecast(session, ["central", "more_uasc"])
    runs = session.exec(select(ForecastRun).order_by(ForecastRun.id)).all()
    assert [r.scenario for r in runs] == ["central", "more_uasc"]
    assert {r.data_fingerprint for r in runs} == {report.fingerprint}
    assert runs[0].young_people == 654 and runs[0].stays == len(council.stays)
    saved = json.loads(runs[0].tables)
    assert {"demand", "unsuitable", "flows", "costs", "history", "inputs_rates"} <= set(saved)
    assert all("YP" not in json.dumps(row) for row in saved["demand"][:50])
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "forecast")).one()
    assert event.entity_id == ",".join(str(r.id) for r in runs)


def test_capacity_in_the_forecast_is_the_inventorys(session, council):
    load_council(session, council, actor="demo")
    demand = _forecast(session, ["central"]).tables["demand"]
    first_q = demand[demand["quarter_start"] == demand["quarter_start"].min()]
    cap = first_q.set_index(["placement_type", "lot"])["capacity"]
    assert cap[("supported_accommodation", "care_leavers")] == 30
    assert cap[("supported_accommodation", "uasc")] == 15
    assert cap[("council_flat", "")] == 33


def test_the_same_seed_gives_the_same_forecast_and_scenarios_compare(session, council):
    load_council(session, council, actor="demo")
    one = _forecast(session, ["central", "more_uasc"])
    two = _forecast(session, ["central", "more_uasc"])
    assert one.tables["demand"].equals(two.tables["demand"])
    wide = one.tables["comparison"]
    assert {"places_needed__central", "places_needed__more_uasc"} <= set(wide.columns)


def test_unknown_scenarios_are_named_in_the_error(session, council):
    load_council(session, council, actor="demo")
    with pytest.raises(UnknownScenario) as refused:
        _forecast(session, ["central", "alien_invasion"])
    assert "alien_invasion" in str(refused.value) and "more_uasc" in str(refused.value)


def test_report_files_hold_every_table(session, council, tmp_path):
    load_council(session, council, actor="demo")
    report = _forecast(session, ["central"])
    write_report(report, tmp_path)
    book = openpyxl.load_workbook(tmp_path / "forecast.xlsx", read_only=True)
    assert set(book.sheetnames) == set(report.tables)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["data_fingerprint"] == report.fingerprint
    assert (tmp_path / "demand.csv").read_text().startswith("scenario,quarter_start")


def test_forecast_command_on_the_demo(sqlite_url, tmp_path):
    runner = CliRunner()
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "160"}
    assert runner.invoke(app, ["demo", "--as-of", "2024-03-31"], env=env).exit_code == 0
    args = ["forecast", "--out", str(tmp_path), "--horizon", "12", "--runs", "100"]
    result = runner.invoke(app, [*args, "--as-of", "2024-03-31"], env=env)
    assert result.exit_code == 0, result.output
    assert "Supported lodgings" in result.output and (tmp_path / "demand.csv").exists()
    bad = runner.invoke(app, [*args, "--scenario", "nope"], env=env)
    assert bad.exit_code == 2 and "central" in bad.output


def test_a_council_with_no_records_is_told_to_record_young_people_first(session):
    """Not a TypeError from deep in the model: a 422 the page and the command can show."""
    with pytest.raises(CannotForecast) as refused:
        _forecast(session, ["central"])
    assert refused.value.status_code == 422 and refused.value.code == "cannot_forecast"
    assert "record young people and their stays first" in refused.value.message
    assert not session.exec(select(ForecastRun)).all()
