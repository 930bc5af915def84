"""The bundled demonstration data: reproducible byte for byte, in the publishers' formats, and shaped
like the borough it stands in for."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.ingest import deprivation, fingertips, ward_lookup
from tools import demonstration_data

SAMPLE = demonstration_data.DEFAULT_OUT
BOROUGH = "E06000004"
BOM = b"\xef\xbb\xbf"
# The header of a real Fingertips "all data" export, as published (27 columns, one literally "Column not used")
FINGERTIPS_HEADER = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,"
    "Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,"
    "Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,Column not used,"
    "Time period Sortable,New data,Compared to goal,Time period range"
)
Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def files() -> dict[str, Path]:
    found = {p.name: p for p in SAMPLE.iterdir()}
    if not found:
        pytest.fail("data/raw/sample/ holds no files: run `make sample`")
    return found


def starting(files: dict[str, Path], prefix: str) -> Path:
    return next(path for name, path in files.items() if name.startswith(prefix))


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def file7(files) -> pd.DataFrame:
    return table(starting(files, "File_7"))


@pytest.fixture(scope="module")
def lookup(files) -> pd.DataFrame:
    return table(starting(files, "LSOA_"))


@pytest.fixture(scope="module")
def ward_scores(file7, lookup) -> pd.DataFrame:
    """Population-weighted ward IMD score (as the pipeline computes it), national rank among the sample's wards."""
    merged = lookup.merge(file7, left_on="LSOA11CD", right_on="LSOA code (2011)", validate="one_to_one")
    population = merged["Total population: mid 2015 (excluding prisoners)"].astype(float)
    merged["weighted"] = population * merged["Index of Multiple Deprivation (IMD) Score"].astype(float)
    merged["population"] = population
    wards = merged.groupby(["WD19CD", "LAD19CD"], as_index=False)[["weighted", "population"]].sum()
    wards["score"] = wards["weighted"] / wards["population"]
    wards["rank"] = wards["score"].rank(ascending=False, method="min")
    return wards.set_index("WD19CD")


# --- reproducible -------------------------------------------------------------------------------


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path, files):
    written = demonstration_data.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(files)
    for path in written:
        assert path.read_bytes() == files[path.name].read_bytes(), f"{path.name} differs: run `make sample`"


def test_command_line_writes_where_it_is_told_with_the_seed_it_is_given(tmp_path):
    demonstration_data.main(["--out", str(tmp_path / "a"), "--seed", "7"])
    demonstration_data.main(["--out", str(tmp_path / "b"), "--seed", "7"])
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    assert first == {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert b"Seed 7 " in first["README.md"]
    assert (
        first[next(n for n in first if n.startswith("File_7"))]
        != starting({p.name: p for p in SAMPLE.iterdir()}, "File_7").read_bytes()
    )


def test_default_output_is_in_the_project_not_the_working_directory():
    assert SAMPLE == Path(demonstration_data.__file__).resolve().parents[2] / "data" / "raw" / "sample"  # noqa: SIM300


def test_the_pipeline_never_imports_the_tools():
    """tools/ is not installed with the package (pyproject.toml's package discovery takes pipeline* only)."""
    root = Path(demonstration_data.__file__).resolve().parents[2]
    importing = [
        str(path.relative_to(root))
        for path in sorted((root / "pipeline").rglob("*.py"))
        if re.search(r"^\s*(from|import)\s+tools\b", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert importing == []


def test_every_file_says_it_is_synthetic_demonstration_data(files):
    assert all(name.endswith("_DEMONSTRATION.csv") for name in files if name.endswith(".csv"))
    readme = files["README.md"].read_text(encoding="utf-8")
    assert "SYNTHETIC DEMONSTRATION DATA" in readme and "not" in readme
    for name in files:
        if name != "README.md":
            assert f"`{name}`" in readme
    assert "make sample" in readme and "python -m tools.demonstration_data" in readme
    assert f"Seed {demonstration_data.Shape.seed}" in readme


def test_the_sample_is_small(files):
    assert sum(p.stat().st_size for p in files.values()) < 2_000_000


# --- the publishers' formats --------------------------------------------------------------------


def test_file7_has_the_57_published_columns_plain_utf8_and_3_decimal_scores(files, file7):
    raw = starting(files, "File_7").read_bytes()
    assert not raw.startswith(BOM)
    header = rows(starting(files, "File_7"))[0]
    assert len(header) == 57 and len(set(header)) == 57
    assert header[:7] == [
        "LSOA code (2011)",
        "LSOA name (2011)",
        "Local Authority District code (2019)",
        "Local Authority District name (2019)",
        "Index of Multiple Deprivation (IMD) Score",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    ]
    assert b'"Education, Skills and Training Score"' in raw.split(b"\r\n")[0]
    assert header[-5:] == demonstration_data.POPULATION_HEADERS
    scores = [c for c in header if c.endswith(("Score", "Score (rate)"))]
    assert len(scores) == 16
    for column in scores:
        assert file7[column].str.fullmatch(r"-?\d+\.\d{3}").all(), column
    for column in [c for c in header if " Rank " in c or " Decile " in c] + header[-5:]:
        assert file7[column].str.fullmatch(r"\d+").all(), column


def test_files_1_5_6_carry_the_same_lsoas_and_numbers_as_file7(files, file7, lookup):
    f1, f5, f6 = (table(starting(files, f"File_{n}_")) for n in (1, 5, 6))
    for frame in (f1, f5, f6):
        assert list(frame["LSOA code (2011)"]) == list(file7["LSOA code (2011)"])
        assert list(frame.columns[:4]) == list(file7.columns[:4])
    assert set(lookup["LSOA11CD"]) == set(file7["LSOA code (2011)"])
    imd = "Index of Multiple Deprivation (IMD) "
    assert (f1[imd + "Rank"].str.replace(",", "") == file7[imd + "Rank (where 1 is most deprived)"]).all()
    assert (f1[imd + "Decile"] == file7[imd + "Decile (where 1 is most deprived 10% of LSOAs)"]).all()
    assert list(f5.columns[4:]) == [c for c in file7.columns if c.endswith(("Score", "Score (rate)"))][:8]
    assert (f5[f5.columns[4:]].to_numpy() == file7[f5.columns[4:]].to_numpy()).all()
    for column in demonstration_data.POPULATION_HEADERS:
        assert (f6[column].str.replace(",", "") == file7[column]).all()


def test_files_1_5_6_keep_the_published_bom_crlf_and_thousands_separators(files):
    for n in (1, 5, 6):
        raw = starting(files, f"File_{n}_").read_bytes()
        assert raw.startswith(BOM)
        assert raw.count(b"\n") == raw.count(b"\r\n") and not raw.endswith(b"\n")  # as published: no final break
    for n in (1, 6):
        raw = starting(files, f"File_{n}_").read_bytes()
        assert re.search(rb',"\d{1,2},\d{3}",', raw)
    f6 = rows(starting(files, "File_6"))
    cells = [c for row in f6[1:] for c in row[4:]]
    assert all(("," in c) == (int(c.replace(",", "")) >= 1000) for c in cells)


def test_real_published_headers_match_where_the_real_files_are_present(files, shared_reference):
    real = shared_reference / "real"
    for n, name in (
        (1, "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"),
        (6, "File_6_-_IoD2019_Population_Denominators.csv"),
    ):
        assert (
            starting(files, f"File_{n}_").read_bytes().split(b"\r\n")[0] == (real / name).read_bytes().split(b"\r\n")[0]
        )
    published = (real / "fingertips_export_91547_smoking_prevalence_qof.csv").read_bytes().split(b"\r\n")[0]
    assert published.decode("utf-8") == FINGERTIPS_HEADER


def test_lookup_is_the_ons_layout_with_every_lsoa_once(files, lookup):
    raw = starting(files, "LSOA_").read_bytes()
    assert raw.startswith(BOM + b"LSOA11CD,LSOA11NM,WD19CD,WD19NM,LAD19CD,LAD19NM,FID\r\n")
    assert lookup["LSOA11CD"].is_unique
    assert list(lookup["FID"].astype(int)) == list(range(1, len(lookup) + 1))


def test_codes_are_fictional_except_the_borough(file7, lookup):
    assert lookup["LSOA11CD"].str.fullmatch(r"E019\d{5}").all()
    assert lookup["WD19CD"].str.fullmatch(r"E059\d{5}").all()
    assert set(lookup["LAD19CD"]) - {BOROUGH} <= set(lookup["LAD19CD"][lookup["LAD19CD"].str.match(r"E0[68]9")])
    assert file7["Local Authority District name (2019)"][file7.iloc[:, 2] == BOROUGH].eq("Stockton-on-Tees").all()
    borough_lsoas = file7["LSOA name (2011)"][file7.iloc[:, 2] == BOROUGH]
    assert borough_lsoas.str.fullmatch(r"Stockton-on-Tees \d{3}[A-Z]").all()


def test_names_are_not_real_ward_or_authority_names(lookup, shared_reference):
    real = table(shared_reference / "real" / "lookup_lsoa21_ward24_ltla24.csv")
    borough_wards = set(lookup.loc[lookup["LAD19CD"] == BOROUGH, "WD19NM"])
    assert not borough_wards & set(real["ward24_name"])
    assert not set(lookup["LAD19NM"]) - {"Stockton-on-Tees"} & set(real["ltla24_name"])
    assert not set(lookup["WD19NM"]) & set(real["ward24_name"])


def test_fingertips_exports_have_the_real_layout(files):
    exports = {name: path for name, path in files.items() if name.startswith("fingertips_")}
    assert sorted(re.match(r"fingertips_(\d+)_", n).group(1) for n in exports) == ["93097", "93283", "93701", "93759"]
    for name, path in exports.items():
        raw = path.read_bytes()
        assert not raw.startswith(BOM)
        assert raw.split(b"\r\n")[0].decode("utf-8") == FINGERTIPS_HEADER
        assert raw.count(b"\n") == raw.count(b"\r\n") and raw.endswith(b"\r\n"), name
        frame = table(path)
        assert frame["Time period"].nunique() == 7, name
        assert frame["Time period Sortable"].str.fullmatch(r"20\d\d0000").all()
        assert frame["Column not used"].eq("Not compared").all()
        assert (frame["Category Type"] == demonstration_data.CATEGORY_TYPE).any()
        assert frame["Category"].str.contains("Most deprived decile").any()
        areas = frame[frame["Category Type"] == ""]
        assert set(areas["Area Type"]) == {"England", "UA", "Ward"}
        wards = areas[areas["Area Type"] == "Ward"]
        assert wards["Area Code"].nunique() == 26 and wards["Parent Code"].eq(BOROUGH).all()
        assert areas.loc[areas["Area Type"] == "UA", "Parent Code"].eq("E12000001").all()
        missing = wards[wards["Value"] == ""]
        assert len(missing) >= 1 and missing["Value note"].ne("").all()
        assert (missing["Lower CI 95.0 limit"] == "").all() and (missing["Count"] == "").all()
        latest = frame["Time period Sortable"] == frame["Time period Sortable"].max()
        published = areas["Value"] != ""
        assert (frame.loc[~latest, "Lower CI 99.8 limit"] == "").all()
        assert (frame.loc[~latest, "Recent Trend"] == "").all()
        assert (areas.loc[latest & published, "Recent Trend"] != "").all()
        assert (areas.loc[latest & published, "Upper CI 99.8 limit"] != "").all()
        values = frame.loc[frame["Value"] != "", ["Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit"]].astype(float)
        assert (values["Lower CI 95.0 limit"] <= values["Value"]).all()
        assert (values["Value"] <= values["Upper CI 95.0 limit"]).all()
        numbers = frame[["Value", "Lower CI 95.0 limit", "Denominator"]].to_numpy().ravel()
        assert all(re.fullmatch(r"\d+(\.\d*[1-9])?", n) for n in numbers if n), name  # trailing zeros stripped


def test_life_expectancy_has_both_sexes_a_5_year_range_and_a_value_not_published(files):
    le = table(starting(files, "fingertips_93283"))
    assert set(le["Sex"]) == {"Male", "Female"}
    assert set(le["Age"]) == {"All ages"} and set(le["Time period range"]) == {"5y"}
    assert le["Time period"].iloc[0] == "2012 - 16" and le["Time period"].iloc[-1] == "2018 - 22"
    assert (le["Count"] == "").all() and (le["Denominator"] == "").all()
    assert (le["Value note"] == demonstration_data.NOT_PUBLISHED).sum() == 1
    wards = le[(le["Area Type"] == "Ward") & (le["Value"] != "")]
    half_width = (wards["Upper CI 95.0 limit"].astype(float) - wards["Value"].astype(float)) / Z95
    assert half_width.between(0.99, 2.51).all()


def test_proportions_have_counts_denominators_and_wilson_limits(files):
    for prefix, age in (
        ("fingertips_93097", "16-64 yrs"),
        ("fingertips_93759", "Not applicable"),
        ("fingertips_93701", "<16 yrs"),
    ):
        frame = table(starting(files, prefix))
        assert set(frame["Sex"]) == {"Persons"} and set(frame["Age"]) == {age}
        published = frame[frame["Value"] != ""]
        count = published["Count"].astype(float)
        n = published["Denominator"].astype(float)
        assert np.allclose(published["Value"].astype(float), 100 * count / n, rtol=1e-9)
        p = count / n
        centre, spread = 2 * count + Z95**2, Z95 * np.sqrt(Z95**2 + 4 * count * (1 - p))
        lower, upper = 100 * (centre - spread) / (2 * (n + Z95**2)), 100 * (centre + spread) / (2 * (n + Z95**2))
        assert np.allclose(published["Lower CI 95.0 limit"].astype(float), lower, rtol=1e-8)
        assert np.allclose(published["Upper CI 95.0 limit"].astype(float), upper, rtol=1e-8)
    unemployment = table(starting(files, "fingertips_93097"))
    assert (unemployment["Value note"] == demonstration_data.SUPPRESSED).sum() >= 1
    assert unemployment["Time period"].iloc[0] == "2016/17"
    fuel = table(starting(files, "fingertips_93759"))
    assert (fuel["Denominator"].str.contains(r"\.")).any()  # non-integer denominators, as real exports have
    for prefix in ("fingertips_93097", "fingertips_93701"):
        assert table(starting(files, prefix))["Denominator"].str.fullmatch(r"\d+").all()


def test_the_pipeline_readers_take_every_file(files):
    combined = deprivation.read([starting(files, f"File_{n}_") for n in (1, 5, 6)])
    alone = deprivation.read([starting(files, "File_7")])
    assert len(combined) == len(alone)
    merged = combined.merge(alone, on="lsoa_code", suffixes=("_split", "_file7"), validate="one_to_one")
    assert (merged["imd_score_split"] == merged["imd_score_file7"]).all()
    assert (merged["population_split"].str.replace(",", "") == merged["population_file7"]).all()
    assert set(alone["lsoa_vintage"]) == {"2011"}
    lookup = ward_lookup.read([starting(files, "LSOA_")])
    assert set(lookup["ward_vintage"]) == {"WD19"}
    exports = fingertips.read([p for n, p in sorted(files.items()) if n.startswith("fingertips_")])
    assert (exports["_fields"] == 27).all()


# --- shaped like the borough --------------------------------------------------------------------


def test_the_borough_has_26_wards_about_120_lsoas_and_a_rest_of_england(lookup, file7):
    borough = lookup[lookup["LAD19CD"] == BOROUGH]
    assert borough["WD19CD"].nunique() == 26
    assert sorted(borough["WD19CD"].unique()) == [f"E05900{n:03d}" for n in range(1, 27)]
    assert 100 <= len(borough) <= 140
    assert borough.groupby("WD19CD").size().between(3, 7).all()
    others = lookup[lookup["LAD19CD"] != BOROUGH]
    assert others["LAD19CD"].nunique() == 11
    assert 200 <= others["WD19CD"].nunique() <= 280 and 1200 <= len(others) <= 1600
    population = file7["Total population: mid 2015 (excluding prisoners)"].astype(int)
    assert population.between(1000, 3000).all()
    parts = file7[demonstration_data.POPULATION_HEADERS[1:4]].astype(int).sum(axis=1)
    assert (parts == population).all()
    working = file7[demonstration_data.POPULATION_HEADERS[4]].astype(int)
    middle = file7[demonstration_data.POPULATION_HEADERS[2]].astype(int)
    assert (working / middle).between(0.9, 1.15).all()


def test_imd_scores_are_right_skewed_and_ranked_on_the_national_scale(file7):
    score = file7["Index of Multiple Deprivation (IMD) Score"].astype(float)
    rank = file7["Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"].astype(int)
    decile = file7["Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"].astype(int)
    assert score.min() >= 0.5 and score.max() <= 92
    assert 14 <= score.median() <= 21 and score.mean() > score.median()
    assert rank.is_unique and rank.between(1, 32844).all()
    assert (np.diff(score.to_numpy()[np.argsort(rank.to_numpy())]) <= 0).all()  # rank 1 = highest score
    assert (decile == np.ceil(rank * 10 / 32844).astype(int)).all()  # decile 1 = ranks 1–3,284, as published
    for name, _ in demonstration_data.FILE7_DOMAINS[1:8]:
        domain = file7[[c for c in file7.columns if c.startswith(name + " Score")][0]].astype(float)
        assert np.corrcoef(domain, score)[0, 1] > 0.1, name


def test_about_nine_borough_wards_are_among_the_most_deprived_tenth_nationally(ward_scores):
    tenth = len(ward_scores) / 10
    borough = ward_scores[ward_scores["LAD19CD"] == BOROUGH]
    most_deprived = borough[borough["rank"] <= tenth]
    assert 7 <= len(most_deprived) <= 11
    assert set(most_deprived.index) <= {f"E05900{n:03d}" for n in range(1, 10)}  # the programme's target areas
    assert (borough["rank"] > 0.9 * len(ward_scores)).any()  # and some among the least deprived


def test_life_expectancy_falls_steeply_with_deprivation_and_the_gap_widens(files, ward_scores):
    le = table(starting(files, "fingertips_93283"))
    wards = le[(le["Area Type"] == "Ward") & (le["Value"] != "")].join(ward_scores["score"], on="Area Code")
    wards["value"] = wards["Value"].astype(float)
    gaps = {}
    for (sex, period), group in wards.groupby(["Sex", "Time period"]):
        assert np.corrcoef(group["score"], group["value"])[0, 1] < -0.8, (sex, period)
        slope = np.polyfit(group["score"], group["value"], 1)[0]
        gaps[sex, period] = -slope * (group["score"].max() - group["score"].min())
    first, last = "2012 - 16", "2018 - 22"
    extremes = wards[wards["Time period"] == last].sort_values("score")
    male = extremes[extremes["Sex"] == "Male"]["value"]
    assert 15 <= male.iloc[0] - male.iloc[-1] <= 21  # least vs most deprived ward
    assert 15 <= gaps["Male", first] <= 21 and 15 <= gaps["Male", last] <= 21
    assert gaps["Female", first] < gaps["Male", first] and gaps["Female", last] < gaps["Male", last]
    assert gaps["Male", last] > gaps["Male", first] and gaps["Female", last] > gaps["Female", first]


def test_proportions_rise_with_deprivation(files, ward_scores):
    for prefix in ("fingertips_93097", "fingertips_93759", "fingertips_93701"):
        frame = table(starting(files, prefix))
        wards = frame[(frame["Area Type"] == "Ward") & (frame["Value"] != "")]
        wards = wards.join(ward_scores["score"], on="Area Code")
        assert np.corrcoef(wards["score"], wards["Value"].astype(float))[0, 1] > 0.7, prefix
        borough = frame[frame["Area Type"] == "UA"]["Value"].astype(float).to_numpy()
        england = frame[(frame["Area Type"] == "England") & (frame["Category"] == "")]["Value"].astype(float).to_numpy()
        assert (borough > england).all(), prefix  # a deprived borough


def test_fingertips_numbers_have_at_most_10_significant_digits(files):
    for name, path in files.items():
        if name.startswith("fingertips_"):
            frame = table(path)
            for column in ("Value", "Lower CI 95.0 limit", "Upper CI 99.8 limit", "Denominator"):
                for text in frame[column][frame[column] != ""]:
                    digits = text.replace(".", "").lstrip("0")
                    assert len(digits) <= 10 and math.isfinite(float(text)), (name, column, text)
