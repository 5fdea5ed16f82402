"""A care leaver's contact (in touch, activity, latest contact) is kept current from the
command line, with the same 903 codes the returns use."""

from __future__ import annotations

from datetime import date

import factories
from sqlmodel import select
from typer.testing import CliRunner

from planner.cli import app
from planner.core.db import get_engine, unit_of_work
from planner.models import AuditEvent, YoungPerson

runner = CliRunner()


def _run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"PLANNER_DATABASE_URL": url, "COLUMNS": "200"})


def test_contact_is_edited_with_903_codes_and_audited_without_values(sqlite_url):
    assert _run(sqlite_url, "init").exit_code == 0
    with unit_of_work(get_engine(sqlite_url)) as session:
        factories.young_person(session, reference="YP0031")
    edited = _run(
        sqlite_url, "young-person", "edit", "YP0031", "--in-touch", "yes", "--activity", "f4",
        "--latest-contact", "2026-11-02",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    bad = _run(sqlite_url, "young-person", "edit", "YP0031", "--activity", "F3")
    assert bad.exit_code == 2 and "SSDA903 codes" in bad.output
    with unit_of_work(get_engine(sqlite_url)) as session:
        person = session.exec(select(YoungPerson)).one()
        assert (person.in_touch, person.activity, person.latest_contact_on) == (
            "YES",
            "F4",
            date(2026, 11, 2),
        )
        details = [e.detail for e in session.exec(select(AuditEvent)).all()]
    assert not any("F4" in d or "2026-11-02" in d for d in details)
