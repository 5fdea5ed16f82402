"""`planner escalation N ACTION` answers in words: "exit plan recorded", never the code
typed ("exit_plan recorded" was what an officer saw on a walk through time)."""

from __future__ import annotations

from datetime import date

import factories
from typer.testing import CliRunner

from planner.cli import app
from planner.core import clock
from planner.core.db import get_engine, unit_of_work
from planner.domain import PlacementType

runner = CliRunner()
DAY = date(2027, 3, 1)


def test_the_escalation_command_says_what_it_recorded_in_words(sqlite_url):
    env = {"PLANNER_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    with clock.frozen(DAY):
        with unit_of_work(get_engine(sqlite_url)) as session:
            stay = factories.stay(session, placement_type=PlacementType.sofa_surfing)
            escalation = factories.escalation(session, stay=stay, opened_on=DAY)
            number = str(escalation.id)
        done = runner.invoke(
            app, ["escalation", number, "exit_plan", "--target", "2027-04-15"], env=env
        )
        assert done.exit_code == 0, done.output
        assert f"Escalation {number}: exit plan recorded." in done.output
        again = runner.invoke(app, ["escalation", number, "pathway-plan"], env=env)
        assert f"Escalation {number}: pathway plan recorded." in again.output
