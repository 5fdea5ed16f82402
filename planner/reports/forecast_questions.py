"""The council's own questions on a saved forecast run: former UASC by placement type, move-on
places a year, where any figure comes from, and which assumptions matter most (a tornado
chart as accessible SVG beside its table).

Why a module of its own: the run page shows these beside the fan charts, from the tables the
run saved (``uasc``, ``move_on``, ``breakdown``, ``sensitivity``; runs made before they
existed simply lack the section). Every range is named by what it covers ("8 runs in 10"),
the words a commissioner uses, not a percentile.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from planner.domain.text import day_words
from planner.forecasting import service as forecasting
from planner.reports.charts import BLUE, FONT, INK, MID_GREY, nice_ceiling

FIGURES = {
    "demand_suitable_end": "Young people needing suitable accommodation at the end",
    "demand_supported_lodgings_end": "Needing supported lodgings at the end",
    "demand_staying_close_end": "Needing staying close at the end",
    "demand_supported_accommodation_end": "Needing framework places at the end",
    "demand_council_flat_end": "Needing a council flat at the end",
    "move_on_first_year": "Move-on places in the first year",
    "waiting_for_a_place_end": "Waiting for a place at the end",
    "bed_and_breakfast_nights": "Bed and breakfast nights over the forecast",
}
TORNADO_FIGURES = ("demand_suitable_end", "waiting_for_a_place_end")


def _whole(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def _one(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.1f}"


def _range(lo: Any, hi: Any) -> str:
    return f"{_whole(lo)} to {_whole(hi)}"


def _median_range(row: pd.Series, prefix: str) -> str:
    return (
        f"{_whole(row[prefix + 'median'])} ({_range(row[prefix + 'lo_80'], row[prefix + 'hi_80'])})"
    )


def planned_types(demand: pd.DataFrame) -> set[tuple[str, str]]:
    """The (type, lot) pairs the council plans places of: those with a capacity in the
    demand table. Places needed are said only for these: the council does not commission
    bed and breakfast, a family home or a tenancy found by the young person."""
    if "capacity" not in demand:
        return set()
    planned = demand[demand["capacity"].notna()]
    return {
        (str(t), "" if pd.isna(lot) else str(lot))
        for t, lot in zip(planned["placement_type"], planned["lot"], strict=True)
    }


def uasc_rows(
    uasc: pd.DataFrame, planned: set[tuple[str, str]] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Per placement type with any UASC or former UASC young people: the median and its range
    (8 runs in 10) at the end of each forecast year's last quarter, and, for a type with
    planned places, the most places they need in any quarter ("Not planned" for the rest)."""
    quarters = sorted(uasc["quarter_start"].unique())
    shown = quarters[3::4] or quarters[-1:]
    heads = [
        f"End of {q:%B %Y}" for q in (pd.Timestamp(q) + pd.offsets.QuarterEnd(0) for q in shown)
    ]
    rows = []
    for (ptype, lot), part in uasc.groupby(["placement_type", "lot"], sort=False, dropna=False):
        if part["uasc_hi_95"].max() <= 0:
            continue
        lot = "" if pd.isna(lot) else str(lot)
        at = part.set_index("quarter_start")
        plans = planned is None or (str(ptype), lot) in planned
        rows.append(
            {
                "label": forecasting.state_label(ptype, lot),
                "cells": [_median_range(at.loc[q], "uasc_") for q in shown],
                "places": _whole(part["uasc_places_needed"].max()) if plans else "Not planned",
            }
        )
    return heads, rows


def move_on_rows(move_on: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per forecast year: move-on places expected, their range, the figure at the
    forecast's target, and where they come from."""
    rows = []
    for rec in forecasting.table_records(move_on):
        rows.append(
            {
                "period": f"{day_words(rec['first_day'])} to {day_words(rec['last_day'])}"
                + (" (part-year)" if rec["part_year"] else ""),
                "mean": _one(rec["move_on_mean"]),
                "range": _range(rec["move_on_lo_80"], rec["move_on_hi_80"]),
                "target": _whole(rec["move_on_at_target"]),
                "framework": _one(rec["from_supported_accommodation_mean"]),
                "staying_close": _one(rec["from_staying_close_mean"]),
            }
        )
    return rows


def breakdown_sections(
    breakdown: pd.DataFrame, states: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Per placement type, a table by calendar year: at the start, arrivals, moves in, moves
    out, exits, at the end (means: the parts add up to the end) and the end's range."""
    from forecasts.questions import breakdown_by_year

    frame = breakdown.assign(quarter_start=pd.to_datetime(breakdown["quarter_start"]))
    sections = []
    for ptype, lot in states:
        years = breakdown_by_year(frame, ptype, lot or "")
        if years.empty or years[["start_mean", "end_mean"]].to_numpy().max() < 0.5:
            continue
        rows = [
            {
                "year": f"{int(r['year'])}" + (" (part)" if r["part_year"] else ""),
                "cells": [
                    _one(r[c])
                    for c in (
                        "start_mean",
                        "arrivals_mean",
                        "moves_in_mean",
                        "moves_out_mean",
                        "exits_mean",
                        "end_mean",
                    )
                ],
                "range": _range(r["end_lo_80"], r["end_hi_80"]),
            }
            for r in years.to_dict(orient="records")
        ]
        sections.append(
            {
                "id": f"breakdown-{ptype}-{lot}" if lot else f"breakdown-{ptype}",
                "label": forecasting.state_label(ptype, lot or ""),
                "rows": rows,
            }
        )
    return sections


def tornado_svg(
    chart_id: str, title: str, bars: list[tuple[str, float, float, float]], width: int = 720
) -> Markup:
    """A tornado chart: one bar per lever from the figure with the lever at its low end to
    the figure at its high end, around the central figure (a vertical line), widest swing
    first. Each bar is labelled with its lever and both end values, so it reads without
    colour; the table beside it holds the same numbers."""
    cid = "".join(c if c.isalnum() or c in "-_" else "-" for c in chart_id)
    row_h, top, left, right = 34, 56, 320, 24
    height = top + row_h * max(len(bars), 1) + 24
    central = bars[0][2] if bars else 0.0
    values = [v for _, lo, mid, hi in bars for v in (lo, mid, hi)] or [0.0]
    low, high = min(values), max(values)
    span = max(high - low, 1e-9)
    pad = span * 0.15
    lo_edge, hi_edge = low - pad, high + pad

    def x(v: float) -> float:
        return left + (v - lo_edge) / (hi_edge - lo_edge) * (width - left - right)

    def text(px: float, py: float, content: str, anchor: str = "start", size: int = 12) -> str:
        return (
            f'<text x="{px:.1f}" y="{py:.1f}" font-family="{FONT}" font-size="{size}"'
            f' fill="{INK}" text-anchor="{anchor}">{escape(content)}</text>'
        )

    widest = max((abs(hi - lo) for _, lo, _, hi in bars), default=0.0)
    desc = (
        f"{len(bars)} assumptions; the central figure is {central:,.1f}; the widest swing is "
        f"{widest:,.1f}."
        if bars
        else "No assumptions were tested."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" class="app-chart" role="img" focusable="false"'
        f' aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        text(8, 24, title, size=14),
    ]
    _, step = nice_ceiling(span or 1.0)
    for i, (label, lo, _mid, hi) in enumerate(bars):
        y = top + i * row_h
        a, b = sorted((x(lo), x(hi)))
        shown = label if len(label) <= 50 else label[:49] + "…"
        out.append(text(left - 8, y + 16, shown, anchor="end", size=11))
        out.append(
            f'<rect x="{a:.1f}" y="{y + 4:.1f}" width="{max(b - a, 1.0):.1f}" height="{row_h - 12}"'
            f' fill="{BLUE}" stroke="{INK}" stroke-width="0.5"/>'
        )
        out.append(text(a - 4, y + 30, f"low {lo:,.1f}", anchor="end", size=10))
        out.append(text(b + 4, y + 30, f"high {hi:,.1f}", size=10))
    cx = x(central)
    out.append(
        f'<line x1="{cx:.1f}" y1="{top - 8}" x2="{cx:.1f}" y2="{height - 20}" stroke="{INK}"'
        ' stroke-width="2" stroke-dasharray="4 3"/>'
    )
    out.append(text(cx, top - 12, f"central {central:,.1f}", anchor="middle", size=11))
    out.append(
        f'<line x1="{left}" y1="{height - 20}" x2="{width - right}" y2="{height - 20}"'
        f' stroke="{MID_GREY}" stroke-width="1"/>'
    )
    out.append("</svg>")
    # every text above is escaped or built from numbers and fixed words
    return Markup("".join(out))  # noqa: S704


def lever_words(row: dict[str, Any]) -> str:
    """A lever in a commissioner's words (:func:`planner.forecasting.service.lever_what`, the
    one home), with its range: "Arrivals of UASC x1.2 to x2"."""
    kind = row["kind"]
    what = forecasting.lever_what(
        kind, str(row.get("stream") or ""), str(row.get("state") or ""),
        str(row.get("destination") or ""),
    )  # fmt: skip
    low, high = float(row["lever_low"]), float(row["lever_high"])
    if kind == "places":
        return f"{what}: {low:g} to {high:g}"
    if kind == "nts_rate":
        return f"Transfer scheme threshold {low * 100:g}% to {high * 100:g}% of children"
    return f"{what} x{low:g} to x{high:g}"


def sensitivity_sections(sensitivity: pd.DataFrame) -> list[dict[str, Any]]:
    """Per main figure: the levers by the size of their swing, as a tornado chart and rows."""
    sections = []
    for figure, label in FIGURES.items():
        part = sensitivity[sensitivity["figure"] == figure]
        if part.empty:
            continue
        part = part.assign(size=(part["high"] - part["low"]).abs()).sort_values(
            "size", ascending=False, kind="stable"
        )
        bars = [
            (lever_words(r), float(r["low"]), float(r["central"]), float(r["high"]))
            for r in part.to_dict(orient="records")
        ]
        sections.append(
            {
                "id": f"sensitivity-{figure}",
                "label": label,
                "svg": tornado_svg(f"tornado-{figure}", label, bars)
                if figure in TORNADO_FIGURES
                else None,
                "rows": [
                    {"lever": b[0], "low": _one(b[1]), "central": _one(b[2]), "high": _one(b[3])}
                    for b in bars
                ],
                "runs": int(part["runs"].iloc[0]),
            }
        )
    return sections


def _lot(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _rows_of(table: pd.DataFrame, ptype: str, lot: str) -> pd.DataFrame:
    lots = table["lot"].map(_lot)
    rows = table[(table["placement_type"] == ptype) & (lots == lot)]
    return rows.assign(quarter_start=pd.to_datetime(rows["quarter_start"])).sort_values(
        "quarter_start"
    )


def _last_full(rows: pd.DataFrame) -> pd.Series:
    """The last quarter the forecast covers in full (a part-quarter's end is not a quarter
    end)."""
    if "partial_quarter" in rows:
        full = rows[~rows["partial_quarter"].fillna(False).astype(bool)]
        rows = full if not full.empty else rows
    return rows.iloc[-1]


def _quarter(value: Any) -> str:
    from planner.domain.text import quarter_words

    return quarter_words(pd.Timestamp(value).date())


def _places(value: Any) -> str:
    return f"{_whole(value)} place" + ("" if float(value) == 1 else "s")


def _demand_answer(demand: pd.DataFrame, ptype: str, lot: str, what: str) -> str | None:
    rows = _rows_of(demand, ptype, lot)
    if rows.empty:
        return None
    end = _last_full(rows)
    planned = (
        f", against {_whole(end['capacity'])} planned places"
        if pd.notna(end.get("capacity"))
        else ""
    )
    peak = rows.loc[rows["places_needed"].idxmax()] if rows["places_needed"].notna().any() else None
    needed = (
        f"; at most {_places(peak['places_needed'])} needed in any quarter (in "
        f"{_quarter(peak['quarter_start'])})"
        if peak is not None
        else ""
    )
    return (
        f"{what}: {_whole(end['demand_median'])} "
        f"({_range(end['demand_lo_80'], end['demand_hi_80'])}) in {_quarter(end['quarter_start'])}"
        f"{planned}{needed}."
    )


def report_answers(tables: dict[str, pd.DataFrame]) -> list[dict[str, str]]:
    """The report's four questions, each answered in one sentence with its range, and a link
    to the table behind it: what a commissioner takes to the board from this run."""
    answers = []
    uasc = tables.get("uasc")
    if uasc is not None:
        rows = _rows_of(uasc, "supported_lodgings", "")
        if rows.empty or rows["uasc_hi_95"].max() <= 0:
            text = "No UASC or former UASC young people are expected to need supported lodgings."
        else:
            end = _last_full(rows)
            text = (
                "UASC and former UASC young people needing supported lodgings: "
                f"{_median_range(end, 'uasc_')} in {_quarter(end['quarter_start'])}; at most "
                f"{_places(rows['uasc_places_needed'].max())} needed in any quarter."
            )
        answers.append(
            {
                "question": "+5 supported lodgings places for former UASC",
                "answer": text,
                "href": "#former-uasc",
            }
        )
    demand = tables.get("demand")
    if demand is not None:
        for question, ptype, lot, what, href in (
            (
                "+30 framework places",
                "supported_accommodation",
                "care_leavers",
                "Young people needing the framework's care-leaver lot",
                "#supported_accommodation-care_leavers",
            ),
            (
                "+12 staying close",
                "staying_close",
                "",
                "Young people needing staying close",
                "#staying_close",
            ),
        ):
            said = _demand_answer(demand, ptype, lot, what)
            if said:
                answers.append({"question": question, "answer": said, "href": href})
    move_on = tables.get("move_on")
    if move_on is not None and not move_on.empty:
        first = move_on.iloc[0]
        later = move_on.iloc[1:]
        later = later[~later["part_year"].astype(bool)] if not later.empty else later
        text = (
            f"Moves from framework places and staying close into a council flat or tenancy: "
            f"{_whole(first['move_on_mean'])} "
            f"({_range(first['move_on_lo_80'], first['move_on_hi_80'])}) in the first year"
        )
        if not later.empty:
            low, high = _whole(later["move_on_mean"].min()), _whole(later["move_on_mean"].max())
            text += (
                f", then about {low} a year" if low == high else f", then {low} to {high} a year"
            )
        text += (
            f"; up to {_whole(move_on['move_on_at_target'].max())} a year would be enough in 95 "
            "runs in 100."
        )
        answers.append(
            {"question": "About 50 move-on places a year", "answer": text, "href": "#move-on"}
        )
    return answers


def questions_context(saved: forecasting.SavedForecast) -> dict[str, Any]:
    """The section's context, empty for a run made before these tables existed."""
    tables = saved.tables
    if "move_on" not in tables or "breakdown" not in tables or "uasc" not in tables:
        return {"questions": None}
    planned = planned_types(tables["demand"]) if "demand" in tables else None
    heads, rows = uasc_rows(tables["uasc"], planned)
    return {
        "questions": {
            "answers": report_answers(tables),
            "uasc_heads": heads,
            "uasc": rows,
            "move_on": move_on_rows(tables["move_on"]),
            "breakdown": breakdown_sections(tables["breakdown"], saved.states()),
            "sensitivity": sensitivity_sections(tables["sensitivity"])
            if "sensitivity" in tables
            else [],
        }
    }
