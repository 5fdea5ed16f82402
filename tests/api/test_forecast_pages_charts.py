"""The fan chart SVG: values land on the right coordinates, the bands enclose the median,
and the markup is accessible (named, described, no colour-only meaning, unique ids)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from api.charts import (
    FanChart,
    Scale,
    describe_fan,
    fan_chart_svg,
    fan_geometry,
    nice_ceiling,
)
from planner.domain.text import quarter_words

SVG = "{http://www.w3.org/2000/svg}"
QUARTERS = [date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1)]
NONE2 = [None, None]


def _chart(**overrides) -> FanChart:
    values = {
        "chart_id": "chart-staying_put",
        "title": "Staying put: young people recorded and forecast by quarter",
        "description": "Staying put. Recorded: 30.",
        "quarters": QUARTERS,
        "recorded": [28.0, 30.0, None, None],
        "median": [None, None, 31.0, 33.0],
        "lo_50": [*NONE2, 30.0, 31.0],
        "hi_50": [*NONE2, 32.0, 35.0],
        "lo_80": [*NONE2, 29.0, 29.0],
        "hi_80": [*NONE2, 33.0, 37.0],
        "lo_95": [*NONE2, 27.5, 27.0],
        "hi_95": [*NONE2, 34.0, 40.0],
        "capacity": [None, None, 35.0, 35.0],
    }
    values.update(overrides)
    return FanChart(**values)


def _points(text: str) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in p.split(",")) for p in text.split()]  # type: ignore[misc]


def test_values_map_to_the_plot_coordinates():
    scale = Scale(quarters=4, y_max=50.0)
    # the plot runs from x=56 to 704 and from y=72 (top) to 316 (bottom)
    assert scale.y(0) == 316 and scale.y(50) == 72 and scale.y(25) == 194
    assert scale.x(0) == 56 + 0.5 * 162 and scale.x(3) == 56 + 3.5 * 162
    geometry = fan_geometry(_chart())
    assert geometry.scale.y_max == 50 and geometry.step == 10  # 40 * 1.05 rounds up to 50
    y = geometry.scale.y
    assert geometry.recorded == [(scale.x(0), y(28)), (scale.x(1), y(30))]
    assert geometry.median == [(scale.x(2), y(31)), (scale.x(3), y(33))]
    assert geometry.forecast_starts == 2
    # planned places: one step segment across the two forecast quarters' slots
    assert geometry.capacity == [
        [(56 + 2 * 162, y(35)), (56 + 3 * 162, y(35)), (56 + 3 * 162, y(35)), (704, y(35))]
    ]


def test_the_bands_nest_and_enclose_the_median():
    geometry = fan_geometry(_chart())
    median = dict(geometry.median)
    for x, y_med in median.items():
        spans = {
            level: next((lo, hi) for bx, lo, hi in geometry.bands[level] if bx == x)
            for level in ("50", "80", "95")
        }
        # SVG y grows downwards: the low end of a band is the larger y
        assert spans["95"][0] >= spans["80"][0] >= spans["50"][0] >= y_med
        assert y_med >= spans["50"][1] >= spans["80"][1] >= spans["95"][1]


def test_the_svg_draws_the_geometry_and_is_named_and_described():
    chart = _chart()
    svg = str(fan_chart_svg(chart))
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-staying_put-title chart-staying_put-desc"
    assert root.find(f"{SVG}title").text == chart.title
    assert root.find(f"{SVG}desc").text == chart.description
    geometry = fan_geometry(chart)
    polygons = {p.get("class"): p for p in root.iter(f"{SVG}polygon")}
    band = _points(polygons["app-chart__band-95"].get("points"))
    upper = [(x, hi) for x, _, hi in geometry.bands["95"]]
    lower = [(x, lo) for x, lo, _ in reversed(geometry.bands["95"])]
    assert band == upper + lower
    lines = {p.get("class"): p for p in root.iter(f"{SVG}polyline")}
    assert _points(lines["app-chart__median"].get("points")) == geometry.median
    assert _points(lines["app-chart__recorded"].get("points")) == geometry.recorded
    # told apart without colour: the capacity line is dashed, each band has its own pattern
    assert lines["app-chart__capacity"].get("stroke-dasharray")
    fills = {polygons[f"app-chart__band-{lvl}"].get("fill") for lvl in ("50", "80", "95")}
    assert fills == {f"url(#chart-staying_put-p{lvl})" for lvl in ("50", "80", "95")}
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for word in ("95% interval", "Forecast median", "Recorded", "Planned places", "2026"):
        assert word in texts
    assert "style=" not in svg  # the CSP allows no inline styles


def test_text_is_escaped_and_ids_are_safe():
    chart = _chart(chart_id='x" onload="alert(1)', title="<script>alert(1)</script>")
    svg = str(fan_chart_svg(chart))
    assert "<script>" not in svg and 'onload="' not in svg
    ET.fromstring(svg)  # still well-formed


def test_charts_without_a_forecast_or_history_still_draw():
    empty = _chart(recorded=[None] * 4, capacity=[None] * 4)
    root = ET.fromstring(str(fan_chart_svg(empty)))
    classes = {e.get("class") for e in root.iter()}
    assert "app-chart__recorded" not in classes and "app-chart__capacity" not in classes
    assert nice_ceiling(0) == (1.0, 1.0)
    assert nice_ceiling(7.3) == (8.0, 2.0) and nice_ceiling(212) == (250.0, 50.0)
    with pytest.raises(ValueError, match="median"):
        _chart(median=[1.0])


def test_the_text_alternative_says_what_the_chart_shows():
    rows = {
        "recorded": [28.0, 30.0, None, None],
        "demand_median": [None, None, 31.0, 33.0],
        "demand_lo_95": [None, None, 27.5, 27.0],
        "demand_hi_95": [None, None, 34.0, 40.04],
        "capacity": [None, None, 35.0, 35.0],
        "places_needed": [None, None, 34.0, 38.0],
    }
    text = describe_fan("Staying put", QUARTERS, rows)
    assert text == (
        "Staying put. Recorded: 30 young people at the end of December 2025. Forecast median: "
        "31 in January to March 2026 (95% interval 27.5 to 34) and 33 in April to June 2026 "
        "(95% interval 27 to 40). Planned places: 35 in January to March 2026, 35 in April to "
        "June 2026. Places needed exceed planned places in 1 of 2 quarters, first in April to "
        "June 2026."
    )
    one = describe_fan("Bed and breakfast", QUARTERS, rows | {"recorded": [2.0, 1.0, None, None]})
    assert one.startswith(
        "Bed and breakfast. Recorded: 1 young person at the end of December 2025."
    )
    # never "2027 Q2": in a council Q1 is April to June, the financial year's first quarter
    assert quarter_words(date(2027, 5, 17)) == "April to June 2027"
    assert quarter_words(date(2027, 12, 31), short=True) == "Oct to Dec 2027"
    assert quarter_words(date(2028, 1, 1), short=True) == "Jan to Mar 2028"
