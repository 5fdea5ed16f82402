"""The sort, order and page of a long list, read from the address and checked, and what the
list's template macros (``api/templates/_list.html``) need to draw sortable headers and the
GOV.UK pagination.

A list page calls :func:`read_list` with the column keys it can sort by; an unknown column,
order or page number is refused with the GOV.UK error page (never a 500), and a page past
the end shows the last page. The filters the page took from the same address are passed in
too, so every sort link and page link keeps them (a filtered, sorted page can be linked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from starlette.requests import Request

from planner.core.errors import InvalidInput
from planner.core.listing import PER_PAGE, ListParams

ORDERS = ("ascending", "descending")
MAX_PAGE = 100_000


def read_list(
    request: Request,
    columns: Sequence[str],
    default: str,
    *,
    descending: bool = False,
    per_page: int = PER_PAGE,
) -> ListParams:
    """The checked ``sort``, ``order`` and ``page`` of this request (``default`` and
    ``descending`` when absent). Refuses what the list cannot do with a clear message."""
    query = request.query_params
    sort = query.get("sort", "") or default
    if sort not in columns:
        raise InvalidInput("Sort the list by one of the columns shown.")
    order = query.get("order", "")
    if order and order not in ORDERS:
        raise InvalidInput("Sort the list in ascending or descending order.")
    page_text = query.get("page", "") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        raise InvalidInput("Choose a page number from the list.")
    return ListParams(
        sort=sort,
        descending=(order == "descending") if order else descending,
        page=int(page_text),
        per_page=per_page,
    )


class PageOf(Protocol):
    """One page of rows (:class:`planner.core.listing.Paged` or a feature's own page)."""

    @property
    def rows(self) -> list[Any]: ...
    @property
    def total(self) -> int: ...
    @property
    def page(self) -> int: ...
    @property
    def pages(self) -> int: ...


@dataclass
class Listing:
    """One page of a list as a template draws it: the rows, the counts, and the links to
    sort by a column or go to another page (each keeping the filters)."""

    path: str
    params: ListParams
    result: PageOf
    filters: Mapping[str, str] = field(default_factory=dict)
    default: str = ""

    @property
    def rows(self) -> list:
        return self.result.rows

    @property
    def total(self) -> int:
        return self.result.total

    @property
    def page(self) -> int:
        return self.result.page

    @property
    def pages(self) -> int:
        return self.result.pages

    def _href(self, **changes: str | int) -> str:
        query = {k: v for k, v in self.filters.items() if v}
        query.update({"sort": self.params.sort, "order": self._order(self.params.descending)})
        query.update({k: str(v) for k, v in changes.items()})
        if query.get("page") in ("1", None):
            query.pop("page", None)
        return f"{self.path}?{urlencode(query)}"

    @staticmethod
    def _order(descending: bool) -> str:
        return "descending" if descending else "ascending"

    def aria_sort(self, key: str) -> str:
        """``ascending``/``descending`` on the sorted column, ``none`` on the others."""
        return self._order(self.params.descending) if key == self.params.sort else "none"

    def sort_href(self, key: str) -> str:
        """Sort by ``key``: the sorted column flips its order; another starts ascending.
        Sorting goes back to the first page."""
        flip = key == self.params.sort and not self.params.descending
        return self._href(sort=key, order=self._order(flip))

    def page_href(self, number: int) -> str:
        return self._href(page=number)

    def pagination(self) -> dict | None:
        """The GOV.UK pagination component's options (first, last, the pages either side of
        this one, ellipses between), or None for a list of one page."""
        if self.pages <= 1:
            return None
        shown = sorted(
            {1, self.pages, *range(self.page - 1, self.page + 2)} & set(range(1, self.pages + 1))
        )
        items: list[dict] = []
        previous = 0
        for number in shown:
            if number - previous > 1:
                items.append({"ellipsis": True})
            items.append(
                {
                    "number": number,
                    "href": self.page_href(number),
                    "current": number == self.page,
                }
            )
            previous = number
        return {
            "previous": {"href": self.page_href(self.page - 1)} if self.page > 1 else None,
            "next": {"href": self.page_href(self.page + 1)} if self.page < self.pages else None,
            "items": items,
        }
