"""Named columns of one length, as numpy arrays: what the optimiser reads and writes.

Every step of a match run works a column at a time (a rule compares two columns of every
pair, a sentence reads a few columns of a few rows), so the optimiser holds its inputs and
outputs as `Table`s, plain numpy arrays under names, and pandas is imported only when a caller
asks for a frame (`Table.to_frame`, `Table.from_frame`). That keeps pandas' import, about a
third of a council-size `planner match` in its own process, off the command's path
(docs/performance.md); a database service, a notebook or a test still gets frames.

Blank cells: text and list columns hold None, date columns (datetime64[D]) NaT, number
columns NaN. `blank` answers "is this cell blank" for any of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def as_column(values: Iterable[Any] | np.ndarray) -> np.ndarray:
    """One column as an array: numpy's own type for numbers, booleans and dates, object for
    text and lists (a list of tuples must stay a column of tuples, not become 2-D)."""
    if isinstance(values, np.ndarray):
        return values
    items = list(values)
    if any(isinstance(v, str | tuple | list | type(None)) for v in items):
        return objects(items)
    return np.asarray(items) if items else np.zeros(0, dtype=object)


def objects(items: list[Any]) -> np.ndarray:
    """An object column holding `items` as they are (tuples stay cells, never a second axis)."""
    return np.fromiter(items, dtype=object, count=len(items))


def inferred(cells: Iterable[Any]) -> np.ndarray:
    """Python values as the column pandas would make of them: whole numbers as int64, numbers
    with a blank (None) as float64 with NaN, true or false as bool, anything else as objects."""
    items = list(cells)
    present = [v for v in items if v is not None]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    if present and numbers:
        whole = len(present) == len(items) and all(isinstance(v, int) for v in present)
        if whole:
            return np.array(items, dtype=np.int64)
        return np.array([np.nan if v is None else v for v in items], dtype=float)
    if present and len(present) == len(items) and all(isinstance(v, bool) for v in items):
        return np.array(items, dtype=bool)
    return objects(items)


def missing(value: object) -> bool:
    """Is one cell a missing value: None, NaN, NaT (Python's, numpy's or pandas') or pandas'
    NA. Text, even empty, is not: whether empty text is blank is the reader's rule."""
    if value is None or type(value).__name__ == "NAType":  # NA: never equal, never unequal
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # an array or list cell: compared element-wise
        return False


def blank(values: np.ndarray) -> np.ndarray:
    """Per cell: is it blank (None, NaN or NaT in any column type)."""
    kind = values.dtype.kind
    if kind == "M" or kind == "m":
        return np.isnat(values)
    if kind == "f":
        return np.isnan(values)
    if kind == "O":
        return np.fromiter(
            (v is None or v != v for v in values.tolist()), dtype=bool, count=len(values)
        )
    return np.zeros(len(values), dtype=bool)


class Table:
    """Columns of one length by name; immutable in use (each change returns a new table)."""

    __slots__ = ("_columns", "_length")

    def __init__(self, columns: Mapping[str, Iterable[Any] | np.ndarray], length: int = 0):
        self._columns = {name: as_column(values) for name, values in columns.items()}
        lengths = {len(column) for column in self._columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._length = lengths.pop() if lengths else length

    @classmethod
    def empty(cls, names: Iterable[str]) -> Table:
        """No rows, the given columns (each of object type, as an empty frame's)."""
        return cls({name: np.zeros(0, dtype=object) for name in names})

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]], names: Iterable[str]) -> Table:
        """Rows of Python values as a table, each column typed as a frame would type it
        (`inferred`): an output built row by row reads the same as one built by pandas."""
        names = list(names)
        if not rows:
            return cls.empty(names)
        return cls(
            {
                name: inferred(cells)
                for name, cells in zip(names, zip(*rows, strict=True), strict=True)
            }
        )

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __repr__(self) -> str:
        return f"Table({self._length} rows: {', '.join(self._columns)})"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._columns)

    def take(self, rows: np.ndarray | slice) -> Table:
        """The rows at `rows` (positions or a boolean mask), in that order."""
        taken = Table({name: column[rows] for name, column in self._columns.items()})
        if not self._columns:
            taken._length = len(np.arange(self._length)[rows])
        return taken

    def assign(self, **columns: Iterable[Any] | np.ndarray) -> Table:
        """The same rows with `columns` added or replaced (as pandas' `assign`)."""
        return Table({**self._columns, **columns}, self._length)

    def select(self, names: Iterable[str]) -> Table:
        return Table({name: self._columns[name] for name in names}, self._length)

    def row(self, position: int) -> dict[str, Any]:
        """One row as a dict of Python values (a date as a `datetime.date`, a blank as None
        or NaN), what a page or a sentence about one young person or place reads."""
        at = range(self._length)[position]  # a negative position counts from the end
        return {name: column[at : at + 1].tolist()[0] for name, column in self._columns.items()}

    def records(self) -> list[dict[str, Any]]:
        """Every row as a dict of Python values (as `row`), for a loop over a few rows."""
        names = list(self._columns)
        return [dict(zip(names, cells, strict=True)) for cells in self.rows(*names)]

    def rows(self, *names: str) -> Iterator[tuple[Any, ...]]:
        """The cells of `names` row by row, as Python values (what a loop over rows wants)."""
        return zip(*(self._columns[name].tolist() for name in names), strict=True)

    def concat(self, other: Table) -> Table:
        """This table's rows, then `other`'s (the same columns)."""
        return Table(
            {name: np.concatenate([column, other[name]]) for name, column in self._columns.items()}
        )

    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas frame (pandas is imported here, and only here)."""
        import pandas as pd

        return pd.DataFrame(
            {name: _for_pandas(column) for name, column in self._columns.items()},
            index=pd.RangeIndex(self._length),
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Table:
        """A frame's columns as arrays (text and lists as objects, blanks as None)."""
        columns = {}
        for name in frame.columns:
            series = frame[name]
            if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biufcmM":
                columns[str(name)] = series.to_numpy()
            else:  # text, lists and pandas' own types (Int64, string): objects, blanks None
                columns[str(name)] = series.to_numpy(dtype=object, na_value=None)
        return cls(columns, len(frame))


def _for_pandas(column: np.ndarray) -> np.ndarray:
    """Dates go to pandas in microseconds, the unit every frame of a run had before: a day
    unit is not one pandas keeps, and nanoseconds would wrap a date after 2262."""
    if column.dtype.kind == "M":
        return column.astype("datetime64[us]")
    return column
