"""``planner match``: the matching model on spreadsheets, for analysts and for testing.

This module does not import the command-line library: a plain ``planner match ARGS`` (each
option once, as ``--name VALUE`` or a switch) is read here (`quick_match_arguments`) and run
straight from the command's entry point (`planner.entry`), before typer, rich, the database
layer or any other feature's commands are imported, about a tenth of a council-size run
(docs/performance.md, "`planner match` at council size"). Everything else (``--help``, an
unusual form, a mistake) goes to typer, whose command is built from the same `OPTIONS` in
`planner.matching.cli`, so the two readers cannot drift apart
(tests/matching/test_match_command.py checks that they read alike). The optimiser and
pandas are imported when the command runs.

On bad input ``planner match`` prints every bad cell (file, line, column, value, what was
expected), exits with code 2 and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

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


REQUIRED = ...  # the default of an option that must be given (typer's spelling)


@dataclass(frozen=True)
class MatchOption:
    """One option of ``planner match``: how it is typed, its default and its help.

    `flag` is ``--name`` for an option that takes a value, ``--name/--no-name`` for a switch;
    `kind` is what its value becomes (Path, str, float, bool or a StrEnum of choices)."""

    flag: str
    kind: type
    default: object
    help: str
    min: float | None = None


OPTIONS: dict[str, MatchOption] = {
    "people": MatchOption("--people", Path, REQUIRED, "People template (.csv or .xlsx)."),
    "vacancies": MatchOption("--vacancies", Path, REQUIRED, "Vacancies template (.csv or .xlsx)."),
    "out": MatchOption("--out", Path, REQUIRED, "Directory for the results."),
    "as_of": MatchOption("--as-of", str, None, "Run date, YYYY-MM-DD (default today)."),
    "solver": MatchOption("--solver", Solver, Solver.cbc, "cbc (default) or highs."),
    "time_limit": MatchOption("--time-limit", float, 60.0, "Seconds for the solve.", min=1),
    "travel_times": MatchOption(
        "--travel-times", Path, None, "Optional area-to-area minutes (.csv or .xlsx)."
    ),
    "backend": MatchOption(
        "--backend",
        Backend,
        Backend.auto,
        "auto (the flow path without side constraints, HiGHS on arrays with them), "
        "pulp (the reference model, the chosen solver through PuLP), arrays or flow.",
    ),
    "mix_limits": MatchOption(
        "--mix-limits",
        Path,
        None,
        "Optional side constraints: at most N young people with a risk flag per provision "
        "(.csv or .xlsx: provision_id, risk_flag, max_young_people).",
    ),
    "lot_limits": MatchOption(
        "--lot-limits",
        Path,
        None,
        "Optional side constraints: proposals per lot (.csv or .xlsx: lot, "
        "min_young_people, max_young_people).",
    ),
    "max_travel": MatchOption(
        "--max-travel-minutes",
        float,
        None,
        "Optional hard limit on the travel time to education, work and network areas.",
        min=1,
    ),
    "place_values": MatchOption(
        "--place-values/--no-place-values",
        bool,
        True,
        "Work out what one more place of each kind would change (place_values.csv).",
    ),
    "alternatives": MatchOption(
        "--alternatives/--no-alternatives",
        bool,
        True,
        "Work out the alternatives for each vacancy and young person (alternatives.csv),"
        " the slowest explanation.",
    ),
}


def run_match(
    *,
    people: Path,
    vacancies: Path,
    out: Path,
    as_of: str | None = None,
    solver: Solver = Solver.cbc,
    time_limit: float = 60.0,
    travel_times: Path | None = None,
    backend: Backend = Backend.auto,
    mix_limits: Path | None = None,
    lot_limits: Path | None = None,
    max_travel: float | None = None,
    place_values: bool = True,
    alternatives: bool = True,
) -> int:
    """Propose vacancies to young people: out of unsuitable accommodation first, then deadlines,
    then best fit. Writes proposals.csv, unmatched.csv, alternatives.csv, unmet_need.csv,
    exclusions.csv, place_values.csv (what one more place of each kind would change) and
    summary.json."""
    from optimiser import MatchSettings, match_inputs
    from optimiser.place_values import PlaceValueError, value_of_one_more_place
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
        _say(f"Nothing written: {len(error.problems)} problem(s) in the input.", err=True)
        for problem in error.problems:
            _say(f"  {problem}", err=True)
        return BAD_INPUT
    result = match_inputs(inputs)
    values, values_note = None, None
    if place_values:
        try:
            optimal = result.status == "optimal"
            values = value_of_one_more_place(
                inputs,
                proposals=result.tables["proposals"] if optimal else None,
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
    _say(
        f"Match run {result.status} ({result.solver}): {counts['proposals']} proposals; "
        f"{counts['moved_out_of_unsuitable']} of {counts['in_unsuitable_accommodation']} moved "
        f"out of unsuitable accommodation; {counts['imminent_needs_met_on_time']} of "
        f"{counts['with_imminent_need']} imminent needs met on time; "
        f"{counts['unmatched_needing_a_move']} needing a move left unmatched."
    )
    for warning in result.warnings:
        _say(f"Warning: {warning}", err=True)
    if values_note and place_values:
        _say(f"Warning: {values_note}", err=True)
    _say(f"Wrote {', '.join(p.name for p in written)} to {out}")
    stages = result.tables["stages"]
    solved = any(status in ("optimal", "time_limit") for status in stages["status"].tolist())
    if len(stages) and not solved:
        return 1  # infeasible side constraints or no solution in time: say so
    return 0


def _say(text: str, *, err: bool = False) -> None:
    """A line to stdout (or stderr), flushed as typer's echo does: a script reading the
    command's output sees each line when it is written."""
    print(text, file=sys.stderr if err else sys.stdout, flush=True)


def _as_of(text: str | None) -> dt.date | None:
    """`planner.core.cli_support.parse_day`, which imports only when the date is bad (its
    home has rich's console and typer, which a good run never needs)."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        from planner.core.cli_support import parse_day

        return parse_day(text)


def quick_match_arguments(args: Sequence[str]) -> dict[str, object] | None:
    """The arguments of ``planner match ARGS`` as typer would hand them to `run_match`, read
    from `OPTIONS`, or None for anything this reader does not settle.

    Building the command line costs about 0.1 s at every start (typer and click imported,
    typer's parameter coercion through pydantic: docs/performance.md, "`planner match` at
    council size"). This reader takes only the plain forms: each option once, as
    ``--name VALUE`` or a ``--flag/--no-flag``, dates and paths as typed, numbers as digits
    with an optional decimal part, within the option's limits, choices spelt as their
    values. Anything else (``--help``, ``--name=VALUE``, an unknown or repeated option, a
    missing required one, a value out of range) returns None and typer reads the arguments
    itself, with its own messages."""
    values: dict[str, object] = {name: option.default for name, option in OPTIONS.items()}
    flags: dict[str, tuple[str, bool]] = {}
    takes_value: dict[str, str] = {}
    for name, option in OPTIONS.items():
        on, _, off = option.flag.partition("/")
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
        option = OPTIONS[name]
        value: object
        if option.kind is float:
            if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw):
                return None
            value = float(raw)
            if option.min is not None and value < option.min:
                return None
        elif issubclass(option.kind, StrEnum):
            if raw not in {member.value for member in option.kind}:
                return None
            value = option.kind(raw)
        elif option.kind is Path:
            value = Path(raw)
        elif option.kind is str:
            value = raw
        else:
            return None
        values[name] = value
        seen.add(name)
        position += 2
    if any(value is REQUIRED for value in values.values()):
        return None
    return values


def run_quick_match(arguments: dict[str, object]) -> None:
    """Run ``planner match`` on arguments `quick_match_arguments` read, and end as typer
    ends a command: SystemExit with the command's exit code."""
    try:
        code = run_match(**arguments)  # type: ignore[arg-type]
    except (KeyboardInterrupt, EOFError):
        _say("\nAborted!", err=True)  # as typer (click) ends an interrupted command
        raise SystemExit(1) from None
    except Exception as exc:
        import typer  # only a refusal that ended the command (a bad date) gets here

        if not isinstance(exc, typer.Exit):
            raise
        raise SystemExit(exc.exit_code) from None
    raise SystemExit(code)
