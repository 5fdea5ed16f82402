"""Reliability under many users: two API processes, two schedulers, kill -9, SQLite writers.

    .venv/bin/python benchmarks/reliability.py --throwaway        # initdb a PostgreSQL of its own
    .venv/bin/python benchmarks/reliability.py --postgres URL     # or a server given by URL
    .venv/bin/python benchmarks/reliability.py --postgres URL --sqlite-seconds 30

Not a test: it prints a table of figures for docs/performance.md ("Reliability").

PostgreSQL (a database of its own, the demo council loaded as ``planner demo`` does, one
manager's API token), two API processes (uvicorn, 40 threads each, no scheduler) on one
database:

* 50 and 200 concurrent ``GET /api/v1/young-people``, spread over the two processes:
  status counts and p50/p95/p99 latency;
* 50 concurrent accepts for one young person (50 proposals, each for a vacancy of its own)
  and 50 for one vacancy (50 young people): winners, conflicts, server errors;
* two ``planner scheduler`` processes with a job due every 5 seconds, for
  ``--schedule-seconds``: firings, runs, firings run twice;
* ``kill -9`` of the scheduler in the middle of a (15-second, daily) job, then a restart:
  the outcomes of that job's runs (expected: interrupted, then succeeded, once).

SQLite (a file of its own): one API process; ``--sqlite-clients`` clients for
``--sqlite-seconds`` each alternately list young people and open a record (a view writes an
audit row, so every other request is a write), while two ``planner import young-people``
of 2,000 rows each and a ``planner forecast`` run as processes of their own.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "benchmarks"))

from concurrency import _database, _drop, _pending, _seed  # noqa: E402
from reliability_jobs import FAST, SLOW  # noqa: E402

ROWS: list[tuple[str, str, str]] = []  # (scenario, figure, value)


def row(scenario: str, figure: str, value: object) -> None:
    ROWS.append((scenario, figure, str(value)))
    print(f"  {scenario}: {figure} = {value}", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{HERE}{os.pathsep}{HERE / 'benchmarks'}",
        "PLANNER_DATABASE_URL": url,
        "PLANNER_ENVIRONMENT": "test",
        "PLANNER_RUN_SCHEDULER": "false",
        **extra,
    }


# -- a throwaway PostgreSQL ----------------------------------------------------------------------


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """initdb in a temporary folder and a server on a free loopback port (as .ci/run)."""
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    folder = Path(tempfile.mkdtemp(prefix="planner-bench-pg-"))
    as_pg: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(folder, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    subprocess.run(
        [*as_pg, str(pgbin / "initdb"), "-D", str(data), "-U", "planner", "--auth=trust"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [*as_pg, str(pgbin / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
         "start", "-o", options],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        subprocess.run(
            [*as_pg, str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
             "planner", "planner"],
            check=True,
        )  # fmt: skip
        yield f"postgresql+psycopg://planner@127.0.0.1:{port}/planner"
    finally:
        subprocess.run(
            [*as_pg, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


# -- API processes and clients -------------------------------------------------------------------


@contextmanager
def api_process(url: str, log: Path) -> Iterator[str]:
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port",
             str(port), "--log-level", "warning"],
            cwd=HERE, env=_env(url), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"uvicorn did not start: see {log}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _status(call: Callable[[], httpx.Response]) -> str:
    try:
        return str(call().status_code)
    except httpx.HTTPError as exc:
        return type(exc).__name__


def burst(calls: list[Callable[[], httpx.Response]]) -> tuple[Counter[str], list[float]]:
    """Every call at once (released by a barrier): status counts and each latency."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, float]] = []
    guard = threading.Lock()

    def client(call: Callable[[], httpx.Response]) -> None:
        barrier.wait()
        began = time.perf_counter()
        status = _status(call)
        with guard:
            results.append((status, time.perf_counter() - began))

    threads = [threading.Thread(target=client, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(s for s, _ in results), [t for _, t in results]


def percentiles(latencies: list[float]) -> str:
    if len(latencies) < 2:
        return "-"
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return f"{cuts[49]:.2f} / {cuts[94]:.2f} / {cuts[98]:.2f} s"


def statuses(counts: Counter[str]) -> str:
    return ", ".join(f"{n} x {s}" for s, n in sorted(counts.items()))


def _one_vacancy(url: str, count: int) -> list[tuple[int, int]]:
    """``count`` young people in bed and breakfast, each with a pending proposal for the same
    open vacancy: (proposal id, version)."""
    from planner.core import clock
    from planner.core.db import make_engine, unit_of_work
    from planner.domain import PlacementType
    from planner.models import MatchRun, Place, Proposal, Provision, Stay, Vacancy, YoungPerson

    today = clock.today()
    tag = secrets.token_hex(3).upper()
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        run = MatchRun(
            created_by="bench", as_of=today, solver="cbc", status="optimal", input_fingerprint=tag
        )
        scheme = Provision(
            reference=f"BENCHV-{tag}",
            name="Bench scheme",
            placement_type=PlacementType.supported_accommodation,
            area="Bench",
        )
        session.add_all([run, scheme])
        session.flush()
        place = Place(reference=f"BENCHV-{tag}", provision_id=scheme.id)
        session.add(place)
        session.flush()
        vacancy = Vacancy(place_id=place.id, available_from=today)
        session.add(vacancy)
        session.flush()
        proposals = []
        for i in range(count):
            person = YoungPerson(
                reference=f"BENCHV-{tag}-{i}",
                date_of_birth=date(today.year - 19, 1, 15),
                area="Bench",
            )
            session.add(person)
            session.flush()
            session.add(
                Stay(
                    young_person_id=person.id,
                    placement_type=PlacementType.bed_and_breakfast,
                    start_date=today - timedelta(days=30),
                    suitable=False,
                )
            )
            proposal = Proposal(
                match_run_id=run.id, young_person_id=person.id, vacancy_id=vacancy.id, stage="a"
            )
            session.add(proposal)
            proposals.append(proposal)
        session.flush()
        pending = [(p.id, p.version) for p in proposals]
    engine.dispose()
    return pending


def _accepts(bases: list[str], auth: dict, pending: list[tuple[int, int]]) -> list:
    start = date.today().isoformat()

    def accept(i: int, proposal_id: int, version: int) -> Callable[[], httpx.Response]:
        body = {"expected_version": version, "start": start}
        base = bases[i % len(bases)]
        return lambda: httpx.post(
            f"{base}/api/v1/proposals/{proposal_id}/accept", headers=auth, json=body, timeout=120
        )

    return [accept(i, p, v) for i, (p, v) in enumerate(pending)]


def _accept_figures(name: str, counts: Counter[str], latencies: list[float]) -> None:
    server_errors = sum(n for s, n in counts.items() if not s.isdigit() or s.startswith("5"))
    row(name, "statuses", statuses(counts))
    row(name, "winners / conflicts / server errors",
        f"{counts.get('200', 0)} / {counts.get('409', 0)} / {server_errors}")  # fmt: skip
    row(name, "p50 / p95 / p99", percentiles(latencies))


# -- schedulers ----------------------------------------------------------------------------------


class Scheduler:
    def __init__(self, url: str, log: Path, jobs: str) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(HERE / "benchmarks" / "reliability_jobs.py")],
                cwd=HERE,
                env=_env(url, BENCH_JOBS=jobs, PLANNER_SCHEDULER_POLL_SECONDS="0.5"),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _runs(url: str, job_id: str) -> list[tuple[str, object]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT outcome, started_at FROM job_run WHERE job_id = :j ORDER BY id"),
            {"j": job_id},
        ).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def _wait(what: str, check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    print(f"  (gave up waiting for {what})", flush=True)
    return False


def schedulers(url: str, folder: Path, seconds: float) -> None:
    name = f"2 schedulers, job every 5 s, {seconds:.0f} s"
    pair = [Scheduler(url, folder / f"scheduler-{i}.log", "fast") for i in (1, 2)]
    try:
        time.sleep(seconds)
    finally:
        for s in pair:
            s.stop()
    runs = _runs(url, FAST)
    firings = Counter(
        started.replace(second=started.second - started.second % 5, microsecond=0)  # type: ignore[attr-defined]
        for _, started in runs
    )
    row(name, "firings / runs", f"{len(firings)} / {len(runs)}")
    row(name, "firings run twice or more", sum(1 for n in firings.values() if n > 1))
    row(name, "outcomes", statuses(Counter(o for o, _ in runs)))


def kill_mid_job(url: str, folder: Path) -> None:
    name = "kill -9 mid-job, restart"
    first = Scheduler(url, folder / "scheduler-killed.log", "slow")
    second = None
    try:
        _wait("the slow job to start", lambda: any(o == "running" for o, _ in _runs(url, SLOW)), 60)
        time.sleep(2)
        first.proc.kill()  # SIGKILL: no clean-up of any kind
        first.proc.wait()
        second = Scheduler(url, folder / "scheduler-restarted.log", "slow")
        _wait("the job to run again", lambda: any(o == "succeeded" for o, _ in _runs(url, SLOW)),
              90)  # fmt: skip
        time.sleep(6)  # a later firing of the day's job must not run it again
    finally:
        first.stop()
        if second is not None:
            second.stop()
    row(name, "runs of the job (in order)", " -> ".join(o for o, _ in _runs(url, SLOW)))


# -- the scenarios -------------------------------------------------------------------------------


def postgres_scenarios(base_url: str, folder: Path, schedule_seconds: float) -> None:
    url = _database(base_url)
    try:
        token = _seed(url)
        auth = {"Authorization": f"Bearer {token}"}
        one_person = _pending(url, 50)
        one_vacancy = _one_vacancy(url, 50)
        with (
            api_process(url, folder / "api-1.log") as first,
            api_process(url, folder / "api-2.log") as second,
        ):
            bases = [first, second]
            for clients in (50, 200):
                name = f"{clients} x GET /api/v1/young-people, 2 API processes"
                calls = [
                    (lambda b=bases[i % 2]: httpx.get(
                        f"{b}/api/v1/young-people", headers=auth, timeout=120))
                    for i in range(clients)
                ]  # fmt: skip
                counts, latencies = burst(calls)
                row(name, "statuses", statuses(counts))
                row(name, "p50 / p95 / p99", percentiles(latencies))
            _accept_figures(
                "50 accepts, one young person", *burst(_accepts(bases, auth, one_person))
            )
            _accept_figures("50 accepts, one vacancy", *burst(_accepts(bases, auth, one_vacancy)))
        schedulers(url, folder, schedule_seconds)
        kill_mid_job(url, folder)
    finally:
        _drop(base_url, url)


def _import_file(path: Path, prefix: str, count: int) -> None:
    today = date.today()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["reference", "date_of_birth", "legal_status", "area"])
        for i in range(count):
            born = date(today.year - 19 - i % 5, 1 + i % 12, 1 + i % 28)
            writer.writerow([f"{prefix}{i:05d}", born.isoformat(), "former_relevant", "Weymouth"])


def _planner(args: list[str], url: str, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from planner.cli import app; app()", *args],
            cwd=HERE, env=_env(url), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def sqlite_scenario(folder: Path, clients: int, seconds: float) -> None:
    url = f"sqlite:///{folder / 'planner.sqlite3'}"
    token = _seed(url)
    auth = {"Authorization": f"Bearer {token}"}
    for n in (1, 2):
        _import_file(folder / f"import-{n}.csv", f"IMP{n}-", 2000)
    name = f"SQLite, {clients} clients x {seconds:.0f} s + 2 imports + forecast"
    with api_process(url, folder / "api-sqlite.log") as base:
        people = httpx.get(f"{base}/api/v1/young-people", headers=auth, timeout=60).json()
        ids = [p["id"] for p in people.get("rows", [])]
        results: list[tuple[str, float]] = []
        guard = threading.Lock()
        stop = time.monotonic() + seconds

        def client(k: int) -> None:
            i = 0
            with httpx.Client(base_url=base, headers=auth, timeout=120) as http:
                while time.monotonic() < stop:
                    i += 1
                    path = (
                        f"/api/v1/young-people/{ids[(k + i) % len(ids)]}"
                        if ids and i % 2
                        else "/api/v1/young-people"
                    )
                    began = time.perf_counter()
                    status = _status(lambda p=path: http.get(p))
                    with guard:
                        results.append((status, time.perf_counter() - began))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        time.sleep(min(3.0, seconds / 5))
        began = time.perf_counter()
        jobs = {
            "import 1": _planner(["import", "young-people", str(folder / "import-1.csv")], url,
                                 folder / "import-1.log"),
            "import 2": _planner(["import", "young-people", str(folder / "import-2.csv")], url,
                                 folder / "import-2.log"),
            "forecast": _planner(["forecast", "--out", str(folder / "forecast"), "--runs", "200",
                                  "--horizon", "24"], url, folder / "forecast.log"),
        }  # fmt: skip
        ended: dict[str, str] = {}
        for job, proc in jobs.items():
            code = proc.wait(timeout=600)
            ended[job] = f"exit {code} after {time.perf_counter() - began:.1f} s"
        for t in threads:
            t.join()
    counts = Counter(s for s, _ in results)
    errors = sum(n for s, n in counts.items() if s != "200")
    row(name, "requests / not 200", f"{len(results)} / {errors}")
    row(name, "statuses", statuses(counts))
    row(name, "p50 / p95 / p99", percentiles([t for _, t in results]))
    for job, what in ended.items():
        row(name, job, what)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("PLANNER_TEST_POSTGRES_URL"))
    parser.add_argument("--throwaway", action="store_true", help="initdb a server of its own")
    parser.add_argument("--schedule-seconds", type=float, default=60)
    parser.add_argument("--sqlite-clients", type=int, default=30)
    parser.add_argument("--sqlite-seconds", type=float, default=45)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the logs folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="planner-reliability-"))
    began = time.perf_counter()
    try:
        if not args.skip_postgres:
            if args.throwaway:
                with throwaway_postgres() as base:
                    postgres_scenarios(base, folder, args.schedule_seconds)
            elif args.postgres:
                postgres_scenarios(args.postgres, folder, args.schedule_seconds)
            else:
                raise SystemExit("pass --postgres URL or --throwaway (or --skip-postgres)")
        if not args.skip_sqlite:
            sqlite_scenario(folder, args.sqlite_clients, args.sqlite_seconds)
    finally:
        print(f"\nlogs: {folder}" if args.keep else "")
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print("| scenario | figure | value |\n|---|---|---|")
    for scenario, figure, value in ROWS:
        print(f"| {scenario} | {figure} | {value} |")
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
