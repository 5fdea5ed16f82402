"""The planner's vocabulary: the enumerations every other module speaks.

Values are the snake_case names councils and other systems map to (the CSV templates use
them verbatim); each placement type also carries its SSDA903 ``ACCOM`` letter so that a
stay can be reported to the DfE and read back from a 903 return without a lookup table
living somewhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LegalStatus(StrEnum):
    """Children Act 1989 status, which decides a young person's entitlements."""

    eligible = "eligible"  # 16-17, still looked after, 13+ weeks in care since 14
    relevant = "relevant"  # 16-17, left care after being eligible
    former_relevant = "former_relevant"  # 18-25, was eligible or relevant
    qualifying = "qualifying"  # 16-21, in care after 16 but not eligible


# SSDA903 OC3 codes, kept as the DfE writes them (upper case) so the return, the council's
# files and List 9 all read the same: whether the council is in touch with a care leaver
# (IN_TOUCH, validator rule 131) and their main activity (ACTIV, rule 132; F3/P3 retired).
IN_TOUCH_CODES: dict[str, str] = {
    "YES": "Yes, in touch",
    "NO": "No, not in touch",
    "DIED": "Died after leaving care",
    "REFU": "Young person refuses contact",
    "NREQ": "Young person no longer requires services",
    "RHOM": "Returned home to parents for 6 months or more",
}
ACTIVITY_CODES: dict[str, str] = {
    "F1": "Full time in higher education",
    "P1": "Part time in higher education",
    "F2": "Full time in education other than higher",
    "P2": "Part time in education other than higher",
    "F4": "Full time in an apprenticeship",
    "P4": "Part time in an apprenticeship",
    "F5": "Full time in training or employment (not apprenticeship)",
    "P5": "Part time in training or employment (not apprenticeship)",
    "G4": "Not in education, employment or training: illness or disability",
    "G5": "Not in education, employment or training: other",
    "G6": "Not in education, employment or training: pregnancy or parenting",
    "0": "Not known (not in touch, died or returned home)",
}


class AsylumStatus(StrEnum):
    """Where an unaccompanied asylum-seeking child's claim stands (None if not UASC)."""

    not_applicable = "not_applicable"
    awaiting_decision = "awaiting_decision"  # the council funds housing and allowance
    granted = "granted"
    refused = "refused"  # appeal rights may remain; support continues under the leaving care duties


class Gender(StrEnum):
    male = "male"
    female = "female"
    non_binary = "non_binary"
    not_stated = "not_stated"


class GenderRule(StrEnum):
    """Whom a provision accepts."""

    any = "any"
    male = "male"
    female = "female"


class Cohort(StrEnum):
    """Ring-fenced lots of the supported accommodation framework (``any`` if none)."""

    any = "any"
    uasc = "uasc"  # unaccompanied young people seeking asylum who are in care
    care_leavers = "care_leavers"  # children in care and care leavers
    homeless_16_21 = "homeless_16_21"  # young people 16-21 at risk of homelessness

    @property
    def label(self) -> str:
        """The lot as commissioners name it, for tables people read."""
        return _COHORT_LABELS[self]


_COHORT_LABELS = {
    Cohort.any: "Any young person",
    Cohort.uasc: "Unaccompanied asylum-seeking young people",
    Cohort.care_leavers: "Children in care and care leavers",
    Cohort.homeless_16_21: "Young people 16-21 at risk of homelessness",
}


class SupportLevel(StrEnum):
    """Support a young person needs or a provision offers, from light touch to 24-hour."""

    none = "none"
    low = "low"
    medium = "medium"
    high = "high"

    @property
    def rank(self) -> int:
        return list(SupportLevel).index(self)


class Contract(StrEnum):
    """How the council pays for a provision's places: a block contract pays for every place
    whether filled or not; a spot purchase pays for a place only while it is used."""

    block = "block"
    spot = "spot"

    @property
    def label(self) -> str:
        return {
            "block": "Block contract (paid whether filled or not)",
            "spot": "Spot purchase (paid when used)",
        }[self.value]


class Ethnicity(StrEnum):
    """The five top-level ethnic groups the DfE and the council's report use."""

    white = "white"
    mixed = "mixed"
    asian = "asian"
    black = "black"
    other = "other"
    not_stated = "not_stated"


@dataclass(frozen=True)
class PlacementInfo:
    label: str
    accom_letter: str  # SSDA903 OC3 ACCOM type letter
    suitable: bool  # suitable by the council's policy, whatever the 903 digit says
    allocatable: bool  # provision the planner allocates places in


class PlacementType(StrEnum):
    """Where a young person lives. The first group is suitable, the second is not."""

    staying_put = "staying_put"
    supported_lodgings = "supported_lodgings"
    staying_close = "staying_close"
    supported_accommodation = "supported_accommodation"
    council_flat = "council_flat"
    independent_tenancy = "independent_tenancy"
    with_family = "with_family"
    other_suitable = "other_suitable"
    in_care_other = "in_care_other"  # 16-17 still looked after: foster care, children's home
    bed_and_breakfast = "bed_and_breakfast"
    emergency_accommodation = "emergency_accommodation"
    sofa_surfing = "sofa_surfing"
    no_fixed_abode = "no_fixed_abode"
    custody = "custody"

    @property
    def info(self) -> PlacementInfo:
        return PLACEMENT_INFO[self]

    @property
    def label(self) -> str:
        return self.info.label

    @property
    def accom_letter(self) -> str:
        return self.info.accom_letter

    @property
    def suitable_by_policy(self) -> bool:
        return self.info.suitable

    @property
    def allocatable(self) -> bool:
        return self.info.allocatable

    def accom_code(self, suitable: bool) -> str:
        """The two-character 903 ACCOM code, e.g. ``E1`` or ``W2``."""
        if self.accom_letter in {"S", "X"}:
            return f"{self.accom_letter}2"  # the DfE allows only "not suitable" for these
        return f"{self.accom_letter}{1 if suitable else 2}"


PLACEMENT_INFO: dict[PlacementType, PlacementInfo] = {
    PlacementType.staying_put: PlacementInfo("Staying put", "Z", True, True),
    PlacementType.supported_lodgings: PlacementInfo("Supported lodgings", "E", True, True),
    PlacementType.staying_close: PlacementInfo("Staying close", "D", True, True),
    PlacementType.supported_accommodation: PlacementInfo(
        "Supported accommodation framework", "D", True, True
    ),
    PlacementType.council_flat: PlacementInfo("Council flat", "D", True, True),
    PlacementType.independent_tenancy: PlacementInfo("Independent tenancy", "U", True, False),
    PlacementType.with_family: PlacementInfo("With family", "B", True, False),
    PlacementType.other_suitable: PlacementInfo("Other suitable", "Y", True, False),
    PlacementType.in_care_other: PlacementInfo("In care (foster or residential)", "C", True, False),
    PlacementType.bed_and_breakfast: PlacementInfo("Bed and breakfast", "W", False, False),
    PlacementType.emergency_accommodation: PlacementInfo(
        "Emergency accommodation", "V", False, False
    ),
    PlacementType.sofa_surfing: PlacementInfo("Sofa surfing", "S", False, False),
    PlacementType.no_fixed_abode: PlacementInfo("No fixed abode", "S", False, False),
    PlacementType.custody: PlacementInfo("Custody", "X", False, False),
}

SUITABLE_TYPES = tuple(t for t in PlacementType if t.suitable_by_policy)
UNSUITABLE_TYPES = tuple(t for t in PlacementType if not t.suitable_by_policy)
ALLOCATABLE_TYPES = tuple(t for t in PlacementType if t.allocatable)

# Within unsuitable accommodation these are the most urgent to leave (the council's escalation
# practice, annual report 15.3): they raise an escalation's level and come first in a match run.
MOST_URGENT_TYPES = (
    PlacementType.bed_and_breakfast,
    PlacementType.emergency_accommodation,
    PlacementType.no_fixed_abode,
)


class VacancyStatus(StrEnum):
    """A vacancy is open until it is filled (a proposal accepted) or withdrawn."""

    open = "open"
    filled = "filled"
    withdrawn = "withdrawn"


class ProposalStatus(StrEnum):
    """What became of a proposal: a person decides; the planner records it."""

    proposed = "proposed"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"  # the vacancy or the young person was placed another way
    superseded = "superseded"  # a newer match run replaced it before anyone decided
    cancelled = "cancelled"  # accepted, then the planned move was cancelled before its day


class DeclineReason(StrEnum):
    """Why a proposal was declined; codes, so reports can count them without free text."""

    young_person_declined = "young_person_declined"
    provider_declined = "provider_declined"
    not_suitable_on_review = "not_suitable_on_review"
    placed_elsewhere = "placed_elsewhere"
    # the young person no longer needs a move: withdrawn from matching until their record
    # changes (planner/matching/rules.py)
    no_longer_needed = "no_longer_needed"
    other = "other"


class Role(StrEnum):
    """Who a user is, which decides what they may see and do (least privilege)."""

    housing_officer = "housing_officer"
    commissioner = "commissioner"
    manager = "manager"
    personal_adviser = "personal_adviser"
    administrator = "administrator"
