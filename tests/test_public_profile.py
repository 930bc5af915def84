"""The real public-data profile (fsot.toml, data/raw/public/): it builds offline and gives true figures
about Stockton-on-Tees, checked against figures computed here independently from the bundled files;
and the configurations that go wrong on real data stop with one line, or build, never with a traceback."""

from __future__ import annotations

import gzip
import io
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import cli

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PUBLIC = PROJECT_ROOT / "data" / "raw" / "public"
BOROUGH = "E06000004"


def read_public(name: str, **kwargs) -> pd.DataFrame:
    path = PUBLIC / name
    data = path.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", **kwargs)


@pytest.fixture(scope="module")
def warehouse(public_run):
    config, result = public_run
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    yield con
    con.close()


def wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval written out from Wilson (1927), independently of pipeline.methods."""
    p = x / n
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - half) / (1 + z * z / n), 100 * (centre + half) / (1 + z * z / n)


def test_make_run_profile_writes_report_pdf_and_exports_offline(public_run):
    config, result = public_run
    assert result.exit_code == 0, result.output
    report = config.reports_dir / "2026-Q3"
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "DEMONSTRATION" not in html  # every source is real
    assert (report / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert (report / "exports" / "fct_ward_deprivation.csv").is_file()


def test_deprivation_headline_for_both_ward_vintages(warehouse):
    rows = warehouse.execute(
        "select ward_vintage, imd_edition, population_weights, borough_wards, wards_in_most_deprived_decile "
        "from marts.fct_deprivation_headline order by ward_vintage"
    ).fetchall()
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [("WD17", "IoD2019", 26, 9), ("WD24", "IoD2025", 27, 10)]
    assert "mid-2015" in rows[0][2] and rows[1][2].startswith("Census 2021")


def test_pre_2023_ward_scores_match_an_independent_calculation(warehouse):
    """WD17: IMD 2019 scores weighted by File 6's mid-2015 denominators, ranked among England's wards."""
    lookup = read_public("lookup_lsoa11_ward17_named.csv.gz")
    scores = read_public("imd2019_lsoa11_scores.csv.gz")
    population = read_public("File_6_-_IoD2019_Population_Denominators.csv.gz", thousands=",")
    population = population.set_index("LSOA code (2011)")["Total population: mid 2015 (excluding prisoners)"]
    lsoa = lookup.merge(scores, left_on="LSOA11CD", right_on="lsoa_code")
    lsoa["p"] = lsoa["LSOA11CD"].map(population)
    ward = lsoa.groupby("WD17CD").apply(lambda g: (g.p * g.imd_score).sum() / g.p.sum(), include_groups=False)
    rank = ward.rank(ascending=False, method="min")
    borough = lsoa.loc[lsoa["LAD17CD"] == BOROUGH, "WD17CD"].unique()
    got = dict(
        warehouse.execute(
            "select ward_code, imd_score from marts.fct_ward_deprivation where ward_vintage = 'WD17'"
        ).fetchall()
    )
    assert set(got) == set(borough) and len(got) == 26
    for code in borough:
        assert got[code] == pytest.approx(ward[code], rel=1e-12)
    ranks = dict(
        warehouse.execute(
            "select ward_code, national_rank from marts.fct_ward_deprivation where ward_vintage = 'WD17'"
        ).fetchall()
    )
    assert all(ranks[c] == rank[c] for c in borough)
    assert warehouse.execute(
        "select min(national_wards) from marts.fct_ward_deprivation where ward_vintage = 'WD17'"
    ).fetchall() == [(len(ward),)]


def test_every_borough_ward_is_fully_covered_and_says_what_it_rests_on(warehouse):
    rows = warehouse.execute(
        "select ward_vintage, count(*), min(score_population_share), count(deprivation_note) "
        "from marts.fct_ward_deprivation group by 1 order by 1"
    ).fetchall()
    assert rows == [("WD17", 26, 1.0, 0), ("WD24", 27, 1.0, 0)]
    for mart in (
        "fct_ward_indicator",
        "fct_gap",
        "fct_gap_measure",
        "fct_benchmark_comparison",
        "fct_gap_change",
        "fct_trend",
    ):
        missing = warehouse.execute(
            f"select count(*) from marts.{mart} where ward_vintage is null or "
            "imd_edition is null or population_weights is null"
        ).fetchall()[0][0]
        assert missing == 0, mart


@pytest.mark.parametrize(
    "indicator, file, column, numerator",
    [
        (
            "census2021-overcrowding",
            "census2021_household_overcrowding_lsoa21_stockton.csv",
            "occupancy_rating",
            ["-1 (overcrowded)", "-2 or less (overcrowded)"],
        ),
        (
            "census2021-social-rented",
            "census2021_household_tenure_lsoa21_stockton.csv",
            "tenure",
            ["Social rented: Rents from council or Local Authority", "Social rented: Other social rented"],
        ),
        (
            "census2021-household-deprivation",
            "census2021_household_deprivation_lsoa21_stockton.csv",
            "deprivation_dimensions",
            [
                "Household is deprived in two dimensions",
                "Household is deprived in three dimensions",
                "Household is deprived in four dimensions",
            ],
        ),
        (
            "census2021-disability",
            "census2021_disability_lsoa21_stockton.csv",
            "disability",
            ["Disabled under the Equality Act"],
        ),
    ],
)
def test_census_ward_indicators_are_sums_over_the_wards_lsoas(warehouse, indicator, file, column, numerator):
    counts = read_public(file)
    total = "total_households" if "total_households" in counts else "total_residents"
    lookup = read_public("lookup_lsoa21_ward24_ltla24.csv.gz")
    per_lsoa = counts.groupby("lsoa21_code").agg(n=(total, "first"))
    per_lsoa["x"] = counts[counts[column].isin(numerator)].groupby("lsoa21_code")["n"].sum()
    per_ward = per_lsoa.join(lookup.set_index("lsoa21_code")["ward24_code"]).groupby("ward24_code")[["x", "n"]].sum()
    got = (
        warehouse.execute(
            'select ward_code, value, lower_ci, upper_ci, "count", denominator, ward_vintage '
            "from marts.fct_ward_indicator where indicator_id = ? and period = '2021'",
            [indicator],
        )
        .df()
        .set_index("ward_code")
    )
    assert len(got) == 27 and set(got["ward_vintage"]) == {"WD24"}
    for ward, row in per_ward.iterrows():
        assert got.loc[ward, "denominator"] == row.n
        if 1 <= row.x <= 7:  # the disclosure rule (fsot.toml [disclosure]) suppresses the value and its count
            assert got.loc[ward, ["value", "count", "lower_ci"]].isna().all()
            continue
        assert got.loc[ward, "count"] == row.x
        assert got.loc[ward, "value"] == pytest.approx(100 * row.x / row.n, rel=1e-12)
        assert (got.loc[ward, "lower_ci"], got.loc[ward, "upper_ci"]) == pytest.approx(wilson(row.x, row.n), rel=1e-9)
    gaps = warehouse.execute(
        "select measure, value, lower_ci from marts.fct_gap_measure where indicator_id = ? "
        "and grouping = 'local_quintile' and measure in ('absolute_gap', 'sii')",
        [indicator],
    ).fetchall()
    assert {g[0] for g in gaps} == {"absolute_gap", "sii"} and all(g[1] > 0 and g[2] is not None for g in gaps)
    versus = warehouse.execute(
        "select count(*) from marts.fct_benchmark_comparison where indicator_id = ? "
        "and benchmark = 'Stockton-on-Tees' and area_type = 'ward'",
        [indicator],
    ).fetchall()
    assert versus == [(27,)]  # each ward against the borough


def test_an_indicator_without_ward_values_keeps_the_borough_comparison_and_says_why(public_run, warehouse):
    config, _ = public_run
    assert warehouse.execute(
        "select count(*) from marts.fct_ward_indicator where indicator_id = '91547'"
    ).fetchall() == [(0,)]
    # the 2015/16 rows repeated with Age 'Not applicable' are resolved once, by the staging rule
    rows = warehouse.execute(
        "select period, count(*) from marts.fct_benchmark_comparison where indicator_id = '91547' "
        "and area_code = ? group by period order by period",
        [BOROUGH],
    ).fetchall()
    assert len(rows) == 10 and all(n == 1 for _, n in rows)
    trend = warehouse.execute(
        "select trend from marts.fct_trend where indicator_id = '91547' and series = 'value' and subject = ?", [BOROUGH]
    ).fetchall()
    assert len(trend) == 1
    html = (config.reports_dir / "2026-Q3" / "report.html").read_text(encoding="utf-8")
    assert "No ward-level values: gaps between wards cannot be measured." in html
    assert "9 of the 26 wards of Stockton-on-Tees as drawn in December 2017 (WD17)" in html


def profile_copy(tmp_path: Path, replace: dict[str, str]) -> Path:
    """A copy of the public profile with texts of fsot.toml replaced."""
    shutil.copytree(PUBLIC, tmp_path / "data" / "raw" / "public")
    text = (PROJECT_ROOT / "fsot.toml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "fsot.toml").write_text(text, encoding="utf-8")
    return tmp_path / "fsot.toml"


def test_a_2021_lookup_against_2011_scores_stops_before_any_model_runs(tmp_path):
    config = profile_copy(tmp_path, {'lookup = "ward_lookup_2017"': 'lookup = "ward_lookup_2024"'})
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = result.output.split("error: ", 1)[1].split("\n(log:")[0]
    assert "\n" not in message  # one line, then where the log is
    flat = " ".join(message.split())
    assert "LSOA 2021" in flat and "LSOA 2011" in flat
    assert "4 of the deprivation file's borough LSOAs (10,820 people) are in no ward" in flat
    assert "E01012264" in flat
    assert not (tmp_path / "data" / "processed" / "fsot.duckdb").exists()
    log = next((tmp_path / "logs").glob("*-run.log")).read_text(encoding="utf-8")
    assert "10,820 people" in log


def test_counts_on_other_lsoas_than_the_lookup_stop_with_one_line(tmp_path):
    config = profile_copy(
        tmp_path,
        {
            '''numerator = ["-1 (overcrowded)", "-2 or less (overcrowded)"]
ward_vintage = "WD24"''': '''numerator = ["-1 (overcrowded)", "-2 or less (overcrowded)"]
ward_vintage = "WD17"'''
        },
    )
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    flat = " ".join(result.output.split())
    assert "census2021-overcrowding" in flat and "different area vintages" in flat and "2021 LSOAs" in flat


def test_a_numerator_category_not_in_the_file_is_named(tmp_path):
    config = profile_copy(tmp_path, {'numerator = ["Disabled under the Equality Act"]': 'numerator = ["Disabled"]'})
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "'Disabled'" in result.output and "Disabled under the Equality Act" in result.output


def test_file_1_with_the_scores_file_file_6_and_the_codes_only_2017_lookup_builds(tmp_path, shared_reference):
    """The configuration that used to die with a traceback: IoD File 1 + the scores file + File 6, with
    the codes-only December 2017 lookup (the local authority then comes from the deprivation file)."""
    real = shared_reference / "real"
    config = profile_copy(
        tmp_path,
        {
            'logs = "logs"': 'logs = "logs"\nallow_outside_project = true   # the reference files stay in ../shared',
            '    "data/raw/public/imd2019_lsoa11_scores.csv.gz",': (
                f'    "{real / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"}", '
                '"data/raw/public/imd2019_lsoa11_scores.csv.gz",'
            ),
            'files = ["data/raw/public/lookup_lsoa11_ward17_named.csv.gz"]': (
                f'files = ["{real / "lookup_lsoa11_ward17.csv"}"]'
            ),
        },
    )
    result = CliRunner().invoke(cli, ["run", "--date", "2026-11-22", "--config", str(config)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(tmp_path / "data" / "processed" / "fsot.duckdb"), read_only=True)
    try:
        assert con.execute(
            "select borough_wards, wards_in_most_deprived_decile from marts.fct_deprivation_headline "
            "where ward_vintage = 'WD17'"
        ).fetchall() == [(26, 9)]
    finally:
        con.close()
