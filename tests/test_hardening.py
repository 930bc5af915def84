"""Nothing lost on failure: the last good report and run manifest survive a failed or killed run,
leftovers are cleaned, a read-only folder or a full disk is one line naming the folder, and text from
data is never drawn as markup."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.report.pdf import PdfError

# slow: most tests here build a warehouse or run `fsot` in a subprocess
pytestmark = pytest.mark.slow


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

    def broken(page, target, **options):
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


@pytest.mark.parametrize(
    "error, advice",
    [
        (PermissionError(errno.EACCES, "Permission denied"), "make the folder writable"),
        (OSError(errno.ENOSPC, "No space left on device"), "free some disk space"),
    ],
)
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
    from pipeline.report.site import write_report
    from pipeline.warehouse.build import build_warehouse

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


@pytest.mark.parametrize(
    "header, expected",
    [
        ("area_code,period,sex,value,Value", "columns 'value' and 'Value' have the same name (ignoring case)"),
        ("area_code,period,sex,value,_line", "column '_line' starts with '_'"),
    ],
)
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
    drop.write_text(
        "\n".join(
            [
                "area_code,period,sex,value,lower_ci,upper_ci,count,denominator",
                "E05000001,2021/22,Persons,10,9,11,100,1000",  # good
                "E05000002,2021/22,Persons,10,-inf,inf,100,1000",  # infinite limits
                "E05000003,2021/22,Persons,10,9,11,-5,1000",  # negative count
                "E05000004,2021/22,Persons,,12,8,,",  # limits the wrong way round, value blank
                "E05000005,2021-13-99,Persons,10,9,11,,",  # not a period
                "E05000006,2021 garbage,Persons,10,9,11,,",
                "E05000007,99999999,Persons,10,9,11,,",
                "E05000008,Jan 2024,Persons,10,9,11,,",  # a month: fine
                "E05000009,2021/22,Persons,10,9,11,2.5,1000",  # a count that is not whole
            ]
        )
        + "\n"
    )
    result = run(config, "ingest", "local", str(drop), "--indicator", "LOCAL-TA")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_quarantined"]) == (9, 2, 7)
    flat = " ".join(result.output.split())
    for check, lines in (
        ("numbers_finite", "3"),
        ("count_whole_not_negative", "4, 10"),
        ("limits_ordered", "5"),
        ("period_parses", "6, 7, 8"),
    ):
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


def one_line(output: str) -> str:
    assert "Traceback" not in output
    line = output.split("error: ", 1)[1].split("\n(log:")[0].rstrip("\n")
    assert "\n" not in line
    return line


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if ".building" in p.name or p.name.endswith(".partial"))


def in_namespace(script: str, *args: str) -> subprocess.CompletedProcess:
    """Run a shell script in a mount namespace of its own, where it may mount without touching the machine."""
    return subprocess.run(
        [
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def mounts(tmp_path):
    """Skip unless this machine lets us mount a small filesystem (a tmpfs) in a namespace of our own."""
    probe = tmp_path / "probe"
    probe.mkdir()
    if not shutil.which("unshare") or in_namespace('mount -t tmpfs -o size=1m tmpfs "$1"', str(probe)).returncode:
        pytest.skip("cannot mount a small filesystem here (needs unshare and user namespaces)")
    probe.rmdir()


@pytest.fixture
def built(tmp_path):
    config = tiny_project.write(tmp_path)
    for step in ("ingest", "build"):
        result = run(config, step)
        assert result.exit_code == 0, result.output
    return config


FSOT = [sys.executable, "-m", "pipeline.cli"]
# mount a filesystem of $1 bytes on the folder $2 holding what the folder held, run the command, then copy
# what the folder holds at the end into $3 (the filesystem goes with the namespace)
ON_SMALL_FILESYSTEM = """
size=$1 folder=$2 out=$3; shift 3
cp -a "$folder" "$out/before" && mount -t tmpfs -o size="$size" tmpfs "$folder" && cp -a "$out/before/." "$folder" \
    || exit 99
"$@"; code=$?
cp -a "$folder" "$out/after"
exit $code
"""


def test_a_disk_that_fills_during_the_build_is_one_line_and_keeps_the_last_warehouse(built, tmp_path, mounts):
    processed = tmp_path / "data" / "processed"
    before = snapshot(processed)
    room = sum(len(b) for b in before.values()) + 1024 * 1024  # room for the warehouse in use, not for a new one
    out = tmp_path / "out"
    out.mkdir()
    result = in_namespace(
        ON_SMALL_FILESYSTEM, str(room), str(processed), str(out), *FSOT, "build", "--force", "--config", str(built)
    )
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert f"cannot write in {processed}: No space left on device; free some disk space" in line
    after = out / "after"
    assert leftovers(after) == []
    for name in ("fsot.duckdb", "run_manifest.json"):
        assert (after / name).read_bytes() == before[name], name
    assert "free some disk space" in json.loads((after / "failed_run_manifest.json").read_text())["error"]


@pytest.mark.parametrize("folder", ["data/processed", "logs"])
def test_a_read_only_folder_is_one_line_naming_it(built, tmp_path, mounts, folder):
    before = snapshot(tmp_path / "data" / "processed")
    result = in_namespace(
        'folder=$1; shift; mount --bind "$folder" "$folder" && mount -o remount,bind,ro "$folder" '
        '|| exit 99; exec "$@"',
        str(tmp_path / folder),
        *FSOT,
        "build",
        "--config",
        str(built),
    )
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert f"cannot write in {tmp_path / folder}: Read-only file system; make the folder writable" in line
    assert snapshot(tmp_path / "data" / "processed") == before


class FullDisk:
    """A DuckDB connection whose disk fills at the final checkpoint: the statement fails with a
    FatalException, and the invalidated connection then fails to close, as DuckDB's do."""

    def __init__(self, connection, path):
        self.connection, self.path, self.wal_at_failure = connection, path, None

    def execute(self, sql, *args, **kwargs):
        if sql == "checkpoint":
            self.wal_at_failure = Path(self.path + ".wal").exists()
            raise duckdb.FatalException(
                f"FATAL Error: Failed to create checkpoint because of error: Could not "
                f'write file "{self.path}": No space left on device'
            )
        return self.connection.execute(sql, *args, **kwargs)

    def close(self):
        self.connection.close()
        raise duckdb.FatalException("FATAL Error: database has been invalidated because of a previous fatal error")

    def __getattr__(self, name):
        return getattr(self.connection, name)


def test_a_full_disk_reported_by_duckdb_is_one_line_and_leaves_nothing_behind(built, tmp_path, monkeypatch):
    import pipeline.warehouse.build as build

    processed = tmp_path / "data" / "processed"
    before = snapshot(processed)
    real_connect, opened = build.duckdb.connect, []

    def connect(path, *args, **kwargs):
        opened.append(FullDisk(real_connect(path, *args, **kwargs), path))
        return opened[-1]

    monkeypatch.setattr(build.duckdb, "connect", connect)
    result = run(built, "build", "--force")
    assert result.exit_code == 2
    line = one_line(result.output)
    assert f"cannot write in {processed}: No space left on device; free some disk space and run again" in line
    assert opened[0].wal_at_failure, "the build should have had a WAL when the disk filled"
    assert leftovers(processed) == []
    after = snapshot(processed)
    for name in ("fsot.duckdb", "run_manifest.json"):
        assert after[name] == before[name], name
    assert "free some disk space" in json.loads(after["failed_run_manifest.json"])["error"]


def test_a_full_disk_while_writing_the_report_is_one_line_and_keeps_the_last_report(project, tmp_path, monkeypatch):
    import pipeline.report.exports as exports

    report = tmp_path / "reports" / "2026-Q3"
    before = snapshot(report)

    def full(reader, path, *options):
        raise duckdb.IOException(f'IO Error: Could not write file "{path}": No space left on device')

    monkeypatch.setattr(exports, "write_parquet", full)
    result = run(project, "report", "--period", "2026-Q3")
    assert result.exit_code == 2
    line = one_line(result.output)
    assert "/reports/.2026-Q3.building-" in line and "No space left on device; free some disk space" in line
    assert snapshot(report) == before
    assert [p.name for p in (tmp_path / "reports").iterdir() if p.name.startswith(".")] == []


def test_leftovers_of_a_killed_build_or_write_are_removed_at_the_next_start(built, tmp_path):
    import os

    processed, raw = tmp_path / "data" / "processed", tmp_path / "data" / "raw"
    release = next(raw.glob("fingertips/*"))
    stale = [
        processed / "fsot.duckdb.building",
        processed / "fsot.duckdb.building.wal",
        processed / ".run_manifest.json.k1ll3d.partial",
        raw / ".manifest.json.k1ll3d.partial",
        release / ".fingertips_tiny.csv.k1ll3d.partial",
    ]
    for path in stale:
        path.write_bytes(b"half")
        os.utime(path, (0, 0))
    fresh = processed / ".run_manifest.json.wr1t1ng.partial"  # may be another run's, writing now
    fresh.write_bytes(b"half")
    for step in ("ingest", "build"):
        result = run(built, step)
        assert result.exit_code == 0, result.output
    assert [p for p in stale if p.exists()] == []
    assert fresh.exists()
