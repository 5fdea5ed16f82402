"""What the record-keeping forms share: fields as data, dates as day/month/year, the error
summary in the GOV.UK way, and a service call that leaves nothing behind when refused.

A service writes its compare-and-set before it checks everything, so a refused change is
run inside a savepoint: the page can then show the error summary (the request commits
nothing of the attempt) instead of a separate error page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from api.deps import DbSession, form_date
from planner.core.errors import FieldInvalid, InvalidInput, StaleRecord

RECORD = "_record"  # an error about the record as a whole (stale, nothing planned)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, date, select, checkbox
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    width: int = 0


def date_parts(name: str, day: date | None) -> dict[str, str]:
    """A date as the three boxes of a GOV.UK date input."""
    if day is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def kept(form: dict[str, str], fields: list[Field]) -> dict[str, str]:
    """The values typed, for showing them again after an error."""
    names = []
    for f in fields:
        names += (
            [f"{f.name}-{p}" for p in ("day", "month", "year")] if f.kind == "date" else [f.name]
        )
    return {n: form.get(n, "")[:300] for n in names}


def read_date(
    form: dict[str, str], name: str, what: str, errors: dict[str, str], *, required: bool = True
) -> date | None:
    try:
        return form_date(form, name, what, required=required)
    except InvalidInput as exc:
        errors[name] = exc.message
        return None


def attempt(db: DbSession, change: Callable[[], Any]) -> tuple[dict[str, str], int]:
    """Run ``change`` in a savepoint; the errors by field and the status to answer with
    (none and 200 if it was kept)."""
    try:
        with db.begin_nested():
            change()
    except StaleRecord as exc:
        return {RECORD: exc.message}, 409
    except FieldInvalid as exc:
        return {exc.field: exc.message}, 422
    except InvalidInput as exc:
        return {RECORD: exc.message}, 422
    return {}, 200


def error_list(errors: dict[str, str], fields: list[Field]) -> list[dict[str, str]]:
    """The error summary's links: each to its field (a date to its day box); an error about
    the whole record to the first field."""
    by_name = {f.name: f for f in fields}
    first = fields[0] if fields else None
    found = []
    for name, message in errors.items():
        target = by_name.get(name, first)
        if target is None:
            href = "#main-content"
        else:
            href = f"#{target.name}-day" if target.kind == "date" else f"#{target.name}"
        found.append({"text": message, "href": href})
    return found


def choices(values: list[str], labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Options for a select, each shown in words (never the code)."""
    labels = labels or {}
    return [("", "Choose")] + [(v, labels.get(v, v.replace("_", " ").capitalize())) for v in values]
