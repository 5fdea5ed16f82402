"""Small builders for hand-checkable match runs: one dict per young person or vacancy.

Defaults describe a young person and a vacancy that match each other: a 20-year-old with a
low support need asking to move, and an open council flat in the same area. A test changes
only the fields it is about, so the reason a pair is excluded or preferred is visible.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from optimiser import match

AS_OF = dt.date(2024, 5, 1)


def person(person_id: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "person_id": person_id,
        "date_of_birth": "2004-01-15",
        "gender": "female",
        "uasc": False,
        "current_accommodation": "supported_lodgings",
        "suitable": None,
        "unsuitable_since": None,
        "free_from": None,
        "needed_by": None,
        "support_need": "low",
        "area": "Weymouth",
        "preferred_areas": "",
        "excluded_areas": "",
        "needs_step_free": False,
        "has_child": False,
        "has_pet": False,
        "risk_flags": "",
        "wants_move": True,
    }
    row.update(fields)
    return row


def vacancy(vacancy_id: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "vacancy_id": vacancy_id,
        "provision_id": f"P{vacancy_id}",
        "placement_type": "council_flat",
        "area": "Weymouth",
        "available_from": None,
        "capacity": 1,
        "min_age": 16,
        "max_age": 25,
        "gender": "any",
        "cohort": "any",
        "support_level": "low",
        "ofsted_registered": True,
        "step_free": False,
        "parent_and_child": False,
        "pets_allowed": False,
        "excluded_risks": "",
        "reserved_for": None,
        "weekly_cost": 200,
    }
    row.update(fields)
    return row


def run(people: list[dict], vacancies: list[dict], **settings: object):
    settings.setdefault("as_of", AS_OF)
    settings.setdefault("time_limit_seconds", 20)
    return match(pd.DataFrame(people), pd.DataFrame(vacancies), **settings)


def pairs(result) -> set[tuple[str, str]]:
    """The proposals as (person_id, vacancy_id) pairs."""
    return set(zip(result.proposals["person_id"], result.proposals["vacancy_id"], strict=True))
