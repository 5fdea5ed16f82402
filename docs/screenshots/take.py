"""Take the README's screenshots from the demo council in real headless Chromium.

    .venv/bin/python docs/screenshots/take.py

Builds a throwaway demo database, signs in as each role that a screenshot needs, and
writes PNG files next to this script. Nothing here is used by the planner itself.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from planner.accounts import service as accounts
from planner.core.db import make_engine, unit_of_work
from planner.core.migrate import upgrade
from planner.demo.council import generate_council, load_council, seed_escalation_trail
from planner.domain import Role
from planner.forecasting import service as forecasting
from planner.matching import service as matching

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = {
    # file: (role, path, full page, or the CSS selector of the element to capture)
    "matching.png": (Role.housing_officer, "/matching", False),
    "escalations.png": (Role.manager, "/escalations", False),
    "forecast-chart.png": (Role.commissioner, "/forecasts/{run}", "figure.app-chart-figure"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(url: str) -> tuple[dict[Role, tuple[str, str]], int]:
    engine = make_engine(url)
    upgrade(engine)
    council = generate_council(2024, date.today())
    logins = {}
    with unit_of_work(engine) as session:
        load_council(session, council, actor="demo")
        seed_escalation_trail(session, council)
        for role in (Role.housing_officer, Role.manager, Role.commissioner):
            name, password = f"shots-{role.value.replace('_', '-')}", secrets.token_urlsafe(18)
            accounts.create_user(
                session, username=name, role=role, password=password, actor="shots"
            )
            logins[role] = (name, password)
        matching.run_matching(session, actor="shots")
        report = forecasting.make_forecast(
            session,
            scenarios=["central"],
            months=36,
            runs=500,
            child_population=67_300,
            actor="shots",
            compare=False,
        )
    engine.dispose()
    return logins, report.run_ids[0]


def main() -> int:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'shots.sqlite3'}"
    logins, run_id = build(url)
    port = _free_port()
    env = dict(os.environ, PLANNER_DATABASE_URL=url, PLANNER_RUN_SCHEDULER="false")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for file, (role, path, full) in SHOTS.items():
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                username, password = logins[role]
                page.goto(f"{base}/sign-in")
                page.get_by_label("Username").fill(username)
                page.get_by_label("Password", exact=True).fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}/")
                response = page.goto(base + path.format(run=run_id))
                if response is None or response.status != 200:
                    print(f"skipped {file}: {path} answered {response and response.status}")
                    page.close()
                    continue
                if isinstance(full, str):  # a CSS selector: that element and its heading
                    section = page.locator(full).nth(1).locator("xpath=..")
                    section.screenshot(path=str(HERE / file))
                else:
                    page.screenshot(path=str(HERE / file), full_page=full)
                print(f"wrote {file}")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
