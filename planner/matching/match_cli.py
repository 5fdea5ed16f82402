"""``planner match``: the matching model on spreadsheets, for analysts and for testing.

Apart from the feature's other commands (`planner.matching.cli`, which registers this one)
because a plain ``planner match ARGS`` runs from here without the root command line being
built: the root command (`planner.cli`) sends those arguments to `run_quick_match` before it
imports any feature's commands, rich or the database layer. This module imports typer and
the standard library only; the optimiser and pandas are imported when the command runs
(docs/performance.md, "`planner match` at council size").

On bad input ``planner match`` prints every bad cell (file, line, column, value, what was
expected), exits with code 2 and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

import typer

from planner.core import clock

BAD_INPUT = 2


class Solver(StrEnum):
    cbc = "cbc"
    highs = "highs"


class Backend(StrEnum):
    """How stages reach the solver: see docs/optimiser.md ("Paths")."""

    auto = "auto"
    pulp = "pulp"
    arrays = "arrays"
    flow = "flow"


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
        help="auto (the flow path without side constraints, HiGHS on arrays with them), "
        "pulp (the reference model, the chosen solver through PuLP), arrays or flow.",
    ),
    mix_limits: Path = typer.Option(
        None,
        "--mix-limits",
        help="Optional side constraints: at most N young people with a risk flag per provision "
        "(.csv or .xlsx: provision_id, risk_flag, max_young_people).",
    ),
    lot_limits: Path = typer.Option(
        None,
        "--lot-limits",
        help="Optional side constraints: proposals per lot (.csv or .xlsx: lot, "
        "min_young_people, max_young_people).",
    ),
    max_travel: float = typer.Option(
        None,
        "--max-travel-minutes",
        min=1,
        help="Optional hard limit on the travel time to education, work and network areas.",
    ),
    place_values: bool = typer.Option(
        True,
        "--place-values/--no-place-values",
        help="Work out what one more place of each kind would change (place_values.csv).",
    ),
    alternatives: bool = typer.Option(
        True,
        "--alternatives/--no-alternatives",
        help="Work out the alternatives for each vacancy and young person (alternatives.csv),"
        " the slowest explanation.",
    ),
) -> None:
    """Propose vacancies to young people: out of unsuitable accommodation first, then deadlines,
    then best fit. Writes proposals.csv, unmatched.csv, alternatives.csv, unmet_need.csv,
    exclusions.csv, place_values.csv (what one more place of each kind would change) and
    summary.json."""
    from optimiser import MatchSettings, match_inputs
    from optimiser.place_values import PlaceValueError, place_values_inputs
    from planner.matching.files import MatchFileError, read_match_inputs, write_match_outputs

    settings = MatchSettings(
        as_of=_as_of(as_of) or clock.today(),
        solver=solver.value,
        time_limit_seconds=time_limit,
        backend=backend.value,
        alternatives=alternatives,
        max_travel_minutes=max_travel,
    )
    try:
        inputs = read_match_inputs(
            people,
            vacancies,
            settings,
            travel_times_path=travel_times,
            mix_limits_path=mix_limits,
            lot_limits_path=lot_limits,
        )
    except MatchFileError as error:
        typer.echo(f"Nothing written: {len(error.problems)} problem(s) in the input.", err=True)
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    result = match_inputs(inputs)
    values, values_note = None, None
    if place_values:
        try:
            optimal = result.status == "optimal"
            values = place_values_inputs(
                inputs,
                proposals=result.proposals if optimal else None,
                needs=result.needs,
                compatibility=result.compatibility,
            )
        except PlaceValueError as error:
            values_note = f"place_values.csv not written: {error}"
    else:
        values_note = "place_values.csv not written (--no-place-values)"
    written = write_match_outputs(
        result,
        out,
        place_values=values,
        alternatives=alternatives,
        extra={
            "place_values": values_note or "place_values.csv",
            "alternatives": "alternatives.csv"
            if alternatives
            else "alternatives.csv not written (--no-alternatives)",
            "as_of": settings.as_of.isoformat(),
            "inputs": {
                "people": str(people),
                "vacancies": str(vacancies),
                "travel_times": None if travel_times is None else str(travel_times),
                "mix_limits": None if mix_limits is None else str(mix_limits),
                "lot_limits": None if lot_limits is None else str(lot_limits),
            },
            "max_travel_minutes": max_travel,
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
    if values_note and place_values:
        typer.echo(f"Warning: {values_note}", err=True)
    typer.echo(f"Wrote {', '.join(p.name for p in written)} to {out}")
    solved = any(status in ("optimal", "time_limit") for status in result.stages.get("status", []))
    if len(result.stages) and not solved:
        raise typer.Exit(1)  # infeasible side constraints or no solution in time: say so


def _as_of(text: str | None) -> dt.date | None:
    """`planner.core.cli_support.parse_day`, which imports only when the date is bad (its
    home has rich's console, which a good run never needs)."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        from planner.core.cli_support import parse_day

        return parse_day(text)


def quick_match_arguments(args: Sequence[str]) -> dict[str, object] | None:
    """The arguments of ``planner match ARGS`` as typer would hand them to `match_command`,
    read straight from its signature, or None for anything this reader does not settle.

    Building every command's parameters (typer imports pydantic to coerce them) costs about
    0.2-0.3 s of CPU per run, a fifth of a council-size match (docs/performance.md,
    "`planner match` at council size"). This reader takes only the plain forms: each
    option once, as ``--name VALUE`` or a ``--flag/--no-flag``, dates and paths as typed,
    numbers as digits with an optional decimal part, within the option's limits, choices
    spelt as their values. Anything else (``--help``, ``--name=VALUE``, an unknown or
    repeated option, a missing required one, a value out of range) returns None and typer
    reads the arguments itself, with its own messages. `tests/matching/test_match_command.py`
    checks that whatever this returns equals what typer makes of the same arguments."""
    import inspect
    import re
    import typing

    hints = typing.get_type_hints(match_command)
    values: dict[str, object] = {}
    flags: dict[str, tuple[str, bool]] = {}
    takes_value: dict[str, str] = {}
    infos = {}
    for name, parameter in inspect.signature(match_command).parameters.items():
        info = parameter.default
        infos[name] = info
        values[name] = info.default
        for declaration in info.param_decls:
            on, _, off = declaration.partition("/")
            if off:
                flags[on], flags[off] = (name, True), (name, False)
            else:
                takes_value[on] = name
    seen: set[str] = set()
    position = 0
    while position < len(args):
        token = args[position]
        if token in flags and flags[token][0] not in seen:
            name, values[name] = flags[token]
            seen.add(name)
            position += 1
            continue
        name = takes_value.get(token, "")
        if not name or name in seen or position + 1 >= len(args):
            return None
        raw = args[position + 1]
        if not raw or raw.startswith("-"):
            return None
        kind, info = hints[name], infos[name]
        kind = next((k for k in typing.get_args(kind) if k is not type(None)), kind)
        value: object
        if kind is float:
            if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw):
                return None
            value = float(raw)
            if (info.min is not None and value < info.min) or (
                info.max is not None and value > info.max
            ):
                return None
        elif isinstance(kind, type) and issubclass(kind, StrEnum):
            if raw not in {member.value for member in kind}:
                return None
            value = kind(raw)
        elif kind is Path:
            value = Path(raw)
        elif kind is str:
            value = raw
        else:
            return None
        values[name] = value
        seen.add(name)
        position += 2
    if any(value is ... for value in values.values()):
        return None
    return values


def run_quick_match(args: Sequence[str]) -> bool:
    """Run ``planner match ARGS`` without building the command line if
    `quick_match_arguments` settles ARGS; False if it does not (typer runs it then).
    Ends like typer does: SystemExit with the command's exit code (0 when it returns)."""
    arguments = quick_match_arguments(args)
    if arguments is None:
        return False
    try:
        match_command(**arguments)  # type: ignore[arg-type]
    except typer.Exit as exit_:
        raise SystemExit(exit_.exit_code) from None
    except (KeyboardInterrupt, EOFError):
        typer.echo("\nAborted!", err=True)  # as typer (click) ends an interrupted command
        raise SystemExit(1) from None
    raise SystemExit(0)
