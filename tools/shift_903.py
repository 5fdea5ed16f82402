"""Move a folder of 903 CSV files forward by whole leap cycles (4, 8... years), for the validator.

The synthetic 903 files (``shared/data/external/ssda903_synthetic/cs-demand-model``) cover
collection years 2017-2021, and DfE's validator only has rule packs from 2022/23. Moved 4
years on (a leap cycle, so 29 February stays a real day), they are collection years
2021-2025, and the round trip (import, export, validate) runs the 2023/24 and 2024/25 rules
on what the planner wrote. Every ``dd/mm/YYYY`` date and the year in each file name move;
``SEX`` 1/2 becomes M/F in the years that use letters (from 2025), as a council's own files
would have it. Standard library only: it runs with either virtual environment.

    python tools/shift_903.py SRC DST --years 4
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
YEAR_IN_NAME = re.compile(r"20\d{2}")


def shift(src: Path, dst: Path, years: int) -> int:
    if years % 4:
        raise SystemExit("--years must be a multiple of 4 (29 February must stay a real day)")
    dst.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(src.glob("*.csv")):
        match = YEAR_IN_NAME.search(path.name)
        year = int(match.group()) + years if match else None
        name = YEAR_IN_NAME.sub(str(year), path.name) if year else path.name
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
        for row in rows:
            for column, value in row.items():
                found = DATE.match((value or "").strip())
                if found:
                    day, month, old = found.groups()
                    row[column] = f"{day}/{month}/{int(old) + years}"
            if "SEX" in row and year and year >= 2025:
                row["SEX"] = {"1": "M", "2": "F"}.get(row["SEX"].strip(), row["SEX"])
        with (dst / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        written += 1
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--years", type=int, default=4)
    args = parser.parse_args(argv)
    print(f"{shift(args.src, args.dst, args.years)} file(s) moved {args.years} years on")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
