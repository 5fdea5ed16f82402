"""The scheduled jobs themselves: thin calls to services, returning a one-line summary.

Summaries are aggregates only (counts), because they are stored in ``job_run.detail`` and
shown to managers; no young person is ever named in them.
"""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, col, func, select

from planner.core import clock
from planner.escalations import service as escalations
from planner.inventory.status import summarise
from planner.models import YoungPerson
from planner.notifications import service as notifications


def daily_snapshot(session: Session) -> str:
    """The day's headline figures, kept so trends can be read back later."""
    figures = summarise(session).figures
    keep = ("care_leavers", "in_care_16_17", "unsuitable", "bed_and_breakfast")
    return json.dumps({k: figures.get(k, 0) for k in keep}, sort_keys=True)


def pathway_plans_overdue(session: Session, today: date | None = None) -> str:
    """How many current young people have a pathway plan review overdue."""
    day = today or clock.today()
    current = col(YoungPerson.left_service_on).is_(None)
    total = session.exec(select(func.count()).where(current)).one()
    overdue = session.exec(
        select(func.count()).where(current, col(YoungPerson.pathway_plan_review_due) < day)
    ).one()
    share = 100 * (total - overdue) / total if total else 100.0
    return json.dumps({"overdue": overdue, "current": total, "up_to_date_percent": round(share)})


def escalation_sweep(session: Session) -> str:
    """Open, close and raise escalations for today's unsuitable stays."""
    return escalations.summary_text(escalations.sweep(session))


def _report(session: Session, audience: str) -> str:
    report = escalations.build_report(session, audience=audience, actor="scheduler")
    # announced to the distribution list by email (sent by notifications.send, never here)
    announced = notifications.queue_report_notices(session, report)
    totals = json.loads(report.content)["totals"]
    keep = ("in_unsuitable_accommodation", "supervision_within_4_weeks_percent")
    return json.dumps(
        {"report": report.id, "emails_queued": announced} | {k: totals[k] for k in keep},
        sort_keys=True,
    )


def weekly_director_report(session: Session) -> str:
    """The weekly exception report to the corporate director."""
    return _report(session, "director")


def monthly_board_report(session: Session) -> str:
    """The monthly, pseudonymised exception report to the Corporate Parenting Board."""
    return _report(session, "board")


def send_notifications(session: Session) -> str:
    """Queue the escalation notices due today (idempotent) and send the outbox; a mail
    server that is down leaves them queued for the next run, after a back-off."""
    queued = notifications.queue_escalation_notices(session)
    result = notifications.send_due(session)
    return json.dumps(
        {
            "queued": queued,
            "sent": result.sent,
            "retrying": result.retrying,
            "failed": result.failed,
        },
        sort_keys=True,
    )


def weekly_digest(session: Session) -> str:
    """The Monday digest to each manager (and to anyone who reads notices weekly)."""
    return json.dumps({"digests": notifications.send_digests(session)})


def nightly_forecast(session: Session) -> str:
    """Refresh the central forecast from last night's records, so commissioners open a page
    made from today's data. Saved like any forecast (with when and from which data)."""
    from planner.core.settings import Settings
    from planner.forecasting import service as forecasting

    report = forecasting.make_forecast(
        session,
        scenarios=["central"],
        months=60,
        runs=1000,
        child_population=Settings().child_population,
        actor="scheduler",
        compare=False,
        with_sensitivity=True,
    )
    return json.dumps({"forecast_runs": report.run_ids, "data": report.fingerprint})
