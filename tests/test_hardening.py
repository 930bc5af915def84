"""Nothing lost on failure: the last good report and run manifest survive a failed or killed run,
leftovers are cleaned, a read-only folder or a full disk is one line naming the folder, and text from
data is never drawn as markup."""

from __future__ import annotations

import errno
import json

import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.report.pdf import PdfError


def run(config, *args):
    return CliRunner().invoke(cli, [*args, "--config", str(config)])


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path):
    config = tiny_project.write(tmp_path)
    result = run(config, "run", "--date", "2026-11-22")
    assert result.exit_code == 0, result.output
    return config


def test_a_report_that_fails_half_way_leaves_the_last_good_report(project, tmp_path, monkeypatch):
    import pipeline.report.pdf as pdf

    report = tmp_path / "reports" / "2026-Q3"
    before = snapshot(report)

    def broken(page, target):
        raise PdfError(f"{target}: Chromium failed")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    result = run(project, "report", "--period", "2026-Q3")
    assert result.exit_code == 2 and "Chromium failed" in result.output
    assert snapshot(report) == before
    assert [p.name for p in (tmp_path / "reports").iterdir() if p.name.startswith(".")] == []


def test_leftovers_of_a_killed_report_are_removed_and_the_new_report_swapped_in(project, tmp_path):
    leftover = tmp_path / "reports" / ".2026-Q3.building-killed"
    (leftover / "charts").mkdir(parents=True)
    (leftover / "report.html").write_text("half")
    result = run(project, "report", "--period", "2026-Q3")
    assert result.exit_code == 0, result.output
    assert not leftover.exists()
    assert (tmp_path / "reports" / "2026-Q3" / "report.pdf").is_file()


def test_a_failed_build_keeps_the_run_manifest_of_the_warehouse_in_use(project, tmp_path):
    good = (tmp_path / "data" / "processed" / "run_manifest.json").read_bytes()
    (tmp_path / "inbox" / "fingertips_tiny.csv").write_text("Indicator ID,Value\n1,2\n")
    text = project.read_text().replace('release = "2026-11"', 'release = "2026-12"')
    project.write_text(text)
    result = run(project, "run", "--date", "2026-11-22")
    assert result.exit_code == 2
    assert (tmp_path / "data" / "processed" / "run_manifest.json").read_bytes() == good
    failed = json.loads((tmp_path / "data" / "processed" / "failed_run_manifest.json").read_text())
    assert "Indicator Name" in failed["error"]


@pytest.mark.parametrize("error, advice", [
    (PermissionError(errno.EACCES, "Permission denied"), "make the folder writable"),
    (OSError(errno.ENOSPC, "No space left on device"), "free some disk space"),
])
def test_a_read_only_folder_or_a_full_disk_is_one_line_naming_the_folder(tmp_path, monkeypatch, error, advice):
    import pipeline.warehouse.build as build

    config = tiny_project.write(tmp_path)
    assert run(config, "ingest").exit_code == 0
    target = tmp_path / "data" / "processed" / "fsot.duckdb.building"
    error.filename = str(target)

    def refuse(path, *args, **kwargs):
        raise error

    monkeypatch.setattr(build.duckdb, "connect", refuse)
    result = run(config, "build")
    assert result.exit_code == 2 and "Traceback" not in result.output
    line = result.output.split("error: ", 1)[1].split("\n(log:")[0]
    assert "\n" not in line and f"cannot write in {target.parent}" in line and advice in line


def test_a_ward_name_that_looks_like_mathtext_is_drawn_as_typed(tmp_path):
    from pipeline.warehouse.build import build_warehouse
    from pipeline.report.site import write_report

    config = tiny_project.landed(tmp_path)
    lookup = next((tmp_path / "data" / "raw" / "wards").rglob("*.csv"))
    lookup.chmod(0o644)
    lookup.write_bytes(lookup.read_bytes().replace(b",B02,", b",$\\frac{x$,"))
    import pipeline.ingest.landing as landing

    records = landing.read_manifest(config)
    for r in records:
        if r["source"] == "wards":
            r["sha256"] = landing.sha256_of(lookup)
    landing.write_manifest(config, records)
    build_warehouse(config)
    page = write_report(config, "2026-Q3", pdf=False)
    assert "$\\frac{x$" in page.read_text(encoding="utf-8")


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_parsing(tmp_path):
    import zipfile

    config = tiny_project.write(tmp_path)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    result = run(config, "ingest", "local", str(bomb), "--indicator", "LOCAL-TA")
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "bomb.xlsx: the workbook unpacks to 21 MB" in flat and "export the sheet as CSV" in flat


def test_formula_cells_without_saved_results_are_quarantined_with_what_to_do(tmp_path):
    from openpyxl import Workbook

    config = tiny_project.write(tmp_path)
    assert run(config, "ingest").exit_code == 0
    book = Workbook()
    sheet = book.active
    sheet.append(["area_code", "period", "sex", "value"])
    sheet.append(["E05000001", "2021/22", "Persons", 10])
    sheet.append(["E05000002", "2021/22", "Persons", "=B2*2"])  # written by a program: no saved result
    book.save(tmp_path / "drop.xlsx")
    result = run(config, "ingest", "local", str(tmp_path / "drop.xlsx"), "--indicator", "LOCAL-TA")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "quarantined 1 row(s): formulas_calculated" in flat and "open the file in Excel, save it" in flat
    assert json.loads(result.output.strip().splitlines()[-1])["rows_quarantined"] == 1


def test_a_field_over_the_size_limit_is_said_to_be_too_long(tmp_path):
    config = tiny_project.write(tmp_path)
    drop = tmp_path / "long.csv"
    drop.write_text("area_code,period,sex,value,note\nE05000001,2021/22,Persons,1," + "x" * 200_000 + "\n")
    result = run(config, "ingest", "local", str(drop), "--indicator", "LOCAL-TA")
    assert result.exit_code == 2
    assert "a field is longer than 131,072 characters" in " ".join(result.output.split())


@pytest.mark.parametrize("header, expected", [
    ("area_code,period,sex,value,Value", "columns 'value' and 'Value' have the same name (ignoring case)"),
    ("area_code,period,sex,value,_line", "column '_line' starts with '_'"),
])
def test_ambiguous_or_reserved_headers_are_an_error(tmp_path, header, expected):
    config = tiny_project.write(tmp_path)
    drop = tmp_path / "drop.csv"
    drop.write_text(header + "\nE05000001,2021/22,Persons,1,2\n")
    result = run(config, "ingest", "local", str(drop), "--indicator", "LOCAL-TA")
    assert result.exit_code == 2 and expected in " ".join(result.output.split())


def test_bad_values_are_quarantined_each_with_its_reason(tmp_path):
    config = tiny_project.write(tmp_path)
    assert run(config, "ingest").exit_code == 0
    drop = tmp_path / "values.csv"
    drop.write_text("\n".join([
        "area_code,period,sex,value,lower_ci,upper_ci,count,denominator",
        "E05000001,2021/22,Persons,10,9,11,100,1000",         # good
        "E05000002,2021/22,Persons,10,-inf,inf,100,1000",     # infinite limits
        "E05000003,2021/22,Persons,10,9,11,-5,1000",          # negative count
        "E05000004,2021/22,Persons,,12,8,,",                  # limits the wrong way round, value blank
        "E05000005,2021-13-99,Persons,10,9,11,,",             # not a period
        "E05000006,2021 garbage,Persons,10,9,11,,",
        "E05000007,99999999,Persons,10,9,11,,",
        "E05000008,Jan 2024,Persons,10,9,11,,",               # a month: fine
        "E05000009,2021/22,Persons,10,9,11,2.5,1000",         # a count that is not whole
    ]) + "\n")
    result = run(config, "ingest", "local", str(drop), "--indicator", "LOCAL-TA")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_quarantined"]) == (9, 2, 7)
    flat = " ".join(result.output.split())
    for check, lines in (("numbers_finite", "3"), ("count_whole_not_negative", "4, 10"), ("limits_ordered", "5"),
                         ("period_parses", "6, 7, 8")):
        assert f"{check} (" in flat and f"lines {lines}" in flat, check


@pytest.mark.parametrize("damage", ["{not json", '{"files": [{"source": "x"}]}', '{"no_files": []}'])
def test_a_damaged_provenance_manifest_is_one_line_saying_what_to_do(project, tmp_path, damage):
    manifest = tmp_path / "data" / "raw" / "manifest.json"
    manifest.write_text(damage)
    for command in (["ingest"], ["build"]):
        result = run(project, *command)
        assert result.exit_code == 2 and "Traceback" not in result.output
        line = result.output.split("error: ", 1)[1].split("\n(log:")[0]
        assert "\n" not in line and "the provenance manifest is damaged" in line and "restore it" in line
    assert manifest.read_text() == damage
