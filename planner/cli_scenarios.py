"""``planner scenario list|add|remove`` and ``planner places-needed``: saved scenarios and the
goal-seek from the command line (the services are in :mod:`planner.scenarios`).

A lever is written ``KIND:TARGET:LOW:CENTRAL:HIGH[:START]``:

* ``arrivals:uasc:1.2:1.5:2.0``: UASC arrivals 1.2 to 2.0 times the recorded rate (streams
  ``new``, ``uasc``, ``returner``);
* ``exit_rate:supported_lodgings:0.7:0.8:0.9``: leaving supported lodgings 10-30% less often;
* ``move_share:in_care_other>staying_put:1.1:1.3:1.5``: more moves from care into staying
  put (``move_share:staying_close:...`` for moves from every state);
* ``places:council_flat:6:9:9:2025-04-01``: 6 to 9 council flats more from a date (negative
  for closures or host attrition);
* ``nts_rate::0.001:0.0012:0.0014``: the transfer threshold as a share of children (no target).

LOW and HIGH are the ends of an 80% interval around CENTRAL, drawn afresh in every run.
Errors print the lever's number and field and exit with code 2.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from planner import audit, migrate, scenarios
from planner.db import get_engine, unit_of_work
from planner.permissions import PlannerError
from planner.settings import Settings

console = Console()
err = Console(stderr=True)
scenario_app = typer.Typer(
    help="Saved forecast scenarios (the catalogue is read-only).", no_args_is_help=True
)


def _engine():  # type: ignore[no-untyped-def]
    engine = get_engine(Settings().database_url)
    migrate.upgrade(engine)
    return engine


def _fail(message: str) -> None:
    err.print(f"[red]Error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code=2)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date as YYYY-MM-DD, not {text!r}")
        raise  # unreachable


def _range(lv: scenarios.LeverSpec) -> str:
    return f"{lv.low:g} / {lv.central:g} / {lv.high:g}"


@scenario_app.command("list")
def list_command() -> None:
    """The catalogue, then the saved scenarios, each lever as low / central / high."""
    with unit_of_work(_engine()) as session:
        views = scenarios.list_scenarios(session)
    table = Table(title="Scenarios (levers: low / central / high, an 80% interval)")
    for column in ("Name", "Kind", "Lever", "Low / central / high", "From", "Description"):
        table.add_column(column)
    for view in views:
        kind = "saved" if view.saved else "catalogue"
        if not view.levers:
            table.add_row(view.name, kind, "-", "-", "", view.description)
        for i, lv in enumerate(view.levers):
            table.add_row(
                view.name if i == 0 else "",
                kind if i == 0 else "",
                f"{lv.kind}:{lv.target}",
                _range(lv),
                lv.start.isoformat() if lv.start else "",
                view.description if i == 0 else "",
            )
    console.print(table)


@scenario_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="lower_case_name (3-60 letters, digits, _)")],
    lever: Annotated[
        list[str],
        typer.Option(
            "--lever",
            help="KIND:TARGET:LOW:CENTRAL:HIGH[:START], repeatable; e.g. arrivals:uasc:1.2:1.5:2",
        ),
    ],
    description: Annotated[str, typer.Option(help="What the scenario assumes")] = "",
) -> None:
    """Save a scenario; it can then be run by name (``planner forecast --scenario NAME``)."""
    try:
        with unit_of_work(_engine()) as session:
            view = scenarios.create_scenario(
                session,
                name=name,
                description=description,
                levers=[scenarios.parse_lever(text) for text in lever],
                actor=audit.cli_actor(),
            )
    except PlannerError as exc:
        _fail(exc.message)
    console.print(f"Saved scenario [b]{view.name}[/b] with {len(view.levers)} lever(s).")


@scenario_app.command("remove")
def remove_command(name: Annotated[str, typer.Argument(help="A saved scenario's name")]) -> None:
    """Remove a saved scenario (forecast runs made with it keep its name)."""
    try:
        with unit_of_work(_engine()) as session:
            scenarios.delete_scenario(session, name, actor=audit.cli_actor())
    except PlannerError as exc:
        _fail(exc.message)
    console.print(f"Removed scenario [b]{name}[/b].")


def places_needed_command(
    state: Annotated[
        str,
        typer.Option(
            "--state",
            help="Placement type, with the lot for framework places "
            "(supported_lodgings, supported_accommodation/care_leavers...)",
        ),
    ],
    through: Annotated[str, typer.Option("--through", help="Up to this date, YYYY-MM-DD")],
    probability: Annotated[
        float, typer.Option(help="Highest acceptable chance of a shortfall")
    ] = 0.05,
    scenario: Annotated[str, typer.Option(help="Catalogue or saved scenario")] = "central",
    runs: Annotated[int, typer.Option(min=50, max=20000, help="Monte Carlo runs")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Records as on YYYY-MM-DD")] = None,
) -> None:
    """How many extra places of a type keep P(shortfall) under a target through a date."""
    from planner.forecasting import UnknownScenario

    day = _day(as_of, "--as-of") if as_of else date.today()
    end = _day(through, "--through")
    try:
        with unit_of_work(_engine()) as session:
            answer = scenarios.places_needed(
                session,
                placement_type_state=state,
                through=end,
                probability=probability,
                scenario=scenario,
                runs=runs,
                seed=seed,
                as_of=day,
                child_population=Settings().child_population,
                actor=audit.cli_actor(),
            )
    except PlannerError as exc:
        _fail(exc.message)
    except UnknownScenario as exc:
        _fail(str(exc))
    table = Table(title=f"Places needed: {state} through {end.isoformat()} ({scenario})")
    table.add_column("Measure")
    table.add_column("Value", justify="right")
    for label, value in (
        ("Extra places", f"{answer.extra_places}"),
        ("Places at the date, with the extra", f"{answer.places_at_end}"),
        ("P(shortfall) with planned places", f"{answer.p_shortfall_before:.1%}"),
        ("P(shortfall) with the extra places", f"{answer.p_shortfall_after:.1%}"),
        ("Target", f"{answer.probability:.1%}"),
        (
            "Unsuitable for want of a place, with the extra (mean, worst quarter)",
            f"{answer.for_want_of_a_place_mean_after:.1f}",
        ),
        ("Runs", f"{answer.runs}"),
    ):
        table.add_row(label, value)
    console.print(table)
    console.print(answer.sentence())


def register(app: typer.Typer) -> None:
    """Add ``planner scenario ...`` and ``planner places-needed`` to the main command line."""
    app.add_typer(scenario_app, name="scenario")
    app.command("places-needed")(places_needed_command)
