"""Reading the DfE care leavers' tables: suppression kept missing, both schemas, new codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shared_data import DFE

from planner.forecasting.published import (
    PublishedStatsError,
    load_care_leaver_counts,
    parse_count,
    read_suitability,
)

DATA = DFE
OLD = DATA / "la_care_leavers_accommodation_suitability_2020_2024.csv"
NEW = DATA / "la_care_leavers_accommodation_suitability_2021_2024.csv"
needs_data = pytest.mark.usefixtures("dfe_required")

HEADER_OLD = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,la_name,new_la_code,age,accommodation_suitability,number,percentage"
)


def test_suppression_codes_become_missing_never_zero():
    value, status = parse_count(pd.Series(["12", "c", "0", "z", "x", "u", "1,234"]))
    assert value.tolist()[0] == 12 and value.tolist()[2] == 0 and value.tolist()[6] == 1234
    assert np.isnan(value[[1, 3, 4, 5]]).all()
    assert status.tolist() == ["", "c", "", "z", "x", "u", ""]


def test_an_unknown_entry_in_a_count_column_is_refused():
    with pytest.raises(PublishedStatsError, match="unexpected"):
        parse_count(pd.Series(["12", "twelve"]))


def test_the_old_schema_and_its_not_suitable_label_read_like_the_new(tmp_path):
    rows = [
        "2021,Reporting year,Local authority,E92000001,England,E12000009,South West,838,"
        "Dorset,E06000059,19 to 21 years,Accommodation considered not suitable,c,c",
        "2021,Reporting year,Local authority,E92000001,England,E12000009,South West,838,"
        "Dorset,E06000059,19 to 21 years,Suitability total,196,100",
        "2021,Reporting year,National,E92000001,England,,,,,,19 to 21 years,"
        "Suitability total,32180,100",
    ]
    path = tmp_path / "la_care_leavers_accommodation_suitability_old.csv"
    path.write_text("\n".join([HEADER_OLD, *rows]) + "\n")
    tidy = read_suitability(path)
    assert len(tidy) == 2  # the national row is not a council
    unsuitable = tidy[tidy["measure"] == "unsuitable"].iloc[0]
    assert np.isnan(unsuitable["value"]) and unsuitable["status"] == "c"
    assert tidy[tidy["measure"] == "total"]["value"].item() == 196


@needs_data
def test_both_releases_parse_to_the_same_vocabulary_and_mostly_agree():
    old, new = read_suitability(OLD), read_suitability(NEW)
    assert (
        set(old["measure"])
        == set(new["measure"])
        == {"total", "suitable", "unsuitable", "no_information"}
    )
    keys = ["la_code", "year", "age_group", "measure"]
    both = old.merge(new, on=keys, suffixes=("_old", "_new"))
    assert len(both) > 3000
    same = (both["value_old"] == both["value_new"]) | (
        both["value_old"].isna() & both["value_new"].isna()
    )
    assert same.mean() > 0.9  # DfE revises some figures between releases


@needs_data
def test_the_combined_table_keeps_the_later_release_and_2020_from_the_older():
    counts = load_care_leaver_counts(DATA)
    assert sorted(counts["year"].unique()) == [2020, 2021, 2022, 2023, 2024]
    assert set(counts.loc[counts["year"] == 2020, "edition"]) == {OLD.stem}
    assert set(counts.loc[counts["year"] > 2020, "edition"]) == {NEW.stem}
    assert not counts.duplicated(["la_code", "year", "age_group", "measure"]).any()
    assert counts["la_code"].str.match(r"^E(06|08|09|10)\d{6}$").all()
    dorset = counts[(counts["la_code"] == "E06000059") & (counts["age_group"] == "19 to 21 years")]
    total = dorset[dorset["measure"] == "total"].set_index("year")["value"]
    assert total.to_dict() == {2020: 184, 2021: 196, 2022: 192, 2023: 201, 2024: 201}
    # 2024 unsuitable is suppressed and cannot be derived (no information is suppressed too)
    cell = dorset[(dorset["measure"] == "unsuitable") & (dorset["year"] == 2024)].iloc[0]
    assert np.isnan(cell["value"]) and cell["status"] == "c"
    suppressed = counts[counts["status"].isin(["c", "z", "x", "u"])]
    assert len(suppressed) > 1000 and suppressed["value"].isna().all()


@needs_data
def test_a_suppressed_unsuitable_cell_is_derived_only_from_published_figures():
    counts = load_care_leaver_counts(DATA)
    derived = counts[counts["status"] == "derived"]
    keys = ["la_code", "year", "age_group"]
    wide = counts.pivot_table(index=keys, columns="measure", values="value")
    for _, row in derived.head(20).iterrows():
        w = wide.loc[(row["la_code"], row["year"], row["age_group"])]
        assert row["value"] == w["total"] - w["suitable"] - w["no_information"]


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PublishedStatsError, match="no such folder"):
        load_care_leaver_counts(tmp_path / "absent")
    with pytest.raises(PublishedStatsError, match="holds no"):
        load_care_leaver_counts(tmp_path)
