"""The fairness audit flags a skewed council and leaves a fair one alone; small counts are
suppressed and never flagged."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import factories
import pandas as pd
from typer.testing import CliRunner

from planner.core import clock
from planner.domain import PlacementType
from planner.matching.fairness import (
    OBSERVATION_COLUMNS,
    STAY_COLUMNS,
    age_group,
    audit,
    fairness_audit,
)
from planner.matching.service import accept_proposal, list_proposals, run_matching
from planner.models import Vacancy

AS_OF = date(2024, 3, 31)
AREAS = ("Weymouth", "Portland", "Dorchester")


def _council(skewed: bool, runs: int = 4, people: int = 120):
    """`people` young people needing a move in each of `runs` runs. Everyone is proposed in
    half the runs and waits 60-100 days in B&B, whatever their group; when `skewed`, UASC
    young people are never proposed and wait three times as long."""
    observations, stays = [], []
    genders = itertools.cycle(["male", "female"])
    ethnicities = itertools.cycle(["white british", "black african", "asian", "mixed"])
    for k in range(people):
        uasc = k % 5 == 0  # spread over every gender, ethnicity, age group and area
        who = {
            "person_id": f"YP{k:04d}",
            "gender": next(genders),
            "ethnicity": next(ethnicities),
            "uasc": "yes" if uasc else "no",
            "age_group": ("16-17", "18-20", "21-25")[k % 3],
            "area": AREAS[k % 3],
        }
        for run in range(runs):
            proposed = (run + k) % 2 == 0 and not (skewed and uasc)
            accepted = proposed and run >= runs - 2  # one accepted proposal each
            observations.append(who | {"proposed": proposed, "accepted": accepted})
        days = 60 + (k * 7) % 41
        stays.append(who | {"days": days * (3 if skewed and uasc else 1)})
    return (
        pd.DataFrame(observations, columns=OBSERVATION_COLUMNS),
        pd.DataFrame(stays, columns=STAY_COLUMNS),
    )


def _flags(result) -> dict[tuple[str, str], list[str]]:
    return {(r.dimension, r.group): r.flags for r in result.flagged}


def test_a_council_that_never_proposes_uasc_young_people_is_flagged():
    observations, stays = _council(skewed=True)
    result = audit(observations, stays, min_count=5, as_of=AS_OF, match_runs=4)
    flags = _flags(result)
    assert "proposed less often than others" in flags[("uasc", "yes")]
    assert "moved less often than others" in flags[("uasc", "yes")]
    assert "waits longer in unsuitable accommodation than others" in flags[("uasc", "yes")]
    assert "proposed more often than others" in flags[("uasc", "no")]
    # the ages, areas and genders are spread evenly over UASC and not: nothing else is flagged
    assert {d for d, _ in flags} == {"uasc"}


def test_a_fair_council_is_not_flagged():
    observations, stays = _council(skewed=False)
    result = audit(observations, stays, min_count=5, as_of=AS_OF, match_runs=4)
    assert result.flagged == []
    assert {r.dimension for r in result.rows} == {
        "gender",
        "ethnicity",
        "uasc",
        "age_group",
        "area",
    }


def test_small_groups_are_suppressed_and_never_flagged():
    observations, stays = _council(skewed=True, runs=1, people=12)  # 3 UASC young people (0, 5, 10)
    result = audit(observations, stays, min_count=5, as_of=AS_OF, match_runs=1)
    (uasc,) = [r for r in result.records() if r["dimension"].startswith("Unaccompanied")
               and r["group"] == "yes"]  # fmt: skip
    assert uasc["needing_a_move"] == "fewer than 5" and uasc["unsuitable_stays"] == "fewer than 5"
    assert uasc["proposed_rate"] == "" and uasc["average_days_waiting"] == ""
    assert uasc["flags"] == ""
    bigger = audit(observations, stays, min_count=3, as_of=AS_OF, match_runs=1)
    assert [r for r in bigger.records() if r["group"] == "yes"][0]["needing_a_move"] == "3"


def test_a_withheld_count_cannot_be_worked_out_from_the_other_figures():
    # 12 young people needing a move, 3 of them UASC (a small group): "fewer than 5"
    observations, stays = _council(skewed=True, runs=1, people=12)
    result = audit(observations, stays, min_count=5, as_of=AS_OF, match_runs=1)
    rows = {(r["dimension"], r["group"]): r for r in result.records()}
    uasc, rest = (
        rows[("Unaccompanied asylum-seeking", "yes")],
        rows[("Unaccompanied asylum-seeking", "no")],
    )
    assert uasc["people_needing_a_move"] == "fewer than 5"
    # every other dimension adds up to 12, so "9 not UASC" would give the 3 away: withheld too
    genders = [rows[("Gender", g)]["people_needing_a_move"] for g in ("female", "male")]
    assert genders == ["6", "6"]
    assert rest["people_needing_a_move"] == "not shown"
    # nor can the small group's rate be read off everyone else's (the total less the group)
    assert uasc["others_moved_rate"] == "" and rest["moved_rate"] == ""
    # a share that gives a small number away is withheld: 1 of 6 proposed, or 5 of 6
    for record in result.records():
        for count, base, rate in (
            ("proposed", "needing_a_move", "proposed_rate"),
            ("moved", "people_needing_a_move", "moved_rate"),
        ):
            if record[rate]:
                shown, whole = int(record[count]), int(record[base])
                assert shown == 0 or shown >= 5 and whole - shown >= 5 or shown == whole


def test_age_groups():
    assert [age_group(a) for a in (15, 16, 17, 18, 20, 21, 25, 26)] == [
        "other ages", "16-17", "16-17", "18-20", "18-20", "21-25", "21-25", "other ages"
    ]  # fmt: skip


def _uasc_council(session) -> None:
    """Six UASC young people and six others in B&B, and six vacancies for the twelve."""
    with clock.frozen(AS_OF):
        scheme = factories.provision(session)
        for k in range(12):
            person = factories.young_person(session, uasc=k % 2 == 0)
            factories.stay(
                session,
                young_person=person,
                placement_type=PlacementType.bed_and_breakfast,
                start_date=AS_OF - timedelta(days=10 + k),
            )
        for _ in range(6):
            factories.vacancy(session, place=factories.place(session, provision=scheme))


def test_the_audit_reads_match_runs_and_stays_from_the_records(session):
    _uasc_council(session)
    run_matching(session, actor="officer", as_of=AS_OF)
    result = fairness_audit(session, as_of=AS_OF, min_count=5)
    assert result.match_runs == 1
    (uasc,) = [r for r in result.rows if r.dimension == "uasc" and r.group == "Yes"]
    assert {r.group for r in result.rows if r.dimension == "gender"} == {"Not stated"}
    assert uasc.proposed.base == 6 and uasc.waiting.count == 6
    total = sum(r.proposed.count for r in result.rows if r.dimension == "uasc")
    assert total == 6  # six vacancies, twelve young people
    assert sum(r.moved.count for r in result.rows if r.dimension == "uasc") == 0
    # one move begins on the day, one is planned for later: only the first counts as moved
    now, later = list_proposals(session)[:2]
    for proposal, start in ((now, AS_OF), (later, AS_OF + timedelta(days=20))):
        vacancy = session.get(Vacancy, proposal.vacancy_id)
        accept_proposal(
            session,
            proposal_id=proposal.id,
            expected_version=proposal.version,
            actor="officer",
            start=max(start, vacancy.available_from),
        )
    result = fairness_audit(session, as_of=AS_OF, min_count=5)
    assert sum(r.moved.count for r in result.rows if r.dimension == "uasc") == 1


def test_the_command_prints_csv_and_json(monkeypatch):
    from planner.matching.fairness import FairnessAudit

    observations, stays = _council(skewed=True)
    result = audit(observations, stays, min_count=5, as_of=AS_OF, match_runs=4)

    def fake(*_args, **_kwargs) -> FairnessAudit:
        return result

    import planner.matching.fairness as fairness

    monkeypatch.setattr(fairness, "fairness_audit", fake)
    monkeypatch.setattr("planner.matching.cli.migrated_engine", lambda: None)
    monkeypatch.setattr("planner.core.db.unit_of_work", _no_database)
    from planner.cli import app

    csv = CliRunner().invoke(app, ["fairness", "--format", "csv"])
    assert csv.exit_code == 0, csv.output
    assert csv.output.splitlines()[0].startswith("dimension,group,needing_a_move")
    assert "proposed less often than others" in csv.output
    table = CliRunner().invoke(app, ["fairness"])
    assert table.exit_code == 0, table.output
    assert "Fairness audit" in table.output


class _no_database:
    def __init__(self, *_args) -> None:
        pass

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_args) -> None:
        return None


def test_a_flag_whose_rates_are_withheld_says_why_they_are_not_shown():
    """Found on a new council's first use: "proposed more often than others" beside blank
    rates and a count shown as "fewer than 5", with nothing to say why."""
    observations, stays = _council(skewed=False, runs=1, people=120)
    uasc = observations["uasc"] == "yes"  # 24 young people, one run each
    observations.loc[uasc, "proposed"] = False
    observations.loc[uasc & (observations.index < 20), "proposed"] = True  # 4 of 24 proposed
    observations.loc[~uasc, "proposed"] = True  # everyone else, 96 of 96
    result = audit(observations, stays, min_count=5, as_of=AS_OF, match_runs=1)
    (row,) = [r for r in result.records() if r["group"] == "yes" and r["proposed"]]
    assert row["proposed"] == "fewer than 5" and row["proposed_rate"] == ""
    assert row["flags"].startswith("proposed less often than others")
    assert "(the rates are not shown: small numbers)" in row["flags"]
