"""Fan charts as accessible, server-rendered SVG: a small pure module (no matplotlib).

One chart per placement type and lot: the recorded occupancy by quarter (a solid grey line
with square markers), then the forecast median (a thick dark blue line with round markers)
inside its 95%, 80% and 50% intervals (nested bands, each with its own fill pattern, so they
are told apart without colour), and the planned places (a dashed black step line). Text stays
text (selectable, zoomable); the ``<svg>`` is ``role="img"`` named by its ``<title>`` and
described by its ``<desc>``, and every chart sits beside a table of the same numbers.

The geometry (:func:`fan_geometry`) is separate from the markup so tests can check that the
bands enclose the median and that values land on the right coordinates. No ``style``
attributes: the Content-Security-Policy allows stylesheets from the site only, so the
drawing uses SVG presentation attributes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeGuard

from markupsafe import Markup, escape

from planner.domain.text import quarter_words

WIDTH = 720
HEIGHT = 360
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 72, 44
FONT = "arial, sans-serif"
INK = "#0b0c0c"
GREY = "#505a5f"
MID_GREY = "#b1b4b6"
DARK_BLUE = "#003078"
BLUE = "#1d70b8"
BANDS = (("95", "lo_95", "hi_95"), ("80", "lo_80", "hi_80"), ("50", "lo_50", "hi_50"))
Number = float | None


@dataclass(frozen=True)
class FanChart:
    """The numbers of one chart, one entry per quarter (``None`` where there is none)."""

    chart_id: str
    title: str
    description: str
    quarters: Sequence[date]
    recorded: Sequence[Number]
    median: Sequence[Number]
    lo_50: Sequence[Number]
    hi_50: Sequence[Number]
    lo_80: Sequence[Number]
    hi_80: Sequence[Number]
    lo_95: Sequence[Number]
    hi_95: Sequence[Number]
    capacity: Sequence[Number]

    def __post_init__(self) -> None:
        n = len(self.quarters)
        for name in ("recorded", "median", "capacity", *(b for _, *ab in BANDS for b in ab)):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} values for {n} quarters")


def _present(value: Number) -> TypeGuard[float]:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def nice_ceiling(value: float) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its tick step (1, 2 or 5 times a power of
    ten, at most six ticks)."""
    if value <= 0:
        return 1.0, 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        step = factor * magnitude
        if step < 1:
            continue
        top = math.ceil(value / step) * step
        if top / step <= 6:
            return float(top), float(step)
    return float(math.ceil(value)), float(math.ceil(value))


@dataclass(frozen=True)
class Scale:
    """Maps a quarter's index and a count to SVG coordinates inside the plot area."""

    quarters: int
    y_max: float
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def left(self) -> float:
        return LEFT

    @property
    def right(self) -> float:
        return self.width - RIGHT

    @property
    def top(self) -> float:
        return TOP

    @property
    def bottom(self) -> float:
        return self.height - BOTTOM

    def x(self, index: float) -> float:
        """Quarters sit at the centres of equal slots across the plot."""
        step = (self.right - self.left) / max(self.quarters, 1)
        return round(self.left + (index + 0.5) * step, 2)

    def y(self, value: float) -> float:
        """0 at the bottom of the plot, ``y_max`` at its top."""
        return round(self.bottom - (self.bottom - self.top) * (value / self.y_max), 2)


@dataclass
class Geometry:
    """Where everything is drawn: point lists in SVG coordinates."""

    scale: Scale
    step: float
    bands: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    median: list[tuple[float, float]] = field(default_factory=list)
    recorded: list[tuple[float, float]] = field(default_factory=list)
    capacity: list[list[tuple[float, float]]] = field(default_factory=list)
    forecast_starts: int | None = None


def fan_geometry(chart: FanChart) -> Geometry:
    """Coordinates of every band, line and marker of ``chart``.

    ``bands[level]`` holds ``(x, y_low, y_high)`` per forecast quarter; ``capacity`` is a
    list of step segments (broken where no places are planned).
    """
    values = [
        v
        for name in ("recorded", "hi_95", "median", "capacity")
        for v in getattr(chart, name)
        if _present(v)
    ]
    y_max, step = nice_ceiling(max(values, default=0.0) * 1.05)
    scale = Scale(quarters=len(chart.quarters), y_max=y_max)
    geometry = Geometry(scale=scale, step=step)
    for level, lo, hi in BANDS:
        geometry.bands[level] = [
            (scale.x(i), scale.y(float(low)), scale.y(float(high)))
            for i, (low, high) in enumerate(
                zip(getattr(chart, lo), getattr(chart, hi), strict=True)
            )
            if _present(low) and _present(high)
        ]
    geometry.median = [
        (scale.x(i), scale.y(float(v))) for i, v in enumerate(chart.median) if _present(v)
    ]
    geometry.recorded = [
        (scale.x(i), scale.y(float(v))) for i, v in enumerate(chart.recorded) if _present(v)
    ]
    starts = [i for i, v in enumerate(chart.median) if _present(v)]
    geometry.forecast_starts = starts[0] if starts else None
    half = (scale.x(1) - scale.x(0)) / 2 if len(chart.quarters) > 1 else (scale.right - LEFT) / 2
    segment: list[tuple[float, float]] = []
    for i, v in enumerate(chart.capacity):
        if _present(v):
            y = scale.y(float(v))
            segment += [(round(scale.x(i) - half, 2), y), (round(scale.x(i) + half, 2), y)]
        elif segment:
            geometry.capacity.append(segment)
            segment = []
    if segment:
        geometry.capacity.append(segment)
    return geometry


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _defs(cid: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{cid}-p95" width="8" height="8" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="#e8f1f8"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{BLUE}" stroke-width="1.5"/></pattern>'
        f'<pattern id="{cid}-p80" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(-45)">'
        f'<rect width="6" height="6" fill="#b7d1e9"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BLUE}" stroke-width="1"/></pattern>'
        f'<pattern id="{cid}-p50" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#7fa9d4"/>'
        f'<circle cx="2.5" cy="2.5" r="1" fill="{DARK_BLUE}"/></pattern>'
        "</defs>"
    )


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 13) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-family="{FONT}" font-size="{size}" fill="{INK}"'
        f' text-anchor="{anchor}">{escape(content)}</text>'
    )


def _legend(cid: str) -> str:
    parts = []
    items = [
        ("band", "p95", "95% interval"),
        ("band", "p80", "80% interval"),
        ("band", "p50", "50% interval"),
        ("median", "", "Forecast median"),
        ("recorded", "", "Recorded"),
        ("capacity", "", "Planned places"),
    ]
    for n, (kind, pattern, label) in enumerate(items):
        x = LEFT + (n % 3) * 200
        y = 18 + (n // 3) * 22
        if kind == "band":
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="24" height="14" fill="url(#{cid}-{pattern})"'
                f' stroke="{BLUE}" stroke-width="1"/>'
            )
        elif kind == "median":
            parts.append(
                f'<line x1="{x}" y1="{y - 3}" x2="{x + 24}" y2="{y - 3}" stroke="{DARK_BLUE}"'
                f' stroke-width="3"/><circle cx="{x + 12}" cy="{y - 3}" r="4" fill="{DARK_BLUE}"/>'
            )
        elif kind == "recorded":
            parts.append(
                f'<line x1="{x}" y1="{y - 3}" x2="{x + 24}" y2="{y - 3}" stroke="{GREY}"'
                f' stroke-width="2"/><rect x="{x + 8}" y="{y - 7}" width="8" height="8"'
                f' fill="{GREY}"/>'
            )
        else:
            parts.append(
                f'<line x1="{x}" y1="{y - 3}" x2="{x + 24}" y2="{y - 3}" stroke="{INK}"'
                ' stroke-width="2" stroke-dasharray="6 3"/>'
            )
        parts.append(_text(x + 32, y + 1, label))
    return f'<g class="app-chart__legend">{"".join(parts)}</g>'


def fan_chart_svg(chart: FanChart) -> Markup:
    """The chart as an inline ``<svg>`` element (safe markup: every text is escaped)."""
    cid = "".join(c if c.isalnum() or c in "-_" else "-" for c in chart.chart_id)
    g = fan_geometry(chart)
    s = g.scale
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s.width} {s.height}"'
        f' class="app-chart" role="img" focusable="false"'
        f' aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(chart.description)}</desc>',
        _defs(cid),
        f'<rect x="0" y="0" width="{s.width}" height="{s.height}" fill="#ffffff"/>',
        _legend(cid),
    ]
    # horizontal grid and the count axis
    grid = []
    tick = 0.0
    while tick <= s.y_max + 1e-9:
        y = s.y(tick)
        grid.append(
            f'<line x1="{s.left:g}" y1="{y:g}" x2="{s.right:g}" y2="{y:g}" stroke="{MID_GREY}"'
            ' stroke-width="1"/>'
        )
        grid.append(_text(s.left - 8, y + 4, f"{tick:g}", anchor="end"))
        tick += g.step
    out.append(f'<g class="app-chart__grid">{"".join(grid)}</g>')
    out.append(
        f'<text x="14" y="{(s.top + s.bottom) / 2:g}" font-family="{FONT}" font-size="13"'
        f' fill="{INK}" text-anchor="middle"'
        f' transform="rotate(-90 14 {(s.top + s.bottom) / 2:g})">Young people</text>'
    )
    # quarters: a tick each, the year under each first quarter
    axis = [
        f'<line x1="{s.left:g}" y1="{s.bottom:g}" x2="{s.right:g}" y2="{s.bottom:g}"'
        f' stroke="{INK}" stroke-width="1"/>'
    ]
    years = [i for i, q in enumerate(chart.quarters) if q.month == 1]
    for i, q in enumerate(chart.quarters):
        x = s.x(i)
        axis.append(
            f'<line x1="{x:g}" y1="{s.bottom:g}" x2="{x:g}" y2="{s.bottom + 4:g}"'
            f' stroke="{INK}" stroke-width="1"/>'
        )
        if i in years:
            axis.append(_text(x, s.bottom + 20, str(q.year), anchor="middle"))
    if not years and chart.quarters:  # under a year shown: name the first quarter instead
        axis.append(
            _text(
                s.x(0), s.bottom + 20, quarter_words(chart.quarters[0], short=True), anchor="middle"
            )
        )
    out.append(f'<g class="app-chart__axis">{"".join(axis)}</g>')
    if g.forecast_starts is not None:
        x = s.x(g.forecast_starts) - (s.x(1) - s.x(0)) / 2 if len(chart.quarters) > 1 else s.left
        out.append(
            f'<g class="app-chart__divide"><line x1="{x:g}" y1="{s.top:g}" x2="{x:g}"'
            f' y2="{s.bottom:g}" stroke="{GREY}" stroke-width="1" stroke-dasharray="2 3"/>'
            + (_text(x - 6, s.top + 14, "Recorded", anchor="end", size=12) if g.recorded else "")
            + _text(x + 6, s.top + 14, "Forecast", size=12)
            + "</g>"
        )
    for level, _, _ in BANDS:
        band = g.bands[level]
        if not band:
            continue
        polygon = [(x, hi) for x, _, hi in band] + [(x, lo) for x, lo, _ in reversed(band)]
        out.append(
            f'<polygon class="app-chart__band-{level}" points="{_points(polygon)}"'
            f' fill="url(#{cid}-p{level})" stroke="{BLUE}" stroke-width="0.5"/>'
        )
    for segment in g.capacity:
        out.append(
            f'<polyline class="app-chart__capacity" points="{_points(segment)}" fill="none"'
            f' stroke="{INK}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
    if g.recorded:
        out.append(
            f'<polyline class="app-chart__recorded" points="{_points(g.recorded)}" fill="none"'
            f' stroke="{GREY}" stroke-width="2"/>'
        )
        out.extend(
            f'<rect x="{x - 4:g}" y="{y - 4:g}" width="8" height="8" fill="{GREY}"/>'
            for x, y in g.recorded
        )
    if g.median:
        out.append(
            f'<polyline class="app-chart__median" points="{_points(g.median)}" fill="none"'
            f' stroke="{DARK_BLUE}" stroke-width="3"/>'
        )
        out.extend(
            f'<circle cx="{x:g}" cy="{y:g}" r="4" fill="{DARK_BLUE}" stroke="#ffffff"'
            ' stroke-width="1"/>'
            for x, y in g.median
        )
    out.append("</svg>")
    # every text and attribute value above is escaped or built from numbers and fixed words
    return Markup("".join(out))  # noqa: S704


def _n(value: Number) -> str:
    if not _present(value):
        return "none"
    rounded = round(float(value), 1)
    return f"{rounded:.0f}" if rounded.is_integer() else f"{rounded:.1f}"


def describe_fan(
    label: str, chart_quarters: Sequence[date], rows: dict[str, Sequence[Number]]
) -> str:
    """A text alternative in words: the last recorded figure, the forecast at its start and
    end with the 95% interval, the planned places, and in how many quarters the places needed
    exceed the planned places. ``rows`` holds the chart's columns by name."""
    sentences = []
    recorded = [
        (q, v) for q, v in zip(chart_quarters, rows["recorded"], strict=True) if _present(v)
    ]
    if recorded:
        q, v = recorded[-1]
        people = "young person" if _n(v) == "1" else "young people"
        month_end = date(q.year, q.month + 2, 1)  # the quarter's last month
        sentences.append(f"Recorded: {_n(v)} {people} at the end of {month_end:%B %Y}.")
    ahead = [i for i, v in enumerate(rows["demand_median"]) if _present(v)]
    if ahead:
        parts = []
        for i in (ahead[0], ahead[-1]) if len(ahead) > 1 else (ahead[0],):
            parts.append(
                f"{_n(rows['demand_median'][i])} in {quarter_words(chart_quarters[i])} (95% "
                f"interval {_n(rows['demand_lo_95'][i])} to {_n(rows['demand_hi_95'][i])})"
            )
        sentences.append(f"Forecast median: {' and '.join(parts)}.")
        planned = [i for i in ahead if _present(rows["capacity"][i])]
        if planned:
            first, last = planned[0], planned[-1]
            sentences.append(
                f"Planned places: {_n(rows['capacity'][first])} in "
                f"{quarter_words(chart_quarters[first])}, {_n(rows['capacity'][last])} in "
                f"{quarter_words(chart_quarters[last])}."
            )
            short = [
                i
                for i in planned
                if _present(rows["places_needed"][i])
                and float(rows["places_needed"][i]) > float(rows["capacity"][i])  # type: ignore[arg-type]
            ]
            sentences.append(
                f"Places needed exceed planned places in {len(short)} of {len(planned)} quarters"
                + (f", first in {quarter_words(chart_quarters[short[0]])}." if short else ".")
            )
        else:
            sentences.append("No places of this type are planned.")
    return f"{label}. " + " ".join(sentences)


# -- trend bars (the papers' charts of the last 12 weeks or months) -----------------------------


@dataclass(frozen=True)
class BarChart:
    """One trend: a bar per period (``None``: withheld, drawn as an empty slot marked "*";
    or, for the periods in ``none``, a figure with nothing to measure, marked "none")."""

    chart_id: str
    title: str
    description: str
    labels: Sequence[str]
    values: Sequence[int | None]
    unit: str = ""
    none: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.values):
            raise ValueError(f"{len(self.values)} values for {len(self.labels)} labels")


def bar_chart_svg(chart: BarChart, *, width: int = 640, height: int = 240) -> Markup:
    """A bar chart as an inline ``<svg>``: each bar labelled with its value, so the chart
    reads without colour and without the table beside it."""
    cid = "".join(c if c.isalnum() or c in "-_" else "-" for c in chart.chart_id)
    shown = [v for v in chart.values if v is not None]
    top, step = nice_ceiling(max(shown, default=0) or 1)
    s = Scale(quarters=len(chart.labels), y_max=top, width=width, height=height)
    slot = (s.right - s.left) / max(len(chart.labels), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" class="app-chart" role="img" focusable="false"'
        f' aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(chart.description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(s.left, 24, chart.title, size=14),
    ]
    tick = 0.0
    while tick <= s.y_max + 1e-9:
        y = s.y(tick)
        out.append(
            f'<line x1="{s.left:g}" y1="{y:g}" x2="{s.right:g}" y2="{y:g}" stroke="{MID_GREY}"'
            ' stroke-width="1"/>'
        )
        out.append(_text(s.left - 8, y + 4, f"{tick:g}", anchor="end", size=11))
        tick += step
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        x = s.x(i)
        out.append(_text(x, s.bottom + 16, label, anchor="middle", size=10))
        if value is None:
            mark = ("none", 10) if i in chart.none else ("*", 12)
            out.append(_text(x, s.bottom - 6, mark[0], anchor="middle", size=mark[1]))
            continue
        y = s.y(value)
        out.append(
            f'<rect x="{x - slot * 0.35:g}" y="{y:g}" width="{slot * 0.7:g}"'
            f' height="{max(s.bottom - y, 0):g}" fill="{BLUE}"/>'
        )
        out.append(_text(x, y - 4, f"{value}{chart.unit}", anchor="middle", size=11))
    out.append(
        f'<line x1="{s.left:g}" y1="{s.bottom:g}" x2="{s.right:g}" y2="{s.bottom:g}"'
        f' stroke="{INK}" stroke-width="1"/>'
    )
    out.append("</svg>")
    # every text above is escaped or built from numbers and fixed words
    return Markup("".join(out))  # noqa: S704


@dataclass(frozen=True)
class ComparisonChart:
    """Two scenarios' values of one measure by quarter (``None``: no value that quarter)."""

    chart_id: str
    title: str
    description: str
    quarters: Sequence[date]
    first_label: str
    first: Sequence[Number]
    second_label: str
    second: Sequence[Number]

    def __post_init__(self) -> None:
        n = len(self.quarters)
        if len(self.first) != n or len(self.second) != n:
            raise ValueError(f"each scenario needs {n} values, one per quarter")


def comparison_chart_svg(chart: ComparisonChart) -> Markup:
    """Two scenarios as two lines told apart without colour: the first solid with round
    markers, the second dashed with square markers, each named in the legend. Beside a table
    of the same numbers on the page, as every chart is."""
    cid = "".join(c if c.isalnum() or c in "-_" else "-" for c in chart.chart_id)
    shown = [v for v in (*chart.first, *chart.second) if _present(v)]
    top, step = nice_ceiling(max(shown, default=0) or 1)
    s = Scale(quarters=len(chart.quarters), y_max=top)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="{WIDTH}" height="{HEIGHT}" class="app-chart" role="img" focusable="false"'
        f' aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(chart.description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for n, (label, dash, marker) in enumerate(
        (
            (chart.first_label, "", "circle"),
            (chart.second_label, ' stroke-dasharray="8 4"', "square"),
        )
    ):
        key_x, key_y = LEFT + n * 320, 24
        colour = DARK_BLUE if n == 0 else INK
        out.append(
            f'<line x1="{key_x}" y1="{key_y - 4}" x2="{key_x + 28}" y2="{key_y - 4}"'
            f' stroke="{colour}" stroke-width="3"{dash}/>'
        )
        out.append(
            f'<circle cx="{key_x + 14}" cy="{key_y - 4}" r="5" fill="{colour}"/>'
            if marker == "circle"
            else f'<rect x="{key_x + 9}" y="{key_y - 9}" width="10" height="10" fill="{colour}"/>'
        )
        out.append(_text(key_x + 36, key_y + 1, label))
    tick = 0.0
    while tick <= s.y_max + 1e-9:
        y = s.y(tick)
        out.append(
            f'<line x1="{s.left:g}" y1="{y:g}" x2="{s.right:g}" y2="{y:g}" stroke="{MID_GREY}"'
            ' stroke-width="1"/>'
        )
        out.append(_text(s.left - 8, y + 4, f"{tick:g}", anchor="end", size=11))
        tick += step
    every = max(1, math.ceil(len(chart.quarters) / 8))
    for i, day in enumerate(chart.quarters):
        if i % every == 0:
            label = quarter_words(day, short=True)
            out.append(_text(s.x(i), s.bottom + 18, label, anchor="middle", size=11))
    for n, values in enumerate((chart.first, chart.second)):
        colour = DARK_BLUE if n == 0 else INK
        dash = "" if n == 0 else ' stroke-dasharray="8 4"'
        points = [(s.x(i), s.y(v)) for i, v in enumerate(values) if _present(v)]
        if len(points) > 1:
            out.append(
                f'<polyline points="{_points(points)}" fill="none" stroke="{colour}"'
                f' stroke-width="3"{dash}/>'
            )
        for px, py in points:
            out.append(
                f'<circle cx="{px:g}" cy="{py:g}" r="4" fill="{colour}"/>'
                if n == 0
                else f'<rect x="{px - 4:g}" y="{py - 4:g}" width="8" height="8" fill="{colour}"/>'
            )
    out.append(
        f'<line x1="{s.left:g}" y1="{s.bottom:g}" x2="{s.right:g}" y2="{s.bottom:g}"'
        f' stroke="{INK}" stroke-width="1"/>'
    )
    out.append("</svg>")
    # every text above is escaped or built from numbers and fixed words
    return Markup("".join(out))  # noqa: S704
