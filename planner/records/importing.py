"""Importing the council's records: all or nothing, and idempotent.

Every row is parsed and checked (cells, references to other records, rules that span rows)
before anything is written; if any row is wrong the whole file is refused with every error
listed by line, column, value and what was expected. A clean file is upserted by the
council's own reference, so importing the same file twice changes nothing the second time.
The caller owns the transaction (see :func:`planner.core.db.unit_of_work`); a refusal is
audited by :func:`audit_refusal` in a transaction of its own, after the import's rolled back.

The checks guard what comes after the import: a record the matching, the escalation sweep or
the forecasts could not use (an open vacancy in bed and breakfast, a stay at an age outside
the service's 14-25, an adviser with no account) is refused here, naming the cell, rather
than failing later with no line to fix. An error quotes a cell only when its column holds a
code (:attr:`planner.records.templates.Column.quoted`); otherwise it says "the value", so a
refusal shown on a screen or kept in a log never repeats a young person's details.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from planner.core import audit, clock
from planner.core.errors import InvalidInput
from planner.domain import PlacementType, VacancyStatus
from planner.domain.dates import age_on
from planner.domain.suitability import is_unsuitable
from planner.domain.text import day_words
from planner.models import Place, Provision, Stay, User, Vacancy, YoungPerson, utcnow
from planner.records import contact
from planner.records.spreadsheets import Row, read_rows
from planner.records.templates import CellError, Template, template_for

MAX_ERRORS_SHOWN = 50
# The ages the service is for: a young person leaves care from 16 and is supported to 25;
# 14 leaves room for a stay recorded before they came into care at 16 (staying put, a
# foster home). A stay or a current young person outside these ages is a typing mistake.
YOUNGEST, OLDEST = 14, 25
IN_CARE = PlacementType.in_care_other.value
ADD_ADVISER = "planner user add {username} --role personal_adviser"


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    value: str
    expected: str
    quoted: bool = True  # whether the message may show the value (a code), see Column.quoted

    def __str__(self) -> str:
        shown = f"value {self.value!r}" if self.quoted else "the value"
        cell = f"column '{self.column}', {shown}" if self.column else ""
        return f"line {self.line}: {cell}{': ' if cell else ''}expected {self.expected}"


class ImportRefused(InvalidInput):
    """The file was refused; nothing was written."""

    def __init__(
        self, source: str, errors: list[RowError], *, kind: str = "", rows: int = 0
    ) -> None:
        self.source = source
        self.errors = errors
        self.kind = kind
        self.rows = rows
        shown = "\n".join(f"  {e}" for e in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{source}: refused, nothing was imported ({len(errors)} problem(s)):\n{shown}{tail}"
        )


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Parsed:
    line: int
    values: dict[str, Any]
    cells: dict[str, str] = field(default_factory=dict)  # as written, for error messages


def _parse(template: Template, rows: list[Row]) -> tuple[list[_Parsed], list[RowError]]:
    parsed, errors = [], []
    for row in rows:
        values: dict[str, Any] = {}
        for column in template.columns:
            try:
                values[column.name] = column.parse(row.values.get(column.name))
            except CellError as exc:
                errors.append(RowError(row.line, exc.column, exc.value, exc.expected, exc.quoted))
        parsed.append(_Parsed(row.line, values, dict(row.values)))
    seen: dict[tuple[Any, ...], int] = {}
    for item in parsed:
        key = tuple(item.values.get(k) for k in template.key)
        if None in key:
            continue
        if key in seen:
            errors.append(
                RowError(
                    item.line,
                    template.key[0],
                    str(key[0]),
                    f"a value not already used on line {seen[key]} (each record once)",
                )
            )
        seen[key] = item.line
    return parsed, errors


class _Lookup:
    """References to other records, resolved from the database and from this file."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[type, str], dict[str, int]] = {}

    def ids(self, model: type[SQLModel], attr: str = "reference") -> dict[str, int]:
        key = (model, attr)
        if key not in self._cache:
            column = getattr(model, attr)
            self._cache[key] = dict(self.session.exec(select(column, model.id)).all())  # type: ignore[attr-defined]
        return self._cache[key]


def _resolve(
    item: _Parsed,
    column: str,
    ids: dict[str, int],
    what: str,
    errors: list[RowError],
    *,
    required: bool = True,
) -> int | None:
    ref = item.values.get(column) or ""
    if not ref:
        return None
    if ref not in ids:
        if required:
            errors.append(RowError(item.line, column, ref, f"the reference of an existing {what}"))
        return None
    return ids[ref]


def _check_young_people(
    items: list[_Parsed], lookup: _Lookup, errors: list[RowError], today: date
) -> None:
    advisers = lookup.ids(User, "username")
    missing: dict[str, list[int]] = defaultdict(list)  # username -> the lines naming it
    for item in items:
        v = item.values
        username = v.get("personal_adviser") or ""
        if username and username not in advisers:
            missing[username].append(item.line)
        v["personal_adviser_id"] = advisers.get(username) if username else None
        dob = v.get("date_of_birth")
        left = v.get("left_service_on")
        if dob and dob > today:
            errors.append(RowError(item.line, "date_of_birth", dob.isoformat(), "a past date"))
        elif (
            dob
            and (left is None or left > today)
            and not (YOUNGEST <= age_on(dob, today) <= OLDEST)
        ):
            errors.append(
                RowError(
                    item.line,
                    "date_of_birth",
                    dob.isoformat(),
                    f"a date of birth making them {YOUNGEST} to {OLDEST} on {today.isoformat()} "
                    "(the ages the service is for), or left_service_on for someone who has left",
                )
            )
        if (
            v.get("in_care")
            and dob
            and dob <= today
            and (left is None or left > today)
            and age_on(dob, today) >= 18
        ):
            errors.append(
                RowError(
                    item.line,
                    "in_care",
                    "yes",
                    "no for someone aged 18 or over (care ends at 18: they are a care leaver, "
                    "and legal_status says which kind)",
                )
            )
    for username, lines in missing.items():  # one error per adviser, not one per young person
        also = f" (also on line(s) {', '.join(map(str, lines[1:]))})" if len(lines) > 1 else ""
        errors.append(
            RowError(
                lines[0],
                "personal_adviser",
                username,
                f"the username of an existing user{also}: create the account first with "
                f"`{ADD_ADVISER.format(username=username)}`; `planner user list` shows "
                "the accounts there are",
            )
        )


def _open_vacancies_by(session: Session, attr: Any) -> set[str]:
    """The references (of provisions or places, by ``attr``) that have an open vacancy."""
    query = (
        select(attr)
        .select_from(Vacancy)
        .join(Place, col(Vacancy.place_id) == col(Place.id))
        .join(Provision, col(Place.provision_id) == col(Provision.id))
        .where(col(Vacancy.status) == VacancyStatus.open)
    )
    return set(session.exec(query).all())


NO_OPEN_VACANCY = (
    "a suitable placement type while it has an open vacancy ({what} is unsuitable "
    "accommodation, never offered): withdraw the vacancy first"
)


def _check_provisions(items: list[_Parsed], lookup: _Lookup, errors: list[RowError]) -> None:
    offered = _open_vacancies_by(lookup.session, col(Provision.reference))
    for item in items:
        v = item.values
        ptype = v.get("placement_type")
        if ptype and v.get("reference") in offered and is_unsuitable(ptype, None):
            what = PlacementType(ptype).label.lower()
            errors.append(
                RowError(item.line, "placement_type", ptype, NO_OPEN_VACANCY.format(what=what))
            )
        lo, hi = v.get("min_age"), v.get("max_age")
        if lo is not None and hi is not None and lo > hi:
            errors.append(RowError(item.line, "max_age", str(hi), "at least min_age"))
        _check_order(item, "opens_on", "closes_on", errors)


def _check_order(item: _Parsed, first: str, last: str, errors: list[RowError]) -> None:
    a, b = item.values.get(first), item.values.get(last)
    if a and b and b < a:
        errors.append(RowError(item.line, last, b.isoformat(), f"a date on or after {first}"))


def _check_places(items: list[_Parsed], lookup: _Lookup, errors: list[RowError]) -> None:
    provisions = lookup.ids(Provision)
    people = lookup.ids(YoungPerson)
    types = dict(
        lookup.session.exec(select(col(Provision.id), col(Provision.placement_type))).all()
    )
    offered = _open_vacancies_by(lookup.session, col(Place.reference))
    for item in items:
        v = item.values
        v["provision_id"] = _resolve(item, "provision", provisions, "provision", errors)
        ptype = types.get(v["provision_id"])
        if ptype and v.get("reference") in offered and is_unsuitable(ptype, None):
            errors.append(
                RowError(
                    item.line,
                    "provision",
                    v.get("provision") or "",
                    "a provision in suitable accommodation while the place has an open vacancy "
                    f"({PlacementType(ptype).label.lower()} is unsuitable accommodation, never "
                    "offered): withdraw the vacancy first",
                )
            )
        v["reserved_for_id"] = _resolve(item, "reserved_for", people, "young person", errors)
        _check_order(item, "opens_on", "closes_on", errors)


def _check_stays(items: list[_Parsed], lookup: _Lookup, errors: list[RowError]) -> None:
    people = lookup.ids(YoungPerson)
    places = lookup.ids(Place)
    births: dict[int | None, date] = dict(
        lookup.session.exec(select(col(YoungPerson.id), col(YoungPerson.date_of_birth))).all()
    )
    by_person: dict[int, list[_Parsed]] = defaultdict(list)
    for item in items:
        v = item.values
        v["young_person_id"] = _resolve(item, "young_person", people, "young person", errors)
        v["place_id"] = _resolve(item, "place", places, "place", errors)
        _check_order(item, "start_date", "end_date", errors)
        if v.get("suitable") is None and v.get("placement_type"):
            v["suitable"] = PlacementType(v["placement_type"]).suitable_by_policy
        elif (
            v.get("suitable")
            and v.get("placement_type")
            and is_unsuitable(v["placement_type"], v["suitable"])
        ):
            errors.append(
                RowError(
                    item.line,
                    "suitable",
                    item.cells.get("suitable") or "",
                    f"no or blank: {PlacementType(v['placement_type']).label.lower()} "
                    "is always unsuitable accommodation",
                )
            )
        dob = births.get(v["young_person_id"])
        for day_column in ("start_date", "end_date"):
            day = v.get(day_column)
            # a stay in care may have begun younger (a foster home since 12): the council's
            # history starts when they came into care; it must still end at 14 or older
            youngest = (
                0 if day_column == "start_date" and v.get("placement_type") == IN_CARE else YOUNGEST
            )
            if dob and day and not youngest <= age_on(dob, day) <= OLDEST:
                errors.append(
                    RowError(
                        item.line,
                        day_column,
                        day.isoformat(),
                        "a date on which the young person was "
                        + (f"{YOUNGEST} to {OLDEST}" if youngest else f"{OLDEST} or younger")
                        + " (the ages the service is for; check the date and their "
                        "date_of_birth)",
                    )
                )
        if v["young_person_id"] is not None and v.get("start_date"):
            by_person[v["young_person_id"]].append(item)
    if by_person:
        in_file = {(p, s.values["start_date"]) for p, stays in by_person.items() for s in stays}
        recorded = lookup.session.exec(
            select(Stay).where(col(Stay.young_person_id).in_(list(by_person)))
        ).all()
        for stay in recorded:
            if (stay.young_person_id, stay.start_date) not in in_file:
                values = {"start_date": stay.start_date, "end_date": stay.end_date}
                by_person[stay.young_person_id].append(_Parsed(0, values))
    for stays in by_person.values():
        stays.sort(key=lambda s: (s.values["start_date"], s.line))
        for before, after in zip(stays, stays[1:], strict=False):
            end = before.values.get("end_date")
            if end is None or end > after.values["start_date"]:
                errors.append(_overlap(before, after))


def _overlap(before: _Parsed, after: _Parsed) -> RowError:
    """Two stays of one young person that overlap, reported on the file's line. A stay
    already in the planner (line 0: recorded there, by a move or an earlier import) is named
    by the day it began, never as a line of this file."""
    one_place = "(a young person lives in one place at a time)"
    if after.line:  # the later stay is in the file: its start is the problem
        earlier = (
            f"the stay on line {before.line}"
            if before.line
            else "the stay already recorded in the planner from "
            + day_words(before.values["start_date"])
        )
        return RowError(
            after.line,
            "start_date",
            after.values["start_date"].isoformat(),
            f"a start after {earlier} has ended {one_place}",
        )
    end = before.values.get("end_date")
    return RowError(
        before.line,
        "end_date",
        end.isoformat() if end else "",
        "an end on or before "
        + day_words(after.values["start_date"])
        + f", when the stay already recorded in the planner begins {one_place}",
    )


def _check_vacancies(items: list[_Parsed], lookup: _Lookup, errors: list[RowError]) -> None:
    places = lookup.ids(Place)
    types = dict(
        lookup.session.exec(
            select(Place.id, Provision.placement_type).join(
                Provision, col(Place.provision_id) == col(Provision.id)
            )
        ).all()
    )
    open_lines: dict[int, int] = {}
    for item in items:
        v = item.values
        v["place_id"] = _resolve(item, "place", places, "place", errors)
        ptype = types.get(v["place_id"])
        if v.get("status") == "open" and ptype and is_unsuitable(ptype, None):
            errors.append(
                RowError(
                    item.line,
                    "place",
                    item.values.get("place") or "",
                    f"a place in suitable accommodation: its provision is "
                    f"{PlacementType(ptype).label.lower()}, unsuitable accommodation that is "
                    "never offered as a vacancy (withdraw it, or correct the provision's "
                    "placement_type)",
                )
            )
        if v["place_id"] is not None and v.get("status") == "open":
            if v["place_id"] in open_lines:
                errors.append(
                    RowError(
                        item.line,
                        "status",
                        "open",
                        f"one open vacancy per place (already open on line "
                        f"{open_lines[v['place_id']]})",
                    )
                )
            open_lines[v["place_id"]] = item.line


# How each kind maps to its table: the model, the key in the table, and the fields written.
_TABLES: dict[str, tuple[type[SQLModel], tuple[str, ...], tuple[str, ...]]] = {
    "young_people": (
        YoungPerson,
        ("reference",),
        tuple(c.name for c in template_for("young_people").columns if c.name != "personal_adviser")
        + ("personal_adviser_id",),
    ),
    "provisions": (
        Provision,
        ("reference",),
        tuple(c.name for c in template_for("provisions").columns),
    ),
    "places": (
        Place,
        ("reference",),
        ("reference", "label", "opens_on", "closes_on", "provision_id", "reserved_for_id"),
    ),
    "stays": (
        Stay,
        ("young_person_id", "start_date"),
        (
            "young_person_id",
            "placement_type",
            "start_date",
            "end_date",
            "suitable",
            "place_id",
            "expected_end",
            "area",
        ),
    ),
    "vacancies": (
        Vacancy,
        ("place_id", "available_from"),
        ("place_id", "available_from", "status"),
    ),
}


def _same(a: Any, b: Any) -> bool:
    return (a.value if hasattr(a, "value") else a) == (b.value if hasattr(b, "value") else b)


def _upsert(session: Session, kind: str, items: list[_Parsed], today: date) -> ImportReport:
    model, key, fields = _TABLES[kind]
    report = ImportReport(kind)
    existing = {
        tuple(getattr(obj, k) for k in key): obj for obj in session.exec(select(model)).all()
    }
    for item in items:
        values = {f: item.values.get(f) for f in fields}
        record = existing.get(tuple(values[k] for k in key))
        # a young person's contact values are kept with the import's day, as an edit keeps
        # them, so an OC3 return for a past year reads what was true then
        noting = kind == "young_people" and contact.changes(record, values)
        if record is None:
            record = model(**values)
            session.add(record)
            report.created += 1
        elif all(_same(getattr(record, f), values[f]) for f in fields):
            report.unchanged += 1
            continue
        else:
            if noting:
                assert isinstance(record, YoungPerson)
                contact.note_before_change(session, record, today)
            for f, value in values.items():
                setattr(record, f, value)
            if hasattr(record, "updated_at"):
                record.updated_at = utcnow()
            if hasattr(record, "version"):  # a form opened before the import is now stale
                record.version += 1
            report.updated += 1
        session.flush()
        if noting:
            assert isinstance(record, YoungPerson)
            contact.note_values_of(session, record, today)
            session.flush()
        report.changed_ids.append(record.id)  # type: ignore[attr-defined]
    return report


def import_rows(
    session: Session,
    kind: str,
    rows: list[Row],
    *,
    actor: str,
    source: str = "file",
    as_of: date | None = None,
) -> ImportReport:
    """Validate every row, then write all of them; raise :class:`ImportRefused` otherwise.

    ``as_of`` is the day ages are checked on (default today; the demo built as of a past
    date passes that date)."""
    template = template_for(kind)
    items, errors = _parse(template, rows)
    lookup = _Lookup(session)
    if template.kind == "young_people":
        _check_young_people(items, lookup, errors, as_of or clock.today())
    elif template.kind == "provisions":
        _check_provisions(items, lookup, errors)
    elif template.kind == "places":
        _check_places(items, lookup, errors)
    elif template.kind == "stays":
        _check_stays(items, lookup, errors)
    elif template.kind == "vacancies":
        _check_vacancies(items, lookup, errors)
    if errors:
        names = set(template.names)
        errors = [
            replace(e, quoted=e.quoted and template.column(e.column).quoted)
            if e.column in names
            else e
            for e in errors
        ]
        errors.sort(key=lambda e: (e.line, e.column))
        raise ImportRefused(source, errors, kind=template.kind, rows=len(rows))
    report = _upsert(session, template.kind, items, as_of or clock.today())
    audit.record(
        session,
        actor=actor,
        action="import",
        entity=template.kind,
        detail=f"created={report.created} updated={report.updated} unchanged={report.unchanged}",
    )
    return report


def audit_refusal(session: Session, kind: str, *, actor: str, rows: int, errors: int) -> None:
    """Record that an import of ``kind`` was refused: counts only, never a cell. The caller
    writes it in a transaction of its own, after the refused import's was rolled back, so
    the refusal is kept and nothing else is."""
    audit.record(
        session,
        actor=actor,
        action="import_refused",
        entity=template_for(kind).kind,
        detail=f"rows={rows} errors={errors}",
    )


def import_file(session: Session, kind: str, path: Path, *, actor: str) -> ImportReport:
    """Import a CSV or XLSX file of ``kind`` (see ``docs/data-templates.md``)."""
    template = template_for(kind)
    required = [c.name for c in template.columns if c.required]
    rows = read_rows(path, template.names, required)
    return import_rows(session, template.kind, rows, actor=actor, source=path.name)
