"""Two forecasts compared: a chart of places needed under each scenario beside each table
(an accessible SVG named and described), and the comparison as CSV and Excel downloads,
formula-safe and audited as exports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from webseed import sign_in

from planner.core.db import get_engine, unit_of_work
from planner.models import AuditEvent


def _as(client: TestClient, web_db, role: str) -> TestClient:
    username = web_db.council.by_role[role]
    return sign_in(client, username, web_db.council.passwords[username])


def test_the_comparison_has_a_chart_and_downloads(client, web_db):
    first, second = web_db.council.forecast_runs
    _as(client, web_db, "commissioner")
    page = client.get(f"/forecasts/compare?first={first}&second={second}")
    assert page.status_code == 200
    assert page.text.count('role="img"') >= 1 and '<title id="compare-' in page.text
    assert "solid line, round markers" in page.text and "<table" in page.text
    assert f'href="/forecasts/compare.csv?first={first}&amp;second={second}"' in page.text
    csv = client.get(f"/forecasts/compare.csv?first={first}&second={second}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "central-compared-with" in csv.headers["content-disposition"]
    header = csv.text.splitlines()[0].split(",")
    assert header[:3] == ["quarter_start", "placement_type", "lot"]
    assert "places_needed_difference" in header and len(csv.text.splitlines()) > 2
    xlsx = client.get(f"/forecasts/compare.xlsx?first={first}&second={second}")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.title == "comparison" and sheet.cell(1, 1).value == "quarter_start"
    with unit_of_work(get_engine(web_db.url)) as session:
        exports = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "export", AuditEvent.entity_id == str(first)
            )
        ).all()
        details = {e.detail for e in exports}
    assert f"format=csv table=comparison second={second}" in details
    assert f"format=xlsx table=comparison second={second}" in details


@pytest.mark.parametrize("fmt", ["pdf", "txt"])
def test_only_csv_and_excel_are_offered(client, web_db, fmt):
    first, second = web_db.council.forecast_runs
    _as(client, web_db, "manager")
    assert client.get(f"/forecasts/compare.{fmt}?first={first}&second={second}").status_code in (
        404,
        422,
    )
