"""`planner match`: the matching model on two spreadsheets, for analysts and for testing.

Wired into the main command by `planner/cli.py` with `cli_match.register(app)`. On bad input
it prints every bad cell (file, line, column, value, what was expected), exits with code 2
and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer

from optimiser import MatchSettings, match_inputs
from planner.matching_files import MatchFileError, read_match_inputs, write_match_outputs

BAD_INPUT = 2


class Solver(StrEnum):
    cbc = "cbc"
    highs = "highs"


class Backend(StrEnum):
    """How stages reach the solver: see docs/optimiser.md ("Two paths")."""

    auto = "auto"
    pulp = "pulp"
    arrays = "arrays"


def _as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        typer.echo(f"--as-of: value {text!r}, expected a date as YYYY-MM-DD", err=True)
        raise typer.Exit(BAD_INPUT) from None


def match_command(
    people: Path = typer.Option(..., "--people", help="People template (.csv or .xlsx)."),
    vacancies: Path = typer.Option(..., "--vacancies", help="Vacancies template (.csv or .xlsx)."),
    out: Path = typer.Option(..., "--out", help="Directory for the results."),
    as_of: str = typer.Option(None, "--as-of", help="Run date, YYYY-MM-DD (default today)."),
    solver: Solver = typer.Option(Solver.cbc, "--solver", help="cbc (default) or highs."),
    time_limit: float = typer.Option(60.0, "--time-limit", min=1, help="Seconds for the solve."),
    travel_times: Path = typer.Option(
        None, "--travel-times", help="Optional area-to-area minutes (.csv or .xlsx)."
    ),
    backend: Backend = typer.Option(
        Backend.auto,
        "--backend",
        help="auto (arrays and HiGHS for large pure runs), pulp (the chosen solver through "
        "PuLP) or arrays.",
    ),
) -> None:
    """Propose vacancies to young people: out of unsuitable accommodation first, then deadlines,
    then best fit. Writes proposals.csv, unmatched.csv, alternatives.csv and summary.json."""
    settings = MatchSettings(
        as_of=_as_of(as_of),
        solver=solver.value,
        time_limit_seconds=time_limit,
        backend=backend.value,
    )
    try:
        inputs = read_match_inputs(people, vacancies, settings, travel_times_path=travel_times)
    except MatchFileError as error:
        typer.echo(f"Nothing written: {len(error.problems)} problem(s) in the input.", err=True)
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    result = match_inputs(inputs)
    written = write_match_outputs(
        result,
        out,
        extra={
            "as_of": settings.as_of.isoformat(),
            "inputs": {
                "people": str(people),
                "vacancies": str(vacancies),
                "travel_times": None if travel_times is None else str(travel_times),
            },
        },
    )
    counts = result.counts
    typer.echo(
        f"Match run {result.status} ({result.solver}): {counts['proposals']} proposals; "
        f"{counts['moved_out_of_unsuitable']} of {counts['in_unsuitable_accommodation']} moved "
        f"out of unsuitable accommodation; {counts['imminent_needs_met_on_time']} of "
        f"{counts['with_imminent_need']} imminent needs met on time; "
        f"{counts['unmatched_needing_a_move']} needing a move left unmatched."
    )
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    typer.echo(f"Wrote {', '.join(p.name for p in written)} to {out}")
    solved = any(status in ("optimal", "time_limit") for status in result.stages.get("status", []))
    if len(result.stages) and not solved:
        raise typer.Exit(1)  # infeasible side constraints or no solution in time: say so


def register(app: typer.Typer) -> None:
    """Add `match` to the planner's command line."""
    app.command("match")(match_command)
