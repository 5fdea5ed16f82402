"""The command line imports only what a command uses (docs/performance.md, "CLI start-up").

``planner --help`` and ``planner match --help`` are typed far more often than any command
runs; before the feature commands imported their services lazily, each of them paid for
FastAPI, SQLAlchemy, pandas, PuLP and SciPy (about 1.5 s of CPU). A new module-level import
in a feature's ``cli.py`` would quietly bring that back, so these tests look at
``sys.modules`` in a fresh interpreter, where nothing else has imported them already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the web stack, the database and the numerical libraries: each command imports its own.
# Not pydantic: typer itself imports it (typer._adapters) to build a command's parameters
# (but not for a plain `planner match`: see NOT_FOR_A_PURE_MATCH).
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "api",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pandas",
    "numpy",
    "pulp",
    "scipy",
    "openpyxl",
    "planner.models",
    "optimiser",
    "forecasts",
    "numba",  # the forecast engine's compiler: 0.3-0.5 s to import, only for forecasts
)

# the installed command's entry point (pyproject's [project.scripts]), as `planner ARGS` runs it
PROBE = """
import sys
from planner.entry import main
if len(sys.argv) > 1:  # with no arguments, only import the root command
    try:
        main(sys.argv[1:])
    except SystemExit as exit:
        assert exit.code in (0, None), exit.code
else:
    import planner.cli
print("IMPORTED:" + ",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _heavy_modules_after(*args: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=heavy), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("IMPORTED:"), done.stdout
    return [m for m in last.removeprefix("IMPORTED:").split(",") if m]


@pytest.mark.parametrize(
    "args",
    [(), ("--help",), ("match", "--help"), ("forecast", "--help"), ("user", "add", "--help")],
    ids=["import", "help", "match-help", "forecast-help", "user-add-help"],
)
def test_help_imports_neither_the_web_stack_nor_the_database_nor_the_models(args):
    assert _heavy_modules_after(*args) == []


def test_the_probe_sees_what_a_command_imports_when_it_runs(tmp_path):
    """The probe's own check: running ``planner match`` does import the optimiser's stack."""
    examples = ROOT / "docs" / "examples" / "matching"
    seen = _heavy_modules_after(
        "match",
        "--people",
        str(examples / "people.csv"),
        "--vacancies",
        str(examples / "vacancies.csv"),
        "--as-of",
        "2024-05-01",
        "--out",
        str(tmp_path),
    )
    assert {"optimiser", "numpy"} <= set(seen)  # a pure run: the flow path, no PuLP, no SciPy
    assert not {"fastapi", "uvicorn", "api"} & set(seen)  # and still not the web stack
    assert "pandas" not in seen  # the optimiser's tables are numpy arrays (optimiser.table)


# What a pure `planner match` (no side constraints: the default flow path) must not import:
# the PuLP model and its solvers, HiGHS, SciPy (its sparse assignment too: below
# optimiser.flow.PLAIN_MAX_PAIRS pairs a stage is solved in plain Python), numba (the
# forecast engine's), the database, the web stack and the spreadsheet reader for .csv
# files, and pandas (the optimiser holds its tables as numpy arrays, optimiser.table; pandas
# was a third of a council-size run). Each of these costs 0.1-0.6 s of CPU at start; the
# default run needs only numpy (docs/performance.md, "`planner match` at council size").
NOT_FOR_A_PURE_MATCH = (
    "pandas",
    "pulp",
    "highspy",
    "scipy",
    "numba",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "openpyxl",
    "fastapi",
    "uvicorn",
    "api",
    "planner.models",
    # the command-line library and its parameter coercion: the entry point reads
    # `planner match` in its plain forms itself (planner.entry,
    # planner.matching.match_cli.quick_match_arguments)
    "typer",
    "click",
    "pydantic",
    # the rest of the command line: a plain `planner match` never builds it
    "planner.cli",
    "rich",
    "planner.core.cli_support",
    "planner.matching.cli",
    "planner.accounts.cli",
)


def test_a_pure_match_imports_no_lp_solver_database_or_web_stack(tmp_path):
    """The example files without their together group: the default run takes the flow path.

    The probe itself is checked by the pure run's summary (it ran to the end, on the flow
    path) and by the same probe seeing HiGHS when the together group is kept."""
    examples = ROOT / "docs" / "examples" / "matching"
    people = (examples / "people.csv").read_text(encoding="utf-8").splitlines()
    header = people[0].split(",")
    assert header[-1] == "together_group"
    pure = tmp_path / "people.csv"
    pure.write_text(
        "\n".join([people[0], *(line.rsplit(",", 1)[0] + "," for line in people[1:])]) + "\n",
        encoding="utf-8",
    )
    watched = (*NOT_FOR_A_PURE_MATCH, "numpy", "optimiser")
    common = ["--vacancies", str(examples / "vacancies.csv"), "--as-of", "2024-05-01"]
    seen = _heavy_modules_after(
        "match", "--people", str(pure), *common, "--out", str(tmp_path / "pure"), heavy=watched
    )
    summary = json.loads((tmp_path / "pure" / "summary.json").read_text(encoding="utf-8"))
    assert summary["solver"] == "flow" and summary["counts"]["proposals"] > 0
    assert {"numpy", "optimiser"} <= set(seen)
    assert not set(NOT_FOR_A_PURE_MATCH) & set(seen), seen
    side = _heavy_modules_after(
        "match",
        "--people",
        str(examples / "people.csv"),
        *common,
        "--out",
        str(tmp_path / "side"),
        heavy=watched,
    )
    assert "highspy" in side  # the together group: HiGHS MIP steps, so the probe can see it


@pytest.fixture(scope="module")
def council_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The council instance of the matching benchmark (600 young people, 250 vacancies)."""
    from benchmarks.cli_startup import council_files

    return council_files(tmp_path_factory.mktemp("council"))


def test_a_council_size_match_imports_neither_scipy_nor_pandas(council_files, tmp_path):
    """A default run at council size (about 50,000 pairs) stays on the plain assignment: the
    size where importing SciPy's sparse graph routines would cost more than they save; and
    reading, matching, explaining and writing the files never needs pandas."""
    seen = _heavy_modules_after(
        "match",
        "--people",
        council_files["people"],
        "--vacancies",
        council_files["vacancies"],
        "--travel-times",
        council_files["travel_times"],
        "--as-of",
        "2024-05-01",
        "--out",
        str(tmp_path),
        heavy=(*NOT_FOR_A_PURE_MATCH, "numpy", "optimiser"),
    )
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["solver"] == "flow" and summary["counts"]["possible_pairs"] > 40_000
    assert summary["counts"]["proposals"] > 300
    assert {"numpy", "optimiser"} <= set(seen)
    assert not set(NOT_FOR_A_PURE_MATCH) & set(seen), seen
