"""Who could take a vacancy now, and the best places now for a young person (reads only).

One home for "candidates for a vacancy" and "best places for a young person": both shape
today's records into the optimiser's frames (the same ones a match run uses:
:func:`planner.matching.service.people_frame`, :func:`vacancies_frame` and the remembered
declines) and ask the optimiser's own rules (:func:`optimiser.rules.rule_failures`) and
fit (:func:`optimiser.fit.score_pairs`), so a page never disagrees with a match run about
who may take which place. No rule is written again here: only its words
(:mod:`planner.matching.rules`).

Unlike a match run, nothing is solved: a candidate list is every possible pair ranked by fit,
not the run's assignment (which weighs everyone at once). Fit is shown as points out of 100
and words by :func:`optimiser.fit.out_of_100` and :func:`optimiser.fit.fit_words`, as on the
matching page.

Names follow the viewer's record scope: a personal adviser sees their own young people by
reference and the others only as counts; a commissioner sees counts only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from optimiser import InputError
from optimiser.explain import situation
from optimiser.fit import COMPONENTS, fit_words, out_of_100
from optimiser.fit import score_pairs as optimiser_scores
from optimiser.inputs import MatchInputs, MatchSettings, prepare_inputs
from optimiser.needs import NEED_IMMINENT, NEED_NONE, NEED_UNSUITABLE, assess_needs
from optimiser.rules import RULE_NAMES, AreaIndex, build_area_index, rule_failures
from optimiser.table import Table
from planner.core import clock
from planner.core.errors import NotFound
from planner.domain import Cohort, PlacementType
from planner.domain.permissions import RecordScope, record_scope
from planner.domain.stays import planned_on
from planner.domain.suitability import is_unsuitable
from planner.domain.text import day_words
from planner.escalations.rules import PlannedMove, moving_words
from planner.matching.rules import no_place_words, rule_words, would_fit_words
from planner.matching.words import TRAVEL_ASSUMED_WORDS
from planner.models import Place, Provision, Stay, User, Vacancy, YoungPerson
from planner.young_people.scope import scope_condition

TOP_PLACES = 5
COMPONENT_WORDS = {"area": "area", "travel": "travel", "support": "support", "cost": "cost"}


@dataclass(frozen=True)
class Fit:
    """How well one young person fits one place: points out of 100, words and the parts."""

    points: int
    words: str  # "good fit"
    parts: tuple[str, ...]  # "in a preferred area: 30 of 30 points"
    components: dict[str, int]


@dataclass(frozen=True)
class Candidate:
    young_person_id: int
    reference: str
    situation: str  # "aged 17, in bed and breakfast for 62 days"
    need: str  # the optimiser's need code (for grouping; words in `situation`)
    fit: Fit
    rank: int
    why_here: str  # why they rank where they do, in words


@dataclass(frozen=True)
class VacancyCandidates:
    """A vacancy's candidates now, best fit first, and who is ruled out by which rule."""

    vacancy_id: int
    open: bool
    place_rules: tuple[str, ...]  # the place's rules in words
    candidates: list[Candidate]  # named: only those the viewer may see
    unseen_candidates: int  # candidates the viewer may not see by name
    excluded_counts: list[tuple[str, int]]  # (rule in words, young people), most first
    excluded_named: list[tuple[str, int, str]]  # (reference, id, rule in words), seen only
    considered: int  # young people needing a move now
    note: str = ""  # why there are no candidates to show, if there are none


@dataclass(frozen=True)
class PlaceFit:
    vacancy_id: int
    provision: str
    placement: str  # "supported accommodation framework in Northtown"
    free_from: date
    fit: Fit


@dataclass(frozen=True)
class NearMiss:
    rule: str
    words: str  # "would fit if pets were allowed"
    places: list[tuple[int, str]]  # (vacancy id, "Oak House in Northtown")


@dataclass(frozen=True)
class BestPlaces:
    """A young person's best open places now, or why there are none."""

    young_person_id: int
    reference: str
    situation: str
    needs_move: bool
    places: list[PlaceFit]
    possible: int  # how many places they could take
    open_vacancies: int
    blocking: list[str]  # the rules ruling out every place, in words ("no place allows pets")
    excluded_counts: list[tuple[str, int]]  # (rule in words, places), most first
    near_misses: list[NearMiss] = field(default_factory=list)
    note: str = ""  # why they are not assessed at all (no current stay, a move planned...)


@dataclass(frozen=True)
class QueueBest:
    """The queue's cell for one young person: their best place now, or why none."""

    vacancy_id: int | None
    words: str  # "Oak House (good fit, 72 of 100)" or "none: no place allows pets"


class Snapshot:
    """Today's records as the optimiser's frames, assessed once for one page.

    Built from the same frames as a match run (people in their current stay and without a
    planned move, open vacancies, the declines still remembered, the withdrawn left out)."""

    def __init__(
        self, session: Session, day: date | None = None, references: set[str] | None = None
    ):
        """``references``: only these young people (a best-places page or the queue: the
        rules and the fit of one young person never depend on the others; only the order
        of equal fits on a vacancy's list does, so a vacancy asks about everyone)."""
        from planner.matching.service import (  # a read of the service's frames, no write
            InvalidDecision,
            current_exclusions,
            input_problems_message,
            people_frame,
            vacancies_frame,
        )

        self.day = day or clock.today()
        people = people_frame(session, self.day, references)
        vacancies = vacancies_frame(session)
        exclusions = current_exclusions(session, self.day)
        self.withdrawn = {e.young_person: e.words for e in exclusions if e.vacancy_id is None}
        if self.withdrawn and not people.empty:
            people = people[~people["person_id"].isin(set(self.withdrawn))].reset_index(drop=True)
        excluded_pairs = pd.DataFrame(
            [(e.young_person, f"V{e.vacancy_id}", e.words) for e in exclusions if e.vacancy_id],
            columns=["person_id", "vacancy_id", "reason"],
        )
        self.inputs: MatchInputs | None = None
        self.areas: AreaIndex | None = None
        self.person_pos: dict[str, int] = {}
        self.refs: list[str] = []  # the young people's references, in the optimiser's order
        self.open_vacancies = len(vacancies)
        if people.empty or vacancies.empty:
            return
        try:
            self.inputs = prepare_inputs(
                people, vacancies, MatchSettings(as_of=self.day), excluded_pairs=excluded_pairs
            )
        except InputError as exc:  # a record the model cannot read: say which, never who
            raise InvalidDecision(input_problems_message(exc.problems)) from exc
        self.needs = assess_needs(self.inputs)
        self.areas = build_area_index(self.inputs)
        p = self.inputs.people
        self.needs = self.needs.assign(
            current_accommodation=p["current_accommodation"],
            support_need=p["support_need"],
            has_pet=p["has_pet"],
        )
        self.refs = [str(r) for r in p["person_id"].tolist()]
        self.person_pos = {r: i for i, r in enumerate(self.refs)}
        self.vacancy_pos = {str(v): i for i, v in enumerate(self.inputs.vacancies["vacancy_id"])}
        self.names = {
            f"V{vid}": f"{name}, {label or reference}"
            for vid, name, label, reference in session.exec(
                select(Vacancy.id, Provision.name, Place.label, Place.reference)
                .join(Place, col(Place.id) == col(Vacancy.place_id))
                .join(Provision, col(Provision.id) == col(Place.provision_id))
                .where(col(Vacancy.id).in_([int(k[1:]) for k in self.vacancy_pos]))
            ).all()
        }
        self.ids: dict[str, int] = {
            ref: int(pid or 0)
            for ref, pid in session.exec(
                select(YoungPerson.reference, YoungPerson.id).where(
                    col(YoungPerson.reference).in_(self.refs)
                )
            ).all()
        }

    def situation(self, position: int) -> str:
        return situation(self.needs.row(position))

    def failures(self, positions: np.ndarray, vacancies: np.ndarray | None = None) -> np.ndarray:
        """(rules x people x vacancies) failure masks from the optimiser's rules (all open
        vacancies, or those at ``vacancies``)."""
        assert self.inputs is not None and self.areas is not None
        masks = rule_failures(self.inputs, self.needs, self.areas, positions, vacancies)
        return np.stack([masks[name] for name in RULE_NAMES])

    def fits(self, person: np.ndarray, vacancy: np.ndarray) -> list[Fit]:
        """The optimiser's fit of each pair, in points out of 100 and words."""
        assert self.inputs is not None and self.areas is not None
        scores = optimiser_scores(self.inputs, person, vacancy, self.areas)
        support_need = self.inputs.people["support_need"]
        support_level = self.inputs.vacancies["support_level"]
        cost = np.asarray(self.inputs.vacancies["weekly_cost"], dtype=float)
        out = []
        for k, row in enumerate(scores.records()):
            components = {c: int(row[f"score_{c}"]) for c in COMPONENTS if c != "placed"}
            points = out_of_100(row["score"])
            area = (
                "in a preferred area"
                if row["in_preferred_area"]
                else "in their home area"
                if components["area"]
                else "not in a preferred or home area"
            )
            need, offered = support_need[person[k]], support_level[vacancy[k]]
            weekly = cost[vacancy[k]]
            parts = (
                f"{area}: {components['area']} of 30 points",
                (
                    f"about {int(row['travel_minutes'])} minutes"
                    if row["travel_minutes"]
                    else "no travel"
                )
                + " to education, work or friends and family"
                + ("" if row["travel_recorded"] else f" ({TRAVEL_ASSUMED_WORDS})")
                + f": {components['travel']} of 30 points",
                (
                    f"{offered} support, as needed"
                    if offered == need
                    else f"{offered} support where none is needed"
                    if need == "none"
                    else f"{offered} support for a {need} need"
                )
                + f": {components['support']} of 20 points",
                (f"£{weekly:,.0f} a week" if not np.isnan(weekly) else "cost not known")
                + f": {components['cost']} of 20 points",
            )
            out.append(Fit(points, fit_words(points), parts, components))
        return out

    def name(self, position: int) -> str:
        """The provision and place of a vacancy by name ("Oak House, Room 2"), never a code."""
        assert self.inputs is not None
        key = str(self.inputs.vacancies["vacancy_id"][position])
        return self.names.get(key, "a place")

    def place_words(self, position: int) -> str:
        """The kind of place and its area ("supported lodgings in Northtown")."""
        assert self.inputs is not None
        v = self.inputs.vacancies.row(position)
        return f"{PlacementType(v['placement_type']).label.lower()} in {v['area']}"


def vacancy_keys(inputs: MatchInputs) -> list[str]:
    """The vacancies' keys ("V12") in the optimiser's order: a vacancy's id is the key's
    number."""
    return [str(v) for v in inputs.vacancies["vacancy_id"].tolist()]


def _scope_refs(session: Session, viewer: User | None) -> set[str] | None:
    """The references ``viewer`` may see by name: None for all (or no viewer: a service
    checking a proposal), an empty set for none."""
    if viewer is None:
        return None
    scope = record_scope(viewer.role)
    if scope == RecordScope.all:
        return None
    if scope == RecordScope.none:
        return set()
    return set(
        session.exec(
            select(YoungPerson.reference).where(
                YoungPerson.personal_adviser_id == viewer.id,
                col(YoungPerson.left_service_on).is_(None),
            )
        )
    )


def _priority(needs: Table, position: int) -> tuple[int, int]:
    """Lower first among equal fits: moving out of unsuitable accommodation, then a
    deadline, then the rest (the match run's order of priorities)."""
    need = needs["need"][position]
    if need == NEED_UNSUITABLE:
        return (0, int(needs["urgency_rank"][position]))
    if need == NEED_IMMINENT:
        return (1, int(needs["deadline_rank"][position]))
    return (2, 0)


def _why_here(fit: Fit, above: Fit | None, above_ref: str) -> str:
    """Why a candidate ranks where they do: against the one just above them."""
    if above is None:
        return "Best fit of everyone who could take this place."
    if fit.points == above.points:
        return f"Same fit as {above_ref}, who is more urgent."
    lost = [
        f"{COMPONENT_WORDS[c]} {above.components[c] - fit.components[c]} fewer"
        for c in COMPONENT_WORDS
        if above.components[c] > fit.components[c]
    ]
    return f"{above.points - fit.points} points below {above_ref}: " + ", ".join(lost) + "."


def place_rules(vacancy: Mapping[str, Any]) -> tuple[str, ...]:
    """A place's rules in plain words, from its row of the optimiser's vacancies."""
    gender = {"any": "any gender", "male": "young men only", "female": "young women only"}
    rules = [
        f"Ages {vacancy['min_age']} to {vacancy['max_age']}",
        gender.get(str(vacancy["gender"]), str(vacancy["gender"])).capitalize(),
        f"{str(vacancy['support_level']).capitalize()} support",
    ]
    if vacancy["cohort"] != "any":
        rules.append(f"Kept for {Cohort(vacancy['cohort']).label.lower()}")
    rules.append(
        "Ofsted-registered (takes under-18s)"
        if vacancy["ofsted_registered"]
        else "Not Ofsted-registered (18 and over only)"
    )
    rules.append("Step-free access" if vacancy["step_free"] else "No step-free access")
    rules.append(
        "Parent-and-child place" if vacancy["parent_and_child"] else "Not for a parent and child"
    )
    rules.append("Pets allowed" if vacancy["pets_allowed"] else "No pets")
    risks = list(vacancy["excluded_risks"])
    if risks:
        rules.append("Does not accept: " + ", ".join(r.replace("_", " ") for r in risks))
    reserved = vacancy["reserved_for"]
    if reserved and reserved == reserved:  # neither blank nor NaN
        rules.append("Held for a young person")  # never for whom (docs/permissions.md)
    return tuple(rules)


def vacancy_candidates(
    session: Session, *, viewer: User | None, vacancy_id: int, snapshot: Snapshot | None = None
) -> VacancyCandidates:
    """The young people needing a move who could take ``vacancy_id`` now, best fit first
    (equal fits: the more urgent first), and how many each rule rules out."""
    shot = snapshot or Snapshot(session)
    seen = _scope_refs(session, viewer)
    key = f"V{vacancy_id}"
    if shot.inputs is None or key not in shot.vacancy_pos:
        return VacancyCandidates(
            vacancy_id, False, (), [], 0, [], [], 0, "This vacancy is not open to matching now."
        )
    j = shot.vacancy_pos[key]
    vacancies = shot.inputs.vacancies
    rules_text = place_rules(vacancies.row(j))
    considered = np.flatnonzero(shot.needs["need"] != NEED_NONE)
    if len(considered) == 0:
        return VacancyCandidates(
            vacancy_id, True, rules_text, [], 0, [], [], 0, "Nobody needs a move now."
        )
    fails = shot.failures(considered, np.array([j]))[:, :, 0]  # rules x considered
    possible = ~fails.any(axis=0)
    refs = shot.refs
    first = np.argmax(fails, axis=0)  # the first rule (in the optimiser's order) of each
    counts = Counter(RULE_NAMES[first[k]] for k in np.flatnonzero(~possible))
    excluded_counts = [(rule_words(rule), n) for rule, n in counts.most_common()]
    excluded_named = sorted(
        (
            refs[considered[k]],
            shot.ids.get(refs[considered[k]], 0),
            rule_words(RULE_NAMES[first[k]]),
        )
        for k in np.flatnonzero(~possible)
        if seen is None or refs[considered[k]] in seen
    )
    people = considered[possible]
    fits = shot.fits(people, np.full(len(people), j))
    order = sorted(
        range(len(people)),
        key=lambda k: (-fits[k].points, _priority(shot.needs, int(people[k])), refs[people[k]]),
    )
    ranked: list[Candidate] = []
    unseen = 0
    above: tuple[Fit, str] | None = None
    for rank, k in enumerate(order, start=1):
        ref = refs[people[k]]
        visible = seen is None or ref in seen
        why = _why_here(fits[k], above[0] if above else None, above[1] if above else "")
        above = (fits[k], ref if visible else "a young person you cannot see")
        if not visible:
            unseen += 1
            continue
        ranked.append(
            Candidate(
                young_person_id=shot.ids.get(ref, 0),
                reference=ref,
                situation=shot.situation(int(people[k])),
                need=str(shot.needs["need"][int(people[k])]),
                fit=fits[k],
                rank=rank,
                why_here=why,
            )
        )
    return VacancyCandidates(
        vacancy_id=vacancy_id,
        open=True,
        place_rules=rules_text,
        candidates=ranked,
        unseen_candidates=unseen,
        excluded_counts=excluded_counts,
        excluded_named=excluded_named,
        considered=len(considered),
    )


def _not_assessed(session: Session, shot: Snapshot, person: YoungPerson) -> str:
    from planner.matching.service import _current_stays, _planned_moves

    if person.reference in shot.withdrawn:
        return f"Withdrawn from matching: {shot.withdrawn[person.reference]}."
    if person.id in _planned_moves(session, shot.day):
        return "A move is already planned for them."
    if person.id not in _current_stays(session, shot.day):
        return "They have no current stay on the records, so no place can be assessed."
    return "There are no open vacancies now."


def _visible_person(session: Session, viewer: User, young_person_id: int) -> YoungPerson:
    """The young person, if in the viewer's record scope; :class:`NotFound` otherwise."""
    person = session.exec(
        select(YoungPerson).where(col(YoungPerson.id) == young_person_id, scope_condition(viewer))
    ).first()
    if person is None:
        raise NotFound()
    return person


def best_places(
    session: Session,
    *,
    viewer: User,
    young_person_id: int,
    top: int = TOP_PLACES,
    snapshot: Snapshot | None = None,
) -> BestPlaces:
    """A young person's best open places now (best fit first, at most ``top``); if none,
    the rules that rule out every place and the nearest misses (places failing one rule
    only, grouped by that rule). :class:`NotFound` for a young person outside the viewer's
    record scope (Forbidden for a role that sees no one), as their record page does."""
    person = _visible_person(session, viewer, young_person_id)
    shot = snapshot or Snapshot(session, references={person.reference})
    ref = person.reference
    if shot.inputs is None or ref not in shot.person_pos:
        return BestPlaces(
            young_person_id,
            ref,
            "",
            False,
            [],
            0,
            0 if shot.inputs is None else len(shot.inputs.vacancies),
            [],
            [],
            note=_not_assessed(session, shot, person),
        )
    i = shot.person_pos[ref]
    keys = vacancy_keys(shot.inputs)
    fails = shot.failures(np.array([i]))[:, 0, :]  # rules x vacancies
    return _best_from(shot, i, fails, keys, top, young_person_id)


def unsuited_places(session: Session, *, viewer: User, young_person_id: int) -> dict[int, str]:
    """The open vacancies whose rules rule out this young person today, by vacancy id, with
    why in words ("they have a pet and pets are not allowed; ..."): the match run's own rules
    (`Snapshot.failures`), for a form that lets a person choose any place (recording a move).
    Empty when they are not assessed (no current stay, a move planned, withdrawn from
    matching), or when a record the rules read cannot be read (the matching pages name it):
    nothing is said then rather than a guess, and a move can always be recorded.
    :class:`NotFound` outside the viewer's record scope, as `best_places`."""
    from planner.matching.service import InvalidDecision

    person = _visible_person(session, viewer, young_person_id)
    try:
        shot = Snapshot(session, references={person.reference})
    except InvalidDecision:
        return {}
    if shot.inputs is None or person.reference not in shot.person_pos:
        return {}
    fails = shot.failures(np.array([shot.person_pos[person.reference]]))[:, 0, :]
    keys = vacancy_keys(shot.inputs)
    return {
        int(keys[j][1:]): "; ".join(
            rule_words(RULE_NAMES[r]) for r in np.flatnonzero(fails[:, j]).tolist()
        )
        for j in np.flatnonzero(fails.any(axis=0)).tolist()
    }


def _best_from(
    shot: Snapshot,
    i: int,
    fails: np.ndarray,
    keys: list[str],
    top: int,
    young_person_id: int,
) -> BestPlaces:
    assert shot.inputs is not None
    vacancies = shot.inputs.vacancies
    broken = fails.sum(axis=0)
    possible = np.flatnonzero(broken == 0)
    fits = shot.fits(np.full(len(possible), i), possible)
    order = sorted(range(len(possible)), key=lambda k: (-fits[k].points, keys[possible[k]]))
    places = []
    for k in order[:top]:
        j = int(possible[k])
        places.append(
            PlaceFit(
                vacancy_id=int(keys[j][1:]),
                provision=shot.name(j),
                placement=shot.place_words(j),
                free_from=vacancies.row(j)["available_from"] or shot.day,
                fit=fits[k],
            )
        )
    m = len(vacancies)
    blocking = [no_place_words(RULE_NAMES[r]) for r in range(len(RULE_NAMES)) if fails[r].all()]
    per_rule = fails.sum(axis=1)
    excluded_counts = sorted(
        (
            (rule_words(RULE_NAMES[r]), int(per_rule[r]))
            for r in range(len(RULE_NAMES))
            if per_rule[r]
        ),
        key=lambda t: -t[1],
    )
    near: list[NearMiss] = []
    if not len(possible):
        only = np.flatnonzero(broken == 1)
        by_rule: dict[int, list[tuple[int, str]]] = {}
        for miss in only.tolist():
            failed = int(np.argmax(fails[:, miss]))
            where = f"{shot.name(miss)} ({shot.place_words(miss)})"
            by_rule.setdefault(failed, []).append((int(keys[miss][1:]), where))
        for failed in sorted(by_rule, key=lambda r: (-len(by_rule[r]), r)):
            name = RULE_NAMES[failed]
            near.append(NearMiss(name, would_fit_words(name), by_rule[failed]))
    return BestPlaces(
        young_person_id=young_person_id,
        reference=shot.refs[i],
        situation=shot.situation(i),
        needs_move=bool(shot.needs["need"][i] != NEED_NONE),
        places=places,
        possible=len(possible),
        open_vacancies=m,
        blocking=blocking,
        excluded_counts=excluded_counts,
        near_misses=near,
    )


def _planned_move_words(session: Session, references: list[str], day: date) -> dict[str, str]:
    """Why no place is sought for each of ``references`` with a move planned for a later day
    (they stay on the queue until that day). A move somewhere suitable is their exit plan,
    which the queue's next column names (:func:`planner.escalations.rules.moving_words`), so
    this cell does not repeat it; a move into other unsuitable accommodation is no exit plan,
    so this cell names it: "none sought: moving to Travelodge Weymouth on 7 December 2026,
    also unsuitable"."""
    rows = session.exec(
        select(YoungPerson.reference, Stay, Provision.name, Place.label)
        .join(Stay, col(Stay.young_person_id) == YoungPerson.id)
        .outerjoin(Place, col(Place.id) == Stay.place_id)
        .outerjoin(Provision, col(Provision.id) == Place.provision_id)
        .where(planned_on(Stay, day), col(YoungPerson.reference).in_(references))
    )
    words = {}
    for reference, stay, provision, label in rows:
        if not is_unsuitable(str(stay.placement_type), stay.suitable):
            words[reference] = "none sought: a move is planned (see the exit plan)"
            continue
        place = ", ".join(w for w in (provision, label) if w)
        moving = moving_words(PlannedMove(stay.start_date, str(stay.placement_type), place))
        words[reference] = f"none sought: {moving[:1].lower()}{moving[1:]}, also unsuitable"
    return words


def queue_best(session: Session, references: list[str]) -> dict[str, QueueBest]:
    """Each young person's best place now for the escalation queue, in one batch (one set
    of frames, one call to the rules and one to the fit for the whole queue).

    With no possible place: "none: " and the rule ruling out every place (or, if no single
    rule does, the one ruling out most), e.g. "none: no place allows pets"."""
    shot = Snapshot(session, references=set(references))
    out: dict[str, QueueBest] = {}
    assessed = [r for r in references if r in shot.person_pos]
    planned = _planned_move_words(session, references, shot.day)
    for r in references:
        if r not in shot.person_pos:  # a move planned, withdrawn, or nothing to assess
            out[r] = QueueBest(
                None,
                planned.get(r)
                or (
                    "none: withdrawn from matching"
                    if r in shot.withdrawn
                    else "none: no open vacancies"
                    if not shot.open_vacancies
                    else "none: no current stay on the records"
                ),
            )
    if not assessed or shot.inputs is None:
        return out
    positions = np.array([shot.person_pos[r] for r in assessed])
    fails = shot.failures(positions)  # rules x people x vacancies
    possible = ~fails.any(axis=0)
    rows, cols = np.nonzero(possible)
    fits = shot.fits(positions[rows], cols)
    keys = vacancy_keys(shot.inputs)
    best: dict[int, tuple[int, int]] = {}  # row -> (points, vacancy position)
    for row, j, fit in zip(rows.tolist(), cols.tolist(), fits, strict=True):
        current = best.get(row)
        if current is None or (fit.points, -j) > (current[0], -current[1]):
            best[row] = (fit.points, j)
    for row, ref in enumerate(assessed):
        if row in best:
            points, j = best[row]
            out[ref] = QueueBest(
                int(keys[j][1:]), f"{shot.name(j)} ({fit_words(points)}, {points} of 100)"
            )
            continue
        mine = fails[:, row, :]
        every = [r for r in range(len(RULE_NAMES)) if mine[r].all()]
        if every:
            out[ref] = QueueBest(None, f"none: {no_place_words(RULE_NAMES[every[0]])}")
        else:  # no one rule rules out every place: the one ruling out most
            per_rule = mine.sum(axis=1)
            most = int(np.argmax(per_rule))
            out[ref] = QueueBest(
                None,
                f"none ({int(per_rule[most])} of {mine.shape[1]} places:"
                f" {rule_words(RULE_NAMES[most])})",
            )
    return out


def free_words(day: date, today: date) -> str:
    """When a place is free, in words: "now" or "from 27 January 2027"."""
    return "now" if day <= today else f"from {day_words(day)}"
