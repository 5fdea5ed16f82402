"""The Standard Safeguarding Dataset (SSD) in: ``ssd_person``, ``ssd_care_leavers`` and
``ssd_immigration_status`` extracts, as data-to-insight's ``ssd-data-model`` names them.

The same contract as the 903 import (:mod:`planner.returns.service`): tables recognised by
their columns, every problem named by file, line, column, value and rule, all or nothing
unless quarantined, one transaction, keyed by the SSD person id (the young person's
reference, as the 903 CHILD id is), idempotent, audited with counts only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from planner.core import audit, clock
from planner.domain import (
    ACTIVITY_CODES,
    IN_TOUCH_CODES,
    AsylumStatus,
    Gender,
    LegalStatus,
    age_on,
)
from planner.models import YoungPerson
from planner.records import contact as contact_history
from planner.records.spreadsheets import FileRefused, unsafe_cell
from planner.returns import rules
from planner.returns.rules import ReturnError
from planner.returns.service import ReturnRefused, apply_changes

# The columns that identify each table (an extract may carry more of the model's columns).
SSD_TABLES: dict[str, tuple[str, ...]] = {
    "ssd_person": ("pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob"),
    "ssd_care_leavers": (
        "clea_person_id",
        "clea_care_leaver_eligibility",
        "clea_care_leaver_in_touch",
        "clea_care_leaver_latest_contact",
        "clea_care_leaver_activity",
    ),
    "ssd_immigration_status": (
        "immi_person_id",
        "immi_immigration_status",
        "immi_immigration_status_start_date",
        "immi_immigration_status_end_date",
    ),
}
ELIGIBILITY: dict[str, LegalStatus | None] = {
    "relevant": LegalStatus.relevant,
    "relevant child": LegalStatus.relevant,
    "former relevant": LegalStatus.former_relevant,
    "former relevant child": LegalStatus.former_relevant,
    "eligible": LegalStatus.eligible,
    "eligible child": LegalStatus.eligible,
    "qualifying": LegalStatus.qualifying,
    "qualifying care leaver": LegalStatus.qualifying,
    "no current eligibility": None,  # not a care leaver the service supports
}
SSD_SEX = {"M": Gender.male, "F": Gender.female, "U": Gender.not_stated}
# The SSD model's guidance spells Chinese "CNHE"; the DfE code is "CHNE"
SSD_ETHNIC = rules.ETHNIC_CODES | {"CNHE": rules.ETHNIC_CODES["CHNE"]}


def asylum_status_of(status: str) -> AsylumStatus | None:
    """A planner asylum status from an SSD immigration status, if it says one: leave to
    remain or refugee status is granted; a refusal is refused; an adult asylum seeker is
    awaiting a decision. "UASC" alone says only that they were unaccompanied."""
    text = status.lower()
    if "refus" in text or "appeal rights exhausted" in text:
        return AsylumStatus.refused
    if "refugee" in text or "leave to remain" in text or "(ilr)" in text or "(dlr)" in text:
        return AsylumStatus.granted
    if "asylum seeker" in text and "child" not in text:
        return AsylumStatus.awaiting_decision
    return None


def is_uasc(status: str) -> bool:
    text = status.lower()
    return "unaccompanied" in text or text.strip() == "uasc"


@dataclass
class SsdReport:
    files: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_imported: int = 0  # no current eligibility, or outside the service's ages
    contact_noted: int = 0  # young people whose contact values were kept in their history
    quarantined: list[ReturnError] = field(default_factory=list)

    def counts(self) -> str:
        return (
            f"files={self.files} rows={self.rows} created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} not_imported={self.not_imported} "
            f"contact_noted={self.contact_noted} quarantined={len(self.quarantined)}"
        )


@dataclass(frozen=True)
class _Row:
    file: str
    line: int
    values: dict[str, str]


def _recognise(columns: list[str]) -> str | None:
    names = {c.strip().lower() for c in columns if c.strip()}
    for table, required in SSD_TABLES.items():
        prefix = required[0].split("_")[0] + "_"
        if set(required) <= names and all(n.startswith(prefix) for n in names):
            return table
    return None


def read_ssd(directory: Path) -> tuple[dict[str, list[_Row]], int]:
    if not directory.is_dir():
        raise FileRefused(f"{directory}: not a folder")
    tables: dict[str, list[_Row]] = {t: [] for t in SSD_TABLES}
    errors: list[ReturnError] = []
    files = 0
    for path in sorted(directory.rglob("*.csv")):
        name = str(path.relative_to(directory))
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        table = list(csv.reader(io.StringIO(text, newline="")))
        kind = _recognise(table[0]) if table else None
        if kind is None:
            expected = "; ".join(f"{t}: {', '.join(c)}" for t, c in SSD_TABLES.items())
            errors.append(ReturnError(name, 1, "", "", f"the columns of an SSD table ({expected})"))
            continue
        files += 1
        header = [h.strip().lower() for h in table[0]]
        for number, cells in enumerate(table[1:], start=2):
            if not any(c.strip() for c in cells):
                continue
            padded = list(cells) + [""] * (len(header) - len(cells))
            values = {h: unsafe_cell(c).strip() for h, c in zip(header, padded, strict=False)}
            tables[kind].append(_Row(name, number, values))
    if errors:
        raise ReturnRefused(errors)
    return tables, files


def _date(text: str) -> date | None:
    return rules.parse_date(text) if text else None


def import_ssd(
    session: Session, directory: Path, *, actor: str, quarantine: bool = False
) -> SsdReport:
    """Import young people from an SSD extract in the caller's transaction."""
    tables, files = read_ssd(directory)
    report = SsdReport(files=files, rows=sum(len(r) for r in tables.values()))
    errors: list[ReturnError] = []
    bad: set[tuple[str, int]] = set()
    today = clock.today()

    def fail(row: _Row, column: str, rule: str, *, quoted: bool = True) -> None:
        errors.append(ReturnError(row.file, row.line, column, row.values.get(column, ""), rule,
                                  quoted))  # fmt: skip
        bad.add((row.file, row.line))

    persons: dict[str, tuple[_Row, date]] = {}
    for row in tables["ssd_person"]:
        pid = row.values.get("pers_person_id", "")
        if not pid or len(pid) > 40:
            fail(row, "pers_person_id", "the person's id, 1 to 40 characters")
        elif pid in persons:
            fail(row, "pers_person_id", f"each person once (see line {persons[pid][0].line})")
        dob = _date(row.values.get("pers_dob", ""))
        if dob is None:
            fail(row, "pers_dob", "a date as YYYY-MM-DD (or dd/mm/YYYY)", quoted=False)
        if row.values.get("pers_sex", "").upper() not in SSD_SEX:
            fail(row, "pers_sex", "one of F, M, U")
        if row.values.get("pers_ethnicity", "").upper() not in SSD_ETHNIC:
            fail(row, "pers_ethnicity", "one of the DfE's ethnicity codes (WBRI ... NOBT)")
        if (row.file, row.line) not in bad and dob:
            persons[pid] = (row, dob)
    leavers: dict[str, _Row] = {}
    for row in tables["ssd_care_leavers"]:
        pid = row.values.get("clea_person_id", "")
        if pid not in persons:
            fail(row, "clea_person_id", "the id of a person in ssd_person")
        elif pid in leavers:
            fail(row, "clea_person_id", f"each person once (see line {leavers[pid].line})")
        if row.values.get("clea_care_leaver_eligibility", "").strip().lower() not in ELIGIBILITY:
            fail(
                row,
                "clea_care_leaver_eligibility",
                "one of Relevant, Former Relevant, Eligible, Qualifying, No Current Eligibility",
            )
        in_touch = row.values.get("clea_care_leaver_in_touch", "").upper()
        if in_touch and in_touch not in IN_TOUCH_CODES:
            fail(row, "clea_care_leaver_in_touch", "one of " + ", ".join(IN_TOUCH_CODES))
        activity = row.values.get("clea_care_leaver_activity", "").upper()
        if activity and activity not in ACTIVITY_CODES:
            fail(row, "clea_care_leaver_activity", "one of " + ", ".join(ACTIVITY_CODES))
        contact = row.values.get("clea_care_leaver_latest_contact", "")
        if contact and _date(contact) is None:
            fail(row, "clea_care_leaver_latest_contact", "a date", quoted=False)
        if (row.file, row.line) not in bad:
            leavers[pid] = row
    immigration: dict[str, list[_Row]] = {}
    for row in tables["ssd_immigration_status"]:
        pid = row.values.get("immi_person_id", "")
        if pid not in persons:
            fail(row, "immi_person_id", "the id of a person in ssd_person")
        for column in ("immi_immigration_status_start_date", "immi_immigration_status_end_date"):
            if row.values.get(column) and _date(row.values[column]) is None:
                fail(row, column, "a date", quoted=False)
        if (row.file, row.line) not in bad:
            immigration.setdefault(pid, []).append(row)
    if errors and not quarantine:
        raise ReturnRefused(sorted(errors, key=lambda e: (e.file, e.line, e.column)),
                            rows=report.rows)  # fmt: skip
    report.quarantined = sorted(errors, key=lambda e: (e.file, e.line, e.column))

    people = {p.reference: p for p in session.exec(select(YoungPerson)).all()}
    for pid, (row, dob) in sorted(persons.items()):
        leaver = leavers.get(pid)
        status = (
            ELIGIBILITY[leaver.values["clea_care_leaver_eligibility"].strip().lower()]
            if leaver
            else None
        )
        if status is None or not 16 <= age_on(dob, today) <= rules.OLDEST:
            report.not_imported += 1
            continue
        values: dict[str, Any] = {
            "date_of_birth": dob,
            "gender": SSD_SEX[row.values["pers_sex"].upper()],
            "ethnicity": SSD_ETHNIC[row.values["pers_ethnicity"].upper()],
            "legal_status": status,
            "in_care": status == LegalStatus.eligible,
        }
        assert leaver is not None
        if leaver.values.get("clea_care_leaver_in_touch"):
            values["in_touch"] = leaver.values["clea_care_leaver_in_touch"].upper()
        if leaver.values.get("clea_care_leaver_activity"):
            values["activity"] = leaver.values["clea_care_leaver_activity"].upper()
        if leaver.values.get("clea_care_leaver_latest_contact"):
            values["latest_contact_on"] = _date(leaver.values["clea_care_leaver_latest_contact"])
        statuses = sorted(
            immigration.get(pid, []),
            key=lambda r: _date(r.values.get("immi_immigration_status_start_date", "")) or date.min,
        )
        existing = people.get(pid)
        values["uasc"] = bool(existing and existing.uasc) or any(
            is_uasc(r.values.get("immi_immigration_status", "")) for r in statuses
        )
        for r in statuses:  # the latest status that says where a claim stands
            said = asylum_status_of(r.values.get("immi_immigration_status", ""))
            if said is not None:
                values["asylum_status"] = said
        # the care leaver's contact values are kept with the day of the import, as an edit
        # keeps them, so a later OC3 return for this year reads what the extract said
        noting = contact_history.changes(existing, values)
        if existing is None:
            existing = YoungPerson(reference=pid, **values)
            session.add(existing)
            session.flush()
            report.created += 1
        else:
            if noting:
                contact_history.note_before_change(session, existing, today)
            if apply_changes(existing, values):
                report.updated += 1
            else:
                report.unchanged += 1
        if noting:
            contact_history.note_values_of(session, existing, today)
            report.contact_noted += 1
    session.flush()
    audit.record(session, actor=actor, action="import_ssd", entity="young_people",
                 detail=report.counts())  # fmt: skip
    return report
