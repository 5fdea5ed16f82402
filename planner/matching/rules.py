"""Which declines are remembered, for how long, and how they are worded (pure: no session).

A decline is a decision about a pair, not a suggestion to make again. Declined by the young
person, by the provider, not suitable on review, or for another reason: the pair stays out of
later runs until someone lifts the exclusion, or until the records of either side change in a
way that matters to the decision. "Placed elsewhere" needs no exclusion (the young person has
a place). "No longer needed" withdraws the young person from matching altogether, until their
record changes.

What "a change that matters" means is a fingerprint stored with the decision
(:func:`pair_fingerprint`, :func:`withdrawal_fingerprint`) and compared on every run:

- for the young person: what the hard rules and the fit read about them (support need,
  risks, step-free access, a child, pregnancy, a pet, gender, UASC, preferred and excluded
  areas, education, work and network areas). A new address alone (``area``), a review date
  or a new adviser does not bring a declined pair back.
- for the vacancy: a new vacancy is a new row, so it is never excluded by an old decision;
  a change to the provision's rules (ages, gender rule, cohort, support level, Ofsted
  registration, step-free access, parent and child, pets, excluded risks) counts.
- for a withdrawal: the young person's fields above, "asked to move" (cleared by the
  decline, so setting it again counts) and the stay they are in (a new stay counts).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from planner.domain import DeclineReason
from planner.domain.text import day_words

# Declines that keep the pair out of later runs; "other" too: an officer who declined had a
# reason the same pair should not be put to them again, and can lift it in one step.
PAIR_EXCLUDING = frozenset(
    {
        DeclineReason.young_person_declined,
        DeclineReason.provider_declined,
        DeclineReason.not_suitable_on_review,
        DeclineReason.other,
    }
)
WITHDRAWING = frozenset({DeclineReason.no_longer_needed})
REMEMBERED = PAIR_EXCLUDING | WITHDRAWING

PERSON_FIELDS = (
    "gender",
    "uasc",
    "support_need",
    "risk_flags",
    "needs_step_free",
    "has_child",
    "pregnant",
    "has_pet",
    "preferred_areas",
    "excluded_areas",
    "education_area",
    "work_area",
    "network_area",
)
PROVISION_FIELDS = (
    "min_age",
    "max_age",
    "gender_rule",
    "cohort",
    "support_level",
    "ofsted_registered",
    "step_free",
    "parent_and_child",
    "pets_allowed",
    "excluded_risks",
)

_WORDS = {
    DeclineReason.young_person_declined: "declined by the young person",
    DeclineReason.provider_declined: "declined by the provider",
    DeclineReason.not_suitable_on_review: "found not suitable on review",
    DeclineReason.no_longer_needed: "no longer needs a move",
    DeclineReason.other: "declined",
}


def _digest(values: dict[str, Any]) -> str:
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _fields(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: str(getattr(row, name, "")) for name in names}


def pair_fingerprint(person: object, provision: object) -> str:
    """What mattered about both sides of a declined pair when the decision was made."""
    person_fields = _fields(person, PERSON_FIELDS)
    return _digest({"person": person_fields, "provision": _fields(provision, PROVISION_FIELDS)})


def withdrawal_fingerprint(person: object, stay_id: int | None) -> str:
    """What mattered about a young person when they were withdrawn from matching."""
    fields = _fields(person, (*PERSON_FIELDS, "asked_to_move"))
    return _digest({"person": fields, "stay": stay_id})


def decision_words(reason: str, day: date) -> str:
    """The decision as people read it: "declined by the provider on 3 December 2026"."""
    return f"{_WORDS.get(DeclineReason(reason), 'declined')} on {day_words(day)}"


# -- the hard rules in plain words --------------------------------------------------------------
# The rules themselves live in optimiser/rules.py (one home); these are only their words on
# the vacancy, best-places and escalation pages. Each rule has three phrasings: why a pair is
# ruled out, how "no place" reads when the rule rules out every place, and what would make a
# nearest miss (a place failing this rule only) fit. A test checks every rule has all three.
RULE_WORDS: dict[str, tuple[str, str, str]] = {
    "reserved": (
        "the place is held for another young person",
        "every place is held for someone else",
        "would fit if it were not held for someone else",
    ),
    "age": (
        "their age is outside the place's age range",
        "no place takes their age",
        "would fit if the place took their age",
    ),
    "gender": (
        "the place is for another gender",
        "no place takes their gender",
        "would fit if the place took their gender",
    ),
    "cohort": (
        "the place is kept for another group of young people",
        "every place is kept for another group of young people",
        "would fit if it were not kept for another group",
    ),
    "ofsted": (
        "they are under 18 and the place is not Ofsted-registered",
        "no place is Ofsted-registered for someone under 18",
        "would fit if it were Ofsted-registered",
    ),
    "support": (
        "the place offers less support than they need",
        "no place offers the support they need",
        "would fit if it offered more support",
    ),
    "step_free": (
        "they need step-free access and the place has none",
        "no place has step-free access",
        "would fit if it had step-free access",
    ),
    "parent_and_child": (
        "a parent-and-child place does not match their family",
        "no place matches their family (parent and child)",
        "would fit if it matched their family (parent and child)",
    ),
    "pets": (
        "they have a pet and pets are not allowed",
        "no place allows pets",
        "would fit if pets were allowed",
    ),
    "excluded_area": (
        "the place is in an area they must not live in",
        "every place is in an area they must not live in",
        "would fit if it were in another area",
    ),
    "too_far": (
        "the place is too far from their home area",
        "every place is too far from their home area",
        "would fit if it were nearer",
    ),
    "not_free": (
        "they are not free to move by the day the place is free",
        "they are not free to move by the day any place is free",
        "would fit if they were free to move sooner",
    ),
    "risk": (
        "the place does not accept a risk in their record",
        "no place accepts a risk in their record",
        "would fit if the place accepted the risk",
    ),
    "same_provision": (
        "the place is in the scheme whose time limit they are reaching",
        "every place is in the scheme they must leave",
        "would fit if it were in another scheme",
    ),
    "decision": (
        "a decision keeps them apart (declined, or not suitable on review)",
        "a decision keeps them from every place",
        "would fit if the decision were lifted",
    ),
}


def rule_words(rule: str) -> str:
    """Why a pair is ruled out, in plain words ("they have a pet and pets are not allowed")."""
    return RULE_WORDS[rule][0]


def no_place_words(rule: str) -> str:
    """How "no place" reads when ``rule`` rules out every place ("no place allows pets")."""
    return RULE_WORDS[rule][1]


def would_fit_words(rule: str) -> str:
    """What would make a place failing only ``rule`` fit ("would fit if pets were allowed")."""
    return RULE_WORDS[rule][2]
