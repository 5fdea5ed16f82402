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

import pandas as pd

from optimiser import InputError, InputProblem, MatchInputs, MatchResult, MatchSettings
from optimiser import prepare_inputs as _prepare
from optimiser.fit import fit_words, out_of_100
from optimiser.place_values import place_value_table
from planner.core.errors import InvalidInput
from planner.records.spreadsheets import FORMULA_STARTS, safe_cell

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


def read_table(path: Path) -> pd.DataFrame:
    """Every cell as text (blank cells as ''), from a .csv or the first sheet of an .xlsx."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise MatchFileError([FileProblem(path.name, None, "", str(path), "an existing file")])
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    elif suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=object, engine="openpyxl").fillna("")
        frame = frame.map(_cell_text)
    else:
        raise MatchFileError(
            [FileProblem(path.name, None, "", path.suffix, "a .csv or .xlsx file")]
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _cell_text(value: object) -> str:
    """Excel hands back dates and numbers typed; write them the way the template spells them."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _file_problem(problem: InputProblem, files: dict[str, str]) -> FileProblem:
    line = None if problem.row is None else problem.row + FIRST_DATA_LINE
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
    tables: dict[str, pd.DataFrame | None] = {}
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
            tables[table] = read_table(path)
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
        raise MatchFileError(_file_problem(p, files) for p in error.problems) from error


def with_fit_words(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with the model's ``score`` (out of 110) and, beside it, the fit as every page
    shows it: ``fit_points`` out of 100 and ``fit_words`` (:func:`optimiser.fit.out_of_100`
    and :func:`optimiser.fit.fit_words`, the one scale), so a file never reads differently
    from a page. A row with no score (a ruled-out alternative) gets blanks."""
    if "score" not in frame.columns or "fit_points" in frame.columns:
        return frame
    shown = frame.copy()
    known = shown["score"].notna()
    scores = shown["score"].where(known, 0)
    # the scale once per distinct score (a few dozen), not once per row (thousands)
    points = scores.map({score: out_of_100(score) for score in set(scores.tolist())})
    at = list(shown.columns).index("score") + 1
    shown.insert(at, "fit_points", points.where(known).astype("Int64"))
    words = {p: fit_words(p) for p in set(points.tolist())}
    shown.insert(at + 1, "fit_words", points.map(words).where(known, ""))
    return shown


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as pandas' ``to_csv(index=False)`` writes it, with the standard library's
    writer (which pandas itself drives, after a conversion of every block that costs more
    than the writing at council size): a missing value blank, a number as Python writes it,
    True and False as words, a date as yyyy-mm-dd. Formula-safe: a reference or a reason
    could start with = + - @ (see `safe_cell`), and only text can."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            column = column.dt.strftime("%Y-%m-%d")
        cells = column.tolist()
        if pd.api.types.is_numeric_dtype(column):
            columns.append(["" if _missing(v) else str(v) for v in cells])
        else:
            columns.append(
                [
                    v
                    if v.__class__ is str and v[:1] not in _RISKY_FIRST
                    else ""
                    if _missing(v)
                    else str(safe_cell(v))
                    for v in cells
                ]
            )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([str(name) for name in frame.columns])
        writer.writerows(zip(*columns, strict=True))


def _missing(value: object) -> bool:
    """A cell pandas writes blank: None, NaN, NaT or pandas' NA."""
    return value is None or value is pd.NA or value is pd.NaT or value != value


def write_match_outputs(
    result: MatchResult,
    out_dir: Path,
    *,
    extra: dict | None = None,
    place_values: pd.DataFrame | None = None,
    alternatives: bool = True,
) -> list[Path]:
    """Write proposals, unmatched, alternatives, unmet need, exclusions, the value of one more
    place of each kind (when worked out: `optimiser.place_values`) and summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    frames = [
        ("proposals.csv", result.proposals),
        ("unmatched.csv", result.unmatched),
        ("alternatives.csv", result.alternatives),
        ("unmet_need.csv", result.unmet_need),
        ("exclusions.csv", result.exclusions),
    ]
    if place_values is not None:
        frames.append(("place_values.csv", place_value_table(place_values)))
    if not alternatives:
        frames = [(name, frame) for name, frame in frames if name != "alternatives.csv"]
    for name, frame in frames:
        _csv(with_fit_words(frame), out_dir / name)
        written.append(out_dir / name)
    summary = result.summary() | (extra or {})
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    written.append(path)
    return written
