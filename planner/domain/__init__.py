"""The domain: the vocabulary every feature speaks, dates and ages, who may see what.

``planner.domain`` re-exports the vocabulary and the date rules so a feature writes
``from planner.domain import PlacementType, age_on``; each is defined once, in
:mod:`planner.domain.vocabulary` or :mod:`planner.domain.dates`. Permissions and record
scopes are in :mod:`planner.domain.permissions`.
"""

from planner.domain.dates import (
    age_on,
    birthday,
    in_care_after_18,
    in_care_on,
    legal_status_on,
)
from planner.domain.vocabulary import (
    ACTIVITY_CODES,
    ALLOCATABLE_TYPES,
    IN_TOUCH_CODES,
    MOST_URGENT_TYPES,
    SUITABLE_TYPES,
    UNSUITABLE_TYPES,
    AsylumStatus,
    Cohort,
    Contract,
    DeclineReason,
    Ethnicity,
    Gender,
    GenderRule,
    LegalStatus,
    PlacementInfo,
    PlacementType,
    ProposalStatus,
    Role,
    SupportLevel,
    VacancyStatus,
)

__all__ = [
    "ACTIVITY_CODES",
    "ALLOCATABLE_TYPES",
    "IN_TOUCH_CODES",
    "MOST_URGENT_TYPES",
    "AsylumStatus",
    "Cohort",
    "Contract",
    "DeclineReason",
    "Ethnicity",
    "Gender",
    "GenderRule",
    "LegalStatus",
    "PlacementInfo",
    "PlacementType",
    "ProposalStatus",
    "Role",
    "SUITABLE_TYPES",
    "SupportLevel",
    "UNSUITABLE_TYPES",
    "VacancyStatus",
    "age_on",
    "birthday",
    "in_care_after_18",
    "in_care_on",
    "legal_status_on",
]
