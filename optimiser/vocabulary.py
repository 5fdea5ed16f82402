"""The words the matching model understands, spelt as the templates spell them.

Every vocabulary is a tuple of snake_case strings so that frames can hold plain text (what a
spreadsheet, a database column or a JSON payload carries) and the order of a tuple can carry
meaning where the domain has one (support levels rise from `none` to `high`).
"""

from __future__ import annotations

# The planner's placement types (planner.domain.PlacementType), in its order; the optimiser
# cannot import the planner, so tests/domain/test_vocabulary_agrees.py keeps the copies equal.
PLACEMENT_TYPES: tuple[str, ...] = (
    "staying_put",
    "supported_lodgings",
    "staying_close",
    "supported_accommodation",
    "council_flat",
    "independent_tenancy",
    "with_family",
    "other_suitable",
    "in_care_other",
    "bed_and_breakfast",
    "emergency_accommodation",
    "sofa_surfing",
    "no_fixed_abode",
    "custody",
)

# Unsuitable accommodation: what the planner must get young people out of (DOMAIN.md).
UNSUITABLE_TYPES: frozenset[str] = frozenset(
    {"bed_and_breakfast", "emergency_accommodation", "sofa_surfing", "no_fixed_abode", "custody"}
)

# Within unsuitable accommodation these come first (issue 3, stage a).
MOST_URGENT_TYPES: frozenset[str] = frozenset(
    {"bed_and_breakfast", "no_fixed_abode", "emergency_accommodation"}
)

# The only placement types a vacancy can be offered in: unsuitable types are never proposed.
OFFERABLE_TYPES: tuple[str, ...] = tuple(t for t in PLACEMENT_TYPES if t not in UNSUITABLE_TYPES)

GENDERS: tuple[str, ...] = ("male", "female", "non_binary", "not_stated")
VACANCY_GENDERS: tuple[str, ...] = ("any", "male", "female")

# Ring-fenced lots of the supported accommodation framework.
COHORTS: tuple[str, ...] = ("any", "uasc", "care_leavers", "homeless_16_21")

# Ordered: a vacancy offering level L meets every need at or below L.
SUPPORT_LEVELS: tuple[str, ...] = ("none", "low", "medium", "high")

PLACEMENT_TYPE_LABELS: dict[str, str] = {
    "staying_put": "staying put",
    "supported_lodgings": "supported lodgings",
    "staying_close": "staying close",
    "supported_accommodation": "supported accommodation",
    "council_flat": "a council flat",
    "independent_tenancy": "an independent tenancy",
    "with_family": "a family home",
    "other_suitable": "other suitable accommodation",
    "in_care_other": "care (foster or residential)",
    "bed_and_breakfast": "bed and breakfast",
    "emergency_accommodation": "emergency accommodation",
    "sofa_surfing": "sofa surfing",
    "no_fixed_abode": "no fixed abode",
    "custody": "custody",
}


def support_rank(level: str) -> int:
    """Position of a support level on the none < low < medium < high scale."""
    return SUPPORT_LEVELS.index(level)
