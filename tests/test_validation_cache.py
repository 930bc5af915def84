"""Validation that costs what the data costs: files read in chunks give the same rows as read whole;
a file's row checks run once and are cached by its checksum and the suites' fingerprint; a build
with nothing changed builds nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.ingest import local_drop
from pipeline.ingest.csv_file import concat_tables, iter_csv_table, read_csv_table
from pipeline.validate import run as validation

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
AWKWARD = (
    "Title of the table\n"  # 1 preamble
    "\n"  # 2 blank
    "area_code,period,sex,value\n"  # 3 header
    "E05000001,2021,Persons,1\n"  # 4
    "note in the middle,,,\n"  # 5 text in the first cell only, but data follows
    'E05000002,2021,Persons,"2\n3"\n'  # 6-7 a quoted line break
    "area_code,period,sex,value\n"  # 8 repeated header
    "E05000003,2021,Persons,4,,\n"  # 9 a stray trailing comma
    "E05000004,2021\n"  # 10 too few fields
    "\n"  # 11 blank
    "Source: a footnote\n"  # 12 footnote
    "Note 2: another footnote,,,\n"  # 13 footnote
)


def run(config, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 1000])
def test_a_file_read_in_chunks_gives_the_rows_and_skipped_lines_it_gives_read_whole(tmp_path, chunk_rows):
    path = tmp_path / "awkward.csv"
    path.write_text(AWKWARD, encoding="utf-8")
    table = concat_tables(iter_csv_table(path, local_drop.REQUIRED, chunk_rows))
    assert table.frame["_line"].tolist() == [4, 5, 6, 9, 10]  # worked out by hand from the comments above
    assert table.frame["value"].tolist() == ["1", "", "2\n3", "4", ""]
    assert table.frame["_fields"].tolist() == [4, 4, 4, 4, 2]
    assert table.skipped == [
        (1, "preamble above the header"),
        (8, "repeated header"),
        (12, "footnote below the data"),
        (13, "footnote below the data"),
    ]
    assert table.header_line == 3


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.csv")), ids=lambda p: p.name)
def test_every_corpus_file_reads_the_same_in_chunks_of_one_row(path):
    def read(chunk_rows):
        try:
            return concat_tables(iter_csv_table(path, local_drop.REQUIRED, chunk_rows))
        except Exception as exc:  # a bad file must fail the same way
            return f"{type(exc).__name__}: {exc}"

    whole, chunked = read(10**6), read(1)
    if isinstance(whole, str):
        assert chunked == whole
    else:
        assert chunked.frame.equals(whole.frame) and chunked.skipped == whole.skipped


def test_a_gzip_file_reads_as_the_csv_inside(tmp_path):
    import gzip

    plain = tmp_path / "values.csv"
    plain.write_text(AWKWARD, encoding="cp1252")
    packed = tmp_path / "values.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_csv_table(packed, local_drop.REQUIRED).frame.equals(read_csv_table(plain, local_drop.REQUIRED).frame)


@pytest.fixture()
def project(tmp_path):
    config_path = tiny_project.write(tmp_path)
    run(config_path, "ingest")
    return config_path


def quarantine(config):
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return {
            t: con.execute(f"select _source, _file, _line, _checks from quarantine.{t} order by all").fetchall()
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'quarantine' order by 1"
            ).fetchall()
        }
    finally:
        con.close()


def count_row_check_runs(monkeypatch) -> list:
    calls: list = []
    real = validation._row_checks

    def spy(con, table, files, config):
        calls.append((table, sorted(files)))
        return real(con, table, files, config)

    monkeypatch.setattr(validation, "_row_checks", spy)
    return calls


def test_a_rebuild_validates_only_files_it_has_not_seen(project, monkeypatch):
    config = load_config(project)
    calls = count_row_check_runs(monkeypatch)
    run(project, "build")
    first = quarantine(config)
    assert {table for table, _ in calls} >= {"imd_lsoa", "lsoa_ward_lookup", "fingertips_indicator_value"}
    calls.clear()
    run(project, "build", "--force")
    assert calls == []  # every file's result came from the cache
    assert quarantine(config) == first
    # a local drop is validated when it is checked at `ingest local`, and the build reuses that result
    run(project, "ingest", "local", str(CORPUS / "25_mixed_good_and_bad.csv"), "--indicator", "LOCAL-TA")
    calls.clear()
    run(project, "build")
    assert calls == []
    assert [row[1:] for row in quarantine(config)["local_indicator_value"]] == [
        ("25_mixed_good_and_bad.csv", 4, "value_is_a_number"),
        ("25_mixed_good_and_bad.csv", 5, "ci_contains_value_upper"),
        ("25_mixed_good_and_bad.csv", 6, "count_within_denominator"),
    ]


def test_a_changed_setting_or_a_damaged_cache_validates_again_with_the_same_result(project, monkeypatch):
    config = load_config(project)
    run(project, "build")
    first = quarantine(config)
    for entry in (config.processed_dir / validation.CACHE_FOLDER).glob("*.json"):
        entry.write_text("{not json", encoding="utf-8")
    calls = count_row_check_runs(monkeypatch)
    run(project, "build", "--force")
    assert calls and quarantine(config) == first
    calls.clear()
    text = project.read_text(encoding="utf-8")
    assert '"%" = [0, 100]' in text  # narrow the plausible range of percentages
    project.write_text(text.replace('"%" = [0, 100]', '"%" = [0, 1]'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--config", str(project)])
    assert calls, "a setting the checks read changed: every file is validated again"
    assert "value_plausible" in result.output


def test_a_build_with_nothing_changed_builds_nothing_and_says_so(project):
    config = load_config(project)
    run(project, "build")
    stamp = config.warehouse_path.stat().st_mtime_ns
    result = run(project, "build")
    assert "is up to date" in result.output and "--force" in result.output
    assert config.warehouse_path.stat().st_mtime_ns == stamp
    project.write_text(
        project.read_text(encoding="utf-8") + "\n# a comment is a change to fsot.toml\n", encoding="utf-8"
    )
    assert "is up to date" not in run(project, "build").output
    assert config.warehouse_path.stat().st_mtime_ns != stamp


def test_a_build_whose_files_are_all_validated_does_not_import_great_expectations(project):
    run(project, "build")
    out = subprocess.run(  # Python's own import log (-X importtime) names every module imported
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli", "build", "--force", "--config", str(project)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert out.returncode == 0, out.stderr
    assert "| pipeline.warehouse.build" in out.stderr  # the log is there, and it built
    assert "great_expectations" not in out.stderr


def test_a_cache_entry_records_each_checks_failing_lines(project):
    config = load_config(project)
    run(project, "ingest", "local", str(CORPUS / "25_mixed_good_and_bad.csv"), "--indicator", "LOCAL-TA")
    entries = [json.loads(p.read_text()) for p in (config.processed_dir / validation.CACHE_FOLDER).glob("*.json")]
    [entry] = entries  # the drop, validated at `ingest local`
    failing = {c["name"]: c["lines"] for c in entry["checks"] if c["lines"]}
    assert failing == {"value_is_a_number": [4], "ci_contains_value_upper": [5], "count_within_denominator": [6]}


def test_a_rebuild_reads_each_landed_file_once_and_a_damaged_read_cache_is_read_again(project, monkeypatch):
    from pipeline.warehouse import load

    config = load_config(project)
    run(project, "build")
    first = quarantine(config)
    reads: list = []
    real = load.insert_chunks

    def spy(con, table, source_id, chunks, *rest):
        reads.append(table)
        return real(con, table, source_id, chunks, *rest)

    monkeypatch.setattr(load, "insert_chunks", spy)
    run(project, "build", "--force")
    assert reads == []  # every source came from data/processed/read_cache
    for entry in (config.processed_dir / load.READ_CACHE).glob("*.parquet"):
        entry.write_bytes(b"not parquet")
    run(project, "build", "--force")
    assert "fingertips_indicator_value" in reads and quarantine(config) == first


def test_a_changed_reader_validates_its_files_again(project, monkeypatch):
    from pipeline.warehouse import load

    run(project, "build")
    calls = count_row_check_runs(monkeypatch)
    monkeypatch.setattr(load, "reader_version", lambda reader: "another version of the reader")
    run(project, "build", "--force")
    assert {table for table, _ in calls} >= {"imd_lsoa", "lsoa_ward_lookup", "fingertips_indicator_value"}


def test_great_expectations_defers_scipy_stats_and_altair_until_they_are_used():
    """The validation context imports Great Expectations with scipy.stats and altair deferred (they cost
    about a second and our suites never use them); code that does use them gets the real modules. The
    import runs with the garbage collector paused, and leaves it on."""
    code = (
        "import sys\nfrom pipeline.validate.context import context\nctx = context()\n"
        "print([type(sys.modules[n]).__name__ for n in ('scipy.stats', 'altair')])\n"
        "from scipy.stats import norm\nimport altair\n"
        "print(repr(float(norm.ppf(0.975))), hasattr(altair, 'Chart'), type(sys.modules['scipy.stats']).__name__)\n"
        "import gc\nprint(gc.isenabled(), gc.get_freeze_count() > 100_000)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    deferred, used, collector = out.stdout.strip().splitlines()[-3:]
    assert deferred == "['_LazyModule', '_LazyModule']"
    assert used == "1.959963984540054 True module"
    # the garbage collector, paused while Great Expectations is imported, is on again, and what the import
    # made is frozen (later collections do not scan it)
    assert collector == "True True"


def test_a_build_prepares_validation_early_only_when_it_reads_a_file_for_the_first_time(project, monkeypatch):
    """Great Expectations' import starts on a thread during the load when a landed file is read from
    scratch (it will be validated for the first time too), and not when every file comes from the read
    cache."""
    from pipeline.warehouse import build

    started: list[int] = []
    monkeypatch.setattr(build, "prepare_in_background", lambda: started.append(1))
    run(project, "build")
    assert len(started) >= 3  # imd_lsoa, lsoa_ward_lookup and fingertips_indicator_value at least
    started.clear()
    run(project, "build", "--force")
    assert started == []


PREPARED = """
import sys
from pipeline.validate import context as gx_context
gx_context.prepare_in_background()
thread = gx_context._preparing
gx_context.prepare_in_background()  # once only
ctx = gx_context.context()
print(thread is gx_context._preparing, thread.is_alive(), ctx is gx_context.context())
print("great_expectations" in sys.modules)
"""

FAILING = """
import importlib.abc, sys
class NoGreatExpectations(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "great_expectations":
            raise ImportError("no Great Expectations here")
sys.meta_path.insert(0, NoGreatExpectations())
from pipeline.validate import context as gx_context
gx_context.prepare_in_background()
try:
    gx_context.context()
except ImportError as exc:
    print("raised on the caller's thread:", exc)
"""


def test_validation_prepared_in_the_background_is_the_context_the_caller_gets():
    out = subprocess.run([sys.executable, "-c", PREPARED], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    # one thread, ended by the time the context is returned; one context, with Great Expectations imported
    assert out.stdout.strip().splitlines()[-2:] == ["True False True", "True"]


def test_an_import_that_fails_in_the_background_fails_for_the_caller_and_prints_nothing_itself():
    out = subprocess.run([sys.executable, "-c", FAILING], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "raised on the caller's thread: no Great Expectations here"
    assert out.stderr == ""  # no traceback from the thread


def limit_mb(con) -> float:
    (setting,) = con.execute("select current_setting('memory_limit')").fetchone()
    number, unit = setting.split()
    return float(number) * {"MiB": 2**20, "GiB": 2**30}[unit] / 1e6


def test_duckdb_memory_limit_holds_inside_the_block_and_the_limit_before_comes_back():
    from pipeline.warehouse.load import duckdb_memory_limit

    con = duckdb.connect()
    con.execute("set memory_limit = '700MB'")
    with duckdb_memory_limit(con, 300):
        assert limit_mb(con) == pytest.approx(300, rel=1e-3)
    assert limit_mb(con) == pytest.approx(700, rel=1e-3)
    con.execute("create table t as select repeat('x', 100) || range as s from range(1000000)")  # ~100 MB
    with pytest.raises(RuntimeError), duckdb_memory_limit(con, 64):
        assert con.execute("select count(*) from t").fetchone() == (1_000_000,)  # pages it could not keep
        raise RuntimeError("the block failed")
    assert limit_mb(con) == pytest.approx(700, rel=1e-3)


def test_a_drop_is_validated_while_duckdb_keeps_the_validation_limit_and_a_build_keeps_the_general_one(
    project, monkeypatch
):
    """DuckDB only serves chunks of a drop's rows while `fsot ingest local` validates them: its limit is
    then [performance] duckdb_validation_memory_limit_mb (300 by default). A build keeps the general one
    (duckdb_memory_limit_mb, 700)."""
    seen = []
    real = validation._row_checks

    def spy(con, table, files, config):
        seen.append((table, limit_mb(con)))
        return real(con, table, files, config)

    monkeypatch.setattr(validation, "_row_checks", spy)
    run(project, "ingest", "local", str(CORPUS / "25_mixed_good_and_bad.csv"), "--indicator", "LOCAL-TA")
    assert seen == [("local_indicator_value", pytest.approx(300, rel=1e-3))]
    seen.clear()
    run(project, "build")
    assert seen and all(mb == pytest.approx(700, rel=1e-3) for _, mb in seen)
