"""Run DfE's 903 validator (``csc-validator-be-903``) over OC3 and Header files the planner wrote.

Run with the validator's own virtual environment (``.venv-903``, made by ``tools/check-903``),
never the planner's: the validator pins pandas 1.5 and numpy 1.24, which the planner cannot
share. So this script imports nothing from the planner; it reads the CSV files that
``planner export-903`` wrote and the rules to leave out from
``planner/returns/validator_exclusions.csv`` (rules broken in the tool, each with its reason).

    .venv-903/bin/python tools/validate_903.py --year 2025 out/2025 [--prev out/2024]

Prints every error (rule, table, child row, message) and exits 1 if there is any outside the
exclusions, or if a rule could not run (a crash would otherwise hide an error).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import logging
import sys
from pathlib import Path

BLANK_RULES = {"131", "132", "133"}  # the codes' own checks, which a blank row fails
EXCLUSIONS = Path(__file__).resolve().parent.parent / "planner/returns/validator_exclusions.csv"


def exclusions(year: str, with_previous: bool) -> dict[str, str]:
    """The rules left out (broken in the tool, or a warning), each with its reason: one place.

    A row may name the collection years it applies to (``years``, space-separated) and
    whether only when last year's files are given (``with_previous``)."""
    with EXCLUSIONS.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["rule"].strip(): row["reason"]
        for row in rows
        if (not row["years"].strip() or year in row["years"].split())
        and (row["with_previous"].strip() != "yes" or with_previous)
    }


def _blank(row: object) -> bool:
    """An OC3 row with IN_TOUCH, ACTIV and ACCOM all empty: not recorded, left to complete."""
    import pandas as pd

    return all(pd.isna(row[c]) or str(row[c]).strip() == "" for c in ("IN_TOUCH", "ACTIV", "ACCOM"))  # type: ignore[index]


def csv_files(folder: Path) -> list[str]:
    return sorted(str(path) for path in folder.glob("*.csv"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", required=True, help="collection end year, e.g. 2025")
    parser.add_argument("--la", default="E06000059", help="the council's ONS code")
    parser.add_argument("--prev", type=Path, help="the previous year's files, if any")
    parser.add_argument(
        "--allow-blank",
        action="store_true",
        help="an OC3 row the planner left blank (IN_TOUCH, ACTIV, ACCOM not recorded) is "
        "reported but does not fail (rules 131-133): the council completes it",
    )
    parser.add_argument("folder", type=Path, help="this year's OC3 and Header CSV files")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the tool logs every rule at INFO

    from lac_validator.lac_validator import LacValidator
    from lac_validator.rules.ruleset_utils import get_year_ruleset
    from lac_validator.utils import process_uploaded_files

    skip = exclusions(args.year, args.prev is not None)
    files = {"This year": csv_files(args.folder)}
    if args.prev:
        files["Prev year"] = csv_files(args.prev)
    if not files["This year"]:
        print(f"no CSV files in {args.folder}", file=sys.stderr)
        return 2
    registry = get_year_ruleset(args.year)
    selected = [str(code) for code in registry if str(code) not in skip]
    with contextlib.redirect_stdout(io.StringIO()):  # the tool prints stray dicts
        validator = LacValidator(
            metadata={"collectionYear": args.year, "localAuthority": args.la},
            files=process_uploaded_files(files),
            registry=registry,
            selected_rules=selected,
        )
    rows = sum(len(df) for df in validator.dfs.values())
    failures = blanks = 0
    for table, frame in validator.ds_results.items():
        if table == "metadata":
            continue
        for column in [c for c in frame.columns if str(c).startswith("ERR_")]:
            code = column[4:]
            hits = frame[frame[column] == True]  # noqa: E712 (pandas mask)
            for index, row in hits.iterrows():
                if args.allow_blank and table == "OC3" and code in BLANK_RULES and _blank(row):
                    blanks += 1
                    continue
                failures += 1
                message = registry[code].message if code in registry else ""
                print(f"{args.year} rule {code} {table} row {index} {row.get('CHILD')}: {message}")
    crashed = [str(code) for code in validator.fails]
    for code in crashed:
        print(f"{args.year} rule {code} could not run on these files")
    print(
        f"{args.year}: {rows} rows in {', '.join(sorted(validator.dfs))}; "
        f"{len(selected)} rules run ({len(validator.dones)} applied), "
        f"{len(skip)} excluded ({', '.join(sorted(skip))}); "
        f"{failures} error(s), {len(crashed)} rule(s) crashed"
        + (f"; {blanks} flag(s) on rows left blank to complete" if blanks else "")
    )
    return 1 if failures or crashed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
