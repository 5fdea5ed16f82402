"""Papers: the exception reports (and, in :mod:`planner.reports.forecast_paper`, the
commissioning paper) as HTML and as tagged, accessible PDF.

A paper is rendered from the same templates as its page (``exception_report_body.html``,
shared through :mod:`planner.reports.templating`) and turned into PDF by WeasyPrint, never by
printing a page in a browser. The PDF is PDF/UA-1: tagged (a structure tree of headings,
tables and figures), marked, with its language and title, so a screen reader can read it.
Charts are inline SVG (vector, with their text kept as text) beside a table of the same
numbers.

Each paper download is written to the audit trail as an export, like the CSV and Excel ones.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from planner.core import audit
from planner.core.errors import InvalidInput
from planner.core.settings import get_settings
from planner.escalations import queries as escalation_queries
from planner.escalations import service as escalations
from planner.escalations.rules import board_cases, report_summary
from planner.models import ExceptionReport
from planner.reports.charts import BarChart, bar_chart_svg
from planner.reports.templating import render_template
from planner.reports.trends import TrendPoint, trends

AUDIENCES = {"director": "Corporate director (weekly)", "board": "Corporate Parenting Board"}
TITLES = {
    "director": "Weekly exception report to the corporate director",
    "board": "Exception report to the Corporate Parenting Board",
}
FORMATS = ("pdf", "html", "csv")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


PDF_CACHE_SIZE = 8  # papers kept in memory, each a few hundred KB
_pdf_cache: OrderedDict[str, bytes] = OrderedDict()
_pdf_cache_lock = threading.Lock()


def pdf_from_html(html: str) -> bytes:
    """A tagged PDF/UA-1 document from a paper's HTML (its CSS and SVG inline).

    Rendering takes seconds (a forecast's 30-page commissioning paper far more), so it is
    done only when a paper is downloaded, never to show a page, and the last few papers are
    kept in memory keyed by a hash of their HTML: the same HTML always makes the same paper,
    so a kept paper can never be stale (a changed record, run or restored database changes
    the HTML, hence the key), and downloading it again costs only the HTML."""
    key = hashlib.sha256(html.encode()).hexdigest()
    with _pdf_cache_lock:
        if key in _pdf_cache:
            _pdf_cache.move_to_end(key)
            return _pdf_cache[key]
    from weasyprint import HTML  # a heavy import, only where a PDF is made

    document = HTML(string=html, base_url=".")
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    with _pdf_cache_lock:
        _pdf_cache[key] = pdf
        while len(_pdf_cache) > PDF_CACHE_SIZE:
            _pdf_cache.popitem(last=False)
    return pdf


def report_context(report: ExceptionReport) -> dict[str, Any]:
    """What the page and the paper of one exception report show."""
    content = escalation_queries.report_content(report)
    board, threshold = report.audience == "board", get_settings().small_number
    rows, left_out = board_cases(
        content["totals"], content["rows"], board=board, threshold=threshold
    )
    return {
        "report": report,
        "audience": AUDIENCES.get(report.audience, report.audience),
        "paper_title": TITLES.get(report.audience, "Exception report"),
        "totals": content["totals"],
        # the summary as read: the board's small numbers withheld (one rule for page,
        # paper and printable page: planner.escalations.rules.report_summary)
        "summary": report_summary(content["totals"], board=board, threshold=threshold),
        # all the board's cases withheld, or the columns left out of them, in a sentence
        "cases_withheld": left_out if not rows else "",
        "columns_left_out": left_out if rows else "",
        "rows": rows,
        "columns": list(rows[0]) if rows else [],
    }


def trend_charts(points: list[TrendPoint], *, period_word: str) -> list[Markup]:
    """The four trend charts of a paper, each described in words."""
    labels = [p.label for p in points]

    def chart(
        key: str,
        title: str,
        values: list[int | None],
        unit: str = "",
        none: frozenset[int] = frozenset(),
    ) -> Markup:
        shown = [(p.label, v) for p, v in zip(points, values, strict=True) if v is not None]
        said = (
            f"From {shown[0][1]}{unit} ({shown[0][0]}) to {shown[-1][1]}{unit} ({shown[-1][0]})."
            if shown
            else "There is no figure to show."
            if len(none) == len(points)
            else "Every figure is withheld as a small number."
        )
        if none and shown:
            said += f" No escalation was open at {len(none)} of the {period_word} ends."
        return bar_chart_svg(
            BarChart(
                chart_id=f"trend-{key}",
                title=title,
                description=f"{title}, by {period_word} end, last {len(points)} "
                f"{period_word}s. {said}",
                labels=labels,
                values=values,
                unit=unit,
                none=none,
            )
        )

    return [
        chart(
            "unsuitable",
            "Young people in unsuitable accommodation",
            [p.in_unsuitable for p in points],
        ),
        chart("days", "Average days there", [p.average_days for p in points]),
        chart(
            "supervision",
            "Management supervision within 4 weeks",
            [p.supervision_percent for p in points],
            "%",
            frozenset(i for i, p in enumerate(points) if p.none_open),
        ),
        chart(
            "exits",
            "Exits achieved (moves out of unsuitable accommodation somewhere suitable)",
            [p.exits for p in points],
        ),
    ]


def exception_paper_html(session: Session, report: ExceptionReport) -> str:
    """The paper of one exception report: its body as on the page, then the trends."""
    period_word = "month" if report.audience == "board" else "week"
    points = trends(session, audience=report.audience, as_of=report.as_of)
    context = report_context(report) | {
        "trend_points": points,
        "trend_charts": trend_charts(points, period_word=period_word),
        "period_word": period_word,
        "suppressed": report.audience == "board",
        "small_number": get_settings().small_number,
    }
    return render_template("exception_paper.html", context)


def export_exception_paper(
    session: Session, *, report_id: int, fmt: str, actor: str
) -> tuple[str, bytes]:
    """A saved report as a paper (PDF or HTML) or its rows (CSV): file name and bytes, the
    export recorded in the audit trail."""
    if fmt not in FORMATS:
        raise InvalidInput(f"The format is one of {', '.join(FORMATS)}.")
    if fmt == "csv":
        return escalations.export_report(session, report_id=report_id, actor=actor, fmt="csv")
    report = escalation_queries.get_exception_report_or_raise(session, report_id)
    if fmt == "pdf":
        # made at each download, never when the page is viewed (it takes about a second,
        # more under load); not cached: the trends are read from the records as they are
        content = pdf_from_html(exception_paper_html(session, report))
    else:
        content = exception_paper_html(session, report).encode()
    audit.record(
        session,
        actor=actor,
        action="export",
        entity="exception_report",
        entity_id=str(report.id),
        detail=f"format={fmt} audience={report.audience} "
        f"rows={len(json.loads(report.content)['rows'])}",
    )
    name = f"exception-report-{report.id}-{report.audience}-{report.as_of.isoformat()}.{fmt}"
    return name, content


def make_exception_paper(
    session: Session, *, audience: str, fmt: str, actor: str, today: date | None = None
) -> tuple[ExceptionReport, str, bytes]:
    """Make the director's or the board's report as of today (sweeping first, as every
    report does) and return it with its paper."""
    if fmt not in FORMATS:
        raise InvalidInput(f"The format is one of {', '.join(FORMATS)}.")
    report = escalations.build_report(session, audience=audience, today=today, actor=actor)
    name, content = export_exception_paper(session, report_id=report.id, fmt=fmt, actor=actor)  # type: ignore[arg-type]
    return report, name, content
