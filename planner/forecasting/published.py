"""Published DfE statistics on care leavers, read into tidy frames for the aggregate forecast.

Why here and not in ``forecasts/``: this is file input/output, and the pure forecast package
reads no files. The loader does three things the raw CSVs make easy to get wrong:

- **Suppression codes stay missing.** DfE cells hold text: ``c`` (suppressed small number),
  ``z`` (not applicable), ``x`` (not available), ``u`` (low reliability), and in some editions
  ``k`` and ``low``. They become ``NaN`` in ``value`` with the code kept in ``status``; never 0.
- **Two schemas.** The 2020-2024 release of ``la_care_leavers_accommodation_suitability``
  names its columns ``age, accommodation_suitability, number`` and says "Accommodation
  considered not suitable"; the 2021-2024 release says ``care_leaver_age, breakdown,
  care_leaver_count`` and "...unsuitable". Both map to one vocabulary.
- **One code per council.** Rows are keyed by the new ``la_code`` (E06/E08/E09/E10...).
  Dorset Council (E06000059) exists from 2019-20; the old county (E10000009) is not the same
  area, and no series here joins the two.

Where two releases give the same council, year, age group and measure, the later release is
kept (DfE revises figures); ``edition`` records which.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.core.errors import InvalidInput

SUPPRESSION_CODES = {"c", "z", "x", "u", "k", "low", ":", ".."}
AGE_GROUPS = ("17 to 18 years", "19 to 21 years")
SUITABILITY_GLOB = "la_care_leavers_accommodation_suitability*.csv"
MEASURES = {
    "Suitability total": "total",
    "Accommodation considered suitable": "suitable",
    "Accommodation considered unsuitable": "unsuitable",
    "Accommodation considered not suitable": "unsuitable",
    "No information": "no_information",
}
SCHEMAS = (
    # (age column, breakdown column, count column)
    ("care_leaver_age", "breakdown", "care_leaver_count"),
    ("age", "accommodation_suitability", "number"),
)
TIDY_COLUMNS = [
    "la_code",
    "old_la_code",
    "la_name",
    "year",
    "age_group",
    "measure",
    "value",
    "status",
    "edition",
]


class PublishedStatsError(InvalidInput):
    """The folder or a file does not hold the published tables expected."""


def parse_count(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers as floats, suppression codes as NaN with the code kept as the status."""
    raw = text.astype("string").str.strip()
    value = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
    status = pd.Series(np.where(value.isna(), raw.fillna("missing"), ""), index=text.index)
    unknown = value.isna() & ~status.str.lower().isin(SUPPRESSION_CODES | {"missing"})
    if unknown.any():
        bad = sorted(set(status[unknown]))[:5]
        raise PublishedStatsError(f"unexpected entries in a count column: {bad}")
    return value.astype(float), status


def read_suitability(path: Path) -> pd.DataFrame:
    """One release of the suitability table as tidy rows (local authorities only)."""
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    for age_col, breakdown_col, count_col in SCHEMAS:
        if {age_col, breakdown_col, count_col} <= set(raw.columns):
            break
    else:
        raise PublishedStatsError(f"{path.name}: not a care leavers' suitability table")
    raw = raw[raw["geographic_level"] == "Local authority"]
    measure = raw[breakdown_col].map(MEASURES)
    if measure.isna().any():
        unknown = sorted(set(raw.loc[measure.isna(), breakdown_col]))
        raise PublishedStatsError(f"{path.name}: unknown breakdown {unknown}")
    value, status = parse_count(raw[count_col])
    tidy = pd.DataFrame(
        {
            "la_code": raw["new_la_code"].str.strip(),
            "old_la_code": raw["old_la_code"].str.strip(),
            "la_name": raw["la_name"].str.strip(),
            "year": raw["time_period"].astype(int),
            "age_group": raw[age_col].str.strip(),
            "measure": measure,
            "value": value,
            "status": status,
            "edition": path.stem,
        }
    )
    return tidy[tidy["age_group"].isin(AGE_GROUPS)].reset_index(drop=True)


def _derive_unsuitable(tidy: pd.DataFrame) -> pd.DataFrame:
    """Fill a suppressed ``unsuitable`` cell when total, suitable and no information are all
    published (plain arithmetic on published figures; status ``derived``)."""
    keys = ["la_code", "year", "age_group"]
    wide = tidy.pivot_table(index=keys, columns="measure", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(dict.fromkeys(MEASURES.values())))
    derived = wide["total"] - wide["suitable"] - wide["no_information"]
    fillable = wide["unsuitable"].isna() & derived.notna() & (derived >= 0)
    fill = derived[fillable].rename("derived").reset_index()
    out = tidy.merge(fill, on=keys, how="left")
    use = (out["measure"] == "unsuitable") & out["value"].isna() & out["derived"].notna()
    out.loc[use, "value"] = out.loc[use, "derived"]
    out.loc[use, "status"] = "derived"
    return out.drop(columns="derived")


def load_care_leaver_counts(folder: Path | str) -> pd.DataFrame:
    """Every release of the suitability table in ``folder``, combined: one row per council,
    year, age group and measure, from the latest release that has it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PublishedStatsError(f"no such folder: {folder}")
    paths = sorted(folder.glob(SUITABILITY_GLOB))
    if not paths:
        raise PublishedStatsError(f"{folder} holds no {SUITABILITY_GLOB} file")
    releases = [read_suitability(p) for p in paths]
    # a later release starts later (it drops its oldest year): prefer the later first year
    releases.sort(key=lambda r: (r["year"].min(), r["year"].max()), reverse=True)
    combined = pd.concat(releases, ignore_index=True)
    combined = combined.drop_duplicates(["la_code", "year", "age_group", "measure"], keep="first")
    combined = _derive_unsuitable(combined)
    combined = combined.sort_values(["la_code", "age_group", "measure", "year"])
    return combined[TIDY_COLUMNS].reset_index(drop=True)
