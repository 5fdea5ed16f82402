"""One working day, end to end, in real Chromium with axe-core (issue 11, item 8).

A personal adviser records that YP0003 moved into bed and breakfast tonight; the manager's
escalation queue shows them at once with their best place now; the housing officer opens
that vacancy, proposes YP0003 and accepts the move for a fortnight's time; the queue keeps them as
"a move is planned", its exit plan the move, until that day, and on that day they are gone from it.

The server runs in this process (uvicorn in a thread), so the test can move the planner's
one clock (:func:`planner.core.clock.frozen`) from today to the day of the move between requests.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn
from conftest import _copy
from test_browser import AxeLog, _sign_in

from api.app import create_app
from planner.core import clock
from planner.core.settings import Settings
from planner.domain.text import day_words

pytestmark = pytest.mark.browser
TODAY = clock.today()
# both of the seeded council's vacancies are free by then (one now, one in 14 days)
MOVE_DAY = TODAY + timedelta(days=15)


@pytest.fixture
def served(sqlite_web_template, tmp_path) -> Iterator[tuple[str, object]]:
    db, remove = _copy(sqlite_web_template, tmp_path)
    app = create_app(Settings(database_url=db.url, environment="test", run_scheduler=False))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:  # uvicorn offers no event to wait on
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", db.council
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        remove()


def _signed_in(browser, base: str, council, username: str):
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    _sign_in(page, base, username, council.passwords[username])
    return context, page


def _queue_row(page, base: str, reference: str):
    page.goto(f"{base}/escalations")
    return page.locator("main table tbody tr").filter(has_text=reference)


def test_a_move_into_bed_and_breakfast_tonight_to_a_planned_move_and_off_the_queue(browser, served):
    base, council = served
    axe = AxeLog()
    with clock.frozen(TODAY):
        # 1. the personal adviser records tonight's move into bed and breakfast
        context, page = _signed_in(browser, base, council, "pa01")
        try:
            page.goto(f"{base}/young-people")
            page.get_by_role("link", name="YP0003").click()
            page.get_by_role("button", name="Record a move").click()
            axe.check(page, "record a move")
            page.get_by_label("Or placement type").select_option(label="Bed and breakfast")
            page.get_by_role("button", name="Record the move").click()
            page.wait_for_url(re.compile(r"/young-people/\d+\?done=move"))
            assert "Bed and breakfast" in page.locator("main").inner_text()
            axe.check(page, "young person after the move")
        finally:
            context.close()

        # 2. the manager's queue shows them at once, with their best place now
        context, page = _signed_in(browser, base, council, council.by_role["manager"])
        try:
            row = _queue_row(page, base, "YP0003")
            assert row.count() == 1, "YP0003 is not on the queue after the move"
            best = row.locator('a[href^="/vacancies/"]')
            assert best.count() == 1, row.inner_text()
            vacancy_href = best.get_attribute("href")
            assert vacancy_href is not None
            axe.check(page, "escalation queue with YP0003")
        finally:
            context.close()

        # 3. the housing officer opens that vacancy, proposes YP0003 and accepts a later move
        context, page = _signed_in(browser, base, council, council.by_role["housing_officer"])
        try:
            page.goto(base + vacancy_href)
            axe.check(page, "the best place's vacancy")
            page.get_by_role("button", name="Propose YP0003").click()
            page.wait_for_url("**?done=proposed")
            page.goto(f"{base}/matching")
            card = page.locator("form").filter(has=page.get_by_role("button", name="Accept YP0003"))
            card.locator("input[name=start-day]").fill(str(MOVE_DAY.day))
            card.locator("input[name=start-month]").fill(str(MOVE_DAY.month))
            card.locator("input[name=start-year]").fill(str(MOVE_DAY.year))
            card.get_by_role("button", name="Accept YP0003").click()
            page.wait_for_url("**/matching?accepted=*")
            assert "Accepted: YP0003 moves to" in page.locator("main").inner_text()
            axe.check(page, "matching after accepting a later move")
        finally:
            context.close()

        # 4. until that day they stay on the queue, as a move planned for that day
        context, page = _signed_in(browser, base, council, council.by_role["manager"])
        try:
            row = _queue_row(page, base, "YP0003")
            assert row.count() == 1, "a planned move took YP0003 off the queue too early"
            text = row.inner_text()
            assert "None sought: a move is planned" in text
            assert f" on {day_words(MOVE_DAY)}" in text and "Moving to " in text  # exit plan
            axe.check(page, "escalation queue with a planned move")
        finally:
            context.close()

    with clock.frozen(MOVE_DAY - timedelta(days=1)):
        context, page = _signed_in(browser, base, council, council.by_role["manager"])
        try:
            assert _queue_row(page, base, "YP0003").count() == 1  # the day before: still there
        finally:
            context.close()

    # 5. on that day (the clock moved on, no sweep run yet) they have left the queue
    with clock.frozen(MOVE_DAY):
        context, page = _signed_in(browser, base, council, council.by_role["manager"])
        try:
            assert _queue_row(page, base, "YP0003").count() == 0
            assert _queue_row(page, base, "YP0001").count() == 1  # the others are still there
            axe.check(page, "escalation queue on the day of the move")
        finally:
            context.close()
    assert axe.found == {}, axe.found
