"""Ward maps (pipeline/report/maps.py and the report's Maps section): behaviour, not pixels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import ConfigError, load_config

gpd = pytest.importorskip("geopandas")
shapely_geometry = pytest.importorskip("shapely.geometry")

from pipeline.report import maps  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PUBLIC = PROJECT_ROOT / "data" / "raw" / "public"


def squares(values: list[float]) -> gpd.GeoDataFrame:
    """A row of hand-made square wards (1 km each, British National Grid) with names and values."""
    n = len(values)
    return gpd.GeoDataFrame(
        {
            "ward_code": [f"E0500{9000 + i}" for i in range(n)],
            "ward_name": [f"Ward {chr(65 + i)}" for i in range(n)],
            "value": values,
        },
        geometry=[shapely_geometry.box(440_000 + 1000 * i, 520_000, 441_000 + 1000 * i, 521_000) for i in range(n)],
        crs="EPSG:27700",
    )


def test_quintile_classes_put_the_worst_fifth_in_class_1_by_polarity():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    high_worse = maps.quintile_classes(values, higher_is_worse=True)
    assert list(high_worse) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    low_worse = maps.quintile_classes(values, higher_is_worse=False)
    assert list(low_worse) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_quintile_classes_keep_missing_values_out_and_ties_together():
    classes = maps.quintile_classes([5, 5, 1, 2, 3, float("nan"), 4, 6, 7, 8, 9], higher_is_worse=True)
    assert math.isnan(classes[5])
    assert classes[0] == classes[1]
    assert set(classes[~np.isnan(classes)]) <= {1, 2, 3, 4, 5}
    # fewer wards than classes: no class at all rather than a misleading one
    assert np.isnan(maps.quintile_classes([1, 2, 3], higher_is_worse=True)).all()


def test_class_ranges_and_legend_state_each_class_with_its_unit():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    classes = maps.quintile_classes(values, higher_is_worse=True)
    ranges = maps.class_ranges(values, classes)
    assert ranges[1] == (9.0, 10.0, 2) and ranges[5] == (1.0, 2.0, 2)
    labels = maps.legend_labels(ranges, "%", ("worst fifth", "best fifth"))
    assert labels[1] == "1 worst fifth: 9.0% to 10.0% (2 wards)"
    assert labels[3] == "3: 5.0% to 6.0% (2 wards)"
    assert labels[5] == "5 best fifth: 1.0% to 2.0% (2 wards)"
    years = maps.legend_labels({**ranges, 2: None}, "years", ("worst fifth", "best fifth"))
    assert years[1] == "1 worst fifth: 9.0 years to 10.0 years (2 wards)" and years[2] == "2: no wards"


def test_map_draws_one_patch_per_ward_hatches_missing_and_outlines_target_areas():
    wards = squares([1, 2, 3, 4, 5, 6, 7, 8, 9, float("nan")])
    wards["cls"] = maps.quintile_classes(wards["value"], higher_is_worse=True)
    ranges = maps.class_ranges(wards["value"], wards["cls"])
    areas = [("Town Centre", [wards["ward_code"][0], wards["ward_code"][1]]), ("Riverside", [wards["ward_code"][5]])]
    fig = maps.draw_map(
        wards,
        maps.legend_labels(ranges, "%", ("worst fifth", "best fifth")),
        "Title",
        "Legend",
        areas,
        "Source: test.",
        False,
    )
    try:
        ax = fig.axes[0]
        by_gid = {}
        for collection in ax.collections:
            by_gid.setdefault(collection.get_gid(), []).append(collection)
        class_patches = sum(
            len(c.get_paths()) for gid, cs in by_gid.items() if gid and gid.startswith("class-") for c in cs
        )
        assert class_patches == 9  # one patch per ward with a value
        (missing,) = by_gid["no-value"]
        assert len(missing.get_paths()) == 1 and missing.get_hatch() == maps.NO_VALUE_HATCH
        # colour follows the class: class 1 (worst) is the darkest of the palette
        (worst,) = by_gid["class-1"]
        assert tuple(np.round(worst.get_facecolor()[0][:3], 3)) == tuple(
            np.round(np.array([int(maps.PALETTE[-1][i : i + 2], 16) for i in (1, 3, 5)]) / 255, 3)
        )
        # each target area: one outline, drawn dashed (print-safe), and named in the legend
        for n in (0, 1):
            (outline,) = by_gid[f"target-{n}"]
            assert outline.get_linestyle()[0][1] is not None  # a dash pattern, not a solid line
        assert by_gid["target-0"][0].get_linestyle() != by_gid["target-1"][0].get_linestyle()
        legend = fig.axes[1].get_legend()
        texts = [t.get_text() for t in legend.get_texts()]
        assert "Target area: Town Centre" in texts and "Target area: Riverside" in texts
        assert any(t.startswith("no value") for t in texts)
        assert texts[0].startswith("1 worst fifth: 8.0% to 9.0%")
        numbers = [t.get_text() for t in ax.texts if t.get_gid() == "ward-number"]
        assert sorted(numbers, key=int) == [str(i) for i in range(1, 11)]
        key = " ".join(t.get_text() for t in fig.axes[1].texts)
        assert all(name in key for name in wards["ward_name"])
        assert not any(t.get_parse_math() for t in fig.axes[1].texts)  # names are text, never mathtext
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_alt_text_names_the_wards_of_the_top_and_bottom_class_and_the_target_areas():
    wards = squares([1, 2, 3, 4, 5, 6, 7, 8, 9, float("nan")])
    wards["cls"] = maps.quintile_classes(wards["value"], higher_is_worse=True)
    ranges = maps.class_ranges(wards["value"], wards["cls"])
    text = maps.alt_text(
        wards,
        "overcrowding in 2021 (%)",
        ranges,
        "%",
        ("worst fifth", "best fifth"),
        "worse (lower is better)",
        [("Town Centre", [wards["ward_code"][0]])],
    )
    worst = text[text.index("Class 1") : text.index("Class 5")]
    assert "Ward H" in worst and "Ward I" in worst and "Ward A" not in worst
    assert "8.0% to 9.0%" in worst
    assert "Ward A" in text[text.index("Class 5") :]
    assert "No value (1): Ward J." in text
    assert "Target area Town Centre" in text and "darker = worse" in text


@pytest.mark.parametrize("vintage", ["WD17", "WD24"])
def test_bundled_boundaries_hold_exactly_the_lookups_wards_of_their_vintage(vintage):
    config = load_config(PROJECT_ROOT / "fsot.toml")
    chosen = config.ward_vintage(vintage)
    boundaries = config.source(chosen.boundaries)
    (path,) = [PROJECT_ROOT / f for f in boundaries.files]
    assert path.parent == PUBLIC and path.name.endswith(".geojson.gz")
    shapes = maps.read_boundaries(path, boundaries.column("code"))
    (lookup_file,) = config.source(chosen.lookup).files
    lookup = pd.read_csv(PROJECT_ROOT / lookup_file, dtype=str)
    la_column, ward_column = {"WD17": ("LAD17CD", "WD17CD"), "WD24": ("ltla24_code", "ward24_code")}[vintage]
    wards = set(lookup.loc[lookup[la_column] == config.la_code, ward_column])
    assert len(wards) == {"WD17": 26, "WD24": 27}[vintage]
    assert set(shapes["ward_code"]) == wards
    assert maps.code_match(shapes["ward_code"], sorted(wards))["complete"]


def test_boundaries_of_other_wards_do_not_match():
    config = load_config(PROJECT_ROOT / "fsot.toml")
    old = config.source(config.ward_vintage("WD17").boundaries)
    shapes = maps.read_boundaries(PROJECT_ROOT / old.files[0], old.column("code"))
    new_wards = ["E05014858", "E05014859"]
    match = maps.code_match(shapes["ward_code"], new_wards)
    assert not match["complete"] and match["matched"] == 0 and match["missing"] == new_wards


def test_bundled_boundaries_are_the_published_files(shared_reference):
    """The .gz files are the reference GeoJSON byte for byte (gzip -n -9 of it)."""
    import gzip

    for name in ("wards_dec2022_stockton.geojson", "wards_2023_stockton.geojson"):
        bundled = gzip.decompress((PUBLIC / f"{name}.gz").read_bytes())
        assert bundled == (shared_reference / "real" / "boundaries" / name).read_bytes()


def test_a_vintage_naming_a_source_that_is_not_boundaries_is_refused(tmp_path):
    text = (PROJECT_ROOT / "fsot.toml").read_text(encoding="utf-8")
    bad = tmp_path / "fsot.toml"
    bad.write_text(text.replace('boundaries = "ward_boundaries_2022"', 'boundaries = "imd2019"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="boundaries = 'imd2019'.*ward_boundaries"):
        load_config(bad)
    bad.write_text(text.replace('columns = { code = "WD22CD" }\n', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="columns = \\{ code"):
        load_config(bad)


def test_boundaries_are_landed_with_provenance_but_not_loaded():
    config = load_config(PROJECT_ROOT / "fsot.toml")
    for vintage in config.ward_vintages:
        source = config.source(vintage.boundaries)
        assert source.reads_as == "none"
        assert source.publisher and source.licence.startswith("Open Government Licence")
        assert "Crown copyright" in source.licence
    readme = (PUBLIC / "README.md").read_text(encoding="utf-8")
    for name in ("wards_dec2022_stockton.geojson.gz", "wards_2023_stockton.geojson.gz"):
        assert f"`{name}`" in readme


def test_public_report_maps_every_vintage_with_alt_text_and_a_table(public_run):
    config, result = public_run
    assert result.exit_code == 0, result.output
    folder = config.reports_dir / "2026-Q3"
    figures = [f for f in json.loads((folder / "figures.json").read_text()) if f["section"] == "Maps"]
    files = {f["file"] for f in figures}
    assert {"charts/map_wd17_deprivation.png", "charts/map_wd24_deprivation.png"} <= files
    assert len([f for f in files if f.startswith("charts/map_wd24_census2021")]) == 4
    for figure in figures:
        assert (folder / figure["file"]).stat().st_size > 10_000
        assert figure["alt"].startswith("Map of ") and "Class 1 (" in figure["alt"]
    deprivation = next(f for f in figures if f["file"] == "charts/map_wd17_deprivation.png")
    assert "Stockton Town Centre" in deprivation["alt"][: deprivation["alt"].index("Class 5")]
    html = (folder / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<h2 id="maps">') : html.index('<h2 id="ward-profile">')]
    assert section.count('<figure class="map">') == 6 and section.count('alt="Map of ') == 6
    assert section.count('<table class="map-table"') == 2
    assert "exports/fct_ward_deprivation.csv" in section
    assert "map-note" not in section


def test_demonstration_report_has_no_maps_and_says_why(bundled_run):
    config, result = bundled_run
    assert result.exit_code == 0, result.output
    folder = config.reports_dir / "2026-Q3"
    assert not list((folder / "charts").glob("map_*"))
    html = (folder / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<h2 id="maps">') : html.index('<h2 id="ward-profile">')]
    assert "No ward boundaries configured" in section and "<img" not in section


def test_a_vintage_whose_boundaries_are_of_other_wards_gets_no_map_and_a_sentence(tmp_path):
    """WD24 pointed at the December 2022 boundaries (WD17's wards): the report section says so, draws nothing."""
    import shutil

    from pipeline.ingest.landing import land_source
    from pipeline.report.map_sections import map_sections
    from pipeline.report.site import _Figures

    text = (PROJECT_ROOT / "fsot.toml").read_text(encoding="utf-8")
    (tmp_path / "fsot.toml").write_text(
        text.replace('boundaries = "ward_boundaries_2023"', 'boundaries = "ward_boundaries_2022"'), encoding="utf-8"
    )
    (tmp_path / "data" / "raw" / "public").mkdir(parents=True)
    for name in ("wards_dec2022_stockton.geojson.gz", "wards_2023_stockton.geojson.gz"):
        shutil.copy(PUBLIC / name, tmp_path / "data" / "raw" / "public" / name)
    config = load_config(tmp_path / "fsot.toml")
    [landed] = land_source(config, config.source("ward_boundaries_2022"))
    # as marts.dim_ward_boundary_file lists it after a build: both vintages now name these boundaries
    boundary_files = pd.DataFrame(
        {
            "ward_vintage": ["WD17", "WD24"],
            "source_id": ["ward_boundaries_2022"] * 2,
            "release": [landed.release] * 2,
            "file_order": [1, 1],
            "file_path": [f"data/raw/{landed.path}"] * 2,
            "sha256": [landed.sha256] * 2,
            "is_landed": [True, True],
        }
    )
    deprivation = pd.DataFrame(
        {
            "ward_vintage": ["WD24", "WD24"],
            "ward_code": ["E05014858", "E05014859"],
            "ward_name": ["Billingham Central", "Billingham East"],
            "imd_score": [30.0, 40.0],
            "local_quintile": [2, 1],
        }
    )
    wards = pd.DataFrame(columns=["indicator_id", "sex", "category", "ward_code", "period", "period_sort", "value"])
    (tmp_path / "charts").mkdir()
    figures = _Figures(tmp_path / "charts")
    sections = map_sections(
        config, {"deprivation": deprivation, "wards": wards, "boundary_files": boundary_files}, figures, False
    )
    by_vintage = {s["ward_vintage"]: s for s in sections}
    assert by_vintage["WD24"]["figures"] == [] and by_vintage["WD24"]["table"] is None
    assert "hold 0 of the 2 ward codes of WD24" in by_vintage["WD24"]["note"]
    assert "no map" in by_vintage["WD24"]["note"]
    assert by_vintage["WD17"]["note"].startswith("No wards of WD17")
    assert figures.drawn == [] and not list((tmp_path / "charts").iterdir())


def test_a_boundary_file_not_landed_missing_or_changed_is_named_in_a_sentence_with_what_to_do(tmp_path):
    """The maps take each boundary file from marts.dim_ward_boundary_file, relative to the project, and check it
    before reading it: the section says which file and what to do, never shows a traceback."""
    import shutil

    from pipeline.ingest.landing import land_source
    from pipeline.report.map_sections import map_sections
    from pipeline.report.queries import ward_boundaries
    from pipeline.report.site import _Figures

    shutil.copy(PROJECT_ROOT / "fsot.toml", tmp_path / "fsot.toml")
    (tmp_path / "data" / "raw" / "public").mkdir(parents=True)
    shutil.copy(PUBLIC / "wards_dec2022_stockton.geojson.gz", tmp_path / "data" / "raw" / "public")
    config = load_config(tmp_path / "fsot.toml")
    [landed] = land_source(config, config.source("ward_boundaries_2022"))
    vintage = next(v for v in config.ward_vintages if v.id == "WD17")
    row = {
        "ward_vintage": "WD17",
        "source_id": "ward_boundaries_2022",
        "release": landed.release,
        "file_order": 1,
        "file_path": f"data/raw/{landed.path}",
        "sha256": landed.sha256,
        "is_landed": True,
    }
    shapes = ward_boundaries(config, vintage, pd.DataFrame([row]))
    assert len(shapes) == 26  # relative to the project, checked, read
    path = tmp_path / "data" / "raw" / landed.path

    def note(**changed) -> str:
        files = pd.DataFrame([{**row, **changed}])
        with pytest.raises(maps.BoundariesError) as caught:
            ward_boundaries(config, vintage, files)
        return str(caught.value)

    assert note(is_landed=False, sha256=None) == (
        f"{path}: not landed yet for source 'ward_boundaries_2022'; run `fsot ingest`, then `fsot build`"
    )
    assert "run `fsot build`" in note(source_id="ward_boundaries_2023")
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"\n")
    assert note().startswith(f"{path}: changed since it was landed (sha256 differs")
    path.unlink()
    assert note().startswith(f"{path}: missing, though it was landed for source 'ward_boundaries_2022'")
    assert "has not been pulled yet" not in note(ward_vintage="WD24")  # a file source: no rows = rebuild
    deprivation = pd.DataFrame(
        {
            "ward_vintage": ["WD17"],
            "ward_code": ["E05001529"],
            "ward_name": ["Billingham Central"],
            "imd_score": [30.0],
            "local_quintile": [2],
        }
    )
    wards = pd.DataFrame(columns=["indicator_id", "sex", "category", "ward_code", "period", "period_sort", "value"])
    (tmp_path / "charts").mkdir()
    sections = map_sections(
        config,
        {"deprivation": deprivation, "wards": wards, "boundary_files": pd.DataFrame([row])},
        _Figures(tmp_path / "charts"),
        False,
    )
    assert sections[0]["note"] == (
        f"The boundaries of WD17 (ward_boundaries_2022) cannot be used: {path}: missing, "
        "though it was landed for source 'ward_boundaries_2022'; restore it from a backup "
        "(or land the source again with `fsot ingest`). No map."
    )


def test_the_public_report_has_a_deprivation_map_on_page_one_or_two(public_run):
    import subprocess

    config, result = public_run
    assert result.exit_code == 0, result.output
    folder = config.reports_dir / "2026-Q3"
    html = (folder / "report.html").read_text(encoding="utf-8")
    summary = html[html.index('<h2 id="summary"') : html.index('id="headline"')]
    assert summary.count('<figure class="map page-one-map"') == 1 and 'alt="Map of ' in summary
    pages = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "2", str(folder / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Every map, by indicator and ward vintage, is under" in " ".join(pages.split())
