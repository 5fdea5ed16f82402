"""``planner report``: the exception reports and the commissioning paper as files.

``planner report director|board --format pdf|html|csv|md|xlsx --out FILE`` makes the report
as of today (sweeping first, as every report does) and writes it; ``planner report forecast
RUN --format pdf|html --out FILE`` writes the commissioning paper of a saved forecast run.
Without ``--format`` the file's suffix says which.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from planner.core import clock
from planner.core.cli_support import console, fail, migrated_engine, parse_day
from planner.core.errors import PlannerError

app = typer.Typer()

REPORT_FORMATS = ("pdf", "html", "csv", "md", "xlsx")


@app.command("report")
def report_command(
    audience: Annotated[str, typer.Argument(help="director (weekly), board (monthly) or forecast")],
    run: Annotated[
        int | None, typer.Argument(help="forecast: the saved forecast run's number")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="The file to write")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="pdf, html or csv (also md, xlsx); default: the suffix"),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD")] = None,
) -> None:
    """Write the exception report (the board's is pseudonymised: case letters, age bands,
    small numbers withheld in its trends) or a saved forecast run's commissioning paper."""
    if out is None:
        fail("say where to write the report with --out FILE")
    kind = (fmt or out.suffix.lstrip(".")).lower()
    if kind not in REPORT_FORMATS:
        fail(f"{out.name}: the format is one of {', '.join(REPORT_FORMATS)} (--format)")
    if audience == "forecast":
        _forecast_paper(run, out, kind)
        return
    if run is not None:
        fail("a run number goes only with `planner report forecast RUN`")
    _exception_report(audience, out, kind, parse_day(as_of) or clock.today())


def _exception_report(audience: str, out: Path, kind: str, day: date) -> None:
    import json

    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.escalations import service as escalations
    from planner.reports import papers

    try:
        with unit_of_work(migrated_engine()) as session:
            if kind in papers.FORMATS:
                report, _, content = papers.make_exception_paper(
                    session, audience=audience, fmt=kind, actor=audit.cli_actor(), today=day
                )
                out.write_bytes(content)
            else:
                report = escalations.build_report(
                    session, audience=audience, today=day, actor=audit.cli_actor()
                )
                if kind == "md":
                    out.write_text(escalations.report_markdown(report))
                else:  # a spreadsheet: the rows as the CSV download has them
                    _, content = escalations.export_report(
                        session,
                        report_id=report.id or 0,
                        actor=audit.cli_actor(),
                        fmt=kind,
                    )
                    out.write_bytes(content)
    except PlannerError as exc:
        fail(exc.message)
    totals = json.loads(report.content)["totals"]
    n = totals["in_unsuitable_accommodation"]
    figures = (
        f"{n} in unsuitable accommodation, supervision within 4 weeks "
        f"{totals['supervision_within_4_weeks_percent']}%"
        if n
        else "no one in unsuitable accommodation"  # no share of no one, never "100%"
    )
    console.print(f"Exception report {report.id} for the {audience}: {figures}. Written to {out}.")


def _forecast_paper(run: int | None, out: Path, kind: str) -> None:
    from planner.core import audit
    from planner.core.db import unit_of_work
    from planner.reports import forecast_paper

    if run is None:
        fail("name the saved forecast run: `planner report forecast RUN --out FILE`")
    if kind not in ("pdf", "html"):
        fail("the commissioning paper is written as pdf or html")
    try:
        with unit_of_work(migrated_engine()) as session:
            _, content = forecast_paper.export_forecast_paper(
                session, run_id=run, fmt=kind, actor=audit.cli_actor()
            )
    except PlannerError as exc:
        fail(exc.message)
    out.write_bytes(content)
    console.print(f"Commissioning paper of forecast run {run} written to {out}.")
