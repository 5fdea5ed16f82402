"""The SSDA903 return's rules, with no database: its tables, codes and cohort.

A table is recognised by its exact set of columns, as DfE's validator does (file names are
not trusted); a cell is checked against the DfE's code lists (validator rules 131-133,
153, 344, 345) and the council's code mapping (``mapping.csv``: which planner placement
type each ACCOM letter and PLACE code stands for). Every problem is a :class:`ReturnError`
naming the file, line, column, value and the rule broken; nothing is ever silently changed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from planner.core.errors import InvalidInput
from planner.domain import (
    ACTIVITY_CODES,
    IN_TOUCH_CODES,
    Ethnicity,
    Gender,
    LegalStatus,
    PlacementType,
    age_on,
    birthday,
)
from planner.domain.permissions import Permission, RecordScope, allows, record_scope

DEFAULT_MAPPING = Path(__file__).with_name("mapping.csv")

TABLES: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
}
# Tables of the return the planner has no use for: recognised, so they are not refused as
# unknown, and skipped.
OTHER_TABLES: dict[str, tuple[str, ...]] = {
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "previous_permanence": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
    "placed_adoption": (
        "CHILD",
        "DOB",
        "DATE_PLACED",
        "DATE_PLACED_CEASED",
        "REASON_PLACED_CEASED",
    ),
    "ad1": (
        "CHILD",
        "DOB",
        "DATE_INT",
        "DATE_MATCH",
        "FOSTER_CARE",
        "NB_ADOPTR",
        "SEX_ADOPTR",
        "LS_ADOPTR",
    ),
    "oc2": (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
}
# Multi-council pipelines (liia-tools, the regional demand model) add these two columns.
EXTRA_COLUMNS = ("LA", "YEAR")

ETHNIC_CODES: dict[str, Ethnicity] = {
    **{c: Ethnicity.white for c in ("WBRI", "WIRI", "WIRT", "WOTH", "WROM")},
    **{c: Ethnicity.mixed for c in ("MWBC", "MWBA", "MWAS", "MOTH")},
    **{c: Ethnicity.asian for c in ("AIND", "APKN", "ABAN", "AOTH")},
    **{c: Ethnicity.black for c in ("BCRB", "BAFR", "BOTH")},
    **{c: Ethnicity.other for c in ("CHNE", "OOTH")},
    **{c: Ethnicity.not_stated for c in ("REFU", "NOBT")},
}
# The planner keeps the top-level group only, so an export writes the group's "any other"
# code (documented in docs/returns.md).
ETHNIC_EXPORT: dict[Ethnicity, str] = {
    Ethnicity.white: "WOTH",
    Ethnicity.mixed: "MOTH",
    Ethnicity.asian: "AOTH",
    Ethnicity.black: "BOTH",
    Ethnicity.other: "OOTH",
    Ethnicity.not_stated: "NOBT",
}
SEX_CODES_TO_2024 = {"1": Gender.male, "2": Gender.female}
SEX_CODES_FROM_2025 = {"M": Gender.male, "F": Gender.female, "U": Gender.not_stated}
# Rule 133: a type letter and a suitability digit, S and X "not suitable" only, or 0.
ACCOM_CODES = frozenset(
    {f"{letter}{digit}" for letter in "BCDEGHKRTUVWYZ" for digit in "12"} | {"S2", "X2", "0"}
)
NOT_IN_TOUCH_ANY_MORE = frozenset({"DIED", "RHOM"})
# Codes the DfE does not allow on or around the 17th birthday
NOT_AT_17 = {
    "Z": "rule 3001: not Z (former foster carers) around the 17th birthday",
    "T": "rule 347: not T (a Foyer) under 18",
}
ELIGIBLE_DAYS = 91  # 13 weeks looked after since the 14th birthday
OC3_AGES = range(17, 22)
OLDEST = 25  # the service supports care leavers to 25


class MappingRefused(InvalidInput):
    """The council's code mapping file cannot be used."""


@dataclass(frozen=True)
class ReturnError:
    """One problem in a 903 file: where it is, and the rule it breaks."""

    file: str
    line: int
    column: str
    value: str
    rule: str
    quoted: bool = True  # a code may be shown; a date of birth is "the value"

    def __str__(self) -> str:
        shown = f"value {self.value!r}" if self.quoted else "the value"
        where = f"{self.file}, line {self.line}"
        cell = f", column {self.column}, {shown}" if self.column else ""
        return f"{where}{cell}: {self.rule}"


@dataclass(frozen=True)
class CodeMapping:
    """Which planner placement type each ACCOM letter and PLACE code is, and when a PLACE
    code is valid (collection years, by their end year)."""

    accom: dict[str, PlacementType]
    place: dict[str, PlacementType]
    place_years: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    def place_valid_in(self, code: str, year: int) -> bool:
        first, last = self.place_years.get(code, (None, None))
        return (first is None or year >= first) and (last is None or year <= last)


def load_mapping(path: Path | None = None) -> CodeMapping:
    """The code mapping: the council's copy if given, else the one shipped with the planner."""
    source = path or DEFAULT_MAPPING
    if not source.exists():
        raise MappingRefused(f"{source}: no such mapping file")
    accom: dict[str, PlacementType] = {}
    place: dict[str, PlacementType] = {}
    years: dict[str, tuple[int | None, int | None]] = {}
    with source.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            fieldname = (row.get("field") or "").strip().upper()
            code = (row.get("code") or "").strip().upper()
            try:
                ptype = PlacementType((row.get("placement_type") or "").strip())
                first = int(row["valid_from"]) if (row.get("valid_from") or "").strip() else None
                last = int(row["valid_to"]) if (row.get("valid_to") or "").strip() else None
            except (ValueError, KeyError):
                raise MappingRefused(
                    f"{source.name}, line {line}: expected field, code, a planner placement_type "
                    "and optional valid_from/valid_to years"
                ) from None
            if fieldname == "ACCOM" and len(code) == 1:
                accom[code] = ptype
            elif fieldname == "PLACE" and code:
                place[code] = ptype
                years[code] = (first, last)
            else:
                raise MappingRefused(
                    f"{source.name}, line {line}: field must be ACCOM (a type letter) or PLACE"
                )
    missing = sorted({c[0] for c in ACCOM_CODES if c != "0"} - set(accom))
    if missing:
        raise MappingRefused(f"{source.name}: no placement type for ACCOM letter(s) {missing}")
    return CodeMapping(accom, place, years)


def recognise(columns: list[str]) -> str | None:
    """The table a file holds, by its exact set of columns (LA and YEAR allowed too)."""
    names = {c.strip().upper() for c in columns if c.strip()} - set(EXTRA_COLUMNS)
    for table, expected in (TABLES | OTHER_TABLES).items():
        if names == set(expected):
            return table
    return None


YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def year_of(path: Path) -> int | None:
    """The collection year (its end year) named in a file's or its folder's name."""
    for name in (path.stem, path.parent.name):
        found = YEAR_IN_NAME.findall(name)
        if found:
            return int(found[-1])
    return None


def collection_period(year: int) -> tuple[date, date]:
    """The collection year ending 31 March ``year``: 1 April ``year - 1`` to 31 March."""
    return date(year - 1, 4, 1), date(year, 3, 31)


def parse_date(text: str) -> date | None:
    """A 903 date, ``dd/mm/YYYY`` (DfE) or ``YYYY-MM-DD`` (regional pipelines)."""
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def sex_codes(year: int) -> dict[str, Gender]:
    """SEX is 1/2 up to collection year 2024 and M/F/U from 2025 (rule 101)."""
    return SEX_CODES_TO_2024 if year <= 2024 else SEX_CODES_FROM_2025


def sex_code(gender: Gender | str, year: int) -> str:
    """The SEX code for the year; blank up to 2024 for anyone not male or female."""
    for code, value in sex_codes(year).items():
        if value == gender:
            return code
    return "" if year <= 2024 else "U"


def oc3_rules(in_touch: str, activ: str, accom: str) -> list[tuple[str, str]]:
    """The column and rule each OC3 code breaks, if any (rules 131-133, 153, 344, 345)."""
    broken: list[tuple[str, str]] = []
    filled = [bool(in_touch), bool(activ), bool(accom)]
    if any(filled) and not all(filled):
        column = ("IN_TOUCH", "ACTIV", "ACCOM")[filled.index(False)]
        return [(column, "rule 153: IN_TOUCH, ACTIV and ACCOM all filled in or all blank")]
    if not any(filled):
        return []
    if in_touch not in IN_TOUCH_CODES:
        broken.append(("IN_TOUCH", "rule 131: one of " + ", ".join(IN_TOUCH_CODES)))
    if activ not in ACTIVITY_CODES:
        broken.append(("ACTIV", "rule 132: one of " + ", ".join(ACTIVITY_CODES)))
    if accom not in ACCOM_CODES:
        broken.append(
            (
                "ACCOM",
                "rule 133: a type letter B-Z and suitability digit 1 or 2 (S and X: 2 only), or 0",
            )
        )
    if in_touch in NOT_IN_TOUCH_ANY_MORE:
        if activ in ACTIVITY_CODES and activ != "0":
            broken.append(("ACTIV", f"rule 344: 0 when IN_TOUCH is {in_touch}"))
        if accom in ACCOM_CODES and accom != "0":
            broken.append(("ACCOM", f"rule 344: 0 when IN_TOUCH is {in_touch}"))
    if in_touch == "YES":
        if activ == "0":
            broken.append(("ACTIV", "rule 345: not 0 when IN_TOUCH is YES"))
        if accom == "0":
            broken.append(("ACCOM", "rule 345: not 0 when IN_TOUCH is YES"))
    return broken


def oc3_birthday(date_of_birth: date, year: int) -> date | None:
    """The 17th to 21st birthday that falls in the collection year, if one does."""
    start, end = collection_period(year)
    for age in OC3_AGES:
        day = birthday(date_of_birth, age)
        if start <= day <= end:
            return day
    return None


def days_in_care_since_14(
    date_of_birth: date, episodes: list[tuple[date, date | None]], as_of: date
) -> int:
    """Days looked after between the 14th and 18th birthdays, up to ``as_of``."""
    first, last = birthday(date_of_birth, 14), min(birthday(date_of_birth, 18), as_of)
    total = 0
    for start, end in episodes:
        lo, hi = max(start, first), min(end or as_of, last)
        total += max(0, (hi - lo).days)
    return total


def legal_status(
    date_of_birth: date,
    episodes: list[tuple[date, date | None]],
    *,
    as_of: date,
    today: date,
    in_oc3: bool,
) -> tuple[LegalStatus, bool]:
    """Leaving-care status today, and whether still looked after, from the episodes the
    files hold up to ``as_of`` (the end of their latest collection year).

    Eligible: looked after, under 18, 13 weeks since 14 with some after 16. Relevant: the
    same, having left care, under 18. Former relevant: 18 or over, having been eligible or
    relevant. Qualifying: looked after after 16 without the 13 weeks. A care leaver in OC3
    was eligible or relevant (validator rules 1001/1002), whatever episodes the files hold.
    Someone looked after at ``as_of`` and still under 18 today is taken to be looked after."""
    age = age_on(date_of_birth, today)
    in_care = age < 18 and any(
        start <= as_of and (end is None or end > as_of) for start, end in episodes
    )
    sixteen = birthday(date_of_birth, 16)
    after_16 = any((end or as_of) > sixteen for _, end in episodes)
    long_enough = days_in_care_since_14(date_of_birth, episodes, as_of) >= ELIGIBLE_DAYS
    if (long_enough and after_16) or in_oc3:
        if age >= 18:
            return LegalStatus.former_relevant, False
        return (LegalStatus.eligible if in_care else LegalStatus.relevant), in_care
    return LegalStatus.qualifying, in_care


def may_export_personal_data(role: str | None) -> bool:
    """Who may export a return naming every young person: the operator at the command line
    (``None``: it runs with the database's own rights, audited as the CLI actor) and roles
    that see every young person's record (housing officers and managers)."""
    if role is None:
        return True
    return allows(role, Permission.view_young_people) and record_scope(role) == RecordScope.all


# -- Ofsted Annex A, List 9 (care leavers) ----------------------------------------------------

LIST9_COLUMNS = (
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Allocated Team",
    "Allocated Worker",
    "Eligibility Category",
    "LA in Touch",
    "Type of Accommodation",
    "Suitability of Accommodation",
    "Activity Status",
)
LIST9_ELIGIBILITY = {
    LegalStatus.relevant: "a) Relevant child",
    LegalStatus.former_relevant: "b) Former relevant child",
    LegalStatus.qualifying: "c) Qualifying care leaver",
    LegalStatus.eligible: "d) Eligible child",
}
LIST9_GENDER = {
    Gender.male: "a) Male",
    Gender.female: "b) Female",
    Gender.not_stated: "c) Not stated/recorded",
    Gender.non_binary: "d) Neither",
}
LIST9_IN_TOUCH = {
    "YES": "a) Yes",
    "NO": "b) No",
    "DIED": "c) Died",
    "REFU": "d) Refu",
    "NREQ": "e) NREQ",
    "RHOM": "f) Rhom",
}
LIST9_ACCOMMODATION = {
    "B": "B: Parents/relatives",
    "C": "C: Community home / residential care",
    "D": "D: Semi-independent, transitional accommodation and self-contained accommodation",
    "E": "E: Supported lodgings",
    "G": "G: Abroad",
    "H": "H: Deported",
    "K": "K: Ordinary lodgings, without formal support",
    "R": "R: Residence not known",
    "S": "S: No fixed abode / homeless",
    "T": "T: Foyers and similar supported accommodation",
    "U": "U: Independent living",
    "V": "V: Emergency accommodation",
    "W": "W: Bed and breakfast",
    "X": "X: In custody",
    "Y": "Y: Other accommodation",
    "Z": "Z: With former foster carers",
}
LIST9_SUITABILITY = {True: "a) Suitable", False: "b) Unsuitable"}
LIST9_ACTIVITY = {
    "F1": "F1: Full time in higher education",
    "P1": "P1: Part time in higher education",
    "F2": "F2: Full time in education other than higher",
    "P2": "P2: Part time in education other than higher",
    "F4": "F4: Young person engaged full time in an apprenticeship",
    "P4": "P4: Young person engaged part time in an apprenticeship",
    "F5": "F5: Young person engaged full time in training or employment (not apprenticeship)",
    "P5": "P5: Young person engaged part time in training or employment (not apprenticeship)",
    "G4": "G4: Not in education, employment or training - illness or disability",
    "G5": "G5: Not in education, employment or training - other",
    "G6": "G6: Not in education, employment or training - pregnancy or parenting",
}
LIST9_ETHNICITY = {
    Ethnicity.white: "d) WOTH",
    Ethnicity.mixed: "i) MOTH",
    Ethnicity.asian: "m) AOTH",
    Ethnicity.black: "p) BOTH",
    Ethnicity.other: "r) OOTH",
    Ethnicity.not_stated: "t) NOBT",
}
