"""The matching templates as files: read people and vacancies (CSV or XLSX), write the results.

Reading keeps every cell as text and hands it to the optimiser's validation, so the rules of
the template live in one place (`optimiser.inputs`); this module only turns a problem's row
into the line a spreadsheet user sees (the header is line 1, the first young person line 2).
Writing happens only after a run has finished, so bad input never leaves half a result.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimiser import InputError, InputProblem, MatchInputs, MatchResult, MatchSettings
from optimiser import prepare_inputs as _prepare
from optimiser.fit import fit_words, out_of_100
from optimiser.place_values import place_value_table
from optimiser.table import Table, blank, missing, objects
from planner.core.errors import InvalidInput
from planner.records.spreadsheets import FORMULA_STARTS, read_cells, safe_cell

FIRST_DATA_LINE = 2  # header is line 1
_RISKY_FIRST = frozenset(FORMULA_STARTS) | {"'"}  # the first characters safe_cell looks at
OUTPUT_FILES = (
    "proposals.csv",
    "unmatched.csv",
    "alternatives.csv",
    "unmet_need.csv",
    "exclusions.csv",
    "place_values.csv",
    "summary.json",
)


@dataclass(frozen=True)
class FileProblem:
    """A bad cell as the user will find it: file, line, column, value and what was expected."""

    file: str
    line: int | None
    column: str
    value: str
    expected: str
    record: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "header"
        record = f" ({self.record})" if self.record else ""
        return (
            f"{self.file} {where}{record}, column {self.column!r}: "
            f"value {self.value!r}, expected {self.expected}"
        )


class MatchFileError(InvalidInput):
    """Raised when the files cannot be used; `problems` lists every bad cell."""

    def __init__(self, problems: Iterable[FileProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class ReadTable:
    """A file's cells as text under its header, and the line of the file each row came from
    (a blank line is skipped, so row k is not always line k + 2)."""

    table: Table
    lines: list[int]


def read_table(path: Path) -> ReadTable:
    """Every cell as text (blank cells as ''), from a .csv or the first sheet of an .xlsx."""
    if not path.exists():
        raise MatchFileError([FileProblem(path.name, None, "", str(path), "an existing file")])
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise MatchFileError(
            [FileProblem(path.name, None, "", path.suffix, "a .csv or .xlsx file")]
        )
    cells = read_cells(path)
    header = _header(cells[0] if cells else [])
    rows, lines, problems = [], [], []
    for line, row in enumerate(cells[1:], start=FIRST_DATA_LINE):
        if not any(cell.strip() for cell in row):
            continue  # a blank line: not a young person or a vacancy
        extra = [cell for cell in row[len(header) :] if cell.strip()]
        if extra:
            problems.append(
                FileProblem(
                    path.name, line, "", extra[0], f"no more cells than the {len(header)} columns"
                )
            )
        rows.append(list(row[: len(header)]) + [""] * (len(header) - len(row)))
        lines.append(line)
    if problems:
        raise MatchFileError(problems)
    columns = zip(*rows, strict=True) if rows else iter([()] * len(header))
    return ReadTable(Table(dict(zip(header, map(list, columns), strict=True))), lines)


def _header(names: list[str]) -> list[str]:
    """The column names as given, stripped; a name given twice gets ".1", ".2" after it (so
    neither copy is silently dropped: the second is an unknown column, as pandas read it)."""
    seen: dict[str, int] = {}
    header = []
    for name in (str(n).strip() for n in names):
        count = seen.get(name, 0)
        seen[name] = count + 1
        header.append(f"{name}.{count}" if count else name)
    while header and not header[-1]:
        header.pop()  # trailing empty cells of the header: a spreadsheet's used range
    return header


def _file_problem(problem: InputProblem, files: dict[str, str], lines: dict[str, list[int]]):
    line = None
    if problem.row is not None:
        known = lines.get(problem.table)
        line = known[problem.row] if known else problem.row + FIRST_DATA_LINE
    return FileProblem(
        files.get(problem.table, problem.table),
        line,
        problem.field,
        problem.value,
        problem.expected,
        problem.record,
    )


def read_match_inputs(
    people_path: Path,
    vacancies_path: Path,
    settings: MatchSettings,
    *,
    travel_times_path: Path | None = None,
    mix_limits_path: Path | None = None,
    lot_limits_path: Path | None = None,
) -> MatchInputs:
    """Read and validate the templates; raise `MatchFileError` naming every bad cell by line.

    The side constraints are optional files of their own (docs/matching-template.md, "Side
    constraints"): mix limits per provision and risk flag, and lot minimums and maximums.
    Together groups are the people template's `together_group` column."""
    problems: list[FileProblem] = []
    tables: dict[str, Table | None] = {}
    lines: dict[str, list[int]] = {}
    optional = {
        "travel_times": travel_times_path,
        "mix_limits": mix_limits_path,
        "lot_limits": lot_limits_path,
    }
    for table, path in (("people", people_path), ("vacancies", vacancies_path), *optional.items()):
        if path is None:
            tables[table] = None
            continue
        try:
            read = read_table(path)
            tables[table], lines[table] = read.table, read.lines
        except MatchFileError as error:
            problems += error.problems
    if problems:
        raise MatchFileError(problems)
    files = {"people": people_path.name, "vacancies": vacancies_path.name}
    files.update({table: path.name for table, path in optional.items() if path is not None})
    try:
        return _prepare(
            tables["people"],
            tables["vacancies"],
            settings,
            travel_times=tables["travel_times"],
            mix_limits=tables["mix_limits"],
            lot_limits=tables["lot_limits"],
        )
    except InputError as error:
        raise MatchFileError(_file_problem(p, files, lines) for p in error.problems) from error


def with_fit_words(table: Table) -> Table:
    """A table with the model's ``score`` (out of 110) and, beside it, the fit as every page
    shows it: ``fit_points`` out of 100 and ``fit_words`` (:func:`optimiser.fit.out_of_100`
    and :func:`optimiser.fit.fit_words`, the one scale), so a file never reads differently
    from a page. A row with no score (a ruled-out alternative) gets blanks."""
    if "score" not in table or "fit_points" in table:
        return table
    scores = table["score"]
    known = ~blank(scores)
    # the scale once per distinct score (a few dozen), not once per row (thousands)
    points_of = {s: out_of_100(s) for s in set(scores[known].tolist())}
    words_of = {p: fit_words(p) for p in set(points_of.values())}
    points = [points_of[s] if k else None for s, k in zip(scores.tolist(), known, strict=True)]
    words = ["" if p is None else words_of[p] for p in points]
    names = list(table.columns)
    at = names.index("score") + 1
    order = [*names[:at], "fit_points", "fit_words", *names[at:]]
    shown = table.assign(fit_points=objects(points), fit_words=objects(words))
    return shown.select(order)


def _csv(table: Table, path: Path) -> None:
    """Write `table` as pandas' ``to_csv(index=False)`` wrote the same frame, with the
    standard library's writer: a missing value blank, a number as Python writes it, True and
    False as words, a date as yyyy-mm-dd. Formula-safe: a reference or a reason could start
    with = + - @ (see `safe_cell`), and only text can."""
    columns = []
    for name in table.columns:
        column = table[name]
        if column.dtype.kind == "M":
            days = column.astype("datetime64[D]")
            columns.append(["" if np.isnat(d) else str(d) for d in days])
            continue
        cells = column.tolist()
        if column.dtype.kind in "biuf":
            columns.append(["" if missing(v) else str(v) for v in cells])
        else:
            columns.append(
                [
                    v
                    if v.__class__ is str and v[:1] not in _RISKY_FIRST
                    else ""
                    if missing(v)
                    else str(safe_cell(v))
                    for v in cells
                ]
            )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([str(name) for name in table.columns])
        writer.writerows(zip(*columns, strict=True))


def write_match_outputs(
    result: MatchResult,
    out_dir: Path,
    *,
    extra: dict | None = None,
    place_values: Table | None = None,
    alternatives: bool = True,
) -> list[Path]:
    """Write proposals, unmatched, alternatives, unmet need, exclusions, the value of one more
    place of each kind (when worked out: `optimiser.place_values`) and summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    tables = [
        (f"{name}.csv", result.tables[name])
        for name in ("proposals", "unmatched", "alternatives", "unmet_need", "exclusions")
    ]
    if place_values is not None:
        tables.append(("place_values.csv", place_value_table(place_values)))
    if not alternatives:
        tables = [(name, table) for name, table in tables if name != "alternatives.csv"]
    for name, table in tables:
        _csv(with_fit_words(table), out_dir / name)
        written.append(out_dir / name)
    summary = result.summary() | (extra or {})
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    written.append(path)
    return written
