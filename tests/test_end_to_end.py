"""`fsot run` end to end in a temporary directory: on the tiny project, and on the bundled
demonstration data; a second run on the same inputs gives identical tables and charts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.config import PACKAGE_ROOT, load_config

SAMPLE = PACKAGE_ROOT / "data" / "raw" / "sample"


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


def test_run_on_the_tiny_project_writes_charts_index_log_and_manifest(tmp_path):
    config_path = tiny_project.write(tmp_path)
    result = run(config_path, "run", "--date", "2026-11-22")
    assert result.exit_code == 0, result.output
    report = tmp_path / "reports" / "2026-11-22"
    assert f"Report written to {report / 'index.html'}" in result.output
    html = (report / "index.html").read_text()
    pngs = sorted(p.name for p in report.glob("*.png"))
    assert pngs == ["baseline_93097-unemployment-persons.png", "baseline_93283-life-expectancy-male.png",
                    "latest_93283-life-expectancy-male.png", "trend_93097-unemployment-persons.png",
                    "trend_93283-life-expectancy-male.png"]
    for name in pngs:
        assert f'src="{name}" alt="' in html
    assert "DEMONSTRATION DATA" in html  # one source is flagged as demonstration data
    manifest = json.loads((report / "run_manifest.json").read_text())
    assert manifest["command"] == "run"
    assert [m["model"] for m in manifest["build"]["models"]][-1].startswith("marts.")
    assert {i["source"] for i in manifest["inputs"]} == {"imd2019", "wards", "fingertips"}
    assert list((tmp_path / "logs").glob("*-run.log"))


def test_rerunning_on_the_same_inputs_gives_identical_tables_and_charts(tmp_path):
    config_path = tiny_project.write(tmp_path)
    assert run(config_path, "run", "--date", "2026-11-22").exit_code == 0
    config = load_config(config_path)
    first_tables = table_contents(config.warehouse_path)
    first_charts = {p.name: p.read_bytes() for p in (config.reports_dir / "2026-11-22").glob("*.png")}
    assert run(config_path, "run", "--date", "2026-11-22").exit_code == 0
    assert table_contents(config.warehouse_path) == first_tables
    assert {p.name: p.read_bytes() for p in (config.reports_dir / "2026-11-22").glob("*.png")} == first_charts


def test_a_bad_source_file_stops_with_a_one_line_error_and_exit_code_2(tmp_path):
    config_path = tiny_project.write(tmp_path)
    (tmp_path / "inbox" / "fingertips_tiny.csv").write_text("Indicator ID,Value\n1,2\n")
    result = CliRunner().invoke(cli, ["run", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "fingertips_tiny.csv: line 1 (header): no row has the column(s) 'Indicator Name'" in result.output
    manifest = json.loads((tmp_path / "data" / "processed" / "run_manifest.json").read_text())
    assert manifest["command"] == "run" and "Indicator Name" in manifest["error"]


def test_a_broken_config_names_the_setting(tmp_path):
    config_path = tiny_project.write(tmp_path)
    config_path.write_text(config_path.read_text().replace('polarity = "lower-is-better"', 'polarity = "down"'))
    result = CliRunner().invoke(cli, ["build", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "polarity 'down' is not one of higher-is-better, lower-is-better" in result.output


def test_run_on_the_bundled_demonstration_data(tmp_path):
    if not any(SAMPLE.glob("*.csv")):
        pytest.fail("data/raw/sample/ holds no files: run `make sample`")
    shutil.copy(PACKAGE_ROOT / "fsot.toml", tmp_path / "fsot.toml")
    (tmp_path / "data" / "raw").mkdir(parents=True)
    shutil.copytree(SAMPLE, tmp_path / "data" / "raw" / "sample")
    result = run(tmp_path / "fsot.toml", "run", "--date", "2026-11-22")
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "fsot.toml")
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        borough_wards = con.execute(
            "select count(*) from intermediate.int_ward_deprivation where in_borough").fetchall()[0][0]
        gaps = con.execute("select indicator_id, sex, count(*) from marts.fct_gap group by all order by all").fetchall()
    finally:
        con.close()
    assert borough_wards == 26
    expected = {(i.id, sex) for i in config.indicators for sex in i.sexes}
    assert {(i, s) for i, s, _ in gaps} == expected
    assert all(n >= 5 for *_, n in gaps)
    html = (config.reports_dir / "2026-11-22" / "index.html").read_text()
    assert "DEMONSTRATION DATA" in html
