"""The commissioning paper of a saved forecast: a tagged PDF holding the run's fan charts
(vector SVG), its shortfall and places-needed tables, the scenarios made from the same data
and the inputs with their provenance.

The paper is rendered ONCE for the module (by ``planner report forecast RUN``, on a copy
of the demo council) and every test reads that one render: rendering takes seconds.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from demo_db import DEMO_AS_OF, copy_demo
from pypdf import PdfReader
from typer.testing import CliRunner

from planner.cli import app
from planner.core.db import get_engine, unit_of_work
from planner.forecasting.service import get_forecast_run_or_raise, make_forecast
from planner.reports import forecast_paper


@dataclass
class Paper:
    run_id: int
    other_run_id: int
    html: str
    context: dict[str, Any]
    pdf: bytes
    fingerprint: str
    env: dict[str, str]
    out: Any
    render_seconds: float


@pytest.fixture(scope="module")
def paper(demo_template, tmp_path_factory) -> Paper:
    folder = tmp_path_factory.mktemp("forecast-paper")
    url = copy_demo(demo_template, folder)
    env = {"PLANNER_DATABASE_URL": url, "COLUMNS": "200"}
    engine = get_engine(url)
    with unit_of_work(engine) as session:
        report = make_forecast(
            session,
            scenarios=["central", "host_recruitment"],
            as_of=DEMO_AS_OF,
            child_population=67_300,
            actor="commissioner-1",
            months=12,
            runs=50,
            seed=3,
            save_trace=True,
            compare=False,
        )
    first, second = report.run_ids
    with unit_of_work(engine) as session:
        html = forecast_paper.forecast_paper_html(session, run_id=first)
        context = forecast_paper.run_context(session, run_id=first)
        fingerprint = get_forecast_run_or_raise(session, run_id=first).run.data_fingerprint
    out = folder / "paper.pdf"
    started = time.perf_counter()
    written = CliRunner().invoke(
        app, ["report", "forecast", str(first), "--format", "pdf", "--out", str(out)], env=env
    )
    seconds = time.perf_counter() - started
    assert written.exit_code == 0, written.output
    yield Paper(first, second, html, context, out.read_bytes(), fingerprint, env, out, seconds)
    engine.dispose()


def _text(pdf: bytes) -> str:
    """The PDF's words, whitespace folded (lines wrap where the page does)."""
    return " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def test_the_paper_holds_the_charts_tables_scenarios_and_inputs_of_its_run(paper):
    # every fan chart, as inline SVG with its title
    assert paper.html.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(
        paper.context["sections"]
    )
    assert "/tables/" not in paper.html  # no download links in a paper
    reader = PdfReader(io.BytesIO(paper.pdf))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])
    text = _text(paper.pdf)
    assert f"Commissioning paper: forecast {paper.run_id}" in text
    assert "Places needed against planned places" in text
    assert paper.fingerprint in text  # provenance
    assert "Scenarios compared" in text and f"{paper.other_run_id}" in text
    assert "No backtest accuracy is stored with this run" in text
    for section in paper.context["planned"]:
        assert f"Shortfall by quarter: {section['label']}" in text
        last = section["shortfall"][-1]
        if float(last["places_needed"]).is_integer():
            assert f"{round(last['places_needed']):,}" in text
    for section in paper.context["sections"]:
        assert section["label"] in text
    # the charts are vector drawings: their axis words are text in the PDF, not pixels
    assert re.search(r"Recorded Forecast", text)
    assert not any(
        "/Image" in str(p.get("/Resources", {}).get("/XObject", {})) for p in reader.pages
    )
    print(f"commissioning paper rendered by the command in {paper.render_seconds:.1f} s")


def test_planner_report_forecast_refuses_other_formats_and_records_the_export(paper):
    wrong = CliRunner().invoke(
        app,
        ["report", "forecast", str(paper.run_id), "--format", "csv", "--out", str(paper.out)],
        env=paper.env,
    )
    assert wrong.exit_code == 2
    from sqlmodel import select

    from planner.models import AuditEvent

    with unit_of_work(get_engine(paper.env["PLANNER_DATABASE_URL"])) as session:
        exports = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "export", AuditEvent.entity_id == str(paper.run_id)
            )
        ).all()
    assert [e.detail for e in exports] == ["format=pdf paper"]  # the refusal wrote nothing
