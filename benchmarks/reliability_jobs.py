"""``planner scheduler`` for benchmarks/reliability.py, with one or two extra jobs.

``BENCH_JOBS=fast``: a job with no period due every 5 seconds (every firing is a run of its
own, so a second scheduler running it shows as a second row). ``BENCH_JOBS=slow``: a job
of the day's period due every 5 seconds that takes ``BENCH_SLOW_SECONDS`` (15) seconds, to
be killed mid-run. Everything else is the real ``planner scheduler`` command.
"""

from __future__ import annotations

import os
import time

from sqlmodel import Session

FAST = "bench.every_5s"
SLOW = "bench.slow_daily"


def slow_job(session: Session) -> str:
    time.sleep(float(os.environ.get("BENCH_SLOW_SECONDS", "15")))
    return "slept"


if __name__ == "__main__":
    from planner.jobs import scheduler
    from planner.jobs.scheduler import JobSpec

    extra = {
        "fast": JobSpec(
            FAST,
            "planner.jobs.tasks:pathway_plans_overdue",
            "benchmark: fast, no period",
            {"second": "*/5"},
            None,
        ),
        "slow": JobSpec(
            SLOW, "reliability_jobs:slow_job", "benchmark: slow, daily", {"second": "*/5"}, "day"
        ),
    }[os.environ.get("BENCH_JOBS", "fast")]
    scheduler.JOBS = (*scheduler.JOBS, extra)

    from planner.cli import app

    app(["scheduler"], prog_name="planner")
