"""The escalation pages for managers (and, read-only, personal advisers for their own young
people): the queue, one escalation with its trail and the forms to record what was done,
"sweep now", the exception reports (make, list, read, download) and the scheduled jobs.

Each route names one permission; the rules (levels, supervision due, what a board report
may show) live in :mod:`planner.escalations.service`. Downloads are formula-safe
(:func:`planner.records.spreadsheets.safe_cell`) and written to the audit trail as exports.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import (
    ID_MAX,
    TEXT,
    CheckedForm,
    DbSession,
    Principal,
    allowed,
    form_date,
    form_version,
    iso_date,
    see_other,
)
from api.listing import Listing, read_list
from api.templating import render
from planner.core import clock
from planner.core.errors import InvalidInput, PlannerError
from planner.domain import PlacementType
from planner.domain.permissions import Permission as P
from planner.domain.permissions import allows
from planner.domain.text import check_text
from planner.escalations import queries as escalation_queries
from planner.escalations import service as escalations
from planner.jobs import queries as job_queries
from planner.jobs import scheduler
from planner.matching import candidates as matching_candidates
from planner.notifications import queries as notification_queries
from planner.reports import papers
from planner.young_people import scope as scope

router = APIRouter(include_in_schema=False)

ACTION_LABELS = {
    "supervision": "Management supervision",
    "exit_plan": "Exit plan agreed",
    "pathway_plan": "Pathway plan updated",
    "note": "Note",
    "opened": "Escalation opened",
    "closed": "Escalation closed",
    "level": "Level changed",
}
AUDIENCES = papers.AUDIENCES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the queue and one escalation ---------------------------------------------------------------


@router.get("/escalations")
def queue_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_escalations)],
    swept: Annotated[bool, Query()] = False,
    adviser: Annotated[str, Query(max_length=80, pattern=TEXT)] = "",
    level: Annotated[str, Query(pattern=r"^[1-4]?$")] = "",
) -> Response:
    """Every open escalation the viewer may see, most urgent first (or sorted by any
    column, api/listing.py), filtered by personal adviser and level, a page at a time."""
    role = principal.user.role
    own = scope.sees_only_own(principal.user)
    params = read_list(request, escalation_queries.ESCALATION_SORTS, "level", descending=True)
    found = escalation_queries.escalation_queue_page(
        db,
        viewer=principal.user,
        params=params,
        adviser="" if own else adviser,
        level=int(level) if level else None,
    )
    items = found.page.rows
    # one batch for the rows shown: one set of frames, one call to the rules and the fit
    best = matching_candidates.queue_best(db, [i.reference for i in items]) if items else {}
    filters = {"adviser": "" if own else adviser, "level": level}
    return render(
        request,
        "escalations.html",
        {
            "title": "Escalations",
            "waiting": escalation_queries.waiting_for_sweep(db, viewer=principal.user),
            "listing": Listing("/escalations", params, found.page, filters),
            "items": items,
            "best": best,
            "q": filters,
            "advisers": [] if own else found.advisers,
            "levels": [(n, escalation_queries.LEVELS[n]) for n in escalation_queries.LEVEL_CHOICES],
            "today": clock.today(),
            "own_only": own,
            "can_manage": allows(role, P.manage_escalations),
            "can_open_records": allows(role, P.view_young_people),
            "swept": swept,
            "placement_labels": {t.value: t.label for t in PlacementType},
        },
    )


@router.post("/escalations/sweep")
def sweep_now(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_escalations)],
    form: CheckedForm,
) -> Response:
    """Open, close and raise escalations now, as the daily sweep does."""
    escalations.sweep(db, actor=principal.user.username)
    return see_other("/escalations?swept=true")


def _escalation_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    escalation_id: int,
    *,
    recorded: str = "",
    recorded_on: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    day = iso_date(recorded_on)
    view = escalation_queries.get_escalation_or_raise(
        db, viewer=principal.user, escalation_id=escalation_id
    )
    return render(
        request,
        "escalation.html",
        {
            "title": ("Error: " if errors else "") + f"Escalation {view.id}: {view.reference}",
            "e": view,
            "can_manage": allows(principal.user.role, P.manage_escalations),
            "can_open_records": allows(principal.user.role, P.view_young_people),
            "recorded": ACTION_LABELS.get(recorded, ""),
            "recorded_on": day,
            "labels": ACTION_LABELS,
            "today": clock.today(),
            "errors": errors,
            "error_list": [
                {"text": message, "href": f"#{field}" + ("" if "note" in field else "-day")}
                for field, message in errors.items()
            ],
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("/escalations/{escalation_id}")
def escalation_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_escalations)],
    escalation_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    recorded: Annotated[str, Query(max_length=20, pattern=r"^[a-z_]*$")] = "",
    on: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """One escalation: where, how long, level and why, the plan, and its trail."""
    return _escalation_page(
        request, db, principal, escalation_id, recorded=recorded, recorded_on=on
    )


@router.post("/escalations/{escalation_id}/actions")
def record_action(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.manage_escalations)],
    form: CheckedForm,
    escalation_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """Record supervision, an exit plan (with its target), a pathway plan update or a note.
    A refusal shows the same page with the error summary, the field highlighted and what was
    typed kept; nothing is saved (the compare-and-set is the only write)."""
    escalation_queries.get_escalation_or_raise(
        db, viewer=principal.user, escalation_id=escalation_id
    )
    back = f"/escalations/{escalation_id}"
    kind = form.get("kind", "")
    if kind not in escalations.ACTIONS:
        raise InvalidInput("Choose what to record.")
    errors: dict[str, str] = {}
    on = target = None
    try:
        on = form_date(form, "on", "date it happened")
    except InvalidInput as exc:
        errors[f"on-{kind}"] = exc.message
    try:
        target = form_date(form, "target", "target date", required=kind == "exit_plan")
    except InvalidInput as exc:
        errors[f"target-{kind}"] = exc.message
    status = 422
    if not errors and on is not None:
        try:
            with db.begin_nested():
                escalations.record_action(
                    db,
                    escalation_id=escalation_id,
                    expected_version=form_version(form),
                    kind=kind,
                    on=on,
                    actor=principal.user.username,
                    note=check_text(form.get("note", "").strip()[:1000], "The note"),
                    target=target,
                )
        except escalations.EscalationConflict:
            errors[f"on-{kind}"] = (
                "Someone else changed this escalation, or it closed, after you opened the "
                "page; nothing was saved. Reload and try again."
            )
            status = 409
        except PlannerError as exc:  # a future date, a target before the plan, the note
            field = (
                "target" if "target" in exc.message else "note" if "note" in exc.message else "on"
            )
            errors[f"{field}-{kind}"] = exc.message
    if errors:
        shown = {k: v[:1000] for k, v in form.items() if k != "csrf_token"}
        return _escalation_page(
            request, db, principal, escalation_id, errors=errors, form=shown, status_code=status
        )
    return see_other(f"{back}?recorded={kind}&on={on.isoformat() if on else ''}")


# -- exception reports -------------------------------------------------------------------------


@router.get("/reports")
def reports_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.exception_reports)],
) -> Response:
    """Exception reports as sent, newest first, and the form to make one now."""
    return render(
        request,
        "reports.html",
        {
            "title": "Exception reports",
            "reports": escalation_queries.list_exception_reports(db),
            "audiences": AUDIENCES,
        },
    )


@router.post("/reports")
def make_report(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.exception_reports)],
    form: CheckedForm,
) -> Response:
    """Sweep, then make the director's or the board's report as of today (as the CLI does)."""
    audience = form.get("audience", "")
    if audience not in AUDIENCES:
        return render(
            request,
            "reports.html",
            {
                "title": "Exception reports",
                "reports": escalation_queries.list_exception_reports(db),
                "audiences": AUDIENCES,
                "error": "Choose who the report is for.",
            },
            status_code=422,
        )
    report = escalations.build_report(db, audience=audience, actor=principal.user.username)
    return see_other(f"/reports/{report.id}")


@router.get("/reports/{report_id}")
def report_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.exception_reports)],
    report_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """One report as it was sent (a board report names no young person)."""
    report = escalation_queries.get_exception_report_or_raise(db, report_id)
    return render(
        request,
        "report.html",
        {
            "title": f"Exception report {report.id}",
            **papers.report_context(report),
        },
    )


def _export(db: DbSession, principal: Principal, report_id: int, fmt: str) -> tuple[str, bytes]:
    return escalations.export_report(
        db, report_id=report_id, actor=principal.user.username, fmt=fmt
    )


@router.get("/reports/{report_id}/report.csv")
def report_csv(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.exception_reports)],
    report_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """The report's rows as CSV (formula-safe), audited as an export."""
    name, text = _export(db, principal, report_id, "csv")
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/{report_id}/report.pdf")
def report_pdf(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.exception_reports)],
    report_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """The report as a tagged PDF paper (its page, then the trends), audited as an export."""
    name, content = papers.export_exception_paper(
        db, report_id=report_id, fmt="pdf", actor=principal.user.username
    )
    return Response(
        content,
        media_type=papers.MEDIA_TYPES["pdf"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/{report_id}/report.xlsx")
def report_xlsx(
    db: DbSession,
    principal: Annotated[Principal, allowed(P.exception_reports)],
    report_id: Annotated[int, Path(ge=1, le=ID_MAX)],
) -> Response:
    """The report's rows as an Excel workbook (formula-safe), audited as an export."""
    name, content = _export(db, principal, report_id, "xlsx")
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- scheduled jobs ------------------------------------------------------------------------------


@router.get("/jobs")
def jobs_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.view_jobs)],
) -> Response:
    """The scheduled jobs and their recent runs (start, end, outcome, detail)."""
    return render(
        request,
        "jobs.html",
        {
            "title": "Scheduled jobs",
            "jobs": scheduler.JOBS,
            "runs": job_queries.recent_job_runs(db),
            "timezone": str(clock.council_zone()),
            "outbox": notification_queries.outbox_state(db),
        },
    )
