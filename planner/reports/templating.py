"""One Jinja environment for pages and papers: the shared templates, filters and globals.

The web pages (:mod:`api.templating`) and the papers (:mod:`planner.reports.papers`) render
the same report bodies (``planner/reports/templates/*``) with the same filters, so a figure
reads the same on the page, in the PDF and in the HTML download. This module is pure of the
web: the pages add their own templates in front of these, and their request context.

Autoescape is switched on explicitly: every value may have been typed by someone. Options of
the GOV.UK macros named ``html`` are output unescaped, so templates never put data in them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    pass_context,
)
from jinja2.runtime import Context

from planner.core import clock
from planner.domain.text import cell_words, code_words, plain_words, quarter_words
from planner.forecasting.scenarios import scenario_words

TEMPLATES = Path(__file__).resolve().parent / "templates"
SERVICE_NAME = "Care leaver accommodation planner"


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(clock.council_zone()).strftime("%-d %B %Y %H:%M")
    return value.strftime("%-d %B %Y")


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _count(value: Any) -> str:
    """A forecast count: whole numbers as such, others to one decimal place."""
    if _missing(value):
        return "-"
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded.is_integer() else f"{rounded:,.1f}"


def _sentence(value: str) -> str:
    """The first letter in capitals, the rest as written (``capitalize`` would lower UASC)."""
    text = str(value)
    return text[:1].upper() + text[1:]


def _whole(value: Any) -> str:
    """An interval's end as a whole number of young people."""
    return "-" if _missing(value) else f"{round(float(value)):,}"


@pass_context
def _scenario(context: Context, value: str, within: bool = False) -> str:
    """A scenario's name as people read it (:func:`planner.forecasting.scenarios.
    scenario_words`, the one home): a saved scenario's name as typed, from the page's or
    paper's ``scenario_titles`` (:func:`planner.forecasting.service.scenario_titles`); a
    catalogue one's in words (``more_uasc`` is "More UASC", "more UASC" within a sentence)."""
    return scenario_words(str(value), within, context.get("scenario_titles"))


def _percent(value: Any) -> str:
    """A probability as a percentage; a small but non-zero one is not rounded to 0%."""
    if _missing(value):
        return "-"
    share = float(value) * 100
    if 0 < share < 0.5:
        return "less than 1%"
    return f"{share:.0f}%"


def _money(value: Any) -> str:
    return "-" if _missing(value) else f"£{float(value):,.0f}"


def _signed(value: Any, percent: bool = False) -> str:
    """A difference with its sign spelt out, e.g. +3 or -12%."""
    if _missing(value):
        return "-"
    number = float(value) * (100 if percent else 1)
    text = f"{abs(number):.0f}" if percent else _count(abs(number))
    suffix = "%" if percent else ""
    if (percent and round(number) == 0) or (not percent and round(number, 1) == 0):
        return "0" + suffix
    return f"{'+' if number > 0 else '-'}{text}{suffix}"


def _quarter(value: Any) -> str:
    if _missing(value) or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return quarter_words(day, short=True)


def _actor(value: Any) -> str:
    from planner.core.audit import actor_words

    return actor_words(None if _missing(value) else str(value))


FILTERS: dict[str, Callable[..., str]] = {
    "actor": _actor,
    "date": _date,
    "cell": cell_words,
    "yes_no": _yes_no,
    "words": code_words,
    "plain": plain_words,
    "count": _count,
    "whole": _whole,
    "sentence": _sentence,
    "scenario": _scenario,
    "percent": _percent,
    "money": _money,
    "signed": _signed,
    "quarter": _quarter,
}


def make_environment(front: Sequence[BaseLoader] = ()) -> Environment:
    """An environment reading ``front`` loaders first (the pages' templates), then the
    shared report templates, then the GOV.UK Frontend macros."""
    env = Environment(
        loader=ChoiceLoader(
            [
                *front,
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(serviceName=SERVICE_NAME, councilName=council_name())
    return env


def council_name() -> str:
    """The council's name from the settings (PLANNER_COUNCIL_NAME), or "" when unset: the
    templates then name no council."""
    from planner.core.settings import Settings

    return Settings().council_name.strip()


@lru_cache
def paper_environment() -> Environment:
    """The environment papers are rendered with (no page templates in front)."""
    return make_environment()


def render_template(name: str, context: dict[str, Any]) -> str:
    return paper_environment().get_template(name).render(**context)
