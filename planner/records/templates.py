"""What the council's files look like: one template per kind of record.

Each column is declared once here with its parser and what it expects, and the importer,
the exporter and ``docs/data-templates.md`` all read these declarations, so a column can
never be documented one way and parsed another. Parsing a cell returns a value or raises
:class:`CellError`, which carries what the user needs to fix it: the column, the value and
what was expected (the importer adds the line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from planner.core.errors import InvalidInput
from planner.domain import (
    ACTIVITY_CODES,
    IN_TOUCH_CODES,
    AsylumStatus,
    Cohort,
    Contract,
    Ethnicity,
    Gender,
    GenderRule,
    LegalStatus,
    PlacementType,
    SupportLevel,
    VacancyStatus,
)

# The words a yes/no cell may hold, in any case: the same as the optimiser's files
# (optimiser.inputs), since one spreadsheet often feeds both; the vocabulary test keeps them
# equal. ``t``/``f`` are what PostgreSQL and some exports write for booleans.
TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "f", "0"})


class CellError(InvalidInput):
    """A cell that cannot be read. Its message quotes the value only if ``quoted`` (the
    column holds a code, see :attr:`Column.quoted`); otherwise it says "the value"."""

    def __init__(self, column: str, value: str, expected: str, *, quoted: bool = True) -> None:
        shown = repr(value) if quoted else "the value"
        super().__init__(f"column '{column}': {shown} is not valid; expected {expected}")
        self.column = column
        self.value = value
        self.expected = expected
        self.quoted = quoted


@dataclass(frozen=True)
class Column:
    """One column of a template: its name, how to read it, and what it means."""

    name: str
    kind: str  # text, date, bool, int, money, list, or an enumeration's name
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    # A text column that holds a code (a reference to a record, a username): its value may
    # be quoted in an error. Dates of a young person or of their stays are ``personal``.
    code: bool = False
    personal: bool = False

    @property
    def quoted(self) -> bool:
        """Whether an error message may quote this column's cell (docs/data-templates.md,
        "Errors"): codes, references, enumerations, yes/no, numbers, amounts and dates that
        are not about a young person. Names, free text, lists (risk flags, areas) and a
        young person's dates (birth, stays, reviews) are "the value"."""
        if self.personal:
            return False
        return self.code or self.kind in ("choice", "code", "bool", "int", "money", "date")

    @property
    def expected(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return {
            "text": "text",
            "date": "a date as YYYY-MM-DD",
            "bool": "true or false (yes/no and 1/0 are accepted)",
            "int": "a whole number",
            "money": "an amount in pounds, e.g. 285.50",
            "list": "names separated by ';'",
        }[self.kind]

    def parse(self, raw: str | None) -> Any:
        text = (raw or "").strip()
        if not text:
            if self.required:
                raise CellError(self.name, "", f"a value ({self.expected})", quoted=self.quoted)
            return self.default
        try:
            return _PARSERS[self.kind](self, text)
        except CellError as exc:
            raise CellError(exc.column, exc.value, exc.expected, quoted=self.quoted) from None


def _parse_date(col: Column, text: str) -> date:
    try:
        return date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)
    except ValueError:
        raise CellError(col.name, text, col.expected) from None


def _parse_bool(col: Column, text: str) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(col.name, text, col.expected)


def _parse_int(col: Column, text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise CellError(col.name, text, col.expected) from None
    if not number.is_integer():
        raise CellError(col.name, text, col.expected)
    return int(number)


def _parse_money(col: Column, text: str) -> Decimal:
    try:
        amount = Decimal(text.replace("£", "").replace(",", ""))
    except InvalidOperation:
        raise CellError(col.name, text, col.expected) from None
    if amount < 0 or not amount.is_finite():
        raise CellError(col.name, text, col.expected)
    return amount.quantize(Decimal("0.01"))


def _parse_list(col: Column, text: str) -> str:
    return ";".join(part.strip() for part in text.split(";") if part.strip())


def _parse_code(col: Column, text: str) -> str:
    """A code from a published list (the DfE's 903 codes), in upper case as written there."""
    word = text.strip().upper()
    if word not in col.choices:
        raise CellError(col.name, text, col.expected)
    return word


def _parse_choice(col: Column, text: str) -> str:
    word = text.strip().lower().replace(" ", "_").replace("-", "_")
    if word not in col.choices:
        raise CellError(col.name, text, col.expected)
    return word


_PARSERS: dict[str, Callable[[Column, str], Any]] = {
    "text": lambda col, text: text,
    "date": _parse_date,
    "bool": _parse_bool,
    "int": _parse_int,
    "money": _parse_money,
    "list": _parse_list,
    "choice": _parse_choice,
    "code": _parse_code,
}


def _choice(name: str, enum: type[StrEnum], description: str, **kw: Any) -> Column:
    return Column(name, "choice", description, choices=tuple(e.value for e in enum), **kw)


@dataclass(frozen=True)
class Template:
    """A kind of record the council can import and export."""

    kind: str
    title: str
    key: tuple[str, ...]  # the columns that identify a record, for upserts
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


YOUNG_PEOPLE = Template(
    "young_people",
    "Young people",
    key=("reference",),
    columns=(
        Column(
            "reference",
            "text",
            "The council's pseudonymous reference, e.g. YP0001",
            True,
            code=True,
        ),
        Column("date_of_birth", "date", "Date of birth", True, personal=True),
        _choice("gender", Gender, "Gender", default=Gender.not_stated.value),
        _choice("ethnicity", Ethnicity, "Top-level ethnic group", default="not_stated"),
        _choice("legal_status", LegalStatus, "Leaving-care legal status", required=True),
        Column("in_care", "bool", "Still looked after (16-17)", default=False),
        Column("uasc", "bool", "Unaccompanied asylum-seeking child or former UASC", default=False),
        _choice("asylum_status", AsylumStatus, "Asylum claim", default="not_applicable"),
        _choice("support_need", SupportLevel, "Support needed", default=SupportLevel.low.value),
        Column("risk_flags", "list", "Risks, e.g. exploitation;risk_to_others", default=""),
        Column("needs_step_free", "bool", "Needs step-free access", default=False),
        Column("has_child", "bool", "Is a parent living with their child", default=False),
        Column("pregnant", "bool", "Is pregnant", default=False),
        Column("has_pet", "bool", "Has a pet", default=False),
        Column(
            "area",
            "text",
            "Home area: where they live when no current stay records one",
            default="",
        ),
        Column("preferred_areas", "list", "Areas they would like to live in", default=""),
        Column("excluded_areas", "list", "Areas they must not be placed in", default=""),
        Column("education_area", "text", "Where their college or school is", default=""),
        Column("work_area", "text", "Where they work", default=""),
        Column("network_area", "text", "Where their support network is", default=""),
        Column("asked_to_move", "bool", "Has asked to move", default=False),
        Column(
            "personal_adviser", "text", "Username of their personal adviser", default="", code=True
        ),
        Column("pathway_plan_review_due", "date", "Next pathway plan review", personal=True),
        Column(
            "left_service_on",
            "date",
            "Date they left the service (blank if current)",
            personal=True,
        ),
        Column(
            "in_touch",
            "code",
            "Care leaver: is the council in touch (SSDA903 IN_TOUCH code; blank if not recorded)",
            choices=tuple(IN_TOUCH_CODES),
            default="",
        ),
        Column(
            "latest_contact_on",
            "date",
            "Care leaver: date of the latest contact",
            personal=True,
        ),
        Column(
            "activity",
            "code",
            "Care leaver: main activity (SSDA903 ACTIV code; blank if not recorded)",
            choices=tuple(ACTIVITY_CODES),
            default="",
        ),
    ),
)

PROVISIONS = Template(
    "provisions",
    "Provisions",
    key=("reference",),
    columns=(
        Column(
            "reference", "text", "The council's reference for the scheme or host", True, code=True
        ),
        Column("name", "text", "Name (no personal names of hosts or carers)", True),
        _choice("placement_type", PlacementType, "Type of placement", required=True),
        Column("area", "text", "Area", default=""),
        Column("provider", "text", "Provider or contract", default=""),
        _choice("cohort", Cohort, "Ring-fenced framework lot", default=Cohort.any.value),
        Column("min_age", "int", "Youngest age accepted", default=16),
        Column("max_age", "int", "Oldest age accepted", default=25),
        _choice("gender_rule", GenderRule, "Whom it accepts", default=GenderRule.any.value),
        _choice("support_level", SupportLevel, "Support offered", default="low"),
        Column("ofsted_registered", "bool", "Ofsted-registered (needed under 18)", default=False),
        Column("max_stay_months", "int", "Longest stay allowed, e.g. 18 for the framework"),
        Column("pets_allowed", "bool", "Pets allowed", default=False),
        Column("step_free", "bool", "Step-free access", default=False),
        Column("parent_and_child", "bool", "Takes a parent with their child", default=False),
        Column("excluded_risks", "list", "Risks it cannot accept", default=""),
        Column("weekly_cost", "money", "Weekly cost in pounds", default=Decimal("0.00")),
        _choice(
            "contract",
            Contract,
            "block: paid for whether filled or not; spot: paid when used",
            default=Contract.spot.value,
        ),
        Column("opens_on", "date", "Date it opens (blank if open)"),
        Column("closes_on", "date", "Date it closes (blank if not planned)"),
    ),
)

PLACES = Template(
    "places",
    "Places",
    key=("reference",),
    columns=(
        Column("reference", "text", "The council's reference for the place", True, code=True),
        Column("provision", "text", "Reference of its provision", True, code=True),
        Column("label", "text", "Room or flat label", default=""),
        Column(
            "reserved_for",
            "text",
            "Young person it is tied to (staying put/close)",
            default="",
            code=True,
        ),
        Column("opens_on", "date", "Date it opens (blank if open)"),
        Column("closes_on", "date", "Date it closes (blank if not planned)"),
    ),
)

STAYS = Template(
    "stays",
    "Stays",
    key=("young_person", "start_date"),
    columns=(
        Column("young_person", "text", "Reference of the young person", True, code=True),
        _choice("placement_type", PlacementType, "Where they lived", required=True),
        Column("start_date", "date", "First night", True, personal=True),
        Column(
            "end_date",
            "date",
            "Day they left (blank: where they live now, or a planned move)",
            personal=True,
        ),
        Column(
            "suitable",
            "bool",
            "Suitable (blank: the placement type's policy; an unsuitable type is never suitable)",
        ),
        Column(
            "place",
            "text",
            "Reference of the place, if in the council's inventory",
            default="",
            code=True,
        ),
        Column(
            "expected_end",
            "date",
            "Known end: release date, 18-month limit, 21st birthday",
            personal=True,
        ),
        Column("area", "text", "Area (blank: the place's provision's area)", default=""),
    ),
)

VACANCIES = Template(
    "vacancies",
    "Vacancies",
    key=("place", "available_from"),
    columns=(
        Column("place", "text", "Reference of the place", True, code=True),
        Column("available_from", "date", "First date the place is free", True),
        _choice("status", VacancyStatus, "Status", default=VacancyStatus.open.value),
    ),
)

TEMPLATES: dict[str, Template] = {
    t.kind: t for t in (YOUNG_PEOPLE, PROVISIONS, PLACES, STAYS, VACANCIES)
}
KIND_ALIASES = {t.kind.replace("_", "-"): t.kind for t in TEMPLATES.values()}


def template_for(kind: str) -> Template:
    """The template for ``kind`` (``young-people`` and ``young_people`` both work)."""
    name = KIND_ALIASES.get(kind, kind)
    if name not in TEMPLATES:
        raise KeyError(f"unknown kind {kind!r}; expected one of {', '.join(KIND_ALIASES)}")
    return TEMPLATES[name]
