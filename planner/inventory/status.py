"""Where the service stands today: young people by placement type and suitability,
places and vacancies by type, framework lots and council flats.

One query per table, then counting in Python: the whole council is a few thousand rows, and
one pass keeps every figure consistent with every other (the same "today", the same stays).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from planner.core import clock
from planner.domain import Cohort, PlacementType, VacancyStatus, in_care_after_18, in_care_on
from planner.domain.stays import current_on
from planner.domain.suitability import is_unsuitable
from planner.inventory.rules import is_free_on
from planner.models import Place, Provision, Stay, Vacancy, YoungPerson


@dataclass(frozen=True)
class ReportFigure:
    """A figure from the council's 2023-24 annual report, to set the planner's beside."""

    key: str
    label: str
    figure: int | None
    note: str = ""


# The Care Leaver Service annual report to the Corporate Parenting Board, 31 March 2024.
REPORT_FIGURES: tuple[ReportFigure, ...] = (
    ReportFigure("care_leavers", "Care leavers", 592, "7.1"),
    ReportFigure("in_care_16_17", "Young people 16-17 in care with a PA", 62, "7.4"),
    ReportFigure("male", "Care leavers: male", 313, "7.2"),
    ReportFigure("female", "Care leavers: female", 274, "7.2"),
    ReportFigure("non_binary", "Care leavers: non-binary", 5, "7.2"),
    ReportFigure("former_uasc", "Former UASC care leavers", 49, "7.5"),
    ReportFigure("awaiting_decision", "Former UASC awaiting an asylum decision", 22, "7.5"),
    ReportFigure("staying_put", "In staying put", 30, "7.7"),
    ReportFigure("supported_lodgings", "In supported lodgings", 21, "7.7"),
    ReportFigure("sl_hosts", "Supported lodgings hosts", 23, "17.5"),
    ReportFigure("staying_close", "In staying close", 12, "17.7"),
    ReportFigure(
        "framework_places",
        "Framework places (open now)",
        87,
        "17.6 says 87 but its lots add to 85; the demo builds the three lots (85)",
    ),
    ReportFigure("lot_uasc", "Framework lot: UASC in care", 15, "17.6"),
    ReportFigure("lot_care_leavers", "Framework lot: children in care and care leavers", 30),
    ReportFigure("lot_homeless_16_21", "Framework lot: 16-21 at risk of homelessness", 40),
    ReportFigure("flats_weymouth", "Council flats in Weymouth", 12, "17.8"),
    ReportFigure("flats_kirtleton_avenue", "Kirtleton Avenue", 11, "17.10"),
    ReportFigure("flats_klc", "Kirtleton, Leon and Clarence", 21, "8.3"),
    ReportFigure("flats_conversions", "Portland and Weymouth conversions (planned)", 9, "17.8"),
    ReportFigure("unsuitable", "In unsuitable accommodation", 9, "19.7"),
    ReportFigure("in_touch_pct", "Care leavers in touch (%)", 98),
    ReportFigure("eet_pct", "Care leavers in education, employment or training (%)", 54),
)


@dataclass
class Summary:
    as_of: date
    figures: dict[str, int] = field(default_factory=dict)
    by_type: list[tuple[PlacementType, int, int]] = field(default_factory=list)
    vacancies: list[tuple[PlacementType, int, int]] = field(default_factory=list)
    # (lot, places, our young people, free now, free later, used by others)
    lots: list[tuple[str, int, int, int, int, int]] = field(default_factory=list)
    # (scheme, area, places, occupied, free now, free later, opens on: None if open)
    flats: list[tuple[str, str, int, int, int, int, date | None]] = field(default_factory=list)


EET_CODES = frozenset({"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"})


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _open_on(opens_on: date | None, closes_on: date | None, day: date) -> bool:
    return (opens_on is None or opens_on <= day) and (closes_on is None or closes_on > day)


def in_service_on(day: date) -> sa.ColumnElement[bool]:
    """The young people the service supported on ``day``: not yet left by then."""
    return sa.or_(
        col(YoungPerson.left_service_on).is_(None), col(YoungPerson.left_service_on) > day
    )


def summarise(session: Session, as_of: date | None = None) -> Summary:
    """Counts for ``as_of`` (today by default) from the current stays and the inventory."""
    today = as_of or clock.today()
    summary = Summary(as_of=today)
    people = {p.id: p for p in session.exec(select(YoungPerson).where(in_service_on(today)))}
    # the stays current on ``today`` (a move planned for later is not counted yet)
    current = [
        s
        for s in session.exec(select(Stay).where(current_on(Stay, today)))
        if s.young_person_id in people
    ]
    provisions = {p.id: p for p in session.exec(select(Provision))}
    places = {p.id: p for p in session.exec(select(Place))}
    vacancies = session.exec(select(Vacancy).where(Vacancy.status == VacancyStatus.open)).all()

    f = summary.figures
    # in care only before the 18th birthday: a flag recorded at 17 is out of date after it
    looked_after = {i for i, p in people.items() if in_care_on(p.in_care, p.date_of_birth, today)}
    leavers = [p for i, p in people.items() if i not in looked_after]
    f["care_leavers"] = len(leavers)
    f["in_care_16_17"] = len(looked_after)
    genders = Counter(str(p.gender) for p in leavers)
    for g in ("male", "female", "non_binary"):
        f[g] = genders.get(g, 0)
    f["former_uasc"] = sum(1 for p in leavers if p.uasc)
    f["awaiting_decision"] = sum(
        1 for p in leavers if p.uasc and p.asylum_status == "awaiting_decision"
    )
    # OC3's two headline figures, as whole percentages of the care leavers in the service:
    # in touch (IN_TOUCH YES) and in education, employment or training (an F or P activity)
    f["in_touch_pct"] = _percent(sum(1 for p in leavers if p.in_touch == "YES"), len(leavers))
    f["eet_pct"] = _percent(sum(1 for p in leavers if p.activity in EET_CODES), len(leavers))

    suitable: Counter[str] = Counter()
    unsuitable: Counter[str] = Counter()
    for stay in current:
        is_bad = is_unsuitable(stay.placement_type, stay.suitable)
        (unsuitable if is_bad else suitable)[str(stay.placement_type)] += 1
    summary.by_type = [(t, suitable[t], unsuitable[t]) for t in PlacementType]
    for t in PlacementType:
        f[t.value] = suitable[t] + unsuitable[t]
    f["unsuitable"] = sum(unsuitable.values())
    # counted above in foster or residential care, but 18 or over: where they live now
    # has not been recorded (the overview says so; the match run treats them as overdue)
    f["in_care_after_18"] = sum(
        1
        for stay in current
        if in_care_after_18(stay.placement_type, people[stay.young_person_id].date_of_birth, today)
    )

    sl_hosts = {
        pl.provision_id
        for pl in places.values()
        if provisions[pl.provision_id].placement_type == PlacementType.supported_lodgings
        and _open_on(pl.opens_on, pl.closes_on, today)
    }
    f["sl_hosts"] = len(sl_hosts)

    occupied: Counter[int | None] = Counter(
        places[s.place_id].provision_id for s in current if s.place_id in places
    )
    open_places: Counter[int | None] = Counter(
        pl.provision_id
        for pl in places.values()
        if _open_on(pl.opens_on, pl.closes_on, today)
        and _open_on(provisions[pl.provision_id].opens_on, None, today)
    )
    all_places: Counter[int | None] = Counter(pl.provision_id for pl in places.values())
    vacant_now: Counter[int | None] = Counter()
    vacant_soon: Counter[int | None] = Counter()
    by_type_now: Counter[str] = Counter()
    by_type_soon: Counter[str] = Counter()
    for v in vacancies:
        place = places[v.place_id]
        provision = provisions[place.provision_id]
        if is_free_on(v, place, provision, today):
            vacant_now[provision.id] += 1
            by_type_now[str(provision.placement_type)] += 1
        else:
            vacant_soon[provision.id] += 1
            by_type_soon[str(provision.placement_type)] += 1
    summary.vacancies = [
        (t, by_type_now[t], by_type_soon[t])
        for t in PlacementType
        if t.allocatable or by_type_now[t] or by_type_soon[t]
    ]

    framework = [
        p for p in provisions.values() if p.placement_type == PlacementType.supported_accommodation
    ]
    for cohort in (Cohort.uasc, Cohort.care_leavers, Cohort.homeless_16_21):
        ids = [p.id for p in framework if p.cohort == cohort]
        places_n = sum(open_places[i] for i in ids)
        ours = sum(occupied[i] for i in ids)
        # one definition of vacant for every table: "free now" is an open vacancy free today
        # (inventory.rules.is_free_on), "free later" one free from a later day (its place is
        # in use until then, so counted among our young people or those used by others)
        now = sum(vacant_now[i] for i in ids)
        later = sum(vacant_soon[i] for i in ids)
        summary.lots.append((cohort.value, places_n, ours, now, later, places_n - ours - now))
        f[f"lot_{cohort.value}"] = places_n
    f["framework_places"] = sum(open_places[p.id] for p in framework)

    flats = sorted(
        (p for p in provisions.values() if p.placement_type == PlacementType.council_flat),
        key=lambda p: p.reference,
    )
    for p in flats:
        opens = p.opens_on if p.opens_on and p.opens_on > today else None
        summary.flats.append(
            (
                p.name,
                p.area,
                all_places[p.id],
                occupied[p.id],
                vacant_now[p.id],
                vacant_soon[p.id],
                opens,
            )
        )

    def flats_named(*words: str, planned: bool = False) -> int:
        return sum(
            all_places[p.id]
            for p in flats
            if any(w in p.name for w in words)
            and bool(p.opens_on and p.opens_on > today) == planned
        )

    f["flats_weymouth"] = flats_named("Weymouth flats")
    f["flats_kirtleton_avenue"] = flats_named("Kirtleton Avenue")
    f["flats_klc"] = flats_named("Kirtleton", "Leon", "Clarence")
    f["flats_conversions"] = flats_named("conversion", planned=True)
    return summary
