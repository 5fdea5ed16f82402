"""The work page: how a match run, forecast or places-needed goal-seek asked for from a
page is going.

Starting a match run or a forecast queues it (``planner.work``) and sends the browser here
at once. While it is queued or running the page says what is happening and reloads itself
every few seconds, without JavaScript: through the HTTP ``Refresh`` header (as a
``<meta http-equiv="refresh">`` would, which axe-core reports under WCAG 2.2.1 whatever
the page offers), with a link that turns the reloading off. When the work is done the page
sends the browser to the result; when it failed it says why in words and what to do.

The route needs only a signed-in user; seeing an item needs the permission of its kind
(``view_matching`` for a match run, ``view_forecasts`` for a forecast, ``make_forecasts``
for a goal-seek, ``view_forecasts`` for an accuracy check), checked here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import ID_MAX, DbSession, Principal, allowed
from api.templating import render
from planner.core import clock
from planner.domain.permissions import Permission as P
from planner.domain.permissions import check
from planner.domain.text import day_words
from planner.work import service as work
from planner.work.kinds import FORECAST_ACCURACY, KINDS, MATCH, PLACES_NEEDED

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 3
STATUS_WORDS = {
    "queued": "Waiting to start",
    "running": "In progress",
    "done": "Finished",
    "failed": "Stopped",
}
START_PAGES = {
    MATCH: ("/matching", "Go back to matching"),
    PLACES_NEEDED: ("/places-needed", "Go back to places needed"),
    FORECAST_ACCURACY: ("/forecasts/accuracy", "Go back to how good the forecast has been"),
}


def time_words(at: datetime | None) -> str:
    """ "14:05 today" or "14:05 on 27 January 2027", in the council's time zone."""
    if at is None:
        return ""
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(clock.council_zone())
    day = local.date()
    when = "today" if day == clock.today() else f"on {day_words(day)}"
    return f"{local:%H:%M} {when}"


def seen_item(db: DbSession, principal: Principal, item_id: int) -> Any:
    """The item, if the user's role may see its kind (403 otherwise; 404 if none)."""
    item = work.get_item(db, item_id)
    check(principal.user.role, KINDS[item.kind].see)
    return item


def work_view(item: Any) -> dict[str, Any]:
    step, steps, doing = work.progress_of(item)
    kind = KINDS[item.kind]
    back, back_text = START_PAGES.get(item.kind, ("/forecasts", "Go back to forecasts"))
    return {
        "item": item,
        "kind_title": kind.title,
        "status_words": STATUS_WORDS.get(item.status, item.status),
        "step": step,
        "steps": steps,
        "doing": doing,
        "requested": time_words(item.requested_at),
        "started": time_words(item.started_at),
        "finished": time_words(item.finished_at),
        "result_url": work.result_url(item),
        "result_words": kind.result_words,
        "back": back,
        "back_text": back_text,
    }


@router.get("/work/{work_id}")
def work_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allowed(P.use_service)],
    work_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    refresh: Annotated[str, Query(pattern="^(on|off)$")] = "on",
) -> Response:
    """A queued or running item's progress (reloading every few seconds unless turned
    off); a finished one sends the browser to its result; a failed one says why."""
    item = seen_item(db, principal, work_id)
    view = work_view(item)
    if view["result_url"] and refresh == "on":
        return Response(status_code=303, headers={"Location": view["result_url"]})
    active = item.status in work.ACTIVE
    response = render(
        request,
        "work.html",
        {
            "title": f"{view['kind_title']}: {view['status_words'].lower()}",
            **view,
            "refreshing": active and refresh == "on",
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
    if active and refresh == "on":
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response
