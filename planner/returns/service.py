"""The council's SSDA903 return in and out, and Ofsted's List 9.

``import_903`` reads one or several years of 903 CSVs, checks every row, then writes young
people and their stays in the caller's one transaction: all or nothing, or, in quarantine
mode, every valid row and a list of the rows left out. Records are keyed by the 903 CHILD id
(the young person's reference) and stays by (young person, start date), so importing the
same files again changes nothing. ``export_903`` writes the OC3 and Header tables of a
collection year; ``export_list9`` the inspectors' List 9. Every import, refusal and export
is audited with counts only.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from planner.core import audit, clock
from planner.core.errors import Forbidden, InvalidInput
from planner.domain import (
    Ethnicity,
    Gender,
    LegalStatus,
    PlacementType,
    age_on,
    birthday,
    in_care_on,
    legal_status_on,
)
from planner.models import Stay, User, YoungPerson, utcnow
from planner.records import contact
from planner.records.spreadsheets import FileRefused, table_bytes, unsafe_cell, write_rows
from planner.returns import rules
from planner.returns.rules import CodeMapping, ReturnError

MAX_ERRORS_SHOWN = 50
QUARANTINE_COLUMNS = ["file", "line", "column", "value", "rule"]


class ReturnRefused(InvalidInput):
    """The 903 files were refused; nothing was written."""

    def __init__(self, errors: list[ReturnError], *, rows: int = 0) -> None:
        self.errors = errors
        self.rows = rows
        shown = "\n".join(f"  {e}" for e in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"SSDA903 import refused, nothing was imported ({len(errors)} problem(s)); "
            f"--quarantine imports the valid rows and lists the others:\n{shown}{tail}"
        )


@dataclass
class Import903Report:
    files: int = 0
    rows: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    stays_created: int = 0
    stays_updated: int = 0
    stays_unchanged: int = 0
    out_of_scope: int = 0  # children never 16 or over in the files: not the service's
    unsuitable_by_policy: int = 0  # e.g. W1: suitable to the DfE, never to the council
    quarantined: list[ReturnError] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.people_created + self.people_updated + self.stays_created + self.stays_updated

    def counts(self) -> str:
        return (
            f"files={self.files} rows={self.rows} people_created={self.people_created} "
            f"people_updated={self.people_updated} people_unchanged={self.people_unchanged} "
            f"stays_created={self.stays_created} stays_updated={self.stays_updated} "
            f"stays_unchanged={self.stays_unchanged} out_of_scope={self.out_of_scope} "
            f"quarantined={len(self.quarantined)}"
        )


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    file: str
    line: int
    year: int
    values: dict[str, str]


def _read_table(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_directory(
    directory: Path, *, year: int | None = None
) -> tuple[dict[str, list[_Row]], int]:
    """The rows of every 903 table in ``directory`` (and its folders), by table; and the
    number of files read. A file whose columns match no table, or whose collection year is
    not in its name (nor given), refuses the whole import."""
    if not directory.is_dir():
        raise FileRefused(f"{directory}: not a folder")
    tables: dict[str, list[_Row]] = defaultdict(list)
    errors: list[ReturnError] = []
    files = 0
    for path in sorted(directory.rglob("*.csv")):
        name = str(path.relative_to(directory))
        table = _read_table(path)
        if not table:
            errors.append(ReturnError(name, 1, "", "", "an empty file: line 1 names the columns"))
            continue
        header = [h.strip().upper() for h in table[0]]
        kind = rules.recognise(header)
        if kind is None:
            expected = "; ".join(f"{t}: {','.join(c)}" for t, c in rules.TABLES.items())
            errors.append(
                ReturnError(name, 1, "", "", f"the exact columns of a 903 table ({expected})")
            )
            continue
        file_year = rules.year_of(path) or year
        if file_year is None:
            errors.append(
                ReturnError(
                    name,
                    1,
                    "",
                    "",
                    "a collection year in the file or folder name (e.g. 2021-header.csv) or --year",
                )
            )
            continue
        files += 1
        if kind not in rules.TABLES:
            continue  # a table of the return the planner does not use
        for number, cells in enumerate(table[1:], start=2):
            if not any(c.strip() for c in cells):
                continue
            padded = list(cells) + [""] * (len(header) - len(cells))
            values = {h: unsafe_cell(c).strip() for h, c in zip(header, padded, strict=False)}
            tables[kind].append(_Row(name, number, file_year, values))
    if errors:
        raise ReturnRefused(errors)
    return tables, files


# -- checking -----------------------------------------------------------------------------------


@dataclass
class _Checked:
    """Valid rows by child, after the checks; the problems, and the rows they condemn."""

    headers: dict[str, _Row] = field(default_factory=dict)  # the latest year's
    episodes: dict[str, dict[date, _Row]] = field(default_factory=lambda: defaultdict(dict))
    oc3: dict[str, dict[int, _Row]] = field(default_factory=lambda: defaultdict(dict))
    uasc: set[str] = field(default_factory=set)
    errors: list[ReturnError] = field(default_factory=list)
    bad: set[tuple[str, int]] = field(default_factory=set)

    def fail(self, row: _Row, column: str, rule: str, *, quoted: bool = True) -> None:
        value = row.values.get(column, "")
        self.errors.append(ReturnError(row.file, row.line, column, value, rule, quoted))
        self.bad.add((row.file, row.line))

    def ok(self, row: _Row) -> bool:
        return (row.file, row.line) not in self.bad


DATE_RULE = "a date as dd/mm/YYYY (or YYYY-MM-DD)"


def _child(row: _Row, checked: _Checked) -> str:
    child = row.values.get("CHILD", "")
    if not child or len(child) > 40:
        checked.fail(row, "CHILD", "the child's id, 1 to 40 characters")
    return child


def _date(row: _Row, column: str, checked: _Checked, *, required: bool = True) -> date | None:
    text = row.values.get(column, "")
    personal = column in ("DOB", "DECOM", "DEC")
    if not text:
        if required:
            checked.fail(row, column, "a value: " + DATE_RULE, quoted=not personal)
        return None
    day = rules.parse_date(text)
    if day is None:
        checked.fail(row, column, DATE_RULE, quoted=not personal)
    return day


def check_rows(tables: dict[str, list[_Row]], mapping: CodeMapping) -> _Checked:
    checked = _Checked()
    header_dob: dict[str, date] = {}
    seen: dict[tuple[str, str, int, Any], int] = {}

    def once(row: _Row, table: str, child: str, key: Any) -> None:
        marker = (row.file, child, row.year, key)
        if marker in seen:
            checked.fail(
                row, "CHILD", f"each CHILD once in the {table} table (see line {seen[marker]})"
            )
        seen[marker] = row.line

    for row in sorted(tables.get("header", []), key=lambda r: r.year):
        child = _child(row, checked)
        once(row, "Header", child, None)
        dob = _date(row, "DOB", checked)
        sex = row.values.get("SEX", "").upper()
        sexes = rules.sex_codes(row.year)
        if sex not in sexes:
            checked.fail(row, "SEX", f"rule 101: one of {', '.join(sexes)} in {row.year}")
        if row.values.get("ETHNIC", "").upper() not in rules.ETHNIC_CODES:
            checked.fail(row, "ETHNIC", "one of the DfE's ethnicity codes (WBRI ... NOBT)")
        if checked.ok(row) and dob:
            checked.headers[child] = row
            header_dob[child] = dob
    for row in tables.get("episodes", []):
        child = _child(row, checked)
        start = _date(row, "DECOM", checked)
        end = _date(row, "DEC", checked, required=False)
        once(row, "Episodes", child, start)
        place = row.values.get("PLACE", "").upper()
        if place not in mapping.place:
            checked.fail(row, "PLACE", "a PLACE code in the code mapping (rule 146)")
        elif not mapping.place_valid_in(place, row.year):
            checked.fail(row, "PLACE", f"rule 146: a PLACE code valid in {row.year}")
        if start and end and end < start:
            checked.fail(row, "DEC", "a date on or after DECOM", quoted=False)
        if child and child not in header_dob and checked.ok(row):
            checked.fail(row, "CHILD", "a CHILD with a valid row in the Header table")
        if checked.ok(row) and start:
            earlier = checked.episodes[child].get(start)
            if earlier is None or earlier.year <= row.year:  # a later year's says how it ended
                checked.episodes[child][start] = row
    for row in tables.get("oc3", []):
        child = _child(row, checked)
        once(row, "OC3", child, None)
        dob = _date(row, "DOB", checked)
        codes = [row.values.get(c, "").upper() for c in ("IN_TOUCH", "ACTIV", "ACCOM")]
        for column, rule in rules.oc3_rules(*codes):
            checked.fail(row, column, rule)
        if dob and child in header_dob and header_dob[child] != dob:
            checked.fail(row, "DOB", "the date of birth in the Header table", quoted=False)
        elif dob and rules.oc3_birthday(dob, row.year) is None:
            checked.fail(
                row,
                "DOB",
                f"rule 391: a 17th to 21st birthday in the collection year ending 31/03/{row.year}",
                quoted=False,
            )
        accom = codes[2]
        day = rules.oc3_birthday(dob, row.year) if dob else None
        if day and dob and accom[:1] in rules.NOT_AT_17 and age_on(dob, day) == 17:
            checked.fail(row, "ACCOM", rules.NOT_AT_17[accom[:1]])
        if accom in rules.ACCOM_CODES and accom != "0" and accom[0] not in mapping.accom:
            checked.fail(row, "ACCOM", "an ACCOM letter in the code mapping")
        if checked.ok(row) and dob:
            checked.oc3[child][row.year] = row
    for row in tables.get("uasc", []):
        child = _child(row, checked)
        _date(row, "DOB", checked)
        _date(row, "DUC", checked, required=False)
        if child and child not in header_dob and checked.ok(row):
            checked.fail(row, "CHILD", "a CHILD with a valid row in the Header table")
        if checked.ok(row):
            checked.uasc.add(child)
    return checked


# -- deriving -------------------------------------------------------------------------------


@dataclass
class _StayPlan:
    start: date
    end: date | None
    placement_type: PlacementType
    suitable: bool
    row: _Row | None  # None: a stay already recorded, which this import does not change...
    recorded: Stay | None = None
    # ...except to end it, when it is still open (and not in the inventory's places) and a
    # later record of this import says where they lived next: a later year's return
    closes: Stay | None = None


def _dob_of(child: str, checked: _Checked) -> date | None:
    if child in checked.headers:
        return rules.parse_date(checked.headers[child].values["DOB"])
    years = checked.oc3.get(child) or {}
    for row in years.values():
        return rules.parse_date(row.values["DOB"])
    return None


def _episode_spans(child: str, checked: _Checked) -> list[tuple[date, date | None, _Row]]:
    spans = []
    for start, row in sorted(checked.episodes.get(child, {}).items()):
        if checked.ok(row):
            spans.append((start, rules.parse_date(row.values.get("DEC", "")), row))
    return spans


def _plan_stays(
    child: str,
    dob: date,
    checked: _Checked,
    mapping: CodeMapping,
    recorded: list[Stay],
    report: Import903Report,
    as_of: date,
) -> list[_StayPlan]:
    sixteen, eighteen = birthday(dob, 16), birthday(dob, 18)
    plans: list[_StayPlan] = []
    for start, end, row in _episode_spans(child, checked):
        if start >= eighteen or (end or as_of) <= sixteen:
            continue  # the placement history kept is from the 16th birthday
        ptype = mapping.place[row.values["PLACE"].upper()]
        plans.append(_StayPlan(max(start, sixteen), end, ptype, ptype.suitable_by_policy, row))
    for year, row in sorted((checked.oc3.get(child) or {}).items()):
        accom = row.values["ACCOM"].upper()
        day = rules.oc3_birthday(dob, year)
        if not accom or accom == "0" or day is None:
            continue
        ptype = mapping.accom[accom[0]]
        suitable = accom[1] == "1" and ptype.suitable_by_policy
        if accom[1] == "1" and not ptype.suitable_by_policy:
            report.unsuitable_by_policy += 1
        plans.append(_StayPlan(day, None, ptype, suitable, row))
    keys = {p.start for p in plans}
    plans += [
        _StayPlan(s.start_date, s.end_date, s.placement_type, s.suitable, None, recorded=s)
        for s in recorded
        if s.start_date not in keys
    ]
    plans.sort(key=lambda p: (p.start, p.row is not None))
    kept: list[_StayPlan] = []
    for plan in plans:
        before = kept[-1] if kept else None
        if before is not None and before.end is None and before.row is not None:
            before.end = plan.start  # an open episode ends where the next record begins
        elif (
            before is not None
            and before.end is None
            and before.recorded is not None
            and before.recorded.place_id is None
            and plan.row is not None
            and plan.start > before.start
        ):
            before.end = plan.start
            plan.closes = before.recorded
        if before is not None and (
            before.start == plan.start or (before.end is not None and before.end > plan.start)
        ):
            culprit = plan if plan.row is not None else before
            if culprit.row is None:
                continue
            where = "a stay already recorded" if before.row is None else "another row"
            column = "DECOM" if culprit.row.values.get("DECOM") else "ACCOM"
            checked.fail(
                culprit.row,
                column,
                f"no overlap with {where} for this CHILD (a young person lives in one place "
                "at a time)",
                quoted=column == "ACCOM",
            )
            if culprit is before:
                kept.pop()
            else:
                continue
        kept.append(plan)
    return [p for p in kept if p.row is not None and checked.ok(p.row)]


def _same(a: Any, b: Any) -> bool:
    return (a.value if hasattr(a, "value") else a) == (b.value if hasattr(b, "value") else b)


def apply_changes(record: Any, values: dict[str, Any]) -> bool:
    if all(_same(getattr(record, k), v) for k, v in values.items()):
        return False
    for k, v in values.items():
        setattr(record, k, v)
    if hasattr(record, "updated_at"):
        record.updated_at = utcnow()
    record.version += 1
    return True


def import_903(
    session: Session,
    directory: Path,
    *,
    actor: str,
    year: int | None = None,
    quarantine: bool = False,
    mapping: CodeMapping | None = None,
) -> Import903Report:
    """Import a folder of 903 CSVs in the caller's transaction (see the module's doc)."""
    codes = mapping or rules.load_mapping()
    tables, files = read_directory(directory, year=year)
    report = Import903Report(files=files, rows=sum(len(rows) for rows in tables.values()))
    checked = check_rows(tables, codes)
    years = [r.year for rows in tables.values() for r in rows]
    today = clock.today()
    as_of = rules.collection_period(max(years))[1] if years else today
    people = {p.reference: p for p in session.exec(select(YoungPerson)).all()}
    stays_by_person: dict[int, list[Stay]] = defaultdict(list)
    for recorded_stay in session.exec(select(Stay)).all():
        stays_by_person[recorded_stay.young_person_id].append(recorded_stay)

    children = []
    for child in sorted(set(checked.headers) | set(checked.oc3)):
        dob = _dob_of(child, checked)
        if dob is None:
            continue
        spans = [(s, e) for s, e, _ in _episode_spans(child, checked)]
        sixteen, eighteen = birthday(dob, 16), birthday(dob, 18)
        reached_16 = any(s < eighteen and (e or as_of) > sixteen for s, e in spans)
        if not (checked.oc3.get(child) or reached_16) or age_on(dob, today) > rules.OLDEST:
            report.out_of_scope += 1  # never 16 or over in the files, or over 25 now
            continue
        children.append(child)
    plans: dict[str, list[_StayPlan]] = {}
    for child in children:
        dob = _dob_of(child, checked)
        assert dob is not None
        existing = people.get(child)
        recorded = stays_by_person.get(existing.id, []) if existing and existing.id else []
        plans[child] = _plan_stays(child, dob, checked, codes, recorded, report, as_of)
    if checked.errors and not quarantine:
        raise ReturnRefused(_sorted(checked.errors), rows=report.rows)
    report.quarantined = _sorted(checked.errors)

    for child in children:
        dob = _dob_of(child, checked)
        header = checked.headers.get(child)
        oc3_rows = {y: r for y, r in (checked.oc3.get(child) or {}).items() if checked.ok(r)}
        spans = [(s, e) for s, e, _ in _episode_spans(child, checked)]
        if dob is None or (header is None and not oc3_rows):
            continue  # every row of theirs was left out
        status, in_care = rules.legal_status(
            dob, spans, as_of=as_of, today=today, in_oc3=bool(oc3_rows)
        )
        existing = people.get(child)
        values: dict[str, Any] = {
            "date_of_birth": dob,
            "legal_status": status,
            "in_care": in_care,
            # a UASC table names who was unaccompanied that year; a former UASC stays one
            "uasc": bool(existing and existing.uasc) or child in checked.uasc,
        }
        if header is not None and checked.ok(header):
            sex = header.values["SEX"].upper()
            values["gender"] = rules.sex_codes(header.year)[sex]
            values["ethnicity"] = rules.ETHNIC_CODES[header.values["ETHNIC"].upper()]
        if oc3_rows:
            latest = oc3_rows[max(oc3_rows)]
            on = rules.oc3_birthday(dob, max(oc3_rows))
            ours = {p.start for p in plans.get(child, [])}
            later = [
                s.start_date
                for s in (stays_by_person.get(existing.id or 0, []) if existing else [])
                if s.start_date not in ours and on is not None and s.start_date > on
            ]
            # an older year's return does not overwrite what a later record says
            if latest.values.get("IN_TOUCH") and not later:
                values["in_touch"] = latest.values["IN_TOUCH"].upper()
                values["activity"] = latest.values["ACTIV"].upper()
        if existing is None:
            existing = YoungPerson(reference=child, **values)
            session.add(existing)
            session.flush()
            people[child] = existing
            report.people_created += 1
        elif apply_changes(existing, values):
            report.people_updated += 1
        else:
            report.people_unchanged += 1
        for oc3_year, oc3_row in sorted(oc3_rows.items()):
            # each year's OC3 says what was true on that year's birthday: kept as history
            day = rules.oc3_birthday(dob, oc3_year)
            if day is not None and oc3_row.values.get("IN_TOUCH"):
                contact.note_contact(
                    session,
                    existing.id or 0,
                    day,
                    in_touch=oc3_row.values["IN_TOUCH"].upper(),
                    activity=oc3_row.values.get("ACTIV", "").upper(),
                )
        by_start = {s.start_date: s for s in stays_by_person.get(existing.id or 0, [])}
        for plan in plans.get(child, []):
            if plan.closes is not None and plan.closes.end_date is None:
                apply_changes(plan.closes, {"end_date": plan.start})
                report.stays_updated += 1
                session.flush()  # one open stay per young person, before the next is added
            stay_values = {
                "placement_type": plan.placement_type,
                "end_date": plan.end,
                "suitable": plan.suitable,
            }
            stay = by_start.get(plan.start)
            if stay is None:
                session.add(
                    Stay(
                        young_person_id=existing.id or 0,
                        start_date=plan.start,
                        placement_type=plan.placement_type,
                        end_date=plan.end,
                        suitable=plan.suitable,
                    )
                )
                report.stays_created += 1
            elif apply_changes(stay, stay_values):
                report.stays_updated += 1
            else:
                report.stays_unchanged += 1
        session.flush()
    audit.record(
        session, actor=actor, action="import_903", entity="young_people", detail=report.counts()
    )
    return report


def _sorted(errors: list[ReturnError]) -> list[ReturnError]:
    return sorted(errors, key=lambda e: (e.file, e.line, e.column))


def write_quarantine(path: Path, errors: list[ReturnError]) -> int:
    """The rows left out, one line per problem; a personal value (a date of birth) is not
    repeated, only its file, line and column."""
    rows = [
        {
            "file": e.file,
            "line": e.line,
            "column": e.column,
            "value": e.value if e.quoted else "",
            "rule": e.rule,
        }
        for e in errors
    ]
    return write_rows(path, QUARANTINE_COLUMNS, rows)


def audit_refusal(
    session: Session,
    *,
    actor: str,
    rows: int,
    errors: int,
    action: str = "import_903_refused",
) -> None:
    """A refused 903 (or SSD) import: counts only, in a transaction of its own."""
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="young_people",
        detail=f"rows={rows} errors={errors}",
    )


# -- exporting ------------------------------------------------------------------------------


def _check_role(role: str | None) -> None:
    if not rules.may_export_personal_data(role):
        raise Forbidden()


def _stay_on(stays: list[Stay], day: date) -> Stay | None:
    for stay in stays:
        if stay.start_date <= day and (stay.end_date is None or stay.end_date > day):
            return stay
    return None


def _stays_by_person(session: Session) -> dict[int, list[Stay]]:
    found: dict[int, list[Stay]] = defaultdict(list)
    for stay in session.exec(select(Stay).order_by(col(Stay.start_date))).all():
        found[stay.young_person_id].append(stay)
    return found


OC3_COLUMNS = list(rules.TABLES["oc3"])
HEADER_COLUMNS = list(rules.TABLES["header"])


def oc3_rows(session: Session, year: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The OC3 and Header rows of the collection year ending 31 March ``year``.

    The cohort follows DfE's rules: care leavers (relevant or former relevant) whose 17th
    to 21st birthday falls in the year (rule 391), leaving out anyone looked after on that
    birthday (1007/1016): an in-care stay then, or, under 18, a birthday before their first
    recorded stay (the planner's record begins when they left care). ACCOM is the stay on
    the birthday: its letter and its suitability digit; 0 for no stay, or when IN_TOUCH is
    DIED or RHOM (rule 344). Someone who had left the service by the birthday is written as
    not in touch (NO, 0), unless their record says DIED or RHOM. A row with nothing
    recorded, or in touch with no stay on the birthday, is three blanks to complete."""
    stays = _stays_by_person(session)
    history = contact.histories(session)
    oc3, header = [], []
    people = session.exec(select(YoungPerson).order_by(col(YoungPerson.reference))).all()
    for person in people:
        day = rules.oc3_birthday(person.date_of_birth, year)
        if day is None or in_care_on(person.in_care, person.date_of_birth, day):
            continue
        status = legal_status_on(person.legal_status, person.date_of_birth, day)
        if status not in (LegalStatus.relevant, LegalStatus.former_relevant):
            continue
        own = stays.get(person.id or 0, [])
        stay = _stay_on(own, day)
        if stay is not None and stay.placement_type == PlacementType.in_care_other:
            continue
        before_record = not own or own[0].start_date > day
        if stay is None and age_on(person.date_of_birth, day) < 18 and before_record:
            continue  # the record begins when they left care: looked after on the day
        then = contact.contact_on(history.get(person.id or 0, []), day)
        in_touch, activ = (
            (then.in_touch, then.activity) if then else (person.in_touch, person.activity)
        )
        left = person.left_service_on is not None and person.left_service_on <= day
        if left and in_touch and in_touch not in rules.NOT_IN_TOUCH_ANY_MORE:
            in_touch, activ = "NO", "0"  # out of the service by the birthday
        accom = "0"
        if stay is not None and in_touch not in rules.NOT_IN_TOUCH_ANY_MORE:
            accom = PlacementType(stay.placement_type).accom_code(stay.suitable)
        if in_touch in rules.NOT_IN_TOUCH_ANY_MORE:
            activ = "0"
        if not in_touch or (in_touch == "YES" and stay is None):
            # not recorded (in touch, but where they lived that day is unknown): three
            # blanks for the council to complete (rule 153), never a made-up 0 (rule 345)
            in_touch = accom = activ = ""
        dob = rules.format_date(person.date_of_birth)
        oc3.append(
            {
                "CHILD": person.reference,
                "DOB": dob,
                "IN_TOUCH": in_touch,
                "ACTIV": activ,
                "ACCOM": accom,
            }
        )
        header.append(
            {
                "CHILD": person.reference,
                "SEX": rules.sex_code(person.gender, year),
                "DOB": dob,
                "ETHNIC": rules.ETHNIC_EXPORT[Ethnicity(person.ethnicity)],
                "UPN": "",
                "MOTHER": "",
                "MC_DOB": "",
            }
        )
    return oc3, header


def export_903(
    session: Session, year: int, directory: Path, *, actor: str, role: str | None = None
) -> tuple[Path, Path, int]:
    """Write ``YYYY_oc3.csv`` and ``YYYY_header.csv`` to ``directory``; audited."""
    _check_role(role)
    oc3, header = oc3_rows(session, year)
    directory.mkdir(parents=True, exist_ok=True)
    oc3_path, header_path = directory / f"{year}_oc3.csv", directory / f"{year}_header.csv"
    oc3_path.write_bytes(table_bytes(OC3_COLUMNS, oc3, "csv"))
    header_path.write_bytes(table_bytes(HEADER_COLUMNS, header, "csv"))
    audit.record(
        session,
        actor=actor,
        action="export_903",
        entity="young_people",
        detail=f"year={year} oc3_rows={len(oc3)} header_rows={len(header)}",
    )
    return oc3_path, header_path, len(oc3)


def list9_rows(session: Session, as_of: date) -> list[dict[str, Any]]:
    """Ofsted Annex A List 9: every young person in the service on ``as_of`` aged 16 to
    25, with the lettered labels inspectors expect."""
    stays = _stays_by_person(session)
    advisers = {u.id: (u.display_name or u.username) for u in session.exec(select(User)).all()}
    rows = []
    people = session.exec(select(YoungPerson).order_by(col(YoungPerson.reference))).all()
    for p in people:
        age = age_on(p.date_of_birth, as_of)
        if not 16 <= age <= 25 or (p.left_service_on and p.left_service_on <= as_of):
            continue
        stay = _stay_on(stays.get(p.id or 0, []), as_of)
        letter = PlacementType(stay.placement_type).accom_letter if stay else ""
        rows.append(
            {
                "Child Unique ID": p.reference,
                "Gender": rules.LIST9_GENDER[Gender(p.gender)],
                "Ethnicity": rules.LIST9_ETHNICITY[Ethnicity(p.ethnicity)],
                "Date of Birth": rules.format_date(p.date_of_birth),
                "Age of Child (Years)": age,
                "Does the Child have a Disability": "",
                "Allocated Team": "",
                "Allocated Worker": advisers.get(p.personal_adviser_id, ""),
                "Eligibility Category": rules.LIST9_ELIGIBILITY[
                    legal_status_on(p.legal_status, p.date_of_birth, as_of)
                ],
                "LA in Touch": rules.LIST9_IN_TOUCH.get(p.in_touch, ""),
                "Type of Accommodation": rules.LIST9_ACCOMMODATION.get(letter, ""),
                "Suitability of Accommodation": (
                    rules.LIST9_SUITABILITY[bool(stay.suitable)] if stay else ""
                ),
                "Activity Status": rules.LIST9_ACTIVITY.get(p.activity, ""),
            }
        )
    return rows


def export_list9(
    session: Session, as_of: date, path: Path, *, actor: str, role: str | None = None
) -> int:
    """Write List 9 to a CSV or XLSX file (formula-safe); audited."""
    _check_role(role)
    count = write_rows(path, list(rules.LIST9_COLUMNS), list9_rows(session, as_of))
    audit.record(
        session,
        actor=actor,
        action="export_list9",
        entity="young_people",
        detail=f"as_of={as_of.isoformat()} rows={count}",
    )
    return count
