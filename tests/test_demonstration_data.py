"""The bundled demonstration data: reproducible byte for byte, in the publishers' formats, and
shaped like the borough it stands in for."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from pipeline import demonstration_data
from pipeline.ingest import deprivation, fingertips, ward_lookup
from pipeline.ingest.csv_file import read_csv_table

SAMPLE = demonstration_data.DEFAULT_OUT


@pytest.fixture(scope="module")
def files():
    return {p.name: p for p in SAMPLE.iterdir()}


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path, files):
    written = demonstration_data.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(files)
    for path in written:
        assert path.read_bytes() == files[path.name].read_bytes(), path.name


def test_every_file_says_it_is_demonstration_data(files):
    assert all("DEMONSTRATION" in name for name in files if name.endswith(".csv"))
    assert "SYNTHETIC" in files["README.md"].read_text()


def name_starting(files, prefix):
    return next(p for n, p in files.items() if n.startswith(prefix))


def test_deprivation_files_agree_and_keep_the_published_quirks(files):
    file7 = read_csv_table(name_starting(files, "File_7"))
    assert len(file7.header) == 57
    combined = deprivation.read([name_starting(files, f"File_{n}") for n in (1, 5, 6)])
    alone = deprivation.read([name_starting(files, "File_7")])
    merged = combined.merge(alone, on="lsoa_code", suffixes=("_split", "_file7"))
    assert len(merged) == len(alone) == len(combined)
    assert (merged["imd_score_split"] == merged["imd_score_file7"]).all()
    assert (merged["population_split"].str.replace(",", "") == merged["population_file7"]).all()
    for n in (1, 5, 6):
        assert name_starting(files, f"File_{n}").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b'"1,' in name_starting(files, "File_6").read_bytes() or b'"2,' in name_starting(files, "File_6").read_bytes()


def test_the_borough_has_26_wards_about_120_lsoas_and_deeply_deprived_wards(files):
    lookup = ward_lookup.read([name_starting(files, "LSOA_")])
    borough = lookup[lookup["la_code"] == "E06000004"]
    assert borough["ward_code"].nunique() == 26
    assert 100 <= len(borough) <= 140
    assert lookup["ward_code"].nunique() > 200
    scores = deprivation.read([name_starting(files, "File_7")])
    assert set(scores["lsoa_code"]) == set(lookup["lsoa_code"])
    merged = borough.merge(scores, on="lsoa_code")
    assert (merged["imd_decile"].astype(int) == 1).sum() >= 20  # many LSOAs in the most deprived tenth


def test_fingertips_exports_have_the_real_layout_and_suppressed_cells(files):
    real_header = demonstration_data.FINGERTIPS_HEADER
    for name, path in files.items():
        if not name.startswith("fingertips_"):
            continue
        raw = path.read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
        assert rows[0] == real_header and len(real_header) == 27
        frame = fingertips.read([path])
        assert frame["time_period"].nunique() == 7
        assert (frame["category_type"] != "").any()
    le = fingertips.read([name_starting(files, "fingertips_93283")])
    assert set(le["sex"]) == {"Male", "Female"}
    assert ((le["value"] == "") & (le["value_note"] != "")).any()
    unemployment = fingertips.read([name_starting(files, "fingertips_93097")])
    assert (unemployment["value_note"] == demonstration_data.SUPPRESSED).sum() >= 1


def test_life_expectancy_falls_with_deprivation(files):
    lookup = ward_lookup.read([name_starting(files, "LSOA_")])
    scores = deprivation.read([name_starting(files, "File_7")])
    merged = lookup.merge(scores, on="lsoa_code")
    merged["pop"] = merged["population"].astype(float)
    merged["weighted"] = merged["pop"] * merged["imd_score"].astype(float)
    ward = merged.groupby("ward_code")[["pop", "weighted"]].sum()
    ward["score"] = ward["weighted"] / ward["pop"]
    le = fingertips.read([name_starting(files, "fingertips_93283")])
    male = le[(le["sex"] == "Male") & (le["area_type"] == "Ward") & (le["value"] != "")]
    latest = male[male["time_period"] == male["time_period"].max()].set_index("area_code")
    joined = ward.join(latest["value"].astype(float), how="inner")
    assert len(joined) >= 25
    assert np.corrcoef(joined["score"], joined["value"])[0, 1] < -0.8
    gap = joined["value"].max() - joined["value"].min()
    assert 12 < gap < 25
