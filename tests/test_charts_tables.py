"""Charts and tables cleaned up (issue 15 items 3 and 6): legends outside the data, one rounding rule
per unit, print-safe comparison marks, England's range on spine charts, exports with number formats,
period sort keys and provenance."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from pipeline.report import charts, exports, spine_chart, style

RNG = np.random.default_rng(7)


@pytest.fixture
def drawn(monkeypatch):
    """Keep each figure a chart function draws (instead of closing it) after laying it out."""
    figures = []

    def keep(fig, path):
        charts._footer_below_axes(fig)
        fig.canvas.draw()
        figures.append(fig)

    monkeypatch.setattr(charts, "_save", keep)
    monkeypatch.setattr(spine_chart, "_save", keep)  # imported from charts, so patched where it is used too
    yield figures
    charts.plt.close("all")


def _wards(n=20):
    value = np.linspace(30, 10, n) + RNG.normal(0, 1, n)
    return pd.DataFrame(
        {
            "ward_code": [f"E0500{i:04d}" for i in range(n)],
            "ward_name": [f"Ward {i}" for i in range(n)],
            "local_rank": range(1, n + 1),
            "local_quintile": np.repeat([1, 2, 3, 4, 5], n // 5),
            "local_population_midpoint": (np.arange(n) + 0.5) / n,
            "value": value,
            "lower_ci": value - 1.5,
            "upper_ci": value + 1.5,
        }
    )


def _gap():
    return pd.Series(
        {
            "borough_value": 20.0,
            "most_deprived_mean": 29.0,
            "least_deprived_mean": 11.0,
            "sii": 19.5,
            "sii_lower_ci": 17.0,
            "sii_upper_ci": 22.0,
            "sii_intercept": 30.0,
            "polarity": "lower-is-better",
        }
    )


def _spine_rows():
    return pd.DataFrame(
        {
            "indicator_id": ["a", "b", "c"],
            "sex": ["Persons", "Male", "Persons"],
            "short_name": ["A", "B", "C"],
            "period": ["2022", "2018 - 22", "2022/23"],
            "polarity": ["lower-is-better", "higher-is-better", "lower-is-better"],
            "value": [12.0, 76.0, 18.0],
            "lower_95": [11.0, 75.0, 16.0],
            "upper_95": [13.0, 77.0, 20.0],
            "benchmark_value": [10.0, 79.0, 19.0],
            "comparison_95": ["worse", "worse", "similar"],
        }
    )


def _draw_every_chart(tmp_path, england_range=None):
    path = tmp_path / "chart.png"
    charts.baseline_chart(_wards(), _gap(), "Baseline", "%", path, "Source: test.", True)
    years = np.arange(2016, 2023)
    gaps = pd.DataFrame(
        {
            "period_sort": years,
            "period_year": years,
            "period": [str(y) for y in years],
            "absolute_gap": np.linspace(18, 15, len(years)),
            "range_gap": np.linspace(25, 22, len(years)),
            "gap_lower_ci": np.linspace(16, 13, len(years)),
            "gap_upper_ci": np.linspace(20, 17, len(years)),
            "is_baseline": [True] + [False] * (len(years) - 1),
        }
    )
    trajectory = pd.DataFrame(
        {
            "year": [2016, 2023, 2030],
            "expected_value": [18.0, 15.0, 12.0],
            "target_year": [2030] * 3,
            "shape": ["linear"] * 3,
        }
    )
    charts.trend_chart(gaps, "Trend", "%", path, "Source: test.", False, trajectory)
    scale = pd.Series({("a", "Persons"): 4.0, ("b", "Male"): 5.0, ("c", "Persons"): 3.0})
    spine_chart.spine_chart(_spine_rows(), scale, "Spine", path, "Source: test.", True, england_range)
    groups = pd.DataFrame(
        [
            {
                "indicator_id": "a",
                "sex": "Persons",
                "period": str(y),
                "period_sort": y,
                "deprivation_group": q,
                "mean": 10 + q + RNG.normal(),
            }
            for y in years
            for q in range(1, 6)
        ]
    )
    charts.quintile_trends_chart(
        groups,
        [{"indicator_id": "a", "sex": "Persons", "label": "A", "unit": "%"}] * 4,
        "Quintiles",
        path,
        "Source: test.",
        False,
    )


def _legends(fig):
    return [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)


def test_no_legend_overlaps_any_plot_area_or_data(tmp_path, drawn):
    """Done-when of issue 15: no overlap of legend and data, by matplotlib's bounding boxes. Every
    legend lies wholly outside every axes (so it can cover no point, line or bar), and no data
    artist's extent meets a legend's extent."""
    _draw_every_chart(tmp_path, england_range=_range())
    assert len(drawn) == 4
    for fig in drawn:
        renderer = fig.canvas.get_renderer()
        legends = _legends(fig)
        assert legends, "each chart has a legend"
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                if not ax.get_visible():
                    continue
                assert not box.overlaps(ax.get_window_extent(renderer)), (fig.axes[0].get_title(), ax.get_title())
                for artist in [*ax.lines, *ax.collections, *ax.patches]:
                    extent = artist.get_window_extent(renderer)
                    if extent.width > 0 and extent.height > 0:
                        assert not box.overlaps(extent)


def test_fifth_mean_and_borough_labels_are_in_the_legend_not_over_points(tmp_path, drawn):
    charts.baseline_chart(_wards(), _gap(), "Baseline", "%", tmp_path / "c.png", "Source: test.", False)
    ax = drawn[0].axes[0]
    assert not ax.texts, "no text is annotated inside the plot area"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Most deprived fifth (mean): 29.0%" in labels and "Borough: 20.0%" in labels


def _range():
    return pd.DataFrame(
        {
            "indicator_id": ["a", "b"],
            "sex": ["Persons", "Male"],
            "areas": [300, 300],
            "worst": [25.0, 70.0],
            "q25": [8.0, 77.0],
            "q75": [13.0, 81.0],
            "best": [3.0, 86.0],
        }
    ).set_index(["indicator_id", "sex"])


def test_spine_chart_draws_englands_range_when_loaded(tmp_path, drawn):
    scale = pd.Series({("a", "Persons"): 4.0, ("b", "Male"): 5.0, ("c", "Persons"): 3.0})
    spine_chart.spine_chart(_spine_rows(), scale, "Spine", tmp_path / "s.png", "Source: test.", False, _range())
    ax = drawn[0].axes[0]
    assert len(ax.patches) == 5  # the ward-scaled band (row c) and two bands for each row with a range
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "England: 25th to 75th percentile" in legend and "England: worst to best" in legend
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "range not loaded" in ticks[2] and "range not loaded" not in ticks[0]
    # row a (lower is better): England 10, worst 25 → scale 15; worst at -1, best (3) at +7/15
    worst_best = ax.patches[1]
    assert worst_best.get_x() == pytest.approx(-1.0) and worst_best.get_width() == pytest.approx(1 + 7 / 15)


def test_spine_chart_says_when_englands_range_is_not_loaded(tmp_path, drawn):
    scale = pd.Series({("a", "Persons"): 4.0, ("b", "Male"): 5.0, ("c", "Persons"): 3.0})
    spine_chart.spine_chart(_spine_rows(), scale, "Spine", tmp_path / "s.png", "Source: test.", False)
    ax = drawn[0].axes[0]
    assert any(t.get_text() == "England's range not loaded" for t in ax.texts)
    markers = {line.get_marker() for line in ax.lines if line.get_label().endswith("(95%)")}
    assert markers == {"v", "o"}  # worse ▼, similar ●: shape as well as colour


def test_one_rounding_rule_per_unit():
    assert style.level(7.4567, "%") == "7.5%"
    assert style.level(78.94, "years") == "78.9 years"
    assert style.level(1234.4, "per 100,000") == "1,234 per 100,000"
    assert style.number(1.23456, "") == "1.23"
    assert style.difference(1.25, "%") in ("+1.2 percentage points", "+1.3 percentage points")
    assert style.difference(-0.44, "years") == "-0.4 years"
    assert style.excel_format("%") == "#,##0.0" and style.excel_format("per 100,000") == "#,##0"
    assert style.excel_format("") == "#,##0.00"


def test_profile_marks_are_symbols_and_tints_differ_in_greyscale():
    assert set(style.COMPARISON_MARKS.values()) >= {"▲", "●", "▼"}

    def grey(colour):
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    tints = [grey(style.COMPARISON_TINTS[c]) for c in ("better", "similar", "worse")]
    assert tints[0] - tints[1] > 0.1 and tints[1] - tints[2] > 0.1


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.fct_x as select * from (values
        ('i1', '%', '2015 - 19', 12.345, 10.0), ('i1', '%', '2010 - 14', 13.1, 20.0),
        ('i2', 'per 100,000', '2021/22', 456.78, 30.0)) as t(indicator_id, unit, period, value, count)""")
    con.execute("""create table marts.dim_indicator_period as select * from (values
        ('i1', 'Persons', '2015 - 19', 2015, date '2015-01-01'),
        ('i1', 'Persons', '2010 - 14', 2010, date '2010-01-01'),
        ('i2', 'Male', '2021/22', 2021, date '2021-04-01'))
        as t(indicator_id, sex, period, period_sort, period_start)""")
    dictionary = tmp_path / "dd.toml"
    dictionary.write_text(
        '["marts.fct_x"]\ndescription = "x"\ngrain = "g"\nsource = "sql/marts/fct_x.sql"\n'
        '["marts.fct_x".columns]\nindicator_id = "i"\nunit = "u"\nperiod = "p"\nvalue = "v"\n'
        'count = "c"\n'
        '["marts.dim_indicator_period"]\nexport = false\n',
        encoding="utf-8",
    )
    yield con, dictionary
    con.close()


def test_exports_number_formats_period_keys_and_provenance(tmp_path, warehouse):
    con, dictionary = warehouse
    provenance = {"git_revision": "abc123", "run_id": "2026-Q3-deadbeef", "fsot_version": "0.2.0"}
    written = exports.write_exports(con, tmp_path / "out", dictionary, provenance=provenance)
    out = tmp_path / "out"
    assert out / "provenance.json" in written
    assert json.loads((out / "provenance.json").read_text())["run_id"] == "2026-Q3-deadbeef"
    meta = pq.read_schema(out / "fct_x.parquet").metadata
    assert json.loads(meta[b"fsot.provenance"])["git_revision"] == "abc123"
    table = pq.read_table(out / "fct_x.parquet").to_pandas()
    assert list(table["period_sort"]) == [2015, 2010, 2021]  # the mart's row order is kept
    csv = pd.read_csv(out / "fct_x.csv", encoding="utf-8-sig")
    assert list(csv.columns) == ["indicator_id", "unit", "period", "value", "count", "period_sort", "period_start"]
    book = load_workbook(out / exports.WORKBOOK_NAME)
    sheet = book["fct_x"]
    header = [c.value for c in sheet[1]]
    value, count, sort = header.index("value") + 1, header.index("count") + 1, header.index("period_sort") + 1
    assert sheet.cell(2, value).number_format == "#,##0.0"  # %: 1 decimal
    assert sheet.cell(4, value).number_format == "#,##0"  # per 100,000: none
    assert sheet.cell(2, value).value == 12.345  # the full value is kept
    assert sheet.cell(2, count).number_format == "#,##0"
    assert isinstance(sheet.cell(2, sort).value, int)
    about = {r[0]: r[1] for r in book["about"].iter_rows(min_row=2, values_only=True)}
    assert about["git_revision"] == "abc123" and about["run_id"] == "2026-Q3-deadbeef"
    described = pd.read_csv(out / "data_dictionary.csv", encoding="utf-8-sig")
    assert {"period_sort", "period_start"} <= set(described["field"])
    assert set(described["table"]) == {"fct_x"}  # the period dimension is the report's own: not exported
    assert not (out / "dim_indicator_period.csv").exists() and "dim_indicator_period" not in book.sheetnames


def test_spine_chart_names_the_configured_comparator(tmp_path, drawn):
    scale = pd.Series({("a", "Persons"): 4.0, ("b", "Male"): 5.0, ("c", "Persons"): 3.0})
    spine_chart.spine_chart(
        _spine_rows(), scale, "Spine", tmp_path / "s.png", "Source: test.", False, _range(), comparator="North East"
    )
    ax = drawn[0].axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "North East: worst to best" in legend and "similar to North East (95%)" in legend
    assert [t.get_text() for t in ax.get_xticklabels()][1] == "North East"
    assert "England" not in " ".join([*legend, ax.get_xlabel()])
