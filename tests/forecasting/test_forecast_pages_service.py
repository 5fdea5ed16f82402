"""The services behind the forecast pages, on the demo council and both databases: saved runs
listed and read back, two runs compared only when made from the same data, every table
exported (formula-safe, audited), and the bounds on what a page may ask for."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pytest
from sqlmodel import select

from planner.core.errors import InvalidInput, NotFound
from planner.demo.council import generate_council, load_council
from planner.forecasting.service import (
    check_forecast_request,
    compare_forecast_runs,
    export_forecast_csv,
    export_forecast_workbook,
    fan_chart_frame,
    get_forecast_run_or_raise,
    history_of,
    list_forecast_runs,
    make_forecast,
    read_forecast_table,
)
from planner.models import AuditEvent, ForecastRun, Stay

AS_OF = date(2024, 3, 31)


@pytest.fixture(scope="module")
def council():
    return generate_council(2024, AS_OF)


def _forecast(session, scenarios, **extra):
    values = {"months": 12, "runs": 100, "seed": 3, "save_trace": True, "compare": False}
    values.update(extra)
    return make_forecast(
        session,
        scenarios=scenarios,
        as_of=AS_OF,
        child_population=67_300,
        actor="commissioner-1",
        **values,
    )


def test_saved_runs_keep_their_history_and_inputs_and_compare(session, council):
    load_council(session, council, actor="demo")
    report = _forecast(session, ["central", "host_recruitment"])
    first, second = report.run_ids
    listed = list_forecast_runs(session)
    assert [r.id for r in listed[:2]] == [second, first]  # newest first
    assert listed[0].description.startswith("a fifth more supported lodgings hosts")
    saved = get_forecast_run_or_raise(session, run_id=first)
    assert {"history", "inputs_rates", "inputs_data", "demand"} <= set(saved.tables)
    history, kept = history_of(session, saved)
    assert kept and history["quarter_start"].max() == date(2024, 1, 1)  # the snapshot's quarter
    assert saved.states()[0] == ("staying_put", "")  # types with planned places come first
    chart = fan_chart_frame(saved, history, placement_type="supported_lodgings", lot="")
    assert chart["recorded"].notna().sum() == 12 and chart["demand_median"].notna().sum() == 4
    assert chart["recorded"].iloc[-5] == 21  # the report's 21 in supported lodgings on 31 March

    comparison = compare_forecast_runs(session, first_id=first, second_id=second)
    lodgings = comparison.table[comparison.table["placement_type"] == "supported_lodgings"]
    # host recruitment adds planned places from within a year; the difference is second-first
    assert (lodgings["capacity_difference"] >= 0).all() and lodgings[
        "capacity_difference"
    ].max() > 0
    assert (
        lodgings["capacity_second"] - lodgings["capacity_first"] == lodgings["capacity_difference"]
    ).all()
    assert comparison.notes == []
    with pytest.raises(InvalidInput, match="two different"):
        compare_forecast_runs(session, first_id=first, second_id=first)
    with pytest.raises(NotFound):
        get_forecast_run_or_raise(session, run_id=10**9)

    # new records make a new fingerprint: runs from different data are not compared
    stay = session.exec(select(Stay).where(Stay.end_date.is_(None))).first()  # type: ignore[union-attr]
    stay.end_date = date(2024, 3, 30)
    session.add(stay)
    session.flush()
    later = _forecast(session, ["central"], runs=100, seed=4).run_ids[0]
    with pytest.raises(InvalidInput, match="different data"):
        compare_forecast_runs(session, first_id=first, second_id=later)
    assert [r.id for r in list_forecast_runs(session, data_fingerprint=listed[0].data_fingerprint)][
        :2
    ] == [second, first]


def test_runs_made_without_their_trace_get_history_from_the_records(session, council):
    load_council(session, council, actor="demo")
    run_id = _forecast(session, ["central"], save_trace=False).run_ids[0]
    saved = get_forecast_run_or_raise(session, run_id=run_id)
    assert "history" not in saved.tables and "inputs_rates" not in saved.tables
    history, kept = history_of(session, saved)
    assert not kept and len(history["quarter_start"].unique()) == 12


def test_every_table_is_exported_formula_safe_and_audited(session):
    tables = {
        "demand": [
            {
                "scenario": '=HYPERLINK("http://evil")',
                "quarter_start": "2024-04-01T00:00:00.000",
                "placement_type": "staying_put",
                "lot": "",
                "demand_median": 3.0,
                "capacity": None,
            }
        ],
        "unsuitable": [{"quarter_start": "2024-04-01T00:00:00.000", "unsuitable_mean": 1.5}],
        "flows": [],
        "costs": [{"quarter_start": "2024-04-01T00:00:00.000", "cost_mean": 100.0}],
    }
    run = ForecastRun(
        scenario="central",
        as_of=AS_OF,
        months=3,
        runs=100,
        seed=0,
        data_fingerprint="0" * 16,
        young_people=1,
        stays=1,
        created_by="test",
        tables=json.dumps(tables),
    )
    session.add(run)
    session.flush()
    name, content = export_forecast_workbook(session, run_id=run.id, actor="commissioner-1")
    assert name == f"forecast-{run.id}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["about", *tables]
    cell = book["demand"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert book["about"]["B2"].value == str(run.id)

    name, text = export_forecast_csv(session, run_id=run.id, table="demand", actor="commissioner-1")
    assert name == f"forecast-{run.id}-demand.csv" and "'=HYPERLINK" in text
    assert "2024-04-01" in text
    rows = read_forecast_table(session, run_id=run.id, table="costs", actor="api-user")
    assert rows["cost_mean"].tolist() == [100.0]
    for refused in ("nope", "chart"):
        with pytest.raises(NotFound):
            export_forecast_csv(
                session, run_id=run.id, table=refused, actor="x", placement_type="custody"
            )
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.entity == "forecast_run")
    ).all()
    assert [(e.actor, e.entity_id, e.detail) for e in events] == [
        ("commissioner-1", str(run.id), "format=xlsx tables=4"),
        ("commissioner-1", str(run.id), "format=csv table=demand"),
        ("api-user", str(run.id), "format=json table=costs"),
    ]


@pytest.mark.parametrize(
    ("scenarios", "months", "runs", "fields"),
    [
        (["central"], "24", "200", set()),
        (["central", "more_uasc"], "60", "2000", set()),
        ([], "24", "200", {"scenario"}),
        (["central", "more_uasc", "longer_stays"], "24", "200", {"scenario"}),
        (["alien_invasion"], "24", "200", {"scenario"}),
        (["central"], "25", "200", {"months"}),
        (["central"], "24", "2001", {"runs"}),
        (["central"], "", "99", {"months", "runs"}),
        (["central"], "24", "1e3", {"runs"}),
        (["central"], "²4", "２００", {"months", "runs"}),  # digits, but not ASCII ones
    ],
)
def test_a_page_may_ask_only_for_bounded_forecasts(scenarios, months, runs, fields):
    asked = check_forecast_request(scenarios=scenarios, months=months, runs=runs, as_of=AS_OF)
    assert set(asked.errors) == fields


def test_the_backtest_choice_is_made_once_per_records_and_again_when_they_change(
    session, council, monkeypatch
):
    """The check behind each forecast (which forecast did best on the council's history) is
    eight past forecasts; a second forecast of the same records reuses it, and a changed
    record makes it again, so it is never stale."""
    import forecasts.backtest
    from planner.forecasting import service

    made = []
    real = forecasts.backtest.choose_at

    def counted(data, settings):
        made.append(data.as_of)
        return real(data, settings)

    monkeypatch.setattr(forecasts.backtest, "choose_at", counted)
    service._CHOICES.clear()
    load_council(session, council, actor="demo")
    first = _forecast(session, ["central"], save_trace=False).run_ids[0]
    second = _forecast(session, ["central"], save_trace=False).run_ids[0]
    assert len(made) == 1
    used = [
        get_forecast_run_or_raise(session, run_id=r).tables["demand"]["forecast_used"].tolist()
        for r in (first, second)
    ]
    assert used[0] == used[1]
    stay = session.exec(select(Stay).where(Stay.end_date.is_(None))).first()  # type: ignore[union-attr]
    stay.end_date = date(2024, 3, 30)
    session.add(stay)
    session.flush()
    _forecast(session, ["central"], save_trace=False)
    assert len(made) == 2
