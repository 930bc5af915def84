"""`fsot run` end to end in a temporary directory: on the tiny project, and on the bundled
demonstration data; a second run on the same inputs gives identical tables and charts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.config import load_config

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow


def run(config_path: Path, *args: str):
    result = CliRunner().invoke(cli, [*args, "--config", str(config_path)], catch_exceptions=False)
    return result


def table_contents(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'config', 'staging', 'intermediate', 'marts') order by 1"
        ).fetchall()
        return {name: con.execute(f"select * from {name}").fetchall() for (name,) in names}
    finally:
        con.close()


def test_run_on_the_tiny_project_writes_the_report_pdf_exports_log_and_manifest(tmp_path):
    config_path = tiny_project.write(tmp_path)
    result = run(config_path, "run", "--date", "2026-11-22")
    assert result.exit_code == 0, result.output
    report = tmp_path / "reports" / "2026-Q3"  # the last quarter ended by 22 November 2026
    assert f"Report written to {report / 'report.html'}" in result.output
    html = (report / "report.html").read_text()
    pngs = sorted(p.name for p in (report / "charts").glob("*.png"))
    assert pngs == [
        "quintile_trends.png",
        "spine_riverside.png",
        "spine_stockton-on-tees.png",
        "trend_93097-unemployment-persons.png",
        "trend_93283-life-expectancy-male.png",
        "wards_93097-unemployment-persons.png",
        "wards_93283-life-expectancy-male.png",
    ]
    figures = json.loads((report / "figures.json").read_text())
    assert sorted(f["file"] for f in figures) == [f"charts/{name}" for name in pngs]
    assert html.count('src="data:image/png;base64,') == len(pngs)  # every chart embedded, nothing linked
    assert "DEMONSTRATION DATA" in html  # one source is flagged as demonstration data
    assert (report / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert (report / "exports" / "fsot_marts.xlsx").is_file() and (report / "exports" / "fct_gap.parquet").is_file()
    manifest = json.loads((report / "run_manifest.json").read_text())
    assert manifest["command"] == "run"
    assert [m["model"] for m in manifest["build"]["models"]][-1].startswith("marts.")
    assert {i["source"] for i in manifest["inputs"]} == {"imd2019", "wards", "fingertips"}
    assert list((tmp_path / "logs").glob("*-run.log"))


def test_rerunning_on_the_same_inputs_gives_identical_tables_charts_and_exports(tmp_path):
    config_path = tiny_project.write(tmp_path)
    assert run(config_path, "run", "--date", "2026-11-22").exit_code == 0
    config = load_config(config_path)
    report = config.reports_dir / "2026-Q3"

    def outputs():
        return {
            p.relative_to(report).as_posix(): p.read_bytes()
            for p in [*report.glob("charts/*.png"), *report.glob("exports/*")]
        }

    first_tables, first_outputs = table_contents(config.warehouse_path), outputs()
    assert run(config_path, "run", "--date", "2026-11-22").exit_code == 0
    assert table_contents(config.warehouse_path) == first_tables
    assert outputs() == first_outputs


def test_a_period_that_is_not_a_quarter_is_refused_before_anything_runs(tmp_path):
    config_path = tiny_project.write(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--period", "2026-09", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "Invalid value for '--period': '2026-09' is not a quarter: give YYYY-Qn, e.g. 2026-Q3" in result.output
    assert not (tmp_path / "data" / "raw" / "manifest.json").exists()


def test_a_bad_source_file_stops_with_a_one_line_error_and_exit_code_2(tmp_path):
    config_path = tiny_project.write(tmp_path)
    (tmp_path / "inbox" / "fingertips_tiny.csv").write_text("Indicator ID,Value\n1,2\n")
    result = CliRunner().invoke(cli, ["run", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "fingertips_tiny.csv: line 1 (header): no row has the column(s) 'Indicator Name'" in result.output
    manifest = json.loads((tmp_path / "data" / "processed" / "failed_run_manifest.json").read_text())
    assert manifest["command"] == "run" and "Indicator Name" in manifest["error"]
    assert not (tmp_path / "data" / "processed" / "run_manifest.json").exists()  # that one describes a warehouse


def test_a_broken_config_names_the_setting(tmp_path):
    config_path = tiny_project.write(tmp_path)
    config_path.write_text(config_path.read_text().replace('polarity = "lower-is-better"', 'polarity = "down"'))
    result = CliRunner().invoke(cli, ["build", "--config", str(config_path)])
    assert result.exit_code == 2
    assert (
        "[[indicators]] 2 (93097, Unemployment) → polarity: Input should be 'higher-is-better' or "
        "'lower-is-better' (you wrote 'down')"
    ) in result.output


def test_run_on_the_bundled_demonstration_data(bundled_run):
    config, result = bundled_run
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        borough_wards = con.execute(
            "select count(*) from intermediate.int_ward_deprivation where in_borough"
        ).fetchall()[0][0]
        gaps = con.execute("select indicator_id, sex, count(*) from marts.fct_gap group by all order by all").fetchall()
    finally:
        con.close()
    assert borough_wards == 26
    expected = {(i.id, sex) for i in config.indicators for sex in i.sexes}
    assert {(i, s) for i, s, _ in gaps} == expected
    assert all(n >= 5 for *_, n in gaps)
    html = (config.reports_dir / "2026-Q3" / "report.html").read_text()
    assert "DEMONSTRATION DATA" in html


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(tmp_path, monkeypatch):
    import pipeline.warehouse.build as build

    def broken(con, config):
        raise TypeError("ufunc 'invert' not supported")

    monkeypatch.setattr(build, "check_vintages", broken)
    config_path = tiny_project.write(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--date", "2026-11-22", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "unexpected error (TypeError: ufunc 'invert' not supported)" in " ".join(result.output.split())
    log = next((tmp_path / "logs").glob("*-run.log")).read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "def broken" not in log and "in broken" in log
