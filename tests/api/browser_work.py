"""For browser tests against a uvicorn server without a scheduler: a page that starts a
match run or a forecast lands on the work page; the test's own process is the worker
(``planner.work``, as ``planner work run`` is), and the work page's own refresh then takes
the browser to the result."""

from __future__ import annotations

from planner.core.db import get_engine
from planner.work import service as work


def do_the_queued_work(page, database_url: str, axe=None, label: str = "work page") -> None:
    """Wait for the work page, check it with axe (if given), do the work, and let the page's
    refresh (every 3 s) follow it to the result."""
    page.wait_for_url("**/work/*")
    assert "waiting to start" in page.locator("h1").inner_text()
    if axe is not None:
        axe.check(page, label)
    done = work.run_queued(get_engine(database_url))
    assert done and all(item.status == "done" for item in done), [i.failure for i in done]
