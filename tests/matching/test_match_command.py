"""`planner match` on the example files, and refusing a malformed file precisely."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from optimiser.fit import fit_words
from planner.cli import app as planner_app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "matching"


@pytest.fixture
def app() -> typer.Typer:
    return planner_app


def invoke(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, ["match", *args])


def example_args(out: Path, people: Path = EXAMPLES / "people.csv") -> list[str]:
    return [
        "--people", str(people),
        "--vacancies", str(EXAMPLES / "vacancies.csv"),
        "--travel-times", str(EXAMPLES / "travel_times.csv"),
        "--out", str(out),
        "--as-of", "2024-05-01",
    ]  # fmt: skip


def test_the_example_files_give_proposals_with_reasons(app, tmp_path):
    result = invoke(app, *example_args(tmp_path / "run"))

    assert result.exit_code == 0, result.output
    out = tmp_path / "run"
    proposals = pd.read_csv(out / "proposals.csv")
    assert {"person_id", "vacancy_id", "stage", "score", "reasons"} <= set(proposals.columns)
    # The 16-year-old in bed and breakfast is moved out first.
    youngest = proposals.set_index("person_id").loc["YP0001"]
    assert youngest["stage"] == "a"
    assert "moves out of unsuitable accommodation" in youngest["reasons"]
    # the fit as every page shows it, beside the model's score (one scale: optimiser.fit)
    assert (proposals["fit_points"] == proposals["score"] - 10).all()
    assert f"Fit {youngest['fit_points']} points out of 100" in youngest["reasons"]
    assert youngest["fit_words"] == fit_words(int(youngest["fit_points"]))
    unmatched = pd.read_csv(out / "unmatched.csv")
    assert {"person_id", "reasons"} <= set(unmatched.columns)
    assert set(pd.read_csv(out / "alternatives.csv")["kind"]) == {"vacancy", "young_person"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["solver"] == "highs" and summary["backend"] == "arrays"  # side constraints
    assert summary["counts"]["moved_out_of_unsuitable"] == 9
    # The example has a together group (two sisters), so every stage is a MIP.
    assert {s["stage"] for s in summary["stages"]} == {"a", "b", "c"}
    assert {(s["status"], s["model"]) for s in summary["stages"]} == {("optimal", "mip")}
    assert "unmet_need" in summary and summary["as_of"] == "2024-05-01"


def test_highs_can_be_chosen_and_agrees_on_stage_a(app, tmp_path):
    result = invoke(app, *example_args(tmp_path / "run"), "--solver", "highs")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["solver"] == "highs"
    assert summary["counts"]["moved_out_of_unsuitable"] == 9


def test_a_malformed_file_is_refused_with_line_column_and_value_and_nothing_is_written(
    app, tmp_path
):
    people = pd.read_csv(EXAMPLES / "people.csv", dtype=str, keep_default_na=False)
    people.loc[1, "gender"] = "boy"  # line 3: header is line 1
    people.loc[4, "date_of_birth"] = "31/12/2004"  # line 6
    bad = tmp_path / "people.csv"
    people.to_csv(bad, index=False)
    out = tmp_path / "run"

    result = invoke(app, *example_args(out, people=bad))

    assert result.exit_code == 2
    assert (
        "people.csv line 3 (YP0002), column 'gender': value 'boy', "
        "expected one of male, female, non_binary, not_stated"
    ) in result.output
    assert (
        "people.csv line 6 (YP0005), column 'date_of_birth': value '31/12/2004', "
        "expected a date as YYYY-MM-DD"
    ) in result.output
    assert not out.exists()


def test_a_spreadsheet_works_as_well_as_a_csv(app, tmp_path):
    people = pd.read_csv(EXAMPLES / "people.csv", dtype=str, keep_default_na=False)
    workbook = tmp_path / "people.xlsx"
    people.to_excel(workbook, index=False)
    result = invoke(app, *example_args(tmp_path / "run", people=workbook))
    assert result.exit_code == 0, result.output
    from_csv = invoke(app, *example_args(tmp_path / "csv"))
    assert from_csv.exit_code == 0
    assert (tmp_path / "run" / "proposals.csv").read_text() == (
        tmp_path / "csv" / "proposals.csv"
    ).read_text()


def test_a_bad_run_date_is_refused(app, tmp_path):
    result = invoke(app, *example_args(tmp_path / "run")[:-2], "--as-of", "1 May 2024")
    assert result.exit_code == 2
    assert "--as-of" in result.output
    assert not (tmp_path / "run").exists()


def test_every_backend_and_solver_gives_the_same_proposals(app, tmp_path):
    runs = {
        "default": [],
        "pulp-highs": ["--backend", "pulp", "--solver", "highs"],
        "arrays": ["--backend", "arrays"],
    }
    proposals = {}
    for name, extra in runs.items():
        out = tmp_path / name
        result = invoke(app, *example_args(out), *extra)
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(out / "proposals.csv")
        proposals[name] = sorted(zip(frame["person_id"], frame["vacancy_id"], strict=True))
    assert proposals["default"] == proposals["pulp-highs"] == proposals["arrays"]


def test_a_reference_that_looks_like_a_formula_is_written_as_text(app, tmp_path):
    """Councils' references come from their own systems; one that starts with = or @ must
    not run as a formula when an officer opens the results in Excel."""
    people = (EXAMPLES / "people.csv").read_text().replace("YP0001", "=HYPERLINK(1)")
    (tmp_path / "people.csv").write_text(people)
    args = [a if not a.endswith("people.csv") else str(tmp_path / "people.csv")
            for a in example_args(tmp_path / "run")]  # fmt: skip
    result = invoke(app, *args)
    assert result.exit_code == 0, result.output
    written = (tmp_path / "run" / "proposals.csv").read_text()
    assert "'=HYPERLINK(1)" in written
    assert "\n=HYPERLINK" not in written and ",=HYPERLINK" not in written


def test_the_value_of_one_more_place_is_written_in_people_s_words(app, tmp_path):
    result = invoke(app, *example_args(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    values = pd.read_csv(tmp_path / "run" / "place_values.csv", keep_default_na=False)
    assert list(values.columns) == [
        "Placement type",
        "Area",
        "Lot",
        "Like vacancy",
        "Kind of place",
        "More moved out of unsuitable accommodation",
        "More meeting their deadline",
        "Who",
    ]
    assert len(values) > 0 and "_" not in " ".join(values["Placement type"])
    ranked = list(
        zip(
            values["More moved out of unsuitable accommodation"],
            values["More meeting their deadline"],
            strict=True,
        )
    )
    assert ranked == sorted(ranked, reverse=True)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["place_values"] == "place_values.csv"


def test_no_place_values_says_so_in_the_summary(app, tmp_path):
    result = invoke(app, *example_args(tmp_path / "run"), "--no-place-values")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "run" / "place_values.csv").exists()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert "--no-place-values" in summary["place_values"]


def test_no_alternatives_is_said_not_silent(app, tmp_path):
    result = CliRunner().invoke(
        app, ["match", *example_args(tmp_path / "run"), "--no-alternatives"]
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "run" / "alternatives.csv").exists()
    assert (tmp_path / "run" / "proposals.csv").exists()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert "--no-alternatives" in summary["alternatives"]
    assert any("alternatives were not worked out" in w for w in summary["warnings"])


def test_side_constraint_files_bind_and_a_bad_one_is_refused_by_line(app, tmp_path):
    lots = tmp_path / "lot_limits.csv"
    lots.write_text("lot,min_young_people,max_young_people\ncare_leavers,0,0\n")
    mix = tmp_path / "mix_limits.csv"
    mix.write_text("provision_id,risk_flag,max_young_people\nSA-WEY-01,arson,0\n")
    out = tmp_path / "run"
    args = [*example_args(out), "--lot-limits", str(lots), "--mix-limits", str(mix)]
    result = invoke(app, *args, "--max-travel-minutes", "60")
    assert result.exit_code == 0, result.output
    proposals = pd.read_csv(out / "proposals.csv")
    vacancies = pd.read_csv(EXAMPLES / "vacancies.csv").set_index("vacancy_id")
    assert not (vacancies.loc[proposals["vacancy_id"], "cohort"] == "care_leavers").any()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["inputs"]["lot_limits"] == str(lots) and summary["max_travel_minutes"] == 60

    lots.write_text("lot,min_young_people,max_young_people\ncare_leavers,0,many\n")
    result = invoke(app, *example_args(tmp_path / "bad"), "--lot-limits", str(lots))
    assert result.exit_code == 2
    assert "lot_limits.csv line 2" in result.output and "max_young_people" in result.output
    assert not (tmp_path / "bad").exists()


# `planner match` in its plain forms skips building the command line (its quick reader,
# planner.matching.match_cli.quick_match_arguments): the reader must agree with typer exactly, and
# leave everything else to typer.
QUICK_CASES = {
    "required only": ["--people", "p.csv", "--vacancies", "v.csv", "--out", "o"],
    "every option": [
        "--out", "o", "--vacancies", "v.csv", "--people", "p.csv", "--as-of", "2024-05-01",
        "--solver", "highs", "--time-limit", "5", "--travel-times", "t.csv",
        "--backend", "arrays", "--mix-limits", "m.csv", "--lot-limits", "l.csv",
        "--max-travel-minutes", "45.5", "--no-place-values", "--alternatives",
    ],
    "flags the other way": [
        "--people", "p.csv", "--vacancies", "v.csv", "--out", "o", "--place-values",
        "--no-alternatives", "--backend", "flow", "--solver", "cbc",
    ],
}  # fmt: skip
LEFT_TO_TYPER = {
    "help": ["--help"],
    "equals form": ["--people=p.csv", "--vacancies", "v.csv", "--out", "o"],
    "missing --out": ["--people", "p.csv", "--vacancies", "v.csv"],
    "repeated": ["--people", "p.csv", "--people", "q.csv", "--vacancies", "v.csv", "--out", "o"],
    "unknown option": ["--people", "p.csv", "--vacancies", "v.csv", "--out", "o", "--fast"],
    "below the limit": ["--people", "p", "--vacancies", "v", "--out", "o", "--time-limit", "0.5"],
    "not digits": ["--people", "p", "--vacancies", "v", "--out", "o", "--time-limit", "1e3"],
    "unknown choice": ["--people", "p", "--vacancies", "v", "--out", "o", "--solver", "CBC"],
    "value missing": ["--people", "p", "--vacancies", "v", "--out"],
    "a dash value": ["--people", "-", "--vacancies", "v", "--out", "o"],
}


def _typer_reads(args: list[str]) -> dict:
    import typer.main

    from planner.matching.cli import app as matching_app

    command = typer.main.get_command(matching_app).commands["match"]  # type: ignore[attr-defined]
    return command.make_context("match", list(args)).params


@pytest.mark.parametrize("name", sorted(QUICK_CASES))
def test_the_quick_reader_reads_what_typer_reads(name):
    from planner.matching.match_cli import quick_match_arguments

    args = QUICK_CASES[name]
    quick = quick_match_arguments(args)
    assert quick is not None
    typed = _typer_reads(args)
    assert quick == typed
    assert {k: type(v) for k, v in quick.items()} == {k: type(v) for k, v in typed.items()}


@pytest.mark.parametrize("name", sorted(LEFT_TO_TYPER))
def test_anything_else_is_left_to_typer(name):
    from planner.matching.match_cli import quick_match_arguments

    assert quick_match_arguments(LEFT_TO_TYPER[name]) is None


def _run_planner(*args: str) -> int:
    """`planner ARGS` as the installed command runs it (its entry point, planner.entry)."""
    from planner.entry import main

    try:
        main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    raise AssertionError("the command line always ends with SystemExit")


def _without_timings(path: Path) -> dict:
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary.pop("timings_seconds")
    for stage in summary["stages"]:
        for key in [k for k in stage if k.endswith("_seconds")]:
            stage.pop(key)
    return summary


def test_the_quick_path_writes_what_the_typer_path_writes(tmp_path):
    assert _run_planner("match", *example_args(tmp_path / "quick")) == 0
    assert invoke(planner_app, *example_args(tmp_path / "typer")).exit_code == 0
    files = sorted(p.name for p in (tmp_path / "typer").iterdir())
    assert sorted(p.name for p in (tmp_path / "quick").iterdir()) == files
    for name in files:
        quick, typed = tmp_path / "quick" / name, tmp_path / "typer" / name
        if name == "summary.json":
            assert _without_timings(quick) == _without_timings(typed)
        else:
            assert quick.read_bytes() == typed.read_bytes(), name


def test_the_quick_path_refuses_a_bad_date_and_a_bad_file_like_typer(tmp_path, capsys):
    args = example_args(tmp_path / "run")[:-2]
    assert _run_planner("match", *args, "--as-of", "1 May 2024") == 2
    assert "--as-of" in capsys.readouterr().err
    bad = tmp_path / "people.csv"
    bad.write_text("person_id,date_of_birth\nYP1,not a date\n", encoding="utf-8")
    assert _run_planner("match", *example_args(tmp_path / "run", people=bad)) == 2
    assert "Nothing written" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    # a form the quick reader leaves to typer still runs, through typer
    assert _run_planner("match", *args, "--as-of=2024-05-01") == 0
    assert (tmp_path / "run" / "proposals.csv").exists()


def test_the_files_are_written_cell_for_cell_as_pandas_writes_them(tmp_path):
    """The match's files are written with the standard library's writer (quicker at council
    size than pandas' ``to_csv``, which converts every block first), and a script reading
    them must see what it saw before: every kind of column the outputs hold, missing values
    included, written byte for byte as ``to_csv(index=False)`` writes it, and text that could
    start a formula made safe."""
    from optimiser.table import Table
    from planner.matching.files import _csv
    from planner.records.spreadsheets import safe_cell

    frame = pd.DataFrame(
        {
            "person_id": ["YP1", "=HYPERLINK(1)", None],
            "reasons": ['a "quoted", text\nover two lines', "", "-3 below"],
            "score": [97, 0, 110],
            "weekly_cost": [657.0, float("nan"), 0.1],
            "fit_points": pd.array([88, None, 100], dtype="Int64"),
            "in_preferred_area": [True, False, True],
            "change": [None, -12, 3.5],
            "available_on": pd.to_datetime(["2024-05-01", None, "2026-11-30"]),
            "who": [("YP1", "YP2"), (), None],
        }
    )
    _csv(Table.from_frame(frame), tmp_path / "ours.csv")
    theirs = frame.copy()
    theirs["available_on"] = theirs["available_on"].dt.strftime("%Y-%m-%d")
    for column in ("person_id", "reasons", "who"):
        theirs[column] = theirs[column].map(safe_cell)
    theirs.to_csv(tmp_path / "theirs.csv", index=False, lineterminator="\n")
    ours = (tmp_path / "ours.csv").read_bytes()
    assert ours == (tmp_path / "theirs.csv").read_bytes()
    assert b"'=HYPERLINK(1)" in ours and b"'-3 below" in ours
