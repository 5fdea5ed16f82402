"""Saved scenarios beside the catalogue (the goal-seek is in :mod:`places_needed`).

The catalogue (``forecasts.scenarios.standard_scenarios``) stays in code and is read-only;
commissioners save their own scenarios here, each a name, a description and levers entered
as the lowest, most likely and highest value (``low``, ``central``, ``high``) and drawn per
run exactly as the catalogue's are (PERT on the range, never outside it). Every lever is
checked before it is saved, with an error that names the lever (by its number, from 1) and
the field, so a page can put the message beside the box
and the CLI can print it. Saved scenarios are used by name wherever a catalogue name is
(``planner.forecasting.service.make_forecast``, the pages, the CLI). Changes are audited on the
``scenario`` entity with the name and the number of levers: no personal data.

:func:`places_needed` answers "how many extra places of a type keep P(shortfall) under 5%
through a date" with ``forecasts.planning.places_to_keep_shortfall_under`` on today's
records.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from forecasts.arrivals import STREAMS
from forecasts.scenarios import CATALOGUE_NAMES, LEVER_KINDS, Lever, places_now, standard_scenarios
from forecasts.scenarios import Scenario as ModelScenario
from forecasts.vocabulary import LEFT, StateSpace
from planner.core import audit, clock
from planner.core.errors import Conflict, InvalidInput, NotFound
from planner.domain.text import check_text
from planner.forecasting.inputs import capacity_frame, inventory_places
from planner.models import Scenario, utcnow

NAME = re.compile(r"^[a-z][a-z0-9_]{2,59}$")
MAX_LEVERS = 12
MAX_DESCRIPTION = 300
MAX_TITLE = 120
# what each kind of lever multiplies or adds, and the range a value may take
BOUNDS: dict[str, tuple[float, float]] = {
    "arrivals": (0.0, 10.0),  # times the monthly arrival rate of a stream
    "exit_rate": (0.0, 10.0),  # times the hazard of leaving a state
    "move_share": (0.0, 10.0),  # times the share of moves into a destination
    "places": (-1000.0, 1000.0),  # places added (negative: closed) from ``start``
    "nts_rate": (0.0, 0.01),  # transfer threshold, as a share of the child population
}
KIND_LABELS = {
    "arrivals": "arrivals (multiplier of a stream's arrivals)",
    "exit_rate": "exit rate (multiplier of leaving a state; below 1 = longer stays)",
    "move_share": "move share (multiplier of moves into a destination)",
    "places": "places (added from a date; negative for closures)",
    "nts_rate": "transfer threshold (share of the child population)",
}
# What each kind of lever means, for the hint beside it on the page (commissioners' words).
LEVER_WORDS = {
    "arrivals": "Arrivals",
    "exit_rate": "How fast young people leave a placement",
    "move_share": "How often moves go into a placement type",
    "places": "Places added or closed",
    "nts_rate": "National Transfer Scheme threshold",
}
LEVER_HINTS = {
    "arrivals": "How many more or fewer young people arrive in one stream (for example, "
    "unaccompanied asylum-seeking children). 1 is as in the records, 1.5 is half as many "
    "again, 0.8 is a fifth fewer.",
    "exit_rate": "How fast young people leave a placement type. 1 is as in the records; below "
    "1 means longer stays (0.8: stays about a quarter longer), above 1 shorter stays.",
    "move_share": "How often a move goes into one placement type instead of the others. 1 is "
    "as in the records, 2 is twice as often.",
    "places": "Places of one placement type opened (a positive number) or closed (a negative "
    "number, for example hosts leaving) from the date given.",
    "nts_rate": "The share of the child population above which the council passes new "
    "unaccompanied asylum-seeking children to other councils under the National Transfer "
    "Scheme: 0.001 is 0.1%, the national rate.",
}
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def slug_of(title: str) -> str:
    """The name a scenario is saved and run by, made from what a person typed: "UASC
    arrivals tripled (2026)" is ``uasc_arrivals_tripled_2026``; empty if nothing is left.
    Starts with a letter and is at most 60 characters, so it always passes ``NAME`` when
    at least 3 long."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    slug = "_".join(words)
    if slug and not slug[0].isalpha():
        slug = "scenario_" + slug
    return slug[:60].rstrip("_")


def scenario_words(name: str, within: bool = False, titles: Mapping[str, str] | None = None) -> str:
    """How a scenario is named to people, on every page, CSV and paper (the one home): a
    saved scenario by its name as typed (``titles``: name -> title, from
    :func:`planner.forecasting.service.scenario_titles`), capitals and punctuation kept; a
    catalogue scenario by its name in words (``more_uasc`` is "More UASC", "more UASC"
    within a sentence)."""
    title = (titles or {}).get(str(name), "")
    if title:
        return title
    text = str(name).replace("_", " ")
    text = text if within else text.capitalize()
    return " ".join("UASC" if w.lower() == "uasc" else w for w in text.split(" "))


def model_states() -> tuple[str, ...]:
    """The states a lever may name: every placement type, framework places by lot."""
    return tuple(n for n in StateSpace.standard().names if n != LEFT)


def destinations() -> tuple[str, ...]:
    """Where a ``move_share`` lever may send moves: any state, or ``left`` the service."""
    return model_states() + (LEFT,)


class InvalidLever(InvalidInput):
    """A lever refused: ``lever`` is its number (from 1) and ``field`` the field at fault."""

    def __init__(self, lever: int, field_name: str, problem: str) -> None:
        self.lever = lever
        self.field = field_name
        self.fields = [f"levers.{lever - 1}.{field_name}"]  # for the API's error body
        super().__init__(f"Lever {lever}, {field_name}: {problem}")


@dataclass(frozen=True)
class LeverSpec:
    """One checked lever as entered: lowest, most likely (``central``) and highest value."""

    kind: str
    low: float
    central: float
    high: float
    stream: str = ""
    state: str = ""
    destination: str = ""
    start: date | None = None

    def to_model(self) -> Lever:
        return Lever(
            self.kind,
            self.central,
            self.low,
            self.high,
            stream=self.stream,
            state=self.state,
            destination=self.destination,
            start=pd.Timestamp(self.start) if self.start else None,
        )

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["start"] = self.start.isoformat() if self.start else None
        return values

    @property
    def target(self) -> str:
        """What the lever acts on, in the CLI's TARGET syntax."""
        if self.kind == "move_share":
            return f"{self.state}>{self.destination}" if self.state else self.destination
        return self.stream or self.state


@dataclass(frozen=True)
class ScenarioView:
    """A catalogue scenario (``saved`` false, read-only) or a saved one."""

    name: str
    description: str
    levers: list[LeverSpec]
    saved: bool
    id: int | None = None
    title: str = ""  # a saved scenario's name as typed ("" for the catalogue's)
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def to_model(self) -> ModelScenario:
        return ModelScenario(
            self.name, tuple(lv.to_model() for lv in self.levers), self.description
        )


# -- checking levers ---------------------------------------------------------------------------


def _number(raw: Any, lever: int, name: str, kind: str) -> float:
    if isinstance(raw, bool):
        raise InvalidLever(lever, name, "enter a number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw if raw is not None else "").strip()
        if not text:
            raise InvalidLever(lever, name, "enter a number")
        try:
            value = float(text)
        except ValueError:
            raise InvalidLever(lever, name, f"{text[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidLever(lever, name, "enter a finite number")
    low, high = BOUNDS[kind]
    if not low <= value <= high:
        raise InvalidLever(lever, name, f"must be from {low:g} to {high:g} for {kind}")
    if kind == "places" and value != int(value):
        raise InvalidLever(lever, name, "enter a whole number of places")
    return value


def _start(raw: Any, lever: int) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw).strip())
        except ValueError:
            raise InvalidLever(lever, "start", "enter a date as YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidLever(lever, "start", "enter a date from 2000 to 2100")
    return day


def check_lever(raw: dict[str, Any], number: int) -> LeverSpec:
    """One lever from a dict (numbers and dates as values or text), or :class:`InvalidLever`."""
    kind = str(raw.get("kind") or "").strip()
    if kind not in LEVER_KINDS:
        raise InvalidLever(number, "kind", f"choose one of {', '.join(LEVER_KINDS)}")
    text = {k: str(raw.get(k) or "").strip() for k in ("stream", "state", "destination")}
    central = _number(raw.get("central"), number, "central", kind)
    low = central if raw.get("low") in (None, "") else _number(raw["low"], number, "low", kind)
    high = central if raw.get("high") in (None, "") else _number(raw["high"], number, "high", kind)
    if low > central:
        raise InvalidLever(number, "low", f"must not be more than central ({central:g})")
    if high < central:
        raise InvalidLever(number, "high", f"must not be less than central ({central:g})")
    start = _start(raw.get("start"), number)
    states, places_to = model_states(), destinations()
    wanted = {
        "arrivals": ("stream",),
        "exit_rate": ("state",),
        "move_share": ("destination",),
        "places": ("state", "start"),
        "nts_rate": (),
    }[kind]
    allowed = set(wanted) | ({"state"} if kind == "move_share" else set())
    for name in ("stream", "state", "destination"):
        if text[name] and name not in allowed:
            raise InvalidLever(number, name, f"leave empty for a {kind} lever")
    if start is not None and kind != "places":
        raise InvalidLever(number, "start", f"leave empty for a {kind} lever")
    if "stream" in wanted and text["stream"] not in STREAMS:
        raise InvalidLever(number, "stream", f"choose one of {', '.join(STREAMS)}")
    if "state" in wanted and text["state"] not in states:
        raise InvalidLever(number, "state", "choose a placement type (and lot) the model knows")
    if kind == "move_share" and text["state"] and text["state"] not in states:
        raise InvalidLever(number, "state", "choose a placement type the model knows, or none")
    if "destination" in wanted and text["destination"] not in places_to:
        raise InvalidLever(number, "destination", "choose a placement type or left")
    if "start" in wanted and start is None:
        raise InvalidLever(number, "start", "enter the date the places open (or close)")
    return LeverSpec(kind=kind, low=low, central=central, high=high, start=start, **text)


def check_levers(raw: list[dict[str, Any] | LeverSpec]) -> list[LeverSpec]:
    """Every lever checked, in order; at least one and at most :data:`MAX_LEVERS`."""
    if not raw:
        raise InvalidInput("Add at least one lever.")
    if len(raw) > MAX_LEVERS:
        raise InvalidInput(f"A scenario has at most {MAX_LEVERS} levers.")
    return [
        check_lever(r.as_json() if isinstance(r, LeverSpec) else dict(r), i)
        for i, r in enumerate(raw, start=1)
    ]


def parse_lever(text: str) -> dict[str, str]:
    """``KIND:TARGET:LOW:CENTRAL:HIGH[:START]`` as a lever dict (checked by
    :func:`check_lever`). TARGET is the stream for ``arrivals``, the state for ``exit_rate``
    and ``places``, ``DESTINATION`` or ``STATE>DESTINATION`` for ``move_share`` and empty for
    ``nts_rate``; START (``YYYY-MM-DD``) is for ``places`` only."""
    parts = text.split(":")
    if len(parts) not in (5, 6):
        raise InvalidInput(
            f"Lever {text!r}: write KIND:TARGET:LOW:CENTRAL:HIGH[:START], "
            "e.g. arrivals:uasc:1.2:1.5:2.0"
        )
    kind, target, low, central, high = (p.strip() for p in parts[:5])
    lever = {"kind": kind, "low": low, "central": central, "high": high}
    lever["start"] = parts[5].strip() if len(parts) == 6 else ""
    if kind == "arrivals":
        lever["stream"] = target
    elif kind == "move_share":
        state, _, destination = target.rpartition(">")
        lever.update(state=state, destination=destination)
    elif target:
        lever["state"] = target
    return lever


# -- saved scenarios: list, get, create, update, delete ----------------------------------------


def catalogue(
    as_of: date | None = None,
    session: Session | None = None,
    *,
    inventory: pd.DataFrame | None = None,
) -> dict[str, ModelScenario]:
    """The catalogue for this council: its capacity scenarios sized from the places in its
    inventory on ``as_of`` (none without a ``session`` or an ``inventory``, the rows of
    ``inventory_places`` already read, for a list of runs of many days)."""
    day = pd.Timestamp(as_of or clock.today())
    if inventory is None and session is not None:
        inventory = inventory_places(session)
    places = None if inventory is None else places_now(capacity_frame(inventory, day.date()), day)
    return standard_scenarios(day, places)


def _from_model(scenario: ModelScenario) -> ScenarioView:
    levers = [
        LeverSpec(
            kind=lv.kind,
            low=float(lv.central if lv.low is None else lv.low),
            central=float(lv.central),
            high=float(lv.central if lv.high is None else lv.high),
            stream=lv.stream,
            state=lv.state,
            destination=lv.destination,
            start=pd.Timestamp(lv.start).date() if lv.start is not None else None,
        )
        for lv in scenario.levers
    ]
    return ScenarioView(scenario.name, scenario.description, levers, saved=False)


def _from_row(row: Scenario) -> ScenarioView:
    levers = []
    for item in json.loads(row.levers):
        start = item.get("start")
        levers.append(LeverSpec(**{**item, "start": date.fromisoformat(start) if start else None}))
    return ScenarioView(
        name=row.name,
        description=row.description,
        levers=levers,
        saved=True,
        id=row.id,
        title=row.title or scenario_words(row.name),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def saved_scenarios(session: Session) -> list[ScenarioView]:
    """The saved scenarios, by name."""
    rows = session.exec(select(Scenario).order_by(Scenario.name))  # type: ignore[arg-type]
    return [_from_row(row) for row in rows]


def list_scenarios(session: Session, *, as_of: date | None = None) -> list[ScenarioView]:
    """The catalogue (read-only, in its own order), then the saved scenarios by name."""
    views = [_from_model(s) for s in catalogue(as_of, session).values()]
    return views + saved_scenarios(session)


def get_scenario(session: Session, name: str, *, as_of: date | None = None) -> ScenarioView:
    """A catalogue or saved scenario by name, or :class:`NotFound`."""
    offered = catalogue(as_of, session)
    if name in offered:
        return _from_model(offered[name])
    row = session.exec(select(Scenario).where(Scenario.name == name)).first()
    if row is None:
        raise NotFound(f"There is no scenario called {name[:60]!r}.")
    return _from_row(row)


def _check_name(session: Session, name: str) -> str:
    name = check_text(name.strip(), "The name")
    if not NAME.fullmatch(name):
        raise InvalidInput(
            "Name: use 3 to 60 lower-case letters, digits and underscores, starting with a "
            "letter (e.g. uasc_surge_2026)."
        )
    if name in CATALOGUE_NAMES:
        raise Conflict(f"Name: {name!r} is a catalogue scenario; choose another name.")
    if session.exec(select(Scenario.id).where(Scenario.name == name)).first() is not None:
        raise Conflict(
            f"Name: a scenario called {name!r} already exists; choose another name, or "
            "delete that one first."
        )
    return name


def titles(session: Session) -> dict[str, str]:
    """Each saved scenario's name as typed, by its slug."""
    return {name: title for name, title in session.exec(select(Scenario.name, Scenario.title))}


def _check_title(title: str, name: str) -> str:
    """The name as typed, checked like any text; a scenario saved by its slug alone (the
    API, the command line) reads as the slug in words."""
    title = check_text(title.strip(), "The name")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Name: use at most {MAX_TITLE} characters.")
    return title or scenario_words(name)


def _check_description(description: str) -> str:
    description = check_text(description.strip(), "The description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"Description: use at most {MAX_DESCRIPTION} characters.")
    return description


def _saved_row(session: Session, name: str) -> Scenario:
    if name in CATALOGUE_NAMES:
        raise InvalidInput(f"{name!r} is a catalogue scenario, which cannot be changed.")
    row = session.exec(select(Scenario).where(Scenario.name == name)).first()
    if row is None:
        raise NotFound(f"There is no saved scenario called {name[:60]!r}.")
    return row


def _flush(session: Session, name: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:  # two people saving the same name at the same moment
        raise Conflict(f"Name: a scenario called {name!r} already exists.") from exc


def create_scenario(
    session: Session,
    *,
    name: str,
    description: str = "",
    levers: list[dict[str, Any] | LeverSpec],
    actor: str,
    title: str = "",
) -> ScenarioView:
    """Save a new scenario (the caller commits); audited ``create`` on ``scenario``.
    ``title`` is the name as typed (the pages make ``name``, the slug, from it)."""
    name = _check_name(session, name)
    title = _check_title(title, name)
    description = _check_description(description)
    checked = check_levers(levers)
    row = Scenario(
        name=name,
        title=title,
        description=description,
        levers=json.dumps([lv.as_json() for lv in checked]),
        created_by=actor,
    )
    session.add(row)
    _flush(session, name)
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="scenario",
        entity_id=str(row.id),
        detail=f"name={name} levers={len(checked)}",
    )
    return _from_row(row)


def update_scenario(
    session: Session,
    name: str,
    *,
    description: str | None = None,
    levers: list[dict[str, Any] | LeverSpec] | None = None,
    actor: str,
) -> ScenarioView:
    """Change a saved scenario's description or levers; audited ``update``."""
    row = _saved_row(session, name)
    if description is not None:
        row.description = _check_description(description)
    if levers is not None:
        row.levers = json.dumps([lv.as_json() for lv in check_levers(levers)])
    row.updated_at = utcnow()
    session.add(row)
    _flush(session, name)
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="scenario",
        entity_id=str(row.id),
        detail=f"name={name} levers={len(json.loads(row.levers))}",
    )
    return _from_row(row)


def delete_scenario(session: Session, name: str, *, actor: str) -> None:
    """Remove a saved scenario (forecast runs made with it keep its name); audited."""
    row = _saved_row(session, name)
    audit.record(
        session,
        actor=actor,
        action="delete",
        entity="scenario",
        entity_id=str(row.id),
        detail=f"name={name}",
    )
    session.delete(row)
    session.flush()


def delete_scenario_by_id(session: Session, scenario_id: int, *, actor: str) -> str:
    """The pages delete by id; returns the name deleted."""
    row = session.get(Scenario, scenario_id)
    if row is None:
        raise NotFound("There is no such saved scenario.")
    name = row.name
    delete_scenario(session, name, actor=actor)
    return name
