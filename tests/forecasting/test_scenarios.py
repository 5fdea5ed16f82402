"""Saved scenarios and the goal-seek, on both databases: every lever checked with errors that
name the lever and the field, the catalogue read-only, saved scenarios run by name, changes
audited, and "how many places" answered on cases that can be checked by hand."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import factories
import pandas as pd
import pytest
from sqlmodel import select

from forecasts.scenarios import standard_scenarios
from planner.core.errors import Conflict, InvalidInput, NotFound
from planner.demo.council import generate_council, load_council
from planner.domain import Cohort, PlacementType
from planner.forecasting import places_needed, scenarios
from planner.forecasting.service import check_forecast_request, make_forecast, scenario_catalogue
from planner.models import AuditEvent

AS_OF = date(2024, 3, 31)
UASC = {"kind": "arrivals", "stream": "uasc", "low": 2.5, "central": 3.0, "high": 3.5}


@pytest.fixture(scope="module")
def council():
    return generate_council(2024, AS_OF)


@pytest.mark.parametrize(
    ("lever", "field", "words"),
    [
        ({"kind": "more", "central": 1}, "kind", "choose one of arrivals"),
        ({"kind": "arrivals", "stream": "asylum", "central": 1}, "stream", "choose one of new"),
        ({"kind": "exit_rate", "state": "hotel", "central": 0.8}, "state", "the model knows"),
        ({"kind": "move_share", "destination": "", "central": 2}, "destination", "choose"),
        ({"kind": "arrivals", "stream": "uasc", "central": "lots"}, "central", "not a number"),
        ({"kind": "arrivals", "stream": "uasc", "central": ""}, "central", "enter a number"),
        ({"kind": "arrivals", "stream": "uasc", "low": 2, "central": 1.5}, "low", "central"),
        ({"kind": "arrivals", "stream": "uasc", "central": 1.5, "high": 1.2}, "high", "central"),
        ({"kind": "arrivals", "stream": "uasc", "central": 50}, "central", "from 0 to 10"),
        ({"kind": "arrivals", "stream": "uasc", "central": "nan"}, "central", "finite"),
        ({"kind": "nts_rate", "central": 0.5}, "central", "from 0 to 0.01"),
        ({"kind": "places", "state": "council_flat", "central": 5}, "start", "date"),
        (
            {"kind": "places", "state": "council_flat", "central": 2.5, "start": "2025-01-01"},
            "central",
            "whole number",
        ),
        (
            {"kind": "places", "state": "council_flat", "central": 5, "start": "next year"},
            "start",
            "YYYY-MM-DD",
        ),
        (
            {"kind": "exit_rate", "state": "council_flat", "stream": "uasc", "central": 1},
            "stream",
            "leave empty",
        ),
        (
            {"kind": "arrivals", "stream": "uasc", "central": 1, "start": "2025-01-01"},
            "start",
            "leave empty",
        ),
    ],
)
def test_every_lever_is_checked_and_the_error_names_lever_and_field(session, lever, field, words):
    good = {"kind": "exit_rate", "state": "supported_lodgings", "central": 0.8}
    with pytest.raises(scenarios.InvalidLever) as caught:
        scenarios.create_scenario(
            session, name="checked", levers=[good, lever], actor="commissioner-1"
        )
    assert caught.value.lever == 2 and caught.value.field == field
    assert caught.value.message.startswith(f"Lever 2, {field}: ")
    assert words in caught.value.message
    assert isinstance(caught.value, InvalidInput) and caught.value.status_code == 422


def test_names_are_checked_and_the_catalogue_is_read_only(session):
    one = [{"kind": "exit_rate", "state": "council_flat", "central": 0.9}]
    for bad in ("ab", "Has Capitals", "1starts_with_digit", "x" * 61, "nul\x00"):
        with pytest.raises(InvalidInput):
            scenarios.create_scenario(session, name=bad, levers=one, actor="c")
    with pytest.raises(Conflict):
        scenarios.create_scenario(session, name="more_uasc", levers=one, actor="c")
    with pytest.raises(InvalidInput, match="at least one lever"):
        scenarios.create_scenario(session, name="empty_one", levers=[], actor="c")
    with pytest.raises(InvalidInput, match="catalogue"):
        scenarios.delete_scenario(session, "central", actor="c")
    with pytest.raises(InvalidInput, match="catalogue"):
        scenarios.update_scenario(session, "longer_stays", description="x", actor="c")
    with pytest.raises(NotFound):
        scenarios.delete_scenario(session, "never_saved", actor="c")


def test_create_update_delete_are_audited_and_listed_after_the_catalogue(session):
    made = scenarios.create_scenario(
        session,
        name="flats_and_uasc",
        description="two conversions and more UASC",
        levers=[
            UASC,
            scenarios.parse_lever("places:council_flat:4:6:9:2025-04-01"),
            scenarios.parse_lever("move_share:in_care_other>staying_put:1.1:1.3:1.5"),
        ],
        actor="commissioner-1",
    )
    assert (
        made.saved
        and made.id
        and [lv.kind for lv in made.levers]
        == [
            "arrivals",
            "places",
            "move_share",
        ]
    )
    assert made.levers[1].start == date(2025, 4, 1)
    assert made.levers[2].target == "in_care_other>staying_put"
    with pytest.raises(Conflict):
        scenarios.create_scenario(session, name="flats_and_uasc", levers=[UASC], actor="c")
    listed = scenarios.list_scenarios(session, as_of=AS_OF)
    names = [s.name for s in listed]
    assert names[0] == "central" and names[-1] == "flats_and_uasc"
    assert [s.saved for s in listed].count(True) == 1
    changed = scenarios.update_scenario(
        session, "flats_and_uasc", levers=[UASC], actor="commissioner-2"
    )
    assert len(changed.levers) == 1 and changed.description == "two conversions and more UASC"
    assert "flats_and_uasc" in scenario_catalogue(AS_OF, session)
    assert "flats_and_uasc" not in scenario_catalogue(AS_OF)  # without a session: catalogue
    scenarios.delete_scenario(session, "flats_and_uasc", actor="commissioner-2")
    with pytest.raises(NotFound):
        scenarios.get_scenario(session, "flats_and_uasc")
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "scenario")).all()
    assert [(e.action, e.actor) for e in events] == [
        ("create", "commissioner-1"),
        ("update", "commissioner-2"),
        ("delete", "commissioner-2"),
    ]
    assert all(e.entity_id == str(made.id) and "name=flats_and_uasc" in e.detail for e in events)


def test_parse_lever_syntax():
    assert scenarios.parse_lever("arrivals:uasc:1.2:1.5:2") == {
        "kind": "arrivals",
        "stream": "uasc",
        "low": "1.2",
        "central": "1.5",
        "high": "2",
        "start": "",
    }
    assert scenarios.parse_lever("nts_rate::0.001:0.0012:0.0014")["kind"] == "nts_rate"
    assert scenarios.parse_lever("move_share:staying_close:1.5:2:2.5")["destination"] == (
        "staying_close"
    )
    with pytest.raises(InvalidInput, match="KIND:TARGET:LOW:CENTRAL:HIGH"):
        scenarios.parse_lever("arrivals:uasc:1.5")


def _uasc_demand(report, scenario: str) -> float:
    demand = report.tables["demand"]
    mine = demand[
        (demand["scenario"] == scenario)
        & (demand["placement_type"] == "supported_accommodation")
        & (demand["lot"] == "uasc")
    ]
    return (
        float(mine["demand_mean"].sum())
        if "demand_mean" in mine
        else float(mine["demand_median"].sum())
    )


def test_a_saved_scenario_with_more_uasc_arrivals_raises_uasc_demand(session, council):
    load_council(session, council, actor="demo")
    scenarios.create_scenario(session, name="uasc_tripled", levers=[UASC], actor="commissioner-1")
    asked = check_forecast_request(
        scenarios=["central", "uasc_tripled"],
        months="12",
        runs="100",
        as_of=AS_OF,
        session=session,
    )
    assert asked.errors == {}
    report = make_forecast(
        session,
        scenarios=["central", "uasc_tripled"],
        months=12,
        runs=100,
        seed=3,
        as_of=AS_OF,
        child_population=67_300,
        actor="commissioner-1",
        save_trace=False,
        compare=False,
    )
    assert _uasc_demand(report, "uasc_tripled") > 1.15 * _uasc_demand(report, "central")
    runs = [s.name for s in report.scenarios]
    assert runs == ["central", "uasc_tripled"]


def test_goal_seek_on_hand_checkable_cases(session, council):
    load_council(session, council, actor="demo")
    through = date(2025, 3, 31)
    common = {
        "through": through,
        "runs": 200,
        "seed": 1,
        "as_of": AS_OF,
        "child_population": 67_300,
        "actor": "commissioner-1",
    }
    # capacity far above demand: nothing to add, no risk before or after
    scenarios.create_scenario(
        session,
        name="lodgings_galore",
        levers=[{"kind": "places", "state": "supported_lodgings", "central": 500, "start": AS_OF}],
        actor="c",
    )
    plenty = places_needed.places_needed(
        session, placement_type_state="supported_lodgings", scenario="lodgings_galore", **common
    )
    assert plenty.extra_places == 0 and plenty.p_shortfall_before == 0.0
    assert plenty.p_shortfall_after == 0.0
    assert plenty.sentence().startswith("No extra places of supported lodgings are needed")
    # every place closed: the places needed are the high (95%) quantile of the largest demand
    # over the months, so at least the demand's median and within the simulated range
    scenarios.create_scenario(
        session,
        name="lodgings_closed",
        levers=[
            {"kind": "places", "state": "supported_lodgings", "central": -1000, "start": AS_OF}
        ],
        actor="c",
    )
    closed = places_needed.places_needed(
        session, placement_type_state="supported_lodgings", scenario="lodgings_closed", **common
    )
    assert closed.planned_at_end == 0
    assert closed.p_shortfall_before == 1.0 and closed.p_shortfall_after <= 0.05
    report = make_forecast(
        session,
        scenarios=["lodgings_closed"],
        months=12,
        runs=200,
        seed=1,
        as_of=AS_OF,
        child_population=67_300,
        actor="c",
        save_trace=False,
        compare=False,
    )
    demand = report.tables["demand"]
    lodgings = demand[demand["placement_type"] == "supported_lodgings"]
    assert closed.extra_places >= lodgings["demand_median"].max()
    assert closed.extra_places <= lodgings["demand_hi_95"].max() + 5
    # the central answer lies between, and it is audited without saving anything
    central = places_needed.places_needed(
        session, placement_type_state="supported_lodgings", probability=0.05, **common
    )
    assert 0 <= central.extra_places <= closed.extra_places
    assert central.p_shortfall_after <= 0.05
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "goal_seek")).all()
    assert len(events) == 3 and "state=supported_lodgings" in events[0].detail
    # bed and breakfast places in the inventory are never planned for: not offered, and asked
    # anyway the refusal is in words
    _places(session, PlacementType.bed_and_breakfast, 3)
    session.flush()
    offered = dict(places_needed.planned_states(session, AS_OF))
    assert "bed_and_breakfast" not in offered and offered["council_flat"] == "Council flat"
    with pytest.raises(InvalidInput) as refused:
        places_needed.places_needed(
            session, placement_type_state="bed_and_breakfast", **common | {"runs": 50}
        )
    assert "no planned places of bed and breakfast" in refused.value.message
    assert "_" not in refused.value.message


def test_the_places_needed_answer_reads_in_words():
    """Placement types within a sentence in lower case, an acronym kept; no code."""
    answer = places_needed.PlacesNeeded(
        state="council_flat",
        through=date(2027, 3, 31),
        probability=0.05,
        scenario="central",
        as_of=AS_OF,
        runs=500,
        extra_places=4,
        places_at_end=10,
        p_shortfall_before=0.4,
        p_shortfall_after=0.04,
        for_want_of_a_place_mean_after=0.1,
    )
    assert answer.sentence().startswith("4 extra places of council flat (about 10 in all)")
    assert answer.sentence("Council flat").startswith("4 extra places of council flat")
    uasc = dataclasses.replace(answer, state="supported_accommodation/uasc")
    assert "places of supported accommodation framework: UASC in care lot" in uasc.sentence()


def test_goal_seek_refuses_what_it_cannot_answer(session, council):
    common = {"as_of": AS_OF, "child_population": 67_300, "actor": "c", "runs": 50}
    with pytest.raises(InvalidInput, match="State"):
        places_needed.places_needed(
            session, placement_type_state="hotel", through=date(2025, 1, 1), **common
        )
    with pytest.raises(InvalidInput, match="Through"):
        places_needed.places_needed(
            session, placement_type_state="council_flat", through=date(2030, 1, 1), **common
        )
    with pytest.raises(InvalidInput, match="Probability"):
        places_needed.places_needed(
            session,
            placement_type_state="council_flat",
            through=date(2025, 1, 1),
            probability=0.9,
            **common,
        )


def test_levers_round_trip_through_json(session):
    made = scenarios.create_scenario(
        session, name="round_trip", levers=[UASC], actor="c", description="x"
    )
    back = scenarios.get_scenario(session, "round_trip")
    assert back.levers == made.levers
    assert json.loads(json.dumps(back.levers[0].as_json()))["stream"] == "uasc"
    model = back.to_model()
    assert model.levers[0].kind == "arrivals" and model.levers[0].high == 3.5


def _places(session, placement_type, count, **rules):
    owner = factories.provision(session, placement_type=placement_type, **rules)
    for _ in range(count):
        factories.place(session, provision=owner)


def test_the_catalogue_is_sized_from_the_councils_own_places(session):
    """A new council (10 framework places in the care leavers lot, 6 council flats, 7 hosts,
    2 staying close places) is offered capacity scenarios sized from its own places, with the
    figures in the description; never the demo's thirty framework places or nine flats."""
    _places(session, PlacementType.supported_accommodation, 10, cohort=Cohort.care_leavers)
    _places(session, PlacementType.council_flat, 6)
    _places(session, PlacementType.supported_lodgings, 7)
    _places(session, PlacementType.staying_close, 2)
    session.flush()
    offered = {v.name: v for v in scenarios.list_scenarios(session, as_of=AS_OF)}
    framework = offered["new_framework_places"].levers[0]
    assert (framework.low, framework.central, framework.high) == (7, 10, 10)
    assert "10 more (7 to 10) on the 10 places now" in offered["new_framework_places"].description
    flats = offered["move_on_supply"].levers[0]
    assert (flats.low, flats.central, flats.high) == (1, 2, 2)
    assert "a quarter more council flats" in offered["move_on_supply"].description
    close = offered["staying_close_roll_out"].levers[1]
    assert (close.low, close.central, close.high) == (1, 2, 2)
    hosts = offered["host_recruitment"].levers[0]
    assert (hosts.low, hosts.central, hosts.high) == (1, 1, 2)
    words = " ".join(v.description for v in offered.values()).lower()
    assert "thirty" not in words and "nine" not in words and "+12" not in words
    # the run uses the same sizes as the list shows
    run = scenario_catalogue(AS_OF, session)["new_framework_places"].levers[0]
    assert (run.low, run.central, run.high) == (7, 10, 10)


def test_a_council_without_places_of_a_type_is_not_offered_more_of_them(session):
    _places(session, PlacementType.council_flat, 6)
    session.flush()
    offered = [v.name for v in scenarios.list_scenarios(session, as_of=AS_OF)]
    assert "move_on_supply" in offered
    for name in ("new_framework_places", "staying_close_roll_out", "host_recruitment"):
        assert name not in offered
    # the catalogue's names stay reserved whatever is offered
    one = [{"kind": "exit_rate", "state": "council_flat", "central": 0.9}]
    with pytest.raises(Conflict):
        scenarios.create_scenario(session, name="new_framework_places", levers=one, actor="c")


def test_the_demo_keeps_its_scenario_sizes():
    """The README's demo walk-through: 20 to 30 framework places, 8 to 12 staying close
    places, 2 to 7 hosts, on the demo's 30, 12 and 27 places now."""
    places = {
        "supported_accommodation/care_leavers": 30,
        "staying_close": 12,
        "supported_lodgings": 27,
        "council_flat": 33,
    }
    catalogue = standard_scenarios(pd.Timestamp(AS_OF), places)
    lever = catalogue["new_framework_places"].levers[0]
    assert (lever.low, lever.central, lever.high) == (20, 30, 30)
    lever = catalogue["staying_close_roll_out"].levers[1]
    assert (lever.low, lever.central, lever.high) == (8, 12, 12)
    lever = catalogue["host_recruitment"].levers[0]
    assert (lever.low, lever.central, lever.high) == (2, 5, 7)
    lever = catalogue["move_on_supply"].levers[0]
    assert (lever.low, lever.central, lever.high) == (5, 8, 8)
