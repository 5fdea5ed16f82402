"""The ``planner`` command's entry point (pyproject's ``[project.scripts]``, ``python -m planner``).

``planner match ARGS`` in its plain forms runs from here without importing the command-line
library (typer, click), rich, the database layer or any other feature's commands: a
council-size run is about 0.8 s in all, and building the command line would add about a
tenth (docs/performance.md, "`planner match` at council size"). Every other command, and a
``planner match`` the quick reader leaves alone (``--help``, a mistake), goes to the root
command, `planner.cli.app`, exactly as before.

This module imports the standard library only.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence


def main(args: Sequence[str] | None = None) -> None:
    """Run ``planner ARGS`` (the process's own arguments when `args` is None); ends with
    SystemExit, as typer ends a command."""
    argv = list(sys.argv[1:] if args is None else args)
    if argv[:1] == ["match"]:
        _match_process()
        from planner.matching.match_cli import quick_match_arguments, run_quick_match

        arguments = quick_match_arguments(argv[1:])
        if arguments is not None:
            try:
                run_quick_match(arguments)
            except Exception as exc:
                end_refused(exc)
                raise
    from planner.cli import app

    app(argv, prog_name="planner")


def end_refused(exc: Exception) -> None:
    """End the command with code 2 and the refusal's message if `exc` is one a person can act
    on (a `PlannerError`, the database staying busy past PLANNER_SQLITE_BUSY_TIMEOUT, a
    deadlock that outlasted its retries...), never a traceback; return if it is not."""
    from planner.core.db import as_planner_error
    from planner.core.errors import PlannerError

    refused = exc if isinstance(exc, PlannerError) else as_planner_error(exc)
    if refused is None:
        return
    from planner.core.cli_support import err

    err.print(f"[red]Error:[/red] {refused.message}", highlight=False, markup=True)
    raise SystemExit(2) from None


def _match_process() -> None:
    """Set up a process that runs `planner match`: one BLAS thread and no cyclic collector.

    OpenBLAS starts a pool of busy-waiting threads when numpy is imported, one per core. A
    match run does no large matrix products (its arrays are sparse pairs, its solvers plain
    Python or compiled single-threaded code), so on a shared 2-core machine the pool only
    burns CPU beside the command: with it, a council-size run cost about 0.3 s more CPU and
    0.2 s more wall time (docs/performance.md).

    Python's cyclic garbage collector walks every container object each time enough of them
    have been made: about 340 collections in a council-size run, 0.1 s in all. A match run
    leaves under a thousand objects in reference cycles, at council and at county size
    alike (the rest is freed by reference counting as usual), so the walks find next to
    nothing; the collector stays off until the process ends, which it does after the one
    command.

    Only this command's process is affected: the web application and the scheduled jobs
    (forecasts included) run in `planner serve` and `planner scheduler`, which keep both; a
    thread count set by the user is kept (setdefault). Both must be set before numpy is
    imported, so nothing is changed when numpy already is (a test running the command in
    its own process)."""
    if "numpy" in sys.modules:
        return
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    gc.disable()
