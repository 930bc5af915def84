"""Local drops are versioned: a corrected file supersedes the one it corrects, --add joins them (a value
given twice is refused at once), `fsot drops` lists them and `fsot drops withdraw` stops using one;
nothing is ever deleted from data/raw."""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

WARDS = [code for code, _name, la, _m in tiny_project.WARDS if la == tiny_project.BOROUGH]


def drop(path, value: float, period: str = "2021/22", shift: float = 0.0):
    lines = ["area_code,period,sex,value,lower_ci,upper_ci"]
    for n, code in enumerate(WARDS):
        v = value + n + shift
        lines.append(f"{code},{period},Persons,{v},{v - 1},{v + 1}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def values(root) -> dict:
    con = duckdb.connect(str(root / "data" / "processed" / "fsot.duckdb"), read_only=True)
    try:
        return dict(
            con.execute(
                "select period || ' ' || ward_code, value from marts.fct_ward_indicator where indicator_id = 'LOCAL-TA'"
            ).fetchall()
        )
    finally:
        con.close()


def manifest(root) -> list[dict]:
    return [
        r
        for r in json.loads((root / "data" / "raw" / "manifest.json").read_text())["files"]
        if r["format"] == "local_drop"
    ]


def test_drop_correct_redrop_build_withdraw_build(tmp_path):
    config = str(tiny_project.write(tmp_path))
    assert invoke("ingest", "--config", config).exit_code == 0
    first = invoke("ingest", "local", str(drop(tmp_path / "ta.csv", 10)), "--indicator", "LOCAL-TA", "--config", config)
    assert first.exit_code == 0, first.output
    assert invoke("build", "--config", config).exit_code == 0
    assert values(tmp_path)[f"2021/22 {WARDS[0]}"] == 10
    # the corrected file, under a new name: it supersedes the first, and the build passes
    corrected = invoke(
        "ingest", "local", str(drop(tmp_path / "ta_corrected.csv", 20)), "--indicator", "LOCAL-TA", "--config", config
    )
    assert corrected.exit_code == 0, corrected.output
    assert "superseded drop" in corrected.output
    build = invoke("build", "--config", config)
    assert build.exit_code == 0, build.output
    assert values(tmp_path)[f"2021/22 {WARDS[0]}"] == 20
    # the same bytes again under another name: nothing new
    again = invoke(
        "ingest", "local", str(drop(tmp_path / "ta_copy.csv", 20)), "--indicator", "LOCAL-TA", "--config", config
    )
    assert again.exit_code == 0 and "already landed" in again.output
    assert [r["status"] for r in manifest(tmp_path)] == ["superseded", "current"]
    listing = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["drops", "--config", config])
    assert listing.exit_code == 0 and "superseded by" in listing.output and "ta_corrected.csv" in listing.output
    # withdraw the correction: no drop is current, the indicator has no ward values
    correction_id = manifest(tmp_path)[1]["release"]
    withdrawn = invoke("drops", "withdraw", correction_id, "--config", config)
    assert withdrawn.exit_code == 0, withdrawn.output
    assert invoke("build", "--config", config).exit_code == 0
    assert values(tmp_path) == {}
    assert [r["status"] for r in manifest(tmp_path)] == ["superseded", "withdrawn"]
    for record in manifest(tmp_path):  # nothing deleted
        assert (tmp_path / "data" / "raw" / record["path"]).is_file()


def test_add_joins_the_current_drops_and_refuses_a_value_given_twice(tmp_path):
    config = str(tiny_project.write(tmp_path))
    assert invoke("ingest", "--config", config).exit_code == 0
    assert (
        invoke(
            "ingest", "local", str(drop(tmp_path / "a.csv", 10)), "--indicator", "LOCAL-TA", "--config", config
        ).exit_code
        == 0
    )
    later = invoke(
        "ingest",
        "local",
        str(drop(tmp_path / "b.csv", 30, period="2022/23")),
        "--indicator",
        "LOCAL-TA",
        "--add",
        "--config",
        config,
    )
    assert later.exit_code == 0, later.output
    clash = invoke(
        "ingest", "local", str(drop(tmp_path / "c.csv", 40)), "--indicator", "LOCAL-TA", "--add", "--config", config
    )
    assert clash.exit_code == 2
    flat = " ".join(clash.output.split())
    assert "10 value(s) are already given by a current drop of LOCAL-TA" in flat
    assert f"{WARDS[0]} / Persons / 2021/22" in flat
    assert len(manifest(tmp_path)) == 2
    assert invoke("build", "--config", config).exit_code == 0
    assert {k.split()[0] for k in values(tmp_path)} == {"2021/22", "2022/23"}


def test_withdrawing_an_unknown_drop_says_how_to_find_one(tmp_path):
    config = str(tiny_project.write(tmp_path))
    result = invoke("drops", "withdraw", "abcdef123456", "--config", config)
    assert result.exit_code == 2 and "`fsot drops` lists them" in result.output
