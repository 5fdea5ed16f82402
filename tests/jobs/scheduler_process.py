"""``planner scheduler`` as its own process, with one extra job that fires every second.

The planner's jobs fire once a day at most; a test of two schedulers needs one that fires
often and has no period (every firing is a run of its own, so a second scheduler running it
would show as a second row, not be hidden by the one-run-per-period rule). It is added to
``JOBS`` before the real command starts; everything else is the real scheduler.
"""

from planner.jobs import scheduler
from planner.jobs.scheduler import JobSpec

EVERY_SECOND = JobSpec(
    "test.every_second",
    "planner.jobs.tasks:pathway_plans_overdue",
    "A job for tests that fires every second",
    {"second": "*"},
    None,
)

if __name__ == "__main__":
    scheduler.JOBS = (*scheduler.JOBS, EVERY_SECOND)

    from planner.cli import app

    app(["scheduler"], prog_name="planner")
