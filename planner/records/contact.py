"""A care leaver's contact history: in touch, latest contact and activity, each from a day.

``young_person`` holds the values now. Every service that changes them (an edit, a 903,
SSD or records-template import) also notes them here with the day they became true, so a
return for a past year (OC3) reads what was true on that year's birthday. One home for the
rule that reads the history (:func:`contact_on`), used by the export and the young person's
page, and for the way a change is kept (:func:`changes`, :func:`note_before_change`,
:func:`note_values_of`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from planner.models import ContactRecord, YoungPerson

FIELDS = ("in_touch", "latest_contact_on", "activity")


def changes(person: YoungPerson | Any, values: Mapping[str, Any]) -> bool:
    """Whether writing ``values`` changes a contact value of ``person`` (for a record not
    made yet: whether they hold any). A service that does so calls
    :func:`note_before_change` before writing and :func:`note_values_of` after."""
    if person is None:
        return any(values.get(f) for f in FIELDS)
    return any(f in values and (values[f] or None) != (getattr(person, f) or None) for f in FIELDS)


def note_contact(
    session: Session,
    young_person_id: int,
    on: date,
    *,
    in_touch: str,
    activity: str,
    latest_contact_on: date | None = None,
) -> bool:
    """Keep these contact values as true from ``on`` (one row per young person and day: a
    second change that day replaces the first). True if the history changed."""
    found = session.exec(
        select(ContactRecord).where(
            ContactRecord.young_person_id == young_person_id, ContactRecord.recorded_on == on
        )
    ).first()
    values: dict[str, object] = {
        "in_touch": in_touch,
        "latest_contact_on": latest_contact_on,
        "activity": activity,
    }
    if found is None:
        session.add(
            ContactRecord(
                young_person_id=young_person_id,
                recorded_on=on,
                in_touch=in_touch,
                latest_contact_on=latest_contact_on,
                activity=activity,
            )
        )
        return True
    if all(getattr(found, f) == v for f, v in values.items()):
        return False
    for field, value in values.items():
        setattr(found, field, value)
    session.add(found)
    return True


def note_values_of(session: Session, person: YoungPerson, on: date) -> bool:
    """Keep ``person``'s contact values now as true from ``on``."""
    return note_contact(
        session,
        person.id or 0,
        on,
        in_touch=person.in_touch,
        activity=person.activity,
        latest_contact_on=person.latest_contact_on,
    )


def note_before_change(session: Session, person: YoungPerson, today: date) -> None:
    """Before the first recorded change, keep the values the record held until now (from
    the day the record was made), so a past year does not read today's values."""
    if history_of(session, person.id or 0):
        return
    if not any(getattr(person, f) for f in FIELDS):
        return
    made = person.created_at.date() if person.created_at else today
    note_values_of(session, person, min(made, today))


def history_of(session: Session, young_person_id: int) -> list[ContactRecord]:
    """One young person's contact history, oldest first."""
    return list(
        session.exec(
            select(ContactRecord)
            .where(ContactRecord.young_person_id == young_person_id)
            .order_by(col(ContactRecord.recorded_on))
        ).all()
    )


def histories(session: Session) -> dict[int, list[ContactRecord]]:
    """Every young person's contact history, oldest first."""
    found: dict[int, list[ContactRecord]] = defaultdict(list)
    for row in session.exec(select(ContactRecord).order_by(col(ContactRecord.recorded_on))):
        found[row.young_person_id].append(row)
    return found


def contact_on(history: list[ContactRecord], day: date) -> ContactRecord | None:
    """What was true on ``day``: the latest row on or before it; before the first row, the
    first row (the earliest the planner knows); None with no history (use the values now)."""
    if not history:
        return None
    before = [row for row in history if row.recorded_on <= day]
    return before[-1] if before else history[0]
