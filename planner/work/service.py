"""The queue of long work: ask for it, claim it, do it, show how it is going.

A page or the API asks for a match run, a forecast or a places-needed goal-seek with
:func:`request_work`, which adds a ``queued`` item in the request's transaction, or returns
the item already queued or running for the same work: the partial unique index
``uq_work_item_active`` makes the database the judge, so two API processes on one
PostgreSQL database never start two runs.
A worker (the scheduler's poll job, ``planner work run``) takes items with
:func:`run_queued`: it claims one (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL,
then a compare-and-set of the item's version on both databases), does it through its
kind's service, and records a failure in words if it fails.

Each kind is done in three phases (``planner.work.kinds``): read the records in a short
transaction, compute with no transaction open, save in the transaction that also marks the
item done. So a SQLite file (one writer at a time) stays usable while the solver runs, and
progress, the service's (step, steps, words) callback, is written to the item at once in a
short transaction of its own, with the heartbeat.

An item whose worker died is found by :func:`requeue_stale` (its process is gone from this
machine, or its heartbeat is older than :data:`STALE_AFTER`) and queued again once; the
second time it is failed with a message saying so.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from planner.core.db import compare_and_set, unit_of_work
from planner.core.errors import ConcurrentChange, NotFound, PlannerError, StaleRecord
from planner.models import WorkItem, utcnow
from planner.work.kinds import FORECAST, FORECAST_ACCURACY, KINDS, MATCH, PLACES_NEEDED, work_key

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
# A running item whose worker has not shown a sign of life for this long, on another
# machine, is taken to have died. (On the worker's own machine a dead process is seen at
# once.) Longer than the longest solve, because SQLite cannot write a heartbeat mid-run.
STALE_AFTER = timedelta(minutes=15)
ATTEMPTS = 2  # queued again once after its worker died, then failed

STOPPED_TWICE = (
    "The work stopped twice before it finished: the computer doing it may have restarted "
    "or run out of memory. Start it again. If it stops again, tell your system "
    "administrator."
)
UNEXPECTED = (
    "The work stopped because of a problem in the planner. Nothing was saved. Try again; "
    "if it fails again, tell your system administrator and give them the work number {id}."
)


class UnknownKind(PlannerError):
    code = "unknown_work"
    message = "There is no such kind of work."


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _aware(at: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    if at is None:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _active(session: Session, kind: str, key: str) -> WorkItem | None:
    return session.exec(
        select(WorkItem)
        .where(WorkItem.kind == kind, WorkItem.key == key, col(WorkItem.status).in_(ACTIVE))
        .execution_options(populate_existing=True)
    ).first()


@dataclass(frozen=True)
class Requested:
    item: WorkItem
    joined: bool  # True: the same work was already queued or running, and this joined it


def request_work(
    session: Session, *, kind: str, parameters: dict[str, Any], requested_by: str
) -> Requested:
    """Queue ``kind`` of work with ``parameters`` (the caller commits: a request commits
    before its answer is sent), or join the item already queued or running for the same
    work. Two requests at the same moment: the database's unique index refuses the second
    insert (on PostgreSQL it waits for the first to commit), whose savepoint is rolled back
    and which then returns the first item; never a 500."""
    if kind not in KINDS:
        raise UnknownKind()
    key = work_key(kind, parameters)
    found = _active(session, kind, key)
    if found is not None:
        return Requested(found, joined=True)
    item = WorkItem(
        kind=kind,
        key=key,
        parameters=json.dumps(parameters, sort_keys=True, default=str),
        requested_by=requested_by,
        requested_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError as exc:  # another request queued the same work a moment before
        found = _active(session, kind, key)
        if found is None:  # and it finished in between: rare; done again, this one queues
            raise ConcurrentChange() from exc
        return Requested(found, joined=True)
    log.info("work %s queued (%s)", item.id, kind)
    return Requested(item, joined=False)


def list_items(engine: Engine, *, limit: int = 20) -> list[WorkItem]:
    """The latest items, newest first (for ``planner work list``)."""
    with Session(engine) as session:
        query = select(WorkItem).order_by(col(WorkItem.id).desc()).limit(limit)
        return list(session.exec(query))


def get_item(session: Session, item_id: int) -> WorkItem:
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound()
    return item


def progress_of(item: WorkItem) -> tuple[int, int, str]:
    """(step, steps, words) of ``item``, as its worker last recorded them."""
    return item.step, item.steps, item.doing


def result_url(item: WorkItem) -> str | None:
    if item.status != "done":
        return None
    detail = json.loads(item.result or "{}") | {"work_id": item.id}
    return KINDS[item.kind].result_url(item.result_id, detail)


# -- the worker ---------------------------------------------------------------------------


def _dead_here(process: str) -> bool:
    """Whether ``host:pid`` names a process of this machine that no longer exists."""
    host, _, pid = process.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _alive_here(process: str) -> bool:
    host, _, pid = process.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _dead_here(process)


def requeue_stale(engine: Engine, now: datetime | None = None) -> list[int]:
    """Queue again (once) the running items whose worker died; fail them the second time.
    Returns the ids of the items changed."""
    at = now or utcnow()
    changed: list[int] = []
    with unit_of_work(engine) as session:
        running = session.exec(select(WorkItem).where(WorkItem.status == "running")).all()
        for item in running:
            beat = _aware(item.heartbeat_at or item.started_at) or at
            dead = _dead_here(item.process)
            if not dead and (_alive_here(item.process) or at - beat < STALE_AFTER):
                continue
            values: dict[str, Any]
            if item.attempts >= ATTEMPTS:
                values = {"status": "failed", "failure": STOPPED_TWICE, "finished_at": at}
            else:
                values = {
                    "status": "queued",
                    "doing": "Waiting to start again",
                    "process": "",
                    "step": 0,
                    "steps": 0,
                }
            try:
                compare_and_set(session, WorkItem, item.id, item.version, **values)  # type: ignore[arg-type]
            except StaleRecord:  # its worker finished it, or another worker took it first
                continue
            log.warning("work %s was left running by a dead worker: %s", item.id, values["status"])
            changed.append(item.id)  # type: ignore[arg-type]
    return changed


def claim(engine: Engine, process: str | None = None) -> WorkItem | None:
    """Take the oldest queued item for this worker, or None if there is none. On
    PostgreSQL the row is locked with SKIP LOCKED, so two workers look at different items;
    on both databases the change to ``running`` is a compare-and-set of its version, so an
    item is only ever taken once."""
    me = process or this_process()
    for _ in range(5):  # another worker may take the one looked at; look again
        with unit_of_work(engine) as session:
            query = select(WorkItem).where(WorkItem.status == "queued").order_by(col(WorkItem.id))
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            item = session.exec(query.limit(1)).first()
            if item is None:
                return None
            at = utcnow()
            try:
                return compare_and_set(  # type: ignore[no-any-return]
                    session,
                    WorkItem,
                    item.id,  # type: ignore[arg-type]
                    item.version,
                    status="running",
                    started_at=at,
                    heartbeat_at=at,
                    process=me,
                    attempts=item.attempts + 1,
                    step=0,
                    doing="Starting",
                )
            except StaleRecord:
                continue
    return None


def _recorder(engine: Engine, item_id: int, process: str) -> Any:
    """The progress callback for one item: written at once to the item, with a heartbeat,
    in a short transaction of its own (the work holds none while it computes)."""

    def progress(step: int, steps: int, words: str) -> None:
        try:
            with unit_of_work(engine) as session:
                session.exec(  # type: ignore[call-overload]
                    update(WorkItem)
                    .where(
                        col(WorkItem.id) == item_id,
                        col(WorkItem.status) == "running",
                        col(WorkItem.process) == process,
                    )
                    .values(step=step, steps=steps, doing=words[:200], heartbeat_at=utcnow())
                )
        except Exception as exc:  # noqa: BLE001 - progress is a courtesy; the work goes on
            log.warning("work %s: progress not recorded (%s)", item_id, type(exc).__name__)

    return progress


class _TakenOver(Exception):
    """The item was queued again or taken by another worker while this one did it."""


def run_item(engine: Engine, item: WorkItem, process: str | None = None) -> WorkItem:
    """Do one claimed item: its kind's service and the item's ``done`` in one transaction
    (both kept or neither); a failure is recorded in words."""
    me = process or item.process or this_process()
    item_id: int = item.id  # type: ignore[assignment]
    kind = KINDS[item.kind]
    progress = _recorder(engine, item_id, me)
    parameters = json.loads(item.parameters)
    steps = kind.steps(parameters)
    try:
        # three phases, so no transaction is open during the long one: on SQLite the
        # other pages (and this item's progress) can be written while it computes
        progress(1, steps, kind.reading)
        with unit_of_work(engine) as session:
            inputs = kind.read(session, parameters)
        computed = kind.compute(inputs, progress)
        progress(steps, steps, kind.saving)
        with unit_of_work(engine) as session:
            done = kind.save(session, computed, item.requested_by)
            finished = session.exec(  # type: ignore[call-overload]
                update(WorkItem)
                .where(
                    col(WorkItem.id) == item_id,
                    col(WorkItem.status) == "running",
                    col(WorkItem.process) == me,
                )
                .values(
                    status="done",
                    step=steps,
                    steps=steps,
                    doing="Finished",
                    result_id=done.result_id,
                    result=json.dumps(done.detail, default=str),
                    finished_at=utcnow(),
                    heartbeat_at=utcnow(),
                    version=WorkItem.version + 1,
                )
            )
            if finished.rowcount != 1:
                raise _TakenOver()
        log.info("work %s done (%s %s)", item_id, item.kind, done.result_id)
    except _TakenOver:
        log.warning("work %s was taken over by another worker; this result was not kept", item_id)
    except Exception as exc:  # noqa: BLE001 - recorded for the person who asked, in words
        _fail(engine, item_id, me, exc)
    with unit_of_work(engine) as session:
        return get_item(session, item_id)


def _fail(engine: Engine, item_id: int, process: str, exc: BaseException) -> None:
    if isinstance(exc, PlannerError):  # a refusal the person can act on; no personal data
        words = exc.message
    else:  # the type and where, never the message: messages can carry values
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {where.filename}:{where.lineno}" if where else ""
        log.error("work %s failed: %s%s", item_id, type(exc).__name__, at)
        words = UNEXPECTED.format(id=item_id)
    with unit_of_work(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(WorkItem)
            .where(
                col(WorkItem.id) == item_id,
                col(WorkItem.status) == "running",
                col(WorkItem.process) == process,
            )
            .values(
                status="failed",
                failure=words[:2000],
                doing="Stopped",
                finished_at=utcnow(),
                version=WorkItem.version + 1,
            )
        )
    log.info("work %s failed (%s)", item_id, getattr(exc, "code", type(exc).__name__))


def run_queued(engine: Engine, *, limit: int | None = None) -> list[WorkItem]:
    """Queue again the items of dead workers, then do queued items one after another until
    none is left (or ``limit`` are done). What the scheduler's poll job and ``planner work
    run`` call."""
    requeue_stale(engine)
    finished: list[WorkItem] = []
    while limit is None or len(finished) < limit:
        item = claim(engine)
        if item is None:
            break
        finished.append(run_item(engine, item))
    return finished


# Whether this process's poll is already doing the queue: a poll that finds it busy returns
# at once instead of APScheduler logging "skipped: maximum number of running instances"
# every few seconds of a long run. Not what makes work run once: the database does that.
_polling = threading.Event()
_polling_guard = threading.Lock()


def poll(engine: Engine) -> int:
    """The scheduler's job: do what is queued; how many items were done. Never raises (a
    database that is down is tried again at the next poll)."""
    with _polling_guard:
        if _polling.is_set():
            return 0
        _polling.set()
    try:
        return len(run_queued(engine))
    except Exception as exc:  # noqa: BLE001 - the next poll tries again
        log.warning("the work queue could not be read: %s", type(exc).__name__)
        return 0
    finally:
        _polling.clear()


# -- asking for each kind of work --------------------------------------------------------


def request_match_run(session: Session, *, as_of: date, requested_by: str) -> Requested:
    """A match run on the records of ``as_of`` (today): the same day's run asked for again
    while it is queued or running joins it."""
    return request_work(
        session, kind=MATCH, parameters={"as_of": as_of.isoformat()}, requested_by=requested_by
    )


def request_forecast(
    session: Session,
    *,
    scenarios: list[str],
    months: int,
    runs: int,
    as_of: date,
    child_population: int,
    requested_by: str,
) -> Requested:
    """A forecast of checked ``scenarios`` (``check_forecast_request``) on the records of
    ``as_of``; the same forecast asked for again while it is being made joins it."""
    parameters = {
        "scenarios": list(scenarios),
        "months": months,
        "runs": runs,
        "seed": 0,
        "as_of": as_of.isoformat(),
        "child_population": child_population,
    }
    return request_work(session, kind=FORECAST, parameters=parameters, requested_by=requested_by)


def request_places_needed(
    session: Session,
    *,
    state: str,
    through: date,
    probability: float,
    scenario: str,
    runs: int,
    as_of: date,
    child_population: int,
    requested_by: str,
) -> Requested:
    """The places-needed goal-seek on the records of ``as_of``, for a question already
    checked (``places_needed.check_question``); the same question asked again while it is
    being worked out joins it."""
    parameters = {
        "state": state,
        "through": through.isoformat(),
        "probability": probability,
        "scenario": scenario,
        "runs": runs,
        "seed": 0,
        "as_of": as_of.isoformat(),
        "child_population": child_population,
    }
    return request_work(
        session, kind=PLACES_NEEDED, parameters=parameters, requested_by=requested_by
    )


def places_needed_answer(item: WorkItem) -> dict[str, Any] | None:
    """The answer a finished goal-seek item keeps (None for any other item, or unfinished)."""
    if item.kind != PLACES_NEEDED or item.status != "done":
        return None
    answer = json.loads(item.result or "{}").get("answer")
    return answer if isinstance(answer, dict) else None


def request_forecast_accuracy(
    session: Session,
    *,
    origins: int,
    horizon: int,
    runs: int,
    as_of: date,
    child_population: int,
    requested_by: str,
) -> Requested:
    """The rolling backtest of "How good has this forecast been here?" on the records of
    ``as_of``; asked again while one is being done, it joins it."""
    parameters = {
        "origins": origins,
        "horizon": horizon,
        "runs": runs,
        "seed": 0,
        "as_of": as_of.isoformat(),
        "child_population": child_population,
    }
    return request_work(
        session, kind=FORECAST_ACCURACY, parameters=parameters, requested_by=requested_by
    )


@dataclass(frozen=True)
class Latest:
    """The latest finished item of a kind that keeps its result on itself, and any item of
    that kind still waiting or running (to say a newer one is on its way)."""

    done: WorkItem | None
    result: dict[str, Any] | None
    active: WorkItem | None


def latest_kept(session: Session, kind: str, field: str) -> Latest:
    """The newest finished ``kind`` item and its kept ``field`` (the accuracy check's
    result), with the newest one still queued or running."""

    def newest(*statuses: str) -> WorkItem | None:
        query = (
            select(WorkItem)
            .where(WorkItem.kind == kind, col(WorkItem.status).in_(statuses))
            .order_by(col(WorkItem.id).desc())
            .limit(1)
        )
        return session.exec(query).first()

    done = newest("done")
    kept = json.loads(done.result or "{}").get(field) if done is not None else None
    return Latest(done, kept if isinstance(kept, dict) else None, newest(*ACTIVE))
