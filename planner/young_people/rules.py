"""The pure rules of keeping young people's records: no session, only values.

What a move, an ended stay or a cancelled move must satisfy before anything is written, and
the reason codes the audit trail keeps (codes, never free text: the trail holds no personal
data). Each refusal names the field at fault (:class:`planner.core.errors.FieldInvalid`), so
a form can highlight it and the API lists it in ``fields``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from planner.core.errors import FieldInvalid
from planner.domain import ACTIVITY_CODES, IN_TOUCH_CODES, PlacementType, SupportLevel
from planner.domain.text import check_day, check_text, day_words


class StayEndReason(StrEnum):
    """Why a stay ended (kept on the stay and in the audit trail)."""

    moved = "moved"  # a move was recorded: the next stay starts that day
    notice = "notice"  # notice given by the provider, host or young person
    evicted = "evicted"
    abandoned = "abandoned"
    custody = "custody"
    left_service = "left_service"
    other = "other"


class MoveChangeReason(StrEnum):
    """Why a planned move was cancelled or re-dated."""

    young_person_declined = "young_person_declined"
    provider_withdrew = "provider_withdrew"
    place_not_ready = "place_not_ready"
    circumstances_changed = "circumstances_changed"
    recorded_in_error = "recorded_in_error"
    other = "other"


class LeavingReason(StrEnum):
    """Why a young person left the service."""

    aged_out = "aged_out"  # 21, or 25 for those who asked for support to continue
    declined_support = "declined_support"
    moved_away = "moved_away"
    died = "died"
    other = "other"


def placement_type(value: str, field: str = "placement_type") -> PlacementType:
    try:
        return PlacementType(value)
    except ValueError:
        raise FieldInvalid(field, "Choose a placement type from the list.") from None


def check_move(
    *,
    kind: PlacementType,
    start: date,
    expected_end: date | None,
    previous_start: date | None,
) -> None:
    """A move's own dates: the new stay starts after the one it replaces began, and a
    release date (custody) or expected end is not before the start."""
    check_day(start, "start", "date of the move")
    if previous_start is not None and start <= previous_start:
        raise FieldInvalid(
            "start",
            f"The move must be after the current stay began ({day_words(previous_start)}).",
        )
    if expected_end is not None:
        check_day(expected_end, "expected_end", "expected end")
        if expected_end < start:
            what = "expected release date" if kind == PlacementType.custody else "expected end"
            raise FieldInvalid("expected_end", f"The {what} cannot be before the move.")


# -- editing a young person's details ------------------------------------------------------------

TEXT_FIELDS = {  # field -> (longest, words for the error)
    "area": (80, "area"),
    "education_area": (80, "education area"),
    "work_area": (80, "work area"),
    "network_area": (80, "area of their support network"),
}
LIST_FIELDS = {
    "risk_flags": (255, "risk flags"),
    "preferred_areas": (255, "preferred areas"),
    "excluded_areas": (255, "excluded areas"),
}
FLAG_FIELDS = ("needs_step_free", "has_child", "pregnant", "has_pet", "asked_to_move")
EDITABLE = (
    *TEXT_FIELDS,
    *LIST_FIELDS,
    *FLAG_FIELDS,
    "support_need",
    "pathway_plan_review_due",
    "personal_adviser",
    # what OC3 and List 9 ask about a care leaver (docs/returns.md)
    "in_touch",
    "activity",
    "latest_contact_on",
)
CONTACT_CODES = {  # field -> (the 903 codes, words for the error)
    "in_touch": (IN_TOUCH_CODES, "Whether the council is in touch"),
    "activity": (ACTIVITY_CODES, "The main activity"),
}


def clean_details(changes: dict[str, object]) -> dict[str, object]:
    """The changes to a young person's details as column values, each checked; a refusal
    names its field. ``personal_adviser`` (a username) is left for the service to look up."""
    cleaned: dict[str, object] = {}
    for field, value in changes.items():
        if field not in EDITABLE:
            raise FieldInvalid(field, f"{field} cannot be changed here.")
        if field in TEXT_FIELDS:
            longest, words = TEXT_FIELDS[field]
            text = check_text(str(value or ""), f"The {words}").strip()
            if len(text) > longest or ";" in text:
                raise FieldInvalid(field, f"The {words} must be one name of {longest} or fewer.")
            cleaned[field] = text
        elif field in LIST_FIELDS:
            longest, words = LIST_FIELDS[field]
            items = value if isinstance(value, list | tuple) else str(value or "").split(";")
            parts = [check_text(str(i), f"The {words}").strip() for i in items]
            if any(";" in p for p in parts):
                raise FieldInvalid(field, f"The {words} cannot contain ';'.")
            joined = ";".join(p for p in parts if p)
            if len(joined) > longest:
                raise FieldInvalid(field, f"The {words} are too long ({longest} characters).")
            cleaned[field] = joined
        elif field in FLAG_FIELDS:
            if not isinstance(value, bool):
                raise FieldInvalid(field, f"{field.replace('_', ' ')} is yes or no.")
            cleaned[field] = value
        elif field == "support_need":
            try:
                cleaned[field] = SupportLevel(str(value))
            except ValueError:
                levels = ", ".join(s.value for s in SupportLevel)
                raise FieldInvalid(field, f"The support need is one of {levels}.") from None
        elif field == "pathway_plan_review_due":
            if value is not None and not isinstance(value, date):
                raise FieldInvalid(field, "The pathway plan review date must be a date.")
            cleaned[field] = (
                None if value is None else check_day(value, field, "pathway plan review date")
            )
        elif field in CONTACT_CODES:
            codes, words = CONTACT_CODES[field]
            code = str(value or "").strip().upper()
            if code and code not in codes:
                raise FieldInvalid(
                    field, f"{words} is one of {', '.join(codes)} (SSDA903 codes), or blank."
                )
            cleaned[field] = code
        elif field == "latest_contact_on":
            if value is not None and not isinstance(value, date):
                raise FieldInvalid(field, "The latest contact must be a date.")
            cleaned[field] = None if value is None else check_day(value, field, "latest contact")
        else:  # personal_adviser
            cleaned[field] = check_text(str(value or ""), "The personal adviser").strip()
    return cleaned
