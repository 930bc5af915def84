"""A build in which no indicator has a single ward value (e.g. only local-authority exports) finishes:
every model copes with empty inputs, the borough against England and its trend are kept, and the
report says why there are no gaps."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow


def without_ward_rows(root):
    config_path = tiny_project.write(root)
    export = root / "inbox" / "fingertips_tiny.csv"
    lines = export.read_bytes().split(b"\r\n")
    export.write_bytes(b"\r\n".join(line for line in lines if b",Ward," not in line))
    return config_path


def test_a_build_with_zero_ward_rows_finishes_and_the_report_says_why(tmp_path):
    config_path = without_ward_rows(tmp_path)
    result = CliRunner().invoke(
        cli, ["run", "--date", "2026-11-22", "--config", str(config_path)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(tmp_path / "data" / "processed" / "fsot.duckdb"), read_only=True)
    try:
        for table in ("fct_ward_indicator", "fct_gap", "fct_gap_measure", "fct_gap_change"):
            assert con.execute(f"select count(*) from marts.{table}").fetchall() == [(0,)], table
        assert con.execute("select count(*) from intermediate.int_slope_index").fetchall() == [(0,)]
        borough = con.execute(
            "select period, comparison_95 from marts.fct_benchmark_comparison "
            "where area_type = 'local authority' order by period"
        ).fetchall()
        assert [p for p, _ in borough] == ["2015 - 19", "2016 - 20"]
        assert con.execute(
            "select count(*) from marts.fct_trend where series = 'value' and subject = 'E06000004'"
        ).fetchall() == [(1,)]
        assert con.execute("select count(*) from marts.fct_ward_deprivation").fetchall() == [(10,)]
    finally:
        con.close()
    html = (tmp_path / "reports" / "2026-Q3" / "report.html").read_text(encoding="utf-8")
    assert html.count("No ward-level values: gaps between wards cannot be measured.") == 3  # every indicator
