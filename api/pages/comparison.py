"""Two forecasts compared, as files and as a chart: the comparison's CSV and Excel
downloads (audited as exports) and the chart of places needed under each scenario that sits
beside each table on ``/forecasts/compare``.

Its own router, matched before the forecast pages' ``/forecasts/{run_id}``, so
``/forecasts/compare.csv`` is never read as a run id.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path, Query
from markupsafe import Markup
from starlette.responses import Response

from api.deps import ID_MAX, DbSession, Principal, allowed
from planner.domain.permissions import Permission as P
from planner.forecasting import service as forecasting
from planner.forecasting.scenarios import scenario_words
from planner.reports.charts import ComparisonChart, comparison_chart_svg

router = APIRouter(include_in_schema=False)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _day(value: Any) -> date:
    return value.date() if isinstance(value, pd.Timestamp) else value


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def run_labels(first: Any, second: Any, titles: dict[str, str] | None) -> dict[str, str]:
    """What the page calls the two forecasts compared: their scenarios' names, each with its
    forecast number when the scenarios are the same (two central forecasts made on different
    days would otherwise both be "Central"). ``first``/``second`` are the runs (``id``,
    ``scenario``); ``*_within`` is the form used inside a sentence."""
    out = {}
    same = first.scenario == second.scenario
    for key, run in (("first", first), ("second", second)):
        extra = f" (forecast {run.id})" if same else ""
        out[key] = scenario_words(run.scenario, False, titles) + extra
        out[f"{key}_within"] = scenario_words(run.scenario, True, titles) + extra
    return out


def places_needed_chart(
    section_id: str,
    label: str,
    labels: dict[str, str],
    rows: list[dict[str, Any]],
) -> Markup:
    """The places needed each quarter under each forecast, as an accessible SVG (``labels``
    from :func:`run_labels`)."""
    first_words, second_words = labels["first"], labels["second"]
    first_within, second_within = labels["first_within"], labels["second_within"]
    values = [(r["places_needed_first"], r["places_needed_second"]) for r in rows]
    most = max((abs((b or 0) - (a or 0)) for a, b in values), default=0)
    return comparison_chart_svg(
        ComparisonChart(
            chart_id=f"compare-{section_id}",
            title=f"{label}: places needed, {first_words} and {second_within}",
            description=(
                f"Places needed each quarter for a 95% chance that demand never exceeds them, "
                f"under {first_within} (solid line, round markers) and "
                f"{second_within} (dashed line, square markers). The largest "
                f"difference in a quarter is {most:g} places. The table below has every number."
            ),
            quarters=[_day(r["quarter_start"]) for r in rows],
            first_label=first_words,
            first=[_number(a) for a, _ in values],
            second_label=second_words,
            second=[_number(b) for _, b in values],
        )
    )


@router.get("/forecasts/compare.{fmt}")
def comparison_download(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_forecasts)],
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    first: Annotated[int, Query(ge=1, le=ID_MAX)],
    second: Annotated[int, Query(ge=1, le=ID_MAX)],
) -> Response:
    """The comparison as CSV or Excel (formula-safe), audited as an export."""
    name, content = forecasting.export_comparison(
        db, first_id=first, second_id=second, fmt=fmt, actor=principal.user.username
    )
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
