"""One way to sort and page a long list, in SQL where the list comes from the database.

Every long list on the pages (young people, provisions, vacancies, users, the audit trail,
saved forecasts) takes the same three things from its address: ``sort`` (a column key the
list names), ``order`` (``ascending`` or ``descending``) and ``page``. The web layer checks
them (``api/listing.py``); this module applies them: :func:`page_query` to a SQL statement
(ORDER BY the chosen column with a stable tie-break, then LIMIT/OFFSET), :func:`page_rows`
to rows already built in Python (only for the few lists whose sort key is worked out per
row, such as the day a vacancy can be moved into).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, select

T = TypeVar("T")
PER_PAGE = 50


@dataclass(frozen=True)
class ListParams:
    """A checked sort column key, its direction and a page number (1 is the first)."""

    sort: str
    descending: bool = False
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class Reversed:
    """A sort column whose natural order is the other way: age ascending is date of birth
    descending."""

    column: Any


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page of a list, with how many rows the whole list has and how many pages."""

    rows: list[T]
    total: int
    page: int
    pages: int


def _pages(total: int, params: ListParams) -> tuple[int, int]:
    """The number of pages and the page to show: a page past the end shows the last one, so
    an old link to page 9 of a list that has shrunk still shows something."""
    pages = max(1, -(-total // params.per_page))
    return pages, min(max(1, params.page), pages)


def page_query(
    session: Session,
    statement: Any,
    params: ListParams,
    columns: Mapping[str, Any],  # key -> a list of SQL expressions (or Reversed ones)
    tie_break: Sequence[Any] = (),
) -> Paged[Any]:
    """One page of ``statement`` ordered by ``columns[params.sort]`` (one or more SQL
    expressions, all in the chosen direction; :class:`Reversed` ones the other way), then by
    ``tie_break`` so rows with equal keys keep one order from page to page. Nulls sort last
    either way."""
    if params.sort not in columns:
        raise KeyError(params.sort)  # the web layer checked it: a programming error
    total = int(session.exec(select(sa.func.count()).select_from(statement.subquery())).one())
    pages, page = _pages(total, params)
    order = []
    for column in columns[params.sort]:
        descending = params.descending
        if isinstance(column, Reversed):
            column, descending = column.column, not descending
        direction = sa.desc(column) if descending else sa.asc(column)
        order += [sa.case((column.is_(None), 1), else_=0), direction]
    rows = session.exec(
        statement.order_by(*order, *tie_break)
        .offset((page - 1) * params.per_page)
        .limit(params.per_page)
    ).all()
    return Paged(rows=list(rows), total=total, page=page, pages=pages)


def page_rows(
    rows: Sequence[T], params: ListParams, keys: Mapping[str, Callable[[T], Any]]
) -> Paged[T]:
    """One page of rows built in Python, sorted by ``keys[params.sort]`` (rows whose key is
    None last, either way); Python's sort is stable, so equal keys keep the list's order."""
    key = keys[params.sort]
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    ordered = sorted(present, key=key, reverse=params.descending) + missing
    pages, page = _pages(len(ordered), params)
    start = (page - 1) * params.per_page
    return Paged(
        rows=ordered[start : start + params.per_page], total=len(ordered), page=page, pages=pages
    )
