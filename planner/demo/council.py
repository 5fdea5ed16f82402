"""A synthetic demo council, calibrated to a real council's published figures.

The figures come from the Care Leaver Service annual report for 31 March 2024 (see
``planner.inventory.status.REPORT_FIGURES``): 592 care leavers and 62 young people aged 16-17
in care;
the gender and ethnicity mix; 49 former UASC, 22 awaiting a decision; 30 in staying put, 21
in supported lodgings with 23 hosts, 12 in staying close; the framework's three lots; the
council's flats; 9 in unsuitable accommodation. The snapshot is built for any date (today by
default, so the planner's clocks, ages and "days in B&B" are live) and is deterministic from
a seed.

Five years of stay history are generated *backwards* from each young person's current stay,
so today's snapshot is exact and the history obeys the rules the forecasts learn from
(framework stays end by 18 months, staying put starts at 18 and ends by 21, care ends at 18),
plus the young people who left the service in those five years.

References are pseudonymous (``YP0001``); there are no names. Provisions are named by
scheme and area; hosts and carers by number only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from planner.accounts import users
from planner.core import audit, clock
from planner.core.errors import Conflict
from planner.domain import Cohort, PlacementType, Role, age_on, birthday
from planner.records.importing import import_rows
from planner.records.spreadsheets import Row

PT = PlacementType
AREAS = {
    "Weymouth": 0.19,
    "Dorchester": 0.12,
    "Portland": 0.06,
    "Bridport": 0.08,
    "Sherborne": 0.06,
    "Blandford": 0.07,
    "Wimborne": 0.08,
    "Ferndown": 0.08,
    "Gillingham": 0.05,
    "Shaftesbury": 0.04,
    "Swanage": 0.04,
    "Wareham": 0.05,
    "Verwood": 0.04,
    "Lyme Regis": 0.04,
}
CHILD_POPULATION = 67_300  # ONS 0-17 estimate for the council; 0.1% gives the NTS's 67
HISTORY_YEARS = 5
PERSONAL_ADVISERS = 18
ADVISERS = tuple(f"pa{n:02d}" for n in range(1, PERSONAL_ADVISERS + 1))  # their usernames
# The report's figures imply care-leaver cohorts (592 over ages 17-24, about 70 a year)
# twice the size of the cohorts of 16-17 year olds in care (62 over two years, 31 a year).
# The demo reconciles them by putting a care placement from 16 on the records of only a
# fifth of today's care leavers (the rest are known from 18: qualifying, looked after
# elsewhere, or before the records began), so that the history's flow into care at 16
# matches today's snapshot instead of implying a growing in-care population.
LEAVERS_FIRST_KNOWN_AT_18 = 0.8
DEMO_ACTOR = "demo"  # the importer's actor for demo records, so a rebuild knows they are its own
RISKS = {"exploitation": 0.14, "self_harm": 0.10, "risk_to_others": 0.07, "substance_misuse": 0.06}


@dataclass
class DemoCouncil:
    """The demo council as template rows (for the importer) and forecast frames."""

    as_of: date
    seed: int
    advisers: list[str]
    young_people: list[dict[str, Any]]
    provisions: list[dict[str, Any]]
    places: list[dict[str, Any]]
    stays: list[dict[str, Any]]
    vacancies: list[dict[str, Any]]
    child_population: int = CHILD_POPULATION
    forecast: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def people(self) -> pd.DataFrame:
        return self.forecast["people"]

    @property
    def stay_history(self) -> pd.DataFrame:
        return self.forecast["stays"]

    @property
    def capacity(self) -> pd.DataFrame:
        return self.forecast["capacity"]


IN_TOUCH_SHARE = 0.98  # the report's care leavers in touch
EET_SHARE = 0.54  # ... and in education, employment or training


class _Builder:
    """Holds the random stream and the growing tables; one method per part of the council."""

    def __init__(self, seed: int, as_of: date) -> None:
        self.rng = np.random.default_rng(seed)
        # contact and activity draw from their own stream, so adding them left every other
        # figure of the demo (calibrated to the report) exactly as it was
        self.contact_rng = np.random.default_rng([seed, 903])
        self.as_of = as_of
        self.window_start = as_of - timedelta(days=round(365.25 * HISTORY_YEARS))
        self.people: list[dict[str, Any]] = []
        self.provisions: list[dict[str, Any]] = []
        self.places: list[dict[str, Any]] = []
        self.stays: list[dict[str, Any]] = []
        self.vacancies: list[dict[str, Any]] = []
        self.advisers = list(ADVISERS)
        self._place_busy: dict[str, list[tuple[date, date]]] = defaultdict(list)
        self._places_by_kind: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._provision: dict[str, dict[str, Any]] = {}
        self._provision_of_place: dict[str, str] = {}

    # -- helpers -------------------------------------------------------------------------
    def area(self) -> str:
        names = list(AREAS)
        p = np.array(list(AREAS.values()))
        return str(self.rng.choice(names, p=p / p.sum()))

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=int(self.rng.integers(low, high + 1)))

    def dob_for_age(self, age: int, on: date | None = None) -> date:
        day = on or self.as_of
        return birthday(day, -age) - self.days(1, 364)

    def provision(self, ref: str, name: str, ptype: PT, area: str, **rules: Any) -> dict:
        row = {
            "reference": ref,
            "name": name,
            "placement_type": ptype.value,
            "area": area,
            "provider": rules.pop("provider", "Dorset Council"),
        } | rules
        self.provisions.append(row)
        self._provision[ref] = row
        return row

    def place(self, provision: dict, n: int, **extra: Any) -> str:
        ref = f"{provision['reference']}-{n:02d}"
        self.places.append({"reference": ref, "provision": provision["reference"]} | extra)
        self._provision_of_place[ref] = provision["reference"]
        kind = (provision["placement_type"], provision.get("cohort", "any"))
        if not extra.get("reserved_for") and not extra.get("opens_on"):
            self._places_by_kind[kind].append(ref)
        return ref

    def occupy(self, place: str, start: date, end: date | None) -> None:
        self._place_busy[place].append((start, end or date.max))

    def free_place(self, ptype: str, cohort: str, start: date, end: date) -> str | None:
        candidates = self._places_by_kind.get((ptype, cohort), [])
        for i in self.rng.permutation(len(candidates)):
            ref = candidates[int(i)]
            if all(end <= s or start >= e for s, e in self._place_busy[ref]):
                self.occupy(ref, start, end)
                return ref
        return None

    def stay(self, person: dict, ptype: PT, start: date, end: date | None, **extra: Any) -> None:
        self.stays.append(
            {
                "young_person": person["reference"],
                "placement_type": ptype.value,
                "start_date": start,
                "end_date": end,
                "suitable": ptype.suitable_by_policy,
                "area": extra.pop("area", person["area"]),
            }
            | extra
        )

    # -- the inventory -------------------------------------------------------------------
    def build_inventory(self) -> None:
        rng, today = self.rng, self.as_of
        soon = today + timedelta(days=60)
        self.sl_hosts: list[str] = []
        for n in range(1, 24):
            gender = "female" if n <= 4 else "male" if n <= 6 else "any"
            host = self.provision(
                f"SL{n:02d}",
                f"Supported lodgings host {n:02d}",
                PT.supported_lodgings,
                self.area(),
                min_age=17,
                max_age=23,
                gender_rule=gender,
                support_level="medium",
                pets_allowed=bool(rng.random() < 0.3),
                step_free=bool(rng.random() < 0.1),
                excluded_risks="risk_to_others" if rng.random() < 0.8 else "",
                weekly_cost=float(rng.integers(220, 281)),
                provider="Supported lodgings scheme",
            )
            for room in range(1, 3 if n in (3, 8, 12, 17) else 2):
                self.sl_hosts.append(self.place(host, room, label=f"Room {room}"))
        for n, months in enumerate((2, 4, 6), start=24):  # hosts recruited for former UASC
            host = self.provision(
                f"SL{n:02d}",
                f"Supported lodgings host {n:02d} (recruiting)",
                PT.supported_lodgings,
                self.area(),
                min_age=17,
                max_age=23,
                support_level="medium",
                weekly_cost=260.0,
                opens_on=today + timedelta(days=30 * months),
                provider="Supported lodgings scheme",
            )
            for room in range(1, 3 if n < 26 else 2):
                self.place(host, room, label=f"Room {room}", opens_on=host["opens_on"])

        self.lots: dict[str, list[str]] = defaultdict(list)
        lot_schemes = [
            ("uasc", 3, 5, "high", (16, 17), ["Weymouth", "Dorchester", "Blandford"], 1000),
            ("care_leavers", 5, 6, "medium", (16, 25), None, 850),
            ("homeless_16_21", 5, 8, "medium", (16, 21), None, 700),
        ]
        for cohort, schemes, size, support, (lo, hi), areas, cost in lot_schemes:
            for s in range(1, schemes + 1):
                ref = f"SA-{cohort.upper().replace('_', '')[:4]}{s}"
                scheme = self.provision(
                    ref,
                    f"Framework {Cohort(cohort).value.replace('_', ' ')} scheme {s}",
                    PT.supported_accommodation,
                    areas[s - 1] if areas else self.area(),
                    cohort=cohort,
                    min_age=lo,
                    max_age=hi,
                    gender_rule="male" if cohort == "uasc" and s < 3 else "any",
                    support_level=support,
                    ofsted_registered=True,
                    max_stay_months=18,
                    step_free=s == 1,
                    parent_and_child=cohort == "care_leavers" and s == 5,
                    excluded_risks="" if support == "high" else "arson",
                    weekly_cost=float(cost + rng.integers(-60, 61)),
                    # the care-leaver lot is block-contracted (paid for if empty); the other
                    # lots are called off when used
                    contract="block" if cohort == "care_leavers" else "spot",
                    provider=f"Framework provider {chr(64 + s)}",
                )
                for n in range(1, size + 1):
                    self.lots[cohort].append(self.place(scheme, n, label=f"Unit {n}"))
        for s, months in enumerate((3, 6, 9), start=6):  # the +30 places the report predicts
            scheme = self.provision(
                f"SA-CARE{s}",
                f"Framework care leavers scheme {s} (planned)",
                PT.supported_accommodation,
                self.area(),
                cohort="care_leavers",
                min_age=16,
                max_age=25,
                support_level="medium",
                ofsted_registered=True,
                max_stay_months=18,
                weekly_cost=880.0,
                contract="block",
                opens_on=today + timedelta(days=30 * months),
                provider="Framework provider F",
            )
            for n in range(1, 11):
                self.place(scheme, n, label=f"Unit {n}", opens_on=scheme["opens_on"])

        self.flats: dict[str, list[str]] = {}
        blocks = [
            ("CF-WEY", "Weymouth flats", "Weymouth", 12, "low", None),
            ("CF-KIRT", "Kirtleton Avenue", "Weymouth", 11, "medium", None),
            ("CF-LEON", "Leon Centre", "Weymouth", 5, "medium", None),
            ("CF-CLAR", "Clarence Road", "Weymouth", 5, "low", None),
            ("CF-PORTC", "Portland conversion", "Portland", 4, "low", soon),
            ("CF-WEYC", "Weymouth conversion", "Weymouth", 5, "low", soon),
        ]
        for ref, name, area, size, support, opens in blocks:
            block = self.provision(
                ref,
                name,
                PT.council_flat,
                area,
                min_age=18,
                max_age=25,
                support_level=support,
                pets_allowed=ref in {"CF-WEY", "CF-PORTC"},
                step_free=ref in {"CF-KIRT", "CF-WEYC"},
                parent_and_child=ref == "CF-WEY",
                weekly_cost=float(rng.integers(140, 190)),
                opens_on=opens,
                provider="Dorset Council housing",
            )
            self.flats[ref] = [
                self.place(block, n, label=f"Flat {n}", opens_on=opens) for n in range(1, size + 1)
            ]

        self.homes = []
        for n, area in enumerate(["Dorchester", "Weymouth", "Blandford", "Wimborne"], start=1):
            self.homes.append(
                self.provision(
                    f"SC{n}",
                    f"Staying close: children's home {n}",
                    PT.staying_close,
                    area,
                    min_age=18,
                    max_age=21,
                    support_level="medium",
                    weekly_cost=320.0,
                )
            )
        for n in range(12):  # +12 staying close arrangements expected in 12 months
            home = self.homes[n % 4]
            opens = today + timedelta(days=30 * (1 + n))
            self.place(home, 20 + n, label="Planned arrangement", opens_on=opens)

    # -- young people --------------------------------------------------------------------
    def _slots(self) -> list[tuple[PT, str, tuple[int, int], bool]]:
        """(placement type, lot, age range, in care) for everyone in the snapshot."""
        leavers = [
            (PT.staying_put, "", (18, 20), 30),
            (PT.supported_lodgings, "", (18, 22), 21),
            (PT.staying_close, "", (18, 20), 12),
            (PT.supported_accommodation, "care_leavers", (18, 23), 15),
            (PT.supported_accommodation, "homeless_16_21", (18, 20), 10),
            (PT.council_flat, "", (18, 24), 30),
            (PT.bed_and_breakfast, "", (18, 22), 3),
            (PT.emergency_accommodation, "", (17, 20), 2),
            (PT.sofa_surfing, "", (19, 21), 2),
            (PT.custody, "", (19, 23), 2),
            (PT.independent_tenancy, "", (19, 24), 215),
            (PT.with_family, "", (17, 24), 112),
            (PT.other_suitable, "", (18, 24), 138),
        ]
        in_care = [
            (PT.supported_accommodation, "uasc", (16, 17), 13),
            (PT.supported_accommodation, "care_leavers", (16, 17), 12),
            (PT.in_care_other, "", (16, 17), 37),
        ]
        slots = [(t, lot, ages, False) for t, lot, ages, n in leavers for _ in range(n)]
        slots += [(t, lot, ages, True) for t, lot, ages, n in in_care for _ in range(n)]
        return slots

    def build_people(self) -> None:
        rng, today = self.rng, self.as_of
        slots = self._slots()
        n_leavers = sum(1 for s in slots if not s[3])
        # former UASC among care leavers, by where they live (the report: 49, 22 awaiting)
        uasc_plan = {
            PT.supported_lodgings: 4,
            PT.supported_accommodation: 6,
            PT.council_flat: 5,
            PT.independent_tenancy: 14,
            PT.other_suitable: 18,
            PT.bed_and_breakfast: 1,
            PT.sofa_surfing: 1,
        }
        uasc_idx: set[int] = set()
        for ptype, count in uasc_plan.items():
            idx = [i for i, s in enumerate(slots) if s[0] == ptype and not s[3]]
            uasc_idx.update(int(i) for i in rng.choice(idx, size=count, replace=False))
        in_care_uasc = [i for i, s in enumerate(slots) if s[3] and s[1] == "uasc"]
        in_care_uasc += [i for i, s in enumerate(slots) if s[3] and s[0] == PT.in_care_other][:2]
        uasc_idx.update(in_care_uasc)

        leaver_idx = [i for i, s in enumerate(slots) if not s[3]]
        others = [i for i in leaver_idx if i not in uasc_idx]
        genders: dict[int, str] = {}
        leaver_uasc = [i for i in leaver_idx if i in uasc_idx]
        for pos, i in enumerate(rng.permutation(leaver_uasc)):
            genders[int(i)] = "male" if pos < 45 else "female"
        pool = ["male"] * (313 - 45) + ["female"] * (274 - 4) + ["non_binary"] * 5
        assert len(pool) == len(others) and len(leaver_uasc) == 49
        for i, g in zip(rng.permutation(others), pool, strict=True):
            genders[int(i)] = g
        care_others = [i for i, s in enumerate(slots) if s[3] and i not in uasc_idx]
        care_pool = ["male"] * 25 + ["female"] * 22
        for i, g in zip(rng.permutation(care_others), care_pool, strict=False):
            genders[int(i)] = g
        for i in in_care_uasc:
            genders[i] = "male"

        ethnic_uasc = ["black"] * 20 + ["other"] * 22 + ["asian"] * 7
        ethnic_rest = ["white"] * 474 + ["black"] * 27 + ["other"] * 19 + ["mixed"] * 18
        ethnic_rest += ["asian"] * 5
        ethnicity: dict[int, str] = {}
        for i, e in zip(rng.permutation(leaver_uasc), ethnic_uasc, strict=True):
            ethnicity[int(i)] = e
        for i, e in zip(rng.permutation(others), ethnic_rest, strict=True):
            ethnicity[int(i)] = e
        awaiting = set(int(i) for i in rng.choice(leaver_uasc, size=22, replace=False))
        assert n_leavers == 592

        order = rng.permutation(len(slots))
        self.current: list[tuple[dict, PT, str]] = []
        for number, i in enumerate(order, start=1):
            i = int(i)
            ptype, lot, (lo, hi), in_care = slots[i]
            age = int(rng.integers(lo, hi + 1))
            dob = self.dob_for_age(age)
            if ptype == PT.staying_put and birthday(dob, 21) <= today:
                dob = self.dob_for_age(20)
            uasc = i in uasc_idx
            if in_care and i not in ethnicity:
                mix = ["white"] * 8 + ["mixed", "black"]
                ethnicity[i] = "black" if uasc else str(rng.choice(mix))
            person = self.new_person(
                f"YP{number:04d}",
                dob,
                genders.get(i, "male"),
                ethnicity.get(i, "white"),
                uasc=uasc,
                in_care=in_care,
                awaiting=i in awaiting,
                ptype=ptype,
            )
            self.current.append((person, ptype, lot))

    def new_person(
        self,
        ref: str,
        dob: date,
        gender: str,
        ethnicity: str,
        *,
        uasc: bool,
        in_care: bool,
        awaiting: bool = False,
        ptype: PT | None = None,
        left_on: date | None = None,
    ) -> dict[str, Any]:
        rng, today = self.rng, left_on or self.as_of
        age = age_on(dob, today)
        if in_care:
            legal = "eligible"
        elif age < 18:
            legal = "relevant"
        else:
            legal = "qualifying" if age <= 21 and rng.random() < 0.05 else "former_relevant"
        unsuitable = ptype is not None and not ptype.suitable_by_policy
        need = (
            "high"
            if unsuitable and rng.random() < 0.2
            else str(rng.choice(["none", "low", "medium", "high"], p=[0.2, 0.45, 0.27, 0.08]))
        )
        if ptype in (PT.supported_accommodation, PT.staying_close, PT.supported_lodgings):
            need = "medium" if need in ("none", "low") else need
        if ptype == PT.supported_lodgings and need == "high":
            need = "medium"
        if ptype == PT.council_flat and need == "high":
            need = "medium"
        risks = [r for r, p in RISKS.items() if rng.random() < p * (2 if unsuitable else 1)]
        if ptype == PT.supported_lodgings:
            risks = [r for r in risks if r != "risk_to_others"]
        area = self.area()
        preferred = {area} | {self.area() for _ in range(int(rng.integers(0, 3)))}
        excluded = {self.area()} - preferred if rng.random() < 0.1 else set()
        person = {
            "reference": ref,
            "date_of_birth": dob,
            "gender": gender,
            "ethnicity": ethnicity,
            "legal_status": legal,
            "in_care": in_care,
            "uasc": uasc,
            "asylum_status": (
                "awaiting_decision"
                if awaiting or (uasc and in_care)
                else "granted"
                if uasc
                else "not_applicable"
            ),
            "support_need": need,
            "risk_flags": ";".join(risks),
            "needs_step_free": bool(rng.random() < 0.03),
            "has_child": bool(age >= 19 and rng.random() < 0.07),
            "pregnant": bool(age >= 17 and rng.random() < 0.02),
            "has_pet": bool(not in_care and rng.random() < 0.41),
            "area": area,
            "preferred_areas": ";".join(sorted(preferred)),
            "excluded_areas": ";".join(sorted(excluded)),
            "education_area": self.area() if age < 21 and rng.random() < 0.6 else "",
            "work_area": self.area() if age >= 18 and rng.random() < 0.4 else "",
            "network_area": area if rng.random() < 0.6 else self.area(),
            "asked_to_move": bool(ptype is not None and not unsuitable and rng.random() < 0.04),
            "personal_adviser": str(rng.choice(self.advisers)),
            "pathway_plan_review_due": (
                None if left_on else self.as_of + timedelta(days=int(rng.integers(-25, 182)))
            ),
            "left_service_on": left_on,
        }
        self.people.append(person)
        return person

    def build_contact(self) -> None:
        """In touch, latest contact and activity for every care leaver (OC3, List 9).

        The report's council is in touch with 98% of its care leavers and 54% are in
        education, employment or training: the demo's current care leavers match both
        exactly (the manager's figures, ``planner status``); those who left in the history
        years are drawn at the same rates. Young people still in care have none recorded
        (they are not in OC3). Someone the council is not in touch with has activity ``0``.
        """
        rng = self.contact_rng
        eet = {"F1": 8, "P1": 1, "F2": 17, "P2": 3, "F4": 5, "P4": 1, "F5": 15, "P5": 4}
        neet = {"G4": 12, "G5": 26, "G6": 8}
        leavers = [p for p in self.people if not p["in_care"]]
        current = [i for i, p in enumerate(leavers) if p["left_service_on"] is None]
        order = [current[int(i)] for i in rng.permutation(len(current))]
        not_in_touch = set(order[: len(current) - round(IN_TOUCH_SHARE * len(current))])
        in_touch = [i for i in order if i not in not_in_touch]
        in_eet = set(in_touch[: round(EET_SHARE * len(current))])
        for n, person in enumerate(leavers):
            day = person["left_service_on"] or self.as_of
            if person["left_service_on"] is None:
                touch, working = n not in not_in_touch, n in in_eet
            else:
                touch = bool(rng.random() < IN_TOUCH_SHARE)
                working = touch and bool(rng.random() < EET_SHARE / IN_TOUCH_SHARE)
            if touch:
                codes = eet if working else neet
                weights = np.array(list(codes.values()), dtype=float)
                person["in_touch"] = "YES"
                person["activity"] = str(rng.choice(list(codes), p=weights / weights.sum()))
                person["latest_contact_on"] = day - timedelta(days=int(rng.integers(0, 57)))
            else:
                person["in_touch"] = "NO" if rng.random() < 0.5 else "REFU"
                person["activity"] = "0"
                person["latest_contact_on"] = day - timedelta(days=int(rng.integers(120, 400)))

    # -- where everyone lives now ----------------------------------------------------------
    def build_current_stays(self) -> None:
        rng, today = self.rng, self.as_of
        sl_free = list(self.sl_hosts)
        lot_free = {k: list(v) for k, v in self.lots.items()}
        flat_plan = {"CF-WEY": 11, "CF-KIRT": 10, "CF-LEON": 5, "CF-CLAR": 4}
        flat_free = [p for ref, n in flat_plan.items() for p in self.flats[ref][:n]]
        staying_put_n = 0
        close_n = 0
        starts: list[tuple[dict, PT, date]] = []
        for person, ptype, lot in self.current:
            dob = person["date_of_birth"]
            b16, b17, b18 = (birthday(dob, a) for a in (16, 17, 18))
            place = ""
            expected_end = None
            if ptype == PT.staying_put:
                staying_put_n += 1
                cost = float(rng.integers(290, 351))
                place = self._staying_put_home(staying_put_n, person, cost)
                start, expected_end = b18, birthday(dob, 21)
            elif ptype == PT.staying_close:
                home = self.homes[close_n % 4]
                close_n += 1
                place = self.place(
                    home, close_n, label="Arrangement", reserved_for=person["reference"]
                )
                start = b18 + self.days(0, 20)
                person["area"] = home["area"]
            elif ptype == PT.supported_lodgings:
                place = sl_free.pop(int(rng.integers(len(sl_free))))
                start = max(b17, today - self.days(30, 900))
            elif ptype == PT.supported_accommodation:
                place = lot_free[lot].pop(0)
                start = max(b16, today - self.days(10, 520))
                expected_end = start + timedelta(days=548)
            elif ptype == PT.council_flat:
                place = flat_free.pop(int(rng.integers(len(flat_free))))
                start = max(b18, today - self.days(30, 1400))
            elif ptype == PT.bed_and_breakfast:
                start = today - self.days(5, 70)
            elif ptype == PT.emergency_accommodation:
                start = today - self.days(3, 40)
            elif ptype == PT.sofa_surfing:
                start = today - self.days(10, 90)
            elif ptype == PT.custody:
                start = today - self.days(30, 300)
                expected_end = today + self.days(21, 120)  # release date
            elif ptype == PT.in_care_other:
                start = today - self.days(60, 1500)
            else:
                floor = b17 if ptype == PT.with_family else b18
                start = max(floor, today - self.days(30, 1800))
            start = min(start, today)
            if place:
                provision = self._provision[self._place_provision(place)]
                person["area"] = provision["area"]
                self.occupy(place, start, None)
            self.stay(person, ptype, start, None, place=place, expected_end=expected_end)
            starts.append((person, ptype, start))
        for person, ptype, start in starts:  # after every current stay holds its place
            self.history_before(person, ptype, start)

        # empty places become open vacancies (two hosts are on a break: no vacancy)
        for ref in sl_free[2:]:
            self.vacancies.append({"place": ref, "available_from": today - self.days(0, 20)})
        for cohort, refs in lot_free.items():
            # the 16-21 lot is shared with young people outside the care-leaver service, who
            # fill all but three of the places our young people do not
            for ref in refs[:3] if cohort == "homeless_16_21" else refs:
                self.vacancies.append({"place": ref, "available_from": today + self.days(-14, 28)})
        occupied_flats = {p for ref, n in flat_plan.items() for p in self.flats[ref][:n]}
        for ref in ("CF-WEY", "CF-KIRT", "CF-CLAR"):
            for p in self.flats[ref]:
                if p not in occupied_flats:
                    self.vacancies.append({"place": p, "available_from": today - self.days(0, 10)})
        for ref in ("CF-PORTC", "CF-WEYC"):
            for p in self.flats[ref]:
                opens = self._provision[ref]["opens_on"]
                self.vacancies.append({"place": p, "available_from": opens})
        self._staying_put_for_17s(staying_put_n)

    def _place_provision(self, place: str) -> str:
        return self._provision_of_place[place]

    def _staying_put_home(self, n: int, person: dict, weekly_cost: float) -> str:
        """A former foster carer's household: one place, tied to one young person."""
        carer = self.provision(
            f"SP{n:02d}",
            f"Staying put household {n:02d}",
            PT.staying_put,
            person["area"],
            min_age=18,
            max_age=21,
            support_level="low",
            pets_allowed=True,
            weekly_cost=weekly_cost,
            provider="Former foster carer",
        )
        return self.place(carer, 1, label="Home", reserved_for=person["reference"])

    def _staying_put_for_17s(self, numbered: int) -> None:
        """Staying put agreed for five 17-year-olds in foster care: the place is tied to
        them and falls vacant (for them alone) on their 18th birthday."""
        seventeen = [
            p
            for p, t, _ in self.current
            if t == PT.in_care_other and age_on(p["date_of_birth"], self.as_of) == 17
        ]
        for n, person in enumerate(seventeen[:5], start=numbered + 1):
            ref = self._staying_put_home(n, person, 310.0)
            self.vacancies.append(
                {"place": ref, "available_from": birthday(person["date_of_birth"], 18)}
            )

    # -- history ---------------------------------------------------------------------------
    _AFTER_18 = {
        PT.supported_accommodation: 0.16,
        PT.supported_lodgings: 0.10,
        PT.with_family: 0.2,
        PT.independent_tenancy: 0.10,
        PT.other_suitable: 0.19,
        PT.council_flat: 0.06,
        PT.staying_put: 0.07,
        PT.bed_and_breakfast: 0.03,
        PT.emergency_accommodation: 0.03,
        PT.sofa_surfing: 0.04,
        PT.custody: 0.02,
    }
    _DURATION = {
        PT.supported_accommodation: (60, 540),
        PT.supported_lodgings: (90, 800),
        PT.with_family: (60, 700),
        PT.independent_tenancy: (180, 1200),
        PT.other_suitable: (90, 600),
        PT.council_flat: (180, 1000),
        PT.bed_and_breakfast: (3, 60),
        PT.emergency_accommodation: (5, 80),
        PT.sofa_surfing: (7, 120),
        PT.custody: (30, 300),
        PT.staying_close: (180, 700),
    }

    def history_before(self, person: dict, ptype: PT, start: date) -> None:
        """Stays before ``start``, back to the window's start or into care."""
        rng = self.rng
        dob = person["date_of_birth"]
        b16, b18, b21 = birthday(dob, 16), birthday(dob, 18), birthday(dob, 21)
        end = start
        following = ptype
        while end > self.window_start and end > b16:
            if (
                end == b18
                and not person["in_care"]
                and following not in (PT.staying_put, PT.staying_close)
                and rng.random() < LEAVERS_FIRST_KNOWN_AT_18
            ):
                return  # known to the service from 18: no care placement on the records
            if end <= b18 or following in (PT.staying_put, PT.staying_close):
                # the planner knows young people from 16: a care placement on its records
                # starts on the 16th birthday at the earliest
                in_care_start = max(b16, min(end - self.days(90, 900), b16 + self.days(0, 400)))
                if end <= b18 and following != PT.supported_accommodation and rng.random() < 0.2:
                    sa_start = max(b16, end - self.days(60, 500))
                    if sa_start < end:
                        lot = "uasc" if person["uasc"] else "care_leavers"
                        self.add_history(person, PT.supported_accommodation, sa_start, end, lot)
                        end = sa_start
                if end > in_care_start:
                    self.stay(person, PT.in_care_other, min(in_care_start, end), end)
                return
            names = list(self._AFTER_18)
            p = np.array([self._AFTER_18[t] for t in names])
            prev = names[int(rng.choice(len(names), p=p / p.sum()))]
            if prev == following and prev.suitable_by_policy:
                prev = PT.other_suitable if prev != PT.other_suitable else PT.with_family
            if prev == PT.staying_put:
                if end > b21:
                    prev = PT.with_family
                else:
                    self.add_history(person, PT.staying_put, b18, end, "")
                    end, following = b18, PT.staying_put
                    continue
            low, high = self._DURATION[prev]
            begin = max(end - self.days(low, high), b18)
            if begin >= end:
                begin = b18
            lot = ""
            if prev == PT.supported_accommodation:
                lot = (
                    "homeless_16_21"
                    if birthday(dob, 21) > end and rng.random() < 0.3
                    else "care_leavers"
                )
            self.add_history(person, prev, begin, end, lot)
            end, following = begin, prev

    def add_history(self, person: dict, ptype: PT, start: date, end: date, lot: str) -> None:
        """A past stay; in the council's own provision only if a place was free then, so
        past occupancy never exceeds the inventory (otherwise it becomes other suitable)."""
        place = ""
        if ptype.allocatable and ptype not in (PT.staying_put, PT.staying_close):
            lots = [lot or "any"]
            if ptype == PT.supported_accommodation:
                lots += [c for c in ("care_leavers", "homeless_16_21") if c != lot]
            for option in lots:
                place = self.free_place(ptype.value, option, start, end) or ""
                if place:
                    break
            if not place:
                ptype = PT.other_suitable
        area = self._provision[self._place_provision(place)]["area"] if place else self.area()
        self.stay(person, ptype, start, end, place=place, area=area)

    def build_leavers(self) -> None:
        """Young people who left the service during the five years: most at 25."""
        rng = self.rng
        number = len(self.people)
        span = (self.as_of - self.window_start).days
        for _ in range(330):
            number += 1
            left_on = self.window_start + timedelta(days=int(rng.integers(1, span)))
            early = rng.random() < 0.12
            age_left = int(rng.integers(19, 25)) if early else 25
            dob = birthday(left_on, -age_left) - (self.days(1, 300) if early else timedelta(0))
            gender = str(rng.choice(["male", "female", "non_binary"], p=[0.53, 0.46, 0.01]))
            uasc = bool(rng.random() < 0.06)
            ethnicity = "black" if uasc else str(rng.choice(["white"] * 9 + ["mixed"]))
            person = self.new_person(
                f"YP{number:04d}", dob, gender, ethnicity, uasc=uasc, in_care=False, left_on=left_on
            )
            last = str(
                rng.choice(
                    ["independent_tenancy", "with_family", "other_suitable", "council_flat"],
                    p=[0.5, 0.2, 0.2, 0.1],
                )
            )
            ptype = PT(last)
            begin = max(birthday(dob, 18), left_on - self.days(*self._DURATION[ptype]))
            self.add_history(person, ptype, begin, left_on, "")
            self.history_before(person, ptype, begin)

    def build(self) -> DemoCouncil:
        self.build_inventory()
        self.build_people()
        self.build_current_stays()
        self.build_leavers()
        self.build_contact()
        self.stays = [s for s in self.stays if s["start_date"] < (s["end_date"] or date.max)]
        for stay in self.stays:
            stay.setdefault("place", "")
            stay.setdefault("expected_end", None)
        council = DemoCouncil(
            as_of=self.as_of,
            seed=0,
            advisers=self.advisers,
            young_people=self.people,
            provisions=self.provisions,
            places=self.places,
            stays=sorted(self.stays, key=lambda s: (s["young_person"], s["start_date"])),
            vacancies=self.vacancies,
        )
        return council


def generate_council(seed: int = 2024, as_of: date | None = None) -> DemoCouncil:
    """The demo council on ``as_of`` (today by default), the same for the same seed."""
    from planner.forecasting.inputs import capacity_frame, forecast_frames

    day = as_of or clock.today()
    council = _Builder(seed, day).build()
    council.seed = seed
    people = pd.DataFrame(council.young_people)
    stays = pd.DataFrame(council.stays)
    lots = {p["reference"]: p.get("cohort", "") for p in council.provisions}
    place_lot = {pl["reference"]: lots[pl["provision"]] for pl in council.places}
    stays["lot"] = stays["place"].map(place_lot).fillna("")
    council.forecast = forecast_frames(
        people.rename(columns={"reference": "person_id"}),
        stays.rename(
            columns={"young_person": "person_id", "start_date": "start", "end_date": "end"}
        ),
        day,
    )
    provision_cols = ["reference", "placement_type", "opens_on", "closes_on", "contract"]
    places = (
        pd.DataFrame(council.places)
        .reindex(columns=["reference", "provision", "opens_on", "closes_on"])
        .merge(
            pd.DataFrame(council.provisions)
            .reindex(columns=provision_cols)
            .assign(
                lot=lambda f: f["reference"].map(lots),
                block=lambda f: f["contract"].fillna("spot") == "block",
            )
            .rename(
                columns={"reference": "provision", "opens_on": "p_opens", "closes_on": "p_closes"}
            ),
            on="provision",
        )
    )
    council.forecast["capacity"] = capacity_frame(places, day)
    return council


def load_council(session: Session, council: DemoCouncil, *, actor: str) -> dict[str, int]:
    """Write the demo council through the same importer a council's own files use."""
    for username in council.advisers:
        users.ensure_user(
            session,
            username=username,
            role=Role.personal_adviser,
            display_name=f"Personal adviser {username[2:]}",
        )
    session.flush()
    counts = {}
    for kind, rows in (
        ("young_people", council.young_people),
        ("provisions", council.provisions),
        ("places", council.places),
        ("stays", council.stays),
        ("vacancies", council.vacancies),
    ):
        as_text = [
            Row(n, {k: "" if v is None else _text(v) for k, v in row.items()})
            for n, row in enumerate(rows, start=2)
        ]
        counts[kind] = import_rows(
            session, kind, as_text, actor=actor, source="demo", as_of=council.as_of
        ).total
    return counts


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# The council's case records, children before parents so foreign keys hold at every step.
def _case_record_models() -> tuple[Any, ...]:
    from planner.models import (
        ContactRecord,
        Escalation,
        EscalationAction,
        ExceptionReport,
        ForecastRun,
        MatchRun,
        Place,
        Proposal,
        Provision,
        Stay,
        Vacancy,
        YoungPerson,
    )

    return (
        EscalationAction,
        Escalation,
        ExceptionReport,
        Proposal,
        MatchRun,
        ForecastRun,
        Vacancy,
        ContactRecord,
        Stay,
        Place,
        Provision,
        YoungPerson,
    )


def clear_records(session: Session) -> None:
    """Delete the council's records and every account (not the audit trail) so the demo can
    be rebuilt (``planner demo --reset``)."""
    from sqlalchemy import delete

    from planner.models import User

    for model in (*_case_record_models(), User):
        session.exec(delete(model))  # type: ignore[call-overload]
    audit.record(session, actor=DEMO_ACTOR, action="reset", entity="all")


def holds_any_records(session: Session) -> bool:
    """True once any young person or provision is recorded (the demo then asks before
    building, and ``planner status`` has a council to describe)."""
    from planner.models import Provision, YoungPerson

    for model_id in (YoungPerson.id, Provision.id):
        if session.exec(select(model_id).limit(1)).first() is not None:
            return True
    return False


# Audited actions that change no record a council would miss: reading, exporting, signing
# in and out, API tokens, and results worked out again from the records on demand.
_NOT_CHANGES = frozenset(
    {
        "view",
        "export",
        "sign_in",
        "sign_out",
        "sign_in_refused",
        "end_sessions",
        "issue_token",
        "revoke_token",
        "match_run",
        "forecast",
        "goal_seek",
        "backtest",  # the forecast accuracy check: worked out, changes no record
        "report",
        "demo",
    }
)
# What clears the records: after one of these, earlier imports are gone with the records.
_CLEARED = ("reset", "remove_demo")


def demo_account_names() -> set[str]:
    """The accounts the demo makes: one per role and its personal advisers (pa01...)."""
    from planner.accounts.service import DEMO_USERNAMES

    return set(DEMO_USERNAMES.values()) | set(ADVISERS)


def not_the_demos(session: Session) -> list[str] | None:
    """Why the records are not only the demo's: ``None`` if the demo has not been built
    since the records were last cleared, an empty list if they are all the demo's, else
    one line per kind of change (never naming a young person).

    Counted, since the records were last cleared (``planner demo --reset`` or
    ``--remove``): every import by anyone but the demo (a council's own files, from the
    command line or the pages). Counted, since the demo was built: every other change
    recorded in the audit trail (accepting or declining a match, escalation actions, saved
    scenarios, adding or changing an account...) by anyone but the demo itself, the
    scheduler and the demo's own accounts, who may try the demo out freely. Not counted:
    viewing, exporting, signing in or out, API tokens, and results worked out again from
    the records (match runs, forecasts, reports).
    """
    from sqlalchemy import func

    from planner.models import AuditEvent

    cleared = session.exec(
        select(func.max(AuditEvent.id)).where(col(AuditEvent.action).in_(_CLEARED))
    ).one()
    since_cleared = col(AuditEvent.id) > (cleared or 0)
    built = session.exec(
        select(func.min(AuditEvent.id)).where(
            since_cleared, AuditEvent.action == "import", AuditEvent.actor == DEMO_ACTOR
        )
    ).one()
    if built is None:
        return None
    reasons: Counter[str] = Counter()
    for event in session.exec(
        select(AuditEvent).where(
            since_cleared, AuditEvent.action == "import", AuditEvent.actor != DEMO_ACTOR
        )
    ):
        reasons[f"{event.entity.replace('_', ' ')} imported by {event.actor}"] += 1
    ours = demo_account_names() | {DEMO_ACTOR, "scheduler"}
    for event in session.exec(
        select(AuditEvent).where(
            col(AuditEvent.id) > built,
            col(AuditEvent.action).not_in(_NOT_CHANGES | {"import"}),
            col(AuditEvent.actor).not_in(ours),
        )
    ):
        reasons[f"{event.action.replace('_', ' ')} ({event.entity}) by {event.actor}"] += 1
    return [f"{what} ({n} time{'s' if n > 1 else ''})" for what, n in sorted(reasons.items())]


def holds_only_demo_records(session: Session) -> bool:
    """True if the demo has been built and nothing else was imported or changed since
    (:func:`not_the_demos` says which changes count), so rebuilding or removing it loses
    nothing of the council's."""
    return not_the_demos(session) == []


def remove_demo(session: Session, *, actor: str) -> dict[str, int]:
    """Delete the demo's records and accounts, leaving an empty council; refuses, changing
    nothing, if anything else was imported or changed since the demo was built.

    Accounts that are not the demo's stay, and so does a demo-named one (``pa01``...)
    that someone other than the demo created. Returns how many of each were removed.
    """
    from sqlalchemy import delete, func

    from planner.models import ApiToken, AuditEvent, AuthSession, User, YoungPerson

    reasons = not_the_demos(session)
    if reasons is None:
        raise Conflict("There is no demo council to remove; nothing was changed.")
    if reasons:
        raise Conflict(
            "The database holds more than the demo, so nothing was removed: "
            + "; ".join(reasons)
            + ". Remove or re-import those records yourself, or `planner demo --reset` "
            "to delete everything."
        )
    kept = {
        e.entity_id
        for e in session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "create",
                AuditEvent.entity == "user",
                AuditEvent.actor != DEMO_ACTOR,
            )
        )
    }
    accounts = [
        u
        for u in session.exec(select(User).where(col(User.username).in_(demo_account_names())))
        if str(u.id) not in kept
    ]
    counts = {
        "young_people": int(session.exec(select(func.count(col(YoungPerson.id)))).one()),
        "accounts": len(accounts),
    }
    for model in _case_record_models():
        session.exec(delete(model))  # type: ignore[call-overload]
    ids = [u.id for u in accounts]
    for model in (AuthSession, ApiToken):
        session.exec(delete(model).where(col(model.user_id).in_(ids)))  # type: ignore[call-overload]
    session.exec(delete(User).where(col(User.id).in_(ids)))  # type: ignore[call-overload]
    audit.record(
        session,
        actor=actor,
        action="remove_demo",
        entity="all",
        detail=f"young_people={counts['young_people']} accounts={counts['accounts']}",
    )
    return counts


def seed_escalation_trail(session: Session, council: DemoCouncil) -> int:
    """Give the demo's unsuitable stays the trail a well-run service would have: monthly
    supervision (one overdue, as in a real week), exit plans for most, updated pathway
    plans. Returns how many escalations there are."""
    from planner.escalations import service as escalations
    from planner.models import Escalation, Stay

    rng = np.random.default_rng(council.seed + 1)
    day = council.as_of
    escalations.sweep(session, today=day, actor=DEMO_ACTOR)
    open_ones = session.exec(select(Escalation).where(col(Escalation.closed_on).is_(None))).all()
    for n, esc in enumerate(sorted(open_ones, key=lambda e: e.id or 0)):
        # the demo's trail was recorded elsewhere, as if the service had tracked each stay
        # from its first day: its escalation opened when the stay began
        stay = session.get(Stay, esc.stay_id)
        if stay is not None:
            esc.opened_on = stay.start_date
        since = max(esc.opened_on, day - timedelta(days=int(rng.integers(3, 27))))
        esc.last_supervision_on = None if n == 0 else since  # the first one is overdue
        if n % 3 != 2:
            agreed = min(day, esc.opened_on + timedelta(days=int(rng.integers(1, 7))))
            esc.exit_plan_agreed_on = agreed
            esc.exit_plan_target = day + timedelta(days=int(rng.integers(14, 61)))
        esc.pathway_plan_updated_on = min(day, esc.opened_on + timedelta(days=2))
        session.add(esc)
    session.flush()
    escalations.sweep(session, today=day, actor=DEMO_ACTOR, reassess=True)
    return len(open_ones)
