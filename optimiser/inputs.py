"""Validated input containers for a match run.

A database service, a notebook or the batch command hand the model plain frames (or the
command its `Table`s of text, read straight from the files). Cells may already be typed
(dates, booleans, lists) or still be text as a spreadsheet holds it; both are accepted so
that the rules of the templates live in one place. Every bad cell is reported at
once, with its row, record, field, value and what was expected, because a housing officer
fixing a spreadsheet wants the whole list, not one error per attempt.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from optimiser.table import Table, blank, missing, objects
from optimiser.vocabulary import (
    COHORTS,
    GENDERS,
    OFFERABLE_TYPES,
    PLACEMENT_TYPES,
    SUPPORT_LEVELS,
    VACANCY_GENDERS,
)

LIST_SEPARATOR = ";"
# The planner's importer accepts the same words (planner.records.templates); the vocabulary
# test in tests/domain keeps the two equal.
TRUE_WORDS = frozenset({"true", "yes", "1", "y", "t"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "f"})


@dataclass(frozen=True)
class InputProblem:
    """One bad cell or record: `row` counts data rows from 0 in the frame as given."""

    table: str
    row: int | None
    record: str | None
    field: str
    value: str
    expected: str

    def describe(self, line: int | None = None) -> str:
        where = f"line {line}" if line is not None else f"row {self.row}"
        if self.row is None:
            where = "file"
        record = f" ({self.record})" if self.record else ""
        return (
            f"{self.table} {where}{record}, column {self.field!r}: "
            f"value {self.value!r}, expected {self.expected}"
        )


class InputError(ValueError):
    """Raised when inputs cannot be used; carries every problem found."""

    def __init__(self, problems: Iterable[InputProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(p.describe() for p in self.problems))


@dataclass(frozen=True)
class Column:
    """One template column: its kind, vocabulary, default when blank, and whether it is required."""

    name: str
    kind: str  # text | date | bool | int | number | choice | list | choice_list
    required: bool = False  # the column must exist
    not_blank: bool = False  # every cell must have a value
    default: object = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""


PEOPLE_COLUMNS: tuple[Column, ...] = (
    Column("person_id", "text", True, True, description="pseudonymous reference, unique"),
    Column("date_of_birth", "date", True, True),
    Column("gender", "choice", True, True, choices=GENDERS),
    Column("uasc", "bool", True, default=False),
    Column("current_accommodation", "choice", True, True, choices=PLACEMENT_TYPES),
    Column("suitable", "bool", True, default=None),
    Column("unsuitable_since", "date", True),
    Column("free_from", "date", True),
    Column("needed_by", "date", True),
    Column("support_need", "choice", True, True, choices=SUPPORT_LEVELS),
    Column("area", "text", True, True),
    Column("preferred_areas", "list", True, default=()),
    Column("excluded_areas", "list", True, default=()),
    Column("needs_step_free", "bool", True, default=False),
    Column("has_child", "bool", True, default=False),
    Column("has_pet", "bool", True, default=False),
    Column("risk_flags", "list", True, default=()),
    # Optional columns: more than the minimum, each with a safe default.
    Column("wants_move", "bool", default=False),
    Column("cohorts", "choice_list", default=(), choices=COHORTS[1:]),
    Column("stay_started", "date"),
    Column("education_area", "text"),
    Column("work_area", "text"),
    Column("network_area", "text"),
    Column("together_group", "text"),
    Column("seeking_type", "choice", choices=OFFERABLE_TYPES),
    Column(
        "needed_by_reason",
        "text",
        description="why the move is needed by `needed_by`, in words (default: the date"
        " recorded as needed by)",
    ),
    # The time limit of the current provision (a framework lot: 18 months), counted across
    # its places: moving rooms within one scheme never restarts it (docs/optimiser.md).
    Column("current_provision_id", "text", description="the provision they live in now"),
    Column(
        "provision_since",
        "date",
        description="when their time on that provision began, across consecutive stays in its"
        " places (default: stay_started)",
    ),
    Column(
        "limit_date",
        "date",
        description="the day the provision's own time limit is reached (default: 18 months"
        " after provision_since in supported accommodation)",
    ),
)

VACANCY_COLUMNS: tuple[Column, ...] = (
    Column("vacancy_id", "text", True, True, description="unique"),
    Column("provision_id", "text", True, True),
    Column("placement_type", "choice", True, True, choices=OFFERABLE_TYPES),
    Column("area", "text", True, True),
    Column("available_from", "date", True),
    Column("capacity", "int", True, default=1, minimum=1, maximum=1000),
    Column("min_age", "int", True, default=16, minimum=16, maximum=25),
    Column("max_age", "int", True, default=25, minimum=16, maximum=25),
    Column("gender", "choice", True, default="any", choices=VACANCY_GENDERS),
    Column("cohort", "choice", True, default="any", choices=COHORTS),
    Column("support_level", "choice", True, True, choices=SUPPORT_LEVELS),
    Column("ofsted_registered", "bool", True, default=False),
    Column("step_free", "bool", True, default=False),
    Column("parent_and_child", "bool", True, default=False),
    Column("pets_allowed", "bool", True, default=False),
    Column("excluded_risks", "list", True, default=()),
    Column("reserved_for", "text", True),
    Column("weekly_cost", "number", True, minimum=0),
    Column("lot", "text"),
)

TRAVEL_COLUMNS: tuple[Column, ...] = (
    Column("from_area", "text", True, True),
    Column("to_area", "text", True, True),
    Column("minutes", "number", True, True, minimum=0),
)

MIX_LIMIT_COLUMNS: tuple[Column, ...] = (
    Column("provision_id", "text", True, True),
    Column("risk_flag", "text", True, True),
    Column("max_young_people", "int", True, True, minimum=0),
)

EXCLUDED_PAIR_COLUMNS: tuple[Column, ...] = (
    Column("person_id", "text", True, True),
    Column("vacancy_id", "text", True, True),
    Column(
        "reason",
        "text",
        default="excluded by a decision",
        description='what people read, e.g. "declined by the provider on 3 December 2026"',
    ),
)

LOT_LIMIT_COLUMNS: tuple[Column, ...] = (
    Column("lot", "text", True, True),
    Column("min_young_people", "int", True, default=0, minimum=0),
    Column("max_young_people", "int", True, minimum=0),
)


@dataclass(frozen=True)
class MatchSettings:
    """How a match run is asked for; every field has the value a council would start with."""

    as_of: dt.date
    solver: str = "cbc"
    time_limit_seconds: float = 60.0
    backend: str = "auto"  # auto | pulp | arrays | flow (see optimiser.stages.choose_backend)
    imminent_weeks: int = 12
    framework_max_months: int = 18
    staying_put_end_age: int = 21
    max_travel_minutes: float | None = None
    default_travel_minutes: float = 45.0
    top_k: int = 3
    # The alternatives (top k people per vacancy and vacancies per young person, each with
    # the consequence of choosing it) are the dearest explanation; False leaves them out and
    # the result's warnings say so (`planner match --no-alternatives`).
    alternatives: bool = True

    def __post_init__(self) -> None:
        if self.solver not in ("cbc", "highs"):
            raise ValueError(f"solver must be 'cbc' or 'highs', not {self.solver!r}")
        if self.backend not in ("auto", "pulp", "arrays", "flow"):
            raise ValueError(
                f"backend must be 'auto', 'pulp', 'arrays' or 'flow', not {self.backend!r}"
            )
        if not self.time_limit_seconds > 0:
            raise ValueError("time_limit_seconds must be positive: a match run is always bounded")


# What a caller may hand the model for one table: a pandas frame (a service, a notebook) or
# anything else with columns by name and a length (the command's `Table` of text).
Frame = Any


def _empty(columns: tuple[Column, ...]) -> Table:
    return Table.empty(c.name for c in columns)


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class MatchInputs:
    """Normalised tables, sorted by id so that row order never changes the answer."""

    people: Table
    vacancies: Table
    settings: MatchSettings
    travel_times: Table = field(default_factory=lambda: _empty(TRAVEL_COLUMNS))
    mix_limits: Table = field(default_factory=lambda: _empty(MIX_LIMIT_COLUMNS))
    lot_limits: Table = field(default_factory=lambda: _empty(LOT_LIMIT_COLUMNS))
    # Pairs a decision took out (declined, not suitable on review): never proposed, and
    # named by their reason where they keep a young person from a vacancy.
    excluded_pairs: Table = field(default_factory=lambda: _empty(EXCLUDED_PAIR_COLUMNS))
    warnings: tuple[str, ...] = ()

    @property
    def has_side_constraints(self) -> bool:
        """Side constraints break total unimodularity, so the stages become MIPs."""
        together = not blank(self.people["together_group"]).all()
        return bool(len(self.mix_limits) or len(self.lot_limits) or together)


def _is_blank(value: object) -> bool:
    if value.__class__ is str:  # nearly every cell: the files are read as text
        return not value.strip()  # type: ignore[attr-defined]
    return missing(value)


def _parse_bool(value: object) -> bool:
    if value.__class__ is str:  # nearly every cell (the files are read as text): as below
        word = value.strip().lower()  # type: ignore[attr-defined]
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(word)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer) and value in (0, 1):
        return bool(value)
    if isinstance(value, float) and value in (0.0, 1.0):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(word)


def _parse_date(value: object) -> dt.date:
    if value.__class__ is not str:  # a spreadsheet's own dates; text is nearly every cell
        if isinstance(value, dt.datetime):  # pandas' Timestamp too
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, np.datetime64):
            return value.astype("datetime64[D]").item()  # type: ignore[no-any-return]
        value = str(value)
    text = value.strip()  # type: ignore[attr-defined]
    parsed = dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
    if len(text) > 10 and text[10] not in "T ":
        raise ValueError(text)
    return parsed


def _parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).strip()) if isinstance(value, str) else float(cast(float, value))
    if not number.is_integer():
        raise ValueError(value)
    return int(number)


def _parse_number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    text = str(value).strip().lstrip("£") if isinstance(value, str) else None
    number = float(text) if text is not None else float(cast(float, value))
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    return number


def _parse_list(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        items = [str(v).strip() for v in value]
    else:
        items = [part.strip() for part in str(value).split(LIST_SEPARATOR)]
    return tuple(sorted({item for item in items if item}))


def _expected(column: Column) -> str:
    if column.kind in ("choice", "choice_list"):
        words = ", ".join(column.choices)
        prefix = "a ';'-separated list of " if column.kind == "choice_list" else "one of "
        return prefix + words
    return {
        "text": "some text",
        "date": "a date as YYYY-MM-DD",
        "bool": "true or false (yes/no and 1/0 are accepted too)",
        "int": "a whole number",
        "number": "a number",
        "list": "a ';'-separated list",
    }[column.kind]


def _range_text(column: Column) -> str:
    if column.minimum is not None and column.maximum is not None:
        return f" from {column.minimum:g} to {column.maximum:g}"
    if column.minimum is not None:
        return f" of at least {column.minimum:g}"
    return ""


def _parser(column: Column) -> Callable[[object], object]:
    def choice(value: object) -> str:
        word = str(value).strip().lower()
        if word not in column.choices:
            raise ValueError(word)
        return word

    def choice_list(value: object) -> tuple[str, ...]:
        items = tuple(item.lower() for item in _parse_list(value))
        if any(item not in column.choices for item in items):
            raise ValueError(value)
        return items

    return {
        "text": lambda v: str(v).strip(),
        "date": _parse_date,
        "bool": _parse_bool,
        "int": _parse_int,
        "number": _parse_number,
        "choice": choice,
        "list": _parse_list,
        "choice_list": choice_list,
    }[column.kind]


def _show(value: object) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def _typed(column: Column, parsed: list[object]) -> np.ndarray:
    """A parsed column as the array its kind is held in (`optimiser.table`): dates as days,
    whole numbers and numbers as numpy's when no cell is blank (a blank number is NaN), true
    or false as booleans unless a blank means "not known", text and lists as objects."""
    if column.kind == "date":
        return np.array(parsed, dtype="datetime64[D]")  # a blank (None) is NaT
    if column.kind == "number" or (column.kind == "int" and any(value is None for value in parsed)):
        return np.array([np.nan if v is None else v for v in parsed], dtype=float)
    if column.kind == "int":
        return np.array(parsed, dtype=np.int64)
    if column.kind == "bool" and column.default is not None:
        return np.array(parsed, dtype=bool)
    return objects(parsed)


def parse_table(
    frame: Frame, columns: tuple[Column, ...], table: str, id_column: str | None = None
) -> tuple[Table, list[InputProblem]]:
    """Parse every cell of `frame` against `columns`; return the typed table and all problems.

    `frame` is anything with columns by name (`frame.columns`, `frame[name].tolist()`) and a
    length: a pandas frame, or a `Table`. Row numbers are positions in it."""
    problems: list[InputProblem] = []
    present = {str(name) for name in frame.columns}
    length = len(frame)
    missing = [c.name for c in columns if c.required and c.name not in present]
    for name in missing:
        problems.append(InputProblem(table, None, None, name, "", "this column to be present"))
    ids: list[str | None] = [None] * length
    if id_column and id_column in present:
        ids = [None if _is_blank(v) else str(v).strip() for v in frame[id_column].tolist()]
    out: dict[str, np.ndarray] = {}
    for column in columns:
        values = frame[column.name].tolist() if column.name in present else []
        if not values:
            values = [None] * length
        parse = _parser(column)
        parsed: list[object] = []
        for row, value in enumerate(values):
            # `_is_blank`, its text case written out: this loop reads every cell
            if (not value.strip()) if value.__class__ is str else _is_blank(value):
                if column.not_blank:
                    problems.append(
                        InputProblem(table, row, ids[row], column.name, "", "a value (blank)")
                    )
                parsed.append(column.default)
                continue
            try:
                result = parse(value)
            except (ValueError, TypeError, OverflowError):
                problems.append(
                    InputProblem(table, row, ids[row], column.name, _show(value), _expected(column))
                )
                parsed.append(column.default)
                continue
            low, high = column.minimum, column.maximum
            if low is None and high is None:
                parsed.append(result)
                continue
            numeric = isinstance(result, int | float) and not isinstance(result, bool)
            size = cast(float, result)
            if numeric and ((low is not None and size < low) or (high is not None and size > high)):
                problems.append(
                    InputProblem(
                        table,
                        row,
                        ids[row],
                        column.name,
                        _show(value),
                        _expected(column) + _range_text(column),
                    )
                )
            parsed.append(result)
        out[column.name] = _typed(column, parsed)
    typed = Table(out, length)
    if id_column:
        seen: set[str] = set()
        for row, value in enumerate(typed[id_column].tolist()):
            if value is None:
                continue
            if value in seen:
                problems.append(
                    InputProblem(
                        table, row, ids[row], id_column, ids[row] or "", "an id used only once"
                    )
                )
            seen.add(value)
    return typed, problems


def _check_people(people: Table, problems: list[InputProblem]) -> None:
    """A together group needs two members at least (rows in order; `people` as parsed)."""
    groups = people["together_group"].tolist()
    sizes = Counter(group for group in groups if group is not None)
    for row, group in enumerate(groups):
        if group is not None and sizes[group] < 2:
            problems.append(
                InputProblem(
                    "people",
                    row,
                    people["person_id"][row],
                    "together_group",
                    str(group),
                    "a group shared with at least one other young person",
                )
            )


def _check_vacancies(vacancies: Table, problems: list[InputProblem]) -> None:
    too_young = vacancies["min_age"] > vacancies["max_age"]
    for row in np.flatnonzero(too_young).tolist():
        problems.append(
            InputProblem(
                "vacancies",
                row,
                vacancies["vacancy_id"][row],
                "max_age",
                str(vacancies["max_age"][row]),
                f"an age at least min_age ({vacancies['min_age'][row]})",
            )
        )


def _by(table: Table, *names: str) -> Table:
    """The rows in order of the `names` columns (text; stable, so equal keys keep their order)."""
    keys = list(zip(*(table[name].tolist() for name in names), strict=True))
    return table.take(np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64))


def prepare_inputs(
    people: Frame,
    vacancies: Frame,
    settings: MatchSettings,
    *,
    travel_times: Frame | None = None,
    mix_limits: Frame | None = None,
    lot_limits: Frame | None = None,
    excluded_pairs: Frame | None = None,
) -> MatchInputs:
    """Validate and normalise the frames of one match run; raise `InputError` listing every problem.

    Rows keep their given positions in the problems (so a file reader can turn them into line
    numbers) and are sorted by id afterwards, so that shuffled inputs give the same proposals.
    """
    problems: list[InputProblem] = []
    typed_people, found = parse_table(people, PEOPLE_COLUMNS, "people", "person_id")
    problems += found
    typed_vacancies, found = parse_table(vacancies, VACANCY_COLUMNS, "vacancies", "vacancy_id")
    problems += found
    if not any(p.row is None for p in problems):
        _check_people(typed_people, problems)
        _check_vacancies(typed_vacancies, problems)
    optional = {}
    for name, given, columns, id_column in (
        ("travel_times", travel_times, TRAVEL_COLUMNS, None),
        ("mix_limits", mix_limits, MIX_LIMIT_COLUMNS, None),
        ("lot_limits", lot_limits, LOT_LIMIT_COLUMNS, "lot"),
        ("excluded_pairs", excluded_pairs, EXCLUDED_PAIR_COLUMNS, None),
    ):
        optional[name] = _empty(columns)
        if given is not None:
            optional[name], found = parse_table(given, columns, name, id_column)
            problems += found
    if problems:
        raise InputError(problems)

    warnings: list[str] = []
    known = set(typed_people["person_id"].tolist())
    for vacancy_id, reserved in typed_vacancies.rows("vacancy_id", "reserved_for"):
        if reserved is not None and reserved not in known:
            warnings.append(
                f"vacancy {vacancy_id} is reserved for {reserved}, who is not in the people list"
            )
    lots = typed_vacancies["lot"]
    typed_vacancies = typed_vacancies.assign(
        lot=np.where(blank(lots), typed_vacancies["cohort"], lots)
    )
    excluded = _by(optional.pop("excluded_pairs"), "person_id", "vacancy_id")
    pairs = list(excluded.rows("person_id", "vacancy_id"))
    first = [k for k, pair in enumerate(pairs) if k == 0 or pair != pairs[k - 1]]
    return MatchInputs(
        people=_by(typed_people, "person_id"),
        vacancies=_by(typed_vacancies, "vacancy_id"),
        settings=settings,
        excluded_pairs=excluded.take(np.array(first, dtype=np.int64)),
        warnings=tuple(warnings),
        **optional,
    )
