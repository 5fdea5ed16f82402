"""The commissioning paper of a saved forecast: a tagged PDF holding the run's fan charts
(vector SVG), its shortfall and places-needed tables, the scenarios made from the same data
and the inputs with their provenance."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from planner.cli import app
from planner.demo.council import generate_council, load_council
from planner.forecasting.service import get_forecast_run_or_raise, make_forecast
from planner.reports import forecast_paper

AS_OF = date(2024, 3, 31)


@pytest.fixture(scope="module")
def council():
    return generate_council(2024, AS_OF)


def _text(pdf: bytes) -> str:
    """The PDF's words, whitespace folded (lines wrap where the page does)."""
    return " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def test_the_paper_holds_the_charts_tables_scenarios_and_inputs_of_its_run(session, council):
    load_council(session, council, actor="demo")
    report = make_forecast(
        session,
        scenarios=["central", "host_recruitment"],
        as_of=AS_OF,
        child_population=67_300,
        actor="commissioner-1",
        months=12,
        runs=100,
        seed=3,
        save_trace=True,
        compare=False,
    )
    first, second = report.run_ids
    html = forecast_paper.forecast_paper_html(session, run_id=first)
    context = forecast_paper.run_context(session, run_id=first)
    # every fan chart, as inline SVG with its title
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(context["sections"])
    assert "/tables/" not in html  # no download links in a paper
    name, pdf = forecast_paper.export_forecast_paper(
        session, run_id=first, fmt="pdf", actor="commissioner-1"
    )
    assert name == f"forecast-{first}-commissioning-paper.pdf"
    reader = PdfReader(io.BytesIO(pdf))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])
    text = _text(pdf)
    saved = get_forecast_run_or_raise(session, run_id=first)
    assert saved.run.data_fingerprint in text  # provenance
    assert "Scenarios compared" in text and f"{second}" in text
    assert "No backtest accuracy is stored with this run" in text
    for section in context["planned"]:
        assert f"Shortfall by quarter: {section['label']}" in text
        last = section["shortfall"][-1]
        needed = (
            f"{round(last['places_needed']):,}"
            if float(last["places_needed"]).is_integer()
            else None
        )
        if needed:
            assert needed in text
    for section in context["sections"]:
        assert section["label"] in text
    # the charts are vector drawings: their axis words are text in the PDF, not pixels
    assert re.search(r"Recorded Forecast", text)
    assert not any(
        "/Image" in str(p.get("/Resources", {}).get("/XObject", {})) for p in reader.pages
    )


def test_planner_report_forecast_writes_the_paper(tmp_path):
    url = f"sqlite:///{tmp_path / 'planner.sqlite3'}"
    env = {"PLANNER_DATABASE_URL": url, "COLUMNS": "200"}
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--as-of", AS_OF.isoformat()], env=env).exit_code == 0
    made = runner.invoke(
        app,
        ["forecast", "--out", str(tmp_path / "fc"), "--horizon", "12", "--runs", "50"]
        + ["--as-of", AS_OF.isoformat()],
        env=env,
    )
    assert made.exit_code == 0, made.output
    from planner.core.db import get_engine, unit_of_work
    from planner.models import ForecastRun

    with unit_of_work(get_engine(url)) as session:
        run_id = max(r.id for r in session.query(ForecastRun).all())
    out = tmp_path / "paper.pdf"
    written = runner.invoke(
        app, ["report", "forecast", str(run_id), "--format", "pdf", "--out", str(out)], env=env
    )
    assert written.exit_code == 0, written.output
    text = _text(out.read_bytes())
    assert f"Commissioning paper: forecast {run_id}" in text
    assert "Places needed against planned places" in text
    wrong = runner.invoke(
        app, ["report", "forecast", str(run_id), "--format", "csv", "--out", str(out)], env=env
    )
    assert wrong.exit_code == 2
