"""How long the ``planner`` command takes to start, beside the floor of Python itself.

    .venv/bin/python benchmarks/cli_startup.py                      # this tree, 7 runs each
    .venv/bin/python benchmarks/cli_startup.py --tree /tmp/cli-before --runs 7
    .venv/bin/python benchmarks/cli_startup.py --only "council size)" --runs 5 \
        --against /tmp/cli-before    # this tree and another in turn, under the same load
    .venv/bin/python benchmarks/cli_startup.py --only "council size)" --runs 5 \
        --against /tmp/cli-before --instructions    # and their instructions, under valgrind

An analyst types ``planner --help`` or ``planner match ...`` many times a day, and tab
completion and CI scripts start the command even more often; every module imported at start
is paid on each of those. Each case is a fresh process that runs the command from ``--tree``
(``PYTHONPATH=<tree>``, ``python -c "from planner.cli import app; app()"``), so two trees can
be compared with one virtual environment: the editable install points at one worktree only.
Each process runs in ``--tree`` too, because ``python -c`` puts the current directory ahead
of ``PYTHONPATH``. ``PYTHONDONTWRITEBYTECODE`` is removed from the processes' environment, so
the warm-up run writes the tree's ``.pyc`` files and the measured runs use them, as an
installed command does.

``planner match (council size)`` runs the spreadsheet path on the council instance of the
matching benchmark (`benchmarks/matching_instances.py`: 600 young people, 250 vacancies,
written as the templates' CSV files into a scratch folder), with the defaults (the flow path
since issue 13, every output), on the array path (`--backend arrays`: HiGHS in the
process), and lean (`--no-alternatives --no-place-values`, on either path). `--only TEXT`
runs only the cases whose name contains TEXT. A case a tree does not
support (an older tree without an option) prints "n/a".

Figures are the median over ``--runs`` runs of the wall time and of the CPU time (user +
system, from ``getrusage(RUSAGE_CHILDREN)``) of each process, with the one-minute load
average when the case finished (other work on the machine inflates both). The independent
reference, in the same run and on the same machine load, is the floor no command can go
below: an empty ``python -c pass``, ``python -c "import typer"`` (the command-line library
itself, which every command but a plain ``planner match`` imports) and the libraries a
default ``planner match`` imports (numpy), with one BLAS thread and no cyclic
garbage collector, as the command sets them (`planner.entry`). For each case the heavy
libraries found in ``sys.modules`` after the command are listed too. The last line says
whether the council-size run met issue 13's target: under 1 s, wall and CPU.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = Path("docs/examples/matching")
HEAVY = (
    "typer",
    "fastapi",
    "uvicorn",
    "api",
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "pandas",
    "pulp",
    "highspy",
    "scipy",
)
# what a default `planner match` cannot do without today: the optimiser's tables (numpy
# arrays, optimiser.table). Since issue 13's lean path a council-size run imports neither
# rich, SciPy, the command-line library nor pandas (tests/test_cli_imports.py); the floor
# before it was "import typer, rich.console, pandas, scipy.sparse.csgraph", then
# "import typer, pandas", then "import pandas"
LIBRARIES = "import numpy"
TARGET_CASE, TARGET_SECONDS = "planner match (council size)", 1.0
# The machine's own speed, run in turn with the target case: a fixed loop of plain Python, no
# imports. This machine is a shared virtual one whose speed drifts by half from one quarter
# of an hour to the next with nothing else running on it (the loop took 330-420 ms in fast
# spells and 520-730 ms in slow ones on 30 November 2026), so a figure means little without
# the speed it was measured at (docs/performance.md).
SPEED_LOOP = "total = 0\nfor number in range(3_000_000):\n    total += number"
# the installed command's entry point; an older tree without planner.entry: its root app (each
# process runs in its tree; the editable install would find this tree's planner.entry)
RUN_CLI = (
    "import os\n"
    "if os.path.exists('planner/entry.py'):\n    from planner.entry import main\n"
    "else:\n    from planner.cli import app as main\n"
    "main()"
)
# the same, then print which heavy libraries the command imported (typer exits via SystemExit)
SHOW_MODULES = (
    "import sys\n"
    "try:\n"
    f"    exec({RUN_CLI!r})\n"
    "except SystemExit:\n"
    "    pass\n"
    f"print('MODULES', ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
)


def council_files(folder: Path) -> dict[str, str]:
    """The council instance of the matching benchmark as the templates' CSV files."""
    sys.path.insert(0, str(HERE.parent))
    import pandas as pd

    from benchmarks.matching_instances import SIZES, make_instance

    instance = make_instance(SIZES["council"])
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in ("people", "vacancies", "travel_times"):
        frame = instance[name].copy()
        for column in frame.columns:
            if frame[column].map(lambda v: isinstance(v, tuple)).any():
                frame[column] = frame[column].map(";".join)
            elif pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.strftime("%Y-%m-%d")
        paths[name] = str(folder / f"{name}.csv")
        frame.to_csv(paths[name], index=False)
    return paths


def _cases(tree: Path, out: str, council: dict[str, str]) -> list[tuple[str, list[str]]]:
    match = [
        "match",
        "--people",
        str(tree / EXAMPLES / "people.csv"),
        "--vacancies",
        str(tree / EXAMPLES / "vacancies.csv"),
        "--travel-times",
        str(tree / EXAMPLES / "travel_times.csv"),
        "--as-of",
        "2024-05-01",
        "--out",
        out,
    ]
    big = [
        "match",
        "--people",
        council["people"],
        "--vacancies",
        council["vacancies"],
        "--travel-times",
        council["travel_times"],
        "--as-of",
        "2024-05-01",
        "--out",
        out,
    ]
    arrays = ["--backend", "arrays"]
    return [
        ("python -c pass (floor)", ["-c", "pass"]),
        ('python -c "import typer" (floor)', ["-c", "import typer"]),
        (
            f'python -c "{LIBRARIES}" (floor of planner match)',
            [
                "-c",
                "import gc, os; os.environ['OPENBLAS_NUM_THREADS'] = '1'; gc.disable(); "
                + LIBRARIES,
            ],
        ),
        ("planner --help", ["-c", RUN_CLI, "--help"]),
        ("planner match --help", ["-c", RUN_CLI, "match", "--help"]),
        ("planner match (example files)", ["-c", RUN_CLI, *match]),
        ("planner match (council size)", ["-c", RUN_CLI, *big]),
        ("planner match (council size, --backend arrays)", ["-c", RUN_CLI, *big, *arrays]),
        (
            "planner match (council size, --backend arrays, lean)",
            ["-c", RUN_CLI, *big, *arrays, "--no-alternatives", "--no-place-values"],
        ),
        (
            "planner match (council size, lean)",
            ["-c", RUN_CLI, *big, "--no-alternatives", "--no-place-values"],
        ),
    ]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(python: str, args: list[str], env: dict[str, str]) -> tuple[float, float] | None:
    """Wall and CPU seconds of one process, or None if the tree does not support the case."""
    cpu, wall = _cpu(), time.perf_counter()
    done = subprocess.run(
        [python, *args], env=env, cwd=env["PYTHONPATH"], capture_output=True, text=True
    )
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    if done.returncode == 2 and "No such option" in done.stderr:
        return None
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return wall, cpu


def _modules(python: str, args: list[str], env: dict[str, str]) -> str:
    if args[:2] != ["-c", RUN_CLI]:
        return ""
    done = subprocess.run(
        [python, "-c", SHOW_MODULES, *args[2:]],
        env=env,
        cwd=env["PYTHONPATH"],
        capture_output=True,
        text=True,
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("MODULES")]
    if not line:
        return "?"
    return line[-1].removeprefix("MODULES").strip() or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE.parent, help="source tree to run")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument(
        "--against",
        type=Path,
        help="then run the council-size default alternately in --tree and this tree",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions of the council-size default and of its floor under"
        " valgrind (the same on every run, however fast the machine is running)",
    )
    options = parser.parse_args()
    tree = options.tree.resolve()
    env = dict(os.environ, PYTHONPATH=str(tree), COLUMNS="100")
    # an installed command keeps its compiled modules (.pyc); a shell or sandbox that turns
    # that off would have every run compile the planner's own modules again (about 0.1-0.2 s
    # of CPU for `planner match`), which no user pays
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # a throwaway database: `planner match` needs none, but nothing may touch the user's
    scratch = tempfile.mkdtemp(prefix="cli-startup-")
    env["PLANNER_DATABASE_URL"] = f"sqlite:///{scratch}/unused.db"
    print(f"tree {tree}, python {options.python}, median of {options.runs} runs")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| command | wall ms | CPU ms | load average | heavy modules imported |")
    print("|---|---|---|---|---|")
    council = council_files(Path(scratch) / "council")
    cases = _cases(tree, str(Path(scratch) / "out"), council)
    if options.only:
        cases = [case for case in cases if options.only in case[0]]
    supported = []
    for name, args in cases:  # warm the file cache and write the .pyc files once
        if _once(options.python, args, env) is None:
            print(f"| {name} | n/a | n/a | | |")
        else:
            supported.append((name, args))
    target, speed = None, []
    for name, args in supported:
        runs = []
        for _ in range(options.runs):
            result = _once(options.python, args, env)
            if result is not None:
                runs.append(result)
            if name == TARGET_CASE:  # the machine's speed, in turn with the target's runs
                speed.append(_once(options.python, ["-c", SPEED_LOOP], env) or (0.0, 0.0))
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(
            f"| {name} | {wall * 1000:.0f} | {cpu * 1000:.0f} | {os.getloadavg()[0]:.2f} | "
            f"{_modules(options.python, args, env)} |"
        )
        if name == TARGET_CASE:
            target = (wall, cpu)
    print(f"load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if target is not None:
        wall, cpu = target
        met = "met" if max(wall, cpu) < TARGET_SECONDS else "NOT met"
        print(
            f"{TARGET_CASE}: {wall:.2f} s wall, {cpu:.2f} s CPU (median of {options.runs}); "
            f"the {TARGET_SECONDS:.0f}-second target is {met}"
        )
        loops = [run[1] * 1000 for run in speed]
        print(
            f"the machine's speed meanwhile: the fixed loop took {statistics.median(loops):.0f}"
            f" ms of CPU (median; {min(loops):.0f}-{max(loops):.0f}), the match "
            f"{cpu * 1000 / statistics.median(loops):.1f} times as long"
        )
    if options.against:
        args = dict(_cases(tree, str(Path(scratch) / "out"), council))[TARGET_CASE]
        _alternate(options.python, [tree, options.against.resolve()], args, env, options.runs)
    if options.instructions:
        named = dict(_cases(tree, str(Path(scratch) / "out"), council))
        trees = [tree] + ([options.against.resolve()] if options.against else [])
        _instructions(options.python, trees, named, env)


def _instructions(
    python: str, trees: list[Path], named: dict[str, list[str]], env: dict[str, str]
) -> None:
    """Instructions executed by the council-size default (per tree) and by its floor, counted
    by valgrind's cachegrind (`--cache-sim=no`: the count only, about 50 times slower).

    On this virtual machine the same process takes a third longer in some quarters of an hour
    than in others; the count of instructions does not move (two runs of one tree differ by
    under 0.1%), so a change of a few per cent shows up in it where the times cannot show it.
    It is not a time: an instruction of an import (reading files, mapping libraries) takes
    longer than one of the run's own work."""
    if shutil.which("valgrind") is None:
        print("\ninstructions: valgrind is not installed (apt-get install valgrind)")
        return
    floor = next(name for name in named if name.endswith("(floor of planner match)"))
    rows = [(f"{TARGET_CASE}, {t}", named[TARGET_CASE], t) for t in trees]
    rows.append((floor, named[floor], trees[0]))
    print("\n| command | instructions (millions) |\n|---|---|")
    for name, args, where in rows:
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
            + [python, *args],
            env=dict(env, PYTHONPATH=str(where)),
            cwd=str(where),
            capture_output=True,
            text=True,
        )
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        count = f"{int(found.group(1).replace(',', '')) / 1e6:,.0f}" if found else "failed"
        print(f"| {name} | {count} |")


def _alternate(
    python: str, trees: list[Path], args: list[str], env: dict[str, str], runs: int
) -> None:
    """The same command from each tree in turn, so both trees run under the same load."""
    envs = {tree: dict(env, PYTHONPATH=str(tree)) for tree in trees}
    for tree in trees:  # warm-up: the file cache and the .pyc files
        _once(python, args, envs[tree])
    found: dict[Path, list[tuple[float, float]]] = {tree: [] for tree in trees}
    loads = []
    for _ in range(runs):
        for tree in trees:
            result = _once(python, args, envs[tree])
            if result is not None:
                found[tree].append(result)
        loads.append(os.getloadavg()[0])
    low, high = min(loads), max(loads)
    print(f"\n{TARGET_CASE}, the trees in turn, {runs} runs each, load {low:.2f}-{high:.2f}:")
    print("| tree | wall ms (median, min) | CPU ms (median, min) |\n|---|---|---|")
    for tree, results in found.items():
        walls, cpus = [r[0] * 1000 for r in results], [r[1] * 1000 for r in results]
        if not results:
            print(f"| {tree} | n/a | n/a |")
            continue
        print(
            f"| {tree} | {statistics.median(walls):.0f}, {min(walls):.0f} | "
            f"{statistics.median(cpus):.0f}, {min(cpus):.0f} |"
        )


if __name__ == "__main__":
    main()
