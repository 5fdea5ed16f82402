"""Many users at once: 50 requests released together against one API process on PostgreSQL.

    export PLANNER_TEST_POSTGRES_URL=postgresql+psycopg://planner@127.0.0.1:55433/planner_test
    .venv/bin/python benchmarks/concurrency.py                        # this tree
    .venv/bin/python benchmarks/concurrency.py --tree /tmp/conc-before  # e.g. a `git archive`

The script makes a database of its own on that server, loads the demo council into it (as
``planner demo`` does), issues one API token, and serves ``--tree`` with uvicorn on a free
port (one process, FastAPI's default 40 worker threads, no scheduler; ``PYTHONPATH`` and the
working directory are the tree, so two trees can be compared with one virtual environment).
Two rounds, each ``--clients`` threads released together by a barrier:

* reads: ``GET /api/v1/young-people`` with the one token;
* accepts: ``POST /api/v1/proposals/{id}/accept``, each thread a different pending proposal
  of the same young person (each for its own open vacancy), so exactly one can succeed.

For each round it prints the count of each HTTP status and the slowest response. The
database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parents[1]


def _database(base: str) -> str:
    name = f"planner_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _drop(base: str, url: str) -> None:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _seed(url: str) -> str:
    """The demo council and one manager's API token."""
    from planner.accounts import service as accounts
    from planner.core.db import make_engine, unit_of_work
    from planner.core.migrate import upgrade
    from planner.demo import council as demo
    from planner.domain import Role

    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        demo.load_council(session, demo.generate_council(2024, None), actor=demo.DEMO_ACTOR)
        owner = accounts.create_user(
            session,
            username="bench",
            role=Role.manager,
            password=accounts.generate_password(),
            actor="bench",
        )
        _, token = accounts.issue_api_token(session, owner=owner, name="bench")
    engine.dispose()
    return token


def _pending(url: str, count: int) -> list[tuple[int, int]]:
    """``count`` pending proposals of one new young person in bed and breakfast, each for an
    open vacancy of its own: (proposal id, version)."""
    from datetime import date, timedelta

    from planner.core import clock
    from planner.core.db import make_engine, unit_of_work
    from planner.domain import PlacementType
    from planner.models import MatchRun, Place, Proposal, Provision, Stay, Vacancy, YoungPerson

    today = clock.today()
    tag = secrets.token_hex(3).upper()
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        person = YoungPerson(
            reference=f"BENCH-{tag}", date_of_birth=date(today.year - 19, 1, 15), area="Bench"
        )
        run = MatchRun(
            created_by="bench", as_of=today, solver="cbc", status="optimal", input_fingerprint=tag
        )
        scheme = Provision(
            reference=f"BENCH-{tag}",
            name="Bench scheme",
            placement_type=PlacementType.supported_accommodation,
            area="Bench",
        )
        session.add_all([person, run, scheme])
        session.flush()
        session.add(
            Stay(
                young_person_id=person.id,
                placement_type=PlacementType.bed_and_breakfast,
                start_date=today - timedelta(days=30),
                suitable=False,
            )
        )
        proposals = []
        for i in range(count):
            place = Place(reference=f"BENCH-{tag}-{i}", provision_id=scheme.id)
            session.add(place)
            session.flush()
            vacancy = Vacancy(place_id=place.id, available_from=today)
            session.add(vacancy)
            session.flush()
            proposal = Proposal(
                match_run_id=run.id, young_person_id=person.id, vacancy_id=vacancy.id, stage="a"
            )
            session.add(proposal)
            proposals.append(proposal)
        session.flush()
        pending = [(p.id, p.version) for p in proposals]
    engine.dispose()
    return pending


def _serve(tree: Path, url: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "PLANNER_DATABASE_URL": url,
        "PLANNER_ENVIRONMENT": "test",
        "PLANNER_RUN_SCHEDULER": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port)],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("uvicorn did not start")
        time.sleep(0.2)


def _burst(calls: list[Callable[[], httpx.Response]]) -> tuple[Counter[str], float]:
    """Every call at once (a barrier releases them); the count of each status and the
    slowest response in seconds."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, float]] = []
    guard = threading.Lock()

    def client(call: Callable[[], httpx.Response]) -> None:
        barrier.wait()
        began = time.perf_counter()
        try:
            status = str(call().status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        with guard:
            results.append((status, time.perf_counter() - began))

    threads = [threading.Thread(target=client, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(s for s, _ in results), max(t for _, t in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE, help="the source tree to serve")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("PLANNER_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres:
        raise SystemExit("set PLANNER_TEST_POSTGRES_URL or pass --postgres")
    url = _database(args.postgres)
    proc = None
    try:
        token = _seed(url)
        pending = _pending(url, args.clients)
        proc, base = _serve(args.tree.resolve(), url)
        auth = {"Authorization": f"Bearer {token}"}
        start = time.strftime("%Y-%m-%d")

        def read() -> httpx.Response:
            return httpx.get(f"{base}/api/v1/young-people", headers=auth, timeout=120)

        def accept(proposal_id: int, version: int) -> Callable[[], httpx.Response]:
            body = {"expected_version": version, "start": start}
            return lambda: httpx.post(
                f"{base}/api/v1/proposals/{proposal_id}/accept",
                headers=auth,
                json=body,
                timeout=120,
            )

        reads, slowest_read = _burst([read] * args.clients)
        accepts, slowest_accept = _burst([accept(p, v) for p, v in pending])
        print(f"tree: {args.tree}")
        print("| round | statuses | slowest response |")
        print("|---|---|---|")
        for name, counts, slowest in (
            (f"{args.clients} x GET /api/v1/young-people", reads, slowest_read),
            (f"{args.clients} x accept, one young person", accepts, slowest_accept),
        ):
            statuses = ", ".join(f"{n} x {s}" for s, n in sorted(counts.items()))
            print(f"| {name} | {statuses} | {slowest:.1f} s |")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        _drop(args.postgres, url)


if __name__ == "__main__":
    main()
