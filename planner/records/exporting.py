"""Exporting records in the same templates the importer reads, so files round-trip.

Every export is audited (who exported which kind, how many rows); the spreadsheet writer
neutralises formulas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from planner.core import audit
from planner.models import Place, Provision, Stay, User, Vacancy, YoungPerson
from planner.records.spreadsheets import write_rows
from planner.records.templates import template_for


def _refs(session: Session, model: Any, attr: str = "reference") -> dict[int | None, str]:
    """Each row's id to its reference (or username), to write references, never ids."""
    return {i: r for r, i in session.exec(select(getattr(model, attr), model.id)).all()}


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def export_rows(session: Session, kind: str) -> list[dict[str, Any]]:
    """The records of ``kind`` as template rows, in a stable order."""
    template = template_for(kind)
    names = template.names
    if template.kind == "young_people":
        users = _refs(session, User, "username")
        people = session.exec(select(YoungPerson).order_by(YoungPerson.reference)).all()
        return [
            {n: _plain(getattr(p, n, None)) for n in names}
            | {"personal_adviser": users.get(p.personal_adviser_id, "")}
            for p in people
        ]
    if template.kind == "provisions":
        provision_rows = session.exec(select(Provision).order_by(Provision.reference)).all()
        return [{n: _plain(getattr(r, n)) for n in names} for r in provision_rows]
    people_refs = _refs(session, YoungPerson)
    if template.kind == "places":
        provisions = _refs(session, Provision)
        places = session.exec(select(Place).order_by(Place.reference)).all()
        return [
            {
                "reference": p.reference,
                "provision": provisions[p.provision_id],
                "label": p.label,
                "reserved_for": people_refs.get(p.reserved_for_id, ""),
                "opens_on": p.opens_on,
                "closes_on": p.closes_on,
            }
            for p in places
        ]
    place_refs = _refs(session, Place)
    if template.kind == "stays":
        stays = session.exec(
            select(Stay).order_by(col(Stay.young_person_id), col(Stay.start_date))
        ).all()
        rows = [
            {
                "young_person": people_refs[s.young_person_id],
                "placement_type": _plain(s.placement_type),
                "start_date": s.start_date,
                "end_date": s.end_date,
                "suitable": s.suitable,
                "place": place_refs.get(s.place_id, ""),
                "expected_end": s.expected_end,
                "area": s.area,
            }
            for s in stays
        ]
        return sorted(rows, key=lambda r: (r["young_person"], r["start_date"]))
    vacancies = session.exec(select(Vacancy).order_by(col(Vacancy.id))).all()
    return [
        {
            "place": place_refs[v.place_id],
            "available_from": v.available_from,
            "status": _plain(v.status),
        }
        for v in vacancies
    ]


def export_file(session: Session, kind: str, path: Path, *, actor: str) -> int:
    """Write ``kind`` to a CSV or XLSX file and audit the export; returns the row count."""
    template = template_for(kind)
    count = write_rows(path, template.names, export_rows(session, template.kind))
    audit.record(
        session, actor=actor, action="export", entity=template.kind, detail=f"rows={count}"
    )
    return count
