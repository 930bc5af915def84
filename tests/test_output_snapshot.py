"""Every output of the demonstration build is byte for byte what tests/snapshots/demonstration_outputs.json
records: each table of schemas staging, intermediate and marts (floats to the last bit) and each file of
the report's exports/, with only the run's provenance (git revision, run id, warehouse fingerprint and
build time) normalised. tools/snapshot_outputs.py says how each is digested; after an intended change,
`python tools/snapshot_outputs.py --update` (or this test with FSOT_UPDATE_SNAPSHOTS=1) rewrites the
snapshot, to be committed with the change.

The digests themselves are checked on a tiny in-memory DuckDB and tiny exports: row order does not
count, the last bit of a float does, and so does everything in an export but the run's provenance."""

from __future__ import annotations

import importlib.util
import json
import math
import os

import duckdb
import pytest

from conftest import PROJECT_ROOT
from pipeline.report.exports import write_exports

spec = importlib.util.spec_from_file_location("snapshot_outputs", PROJECT_ROOT / "tools" / "snapshot_outputs.py")
snapshot_outputs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(snapshot_outputs)


@pytest.mark.slow
def test_every_output_of_the_demonstration_build_matches_the_snapshot(bundled_run):
    config, result = bundled_run
    assert result.exit_code == 0, result.output
    # the fixture makes the build the snapshot describes (and `--update` makes again)
    assert config.path.read_bytes() == (PROJECT_ROOT / snapshot_outputs.DEMONSTRATION_CONFIG).read_bytes()
    exports = config.reports_dir / snapshot_outputs.DEMONSTRATION_PERIOD / "exports"
    provenance = json.loads((exports / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["report_date"] == snapshot_outputs.DEMONSTRATION_DATE
    assert set(snapshot_outputs.VOLATILE_PROVENANCE) <= provenance.keys(), "a normalised provenance key was renamed"

    actual = snapshot_outputs.snapshot(config.warehouse_path, exports)
    if os.environ.get("FSOT_UPDATE_SNAPSHOTS") == "1":
        snapshot_outputs.write_snapshot(actual)
    expected = json.loads(snapshot_outputs.SNAPSHOT.read_text(encoding="utf-8"))
    failures, notes = snapshot_outputs.differences(expected, actual)
    assert not failures, (
        f"{len(failures)} output(s) of the demonstration build differ from "
        f"{snapshot_outputs.SNAPSHOT.relative_to(PROJECT_ROOT)}:\n  "
        + "\n  ".join(failures + notes)
        + "\nA refactor must not change them: find what changed. If the change is intended, regenerate the "
        f"snapshot and commit it with the change:\n  {snapshot_outputs.UPDATE_COMMAND}\n"
        "(it builds the demonstration as this test does), or run this test with FSOT_UPDATE_SNAPSHOTS=1; "
        "then review the diff of the snapshot."
    )


# --- the digests, on a tiny in-memory DuckDB -------------------------------------------------------------------

ROWS = [
    (1, "Riverside", 0.1 + 0.2, "2024-01-31"),
    (2, "Hilltop", -0.0, None),
    (3, None, float("nan"), "2020-02-29"),
    (4, "Newtown", None, "2021-03-01"),
]


def tables(rows=ROWS, x_type="double", extra: str | None = None) -> dict:
    con = duckdb.connect(":memory:")
    try:
        for schema in ("staging", "intermediate", "marts"):
            con.execute(f"create schema {schema}")
        con.execute(f"create table marts.fct_thing (id integer, name varchar, x {x_type}, seen date)")
        con.executemany("insert into marts.fct_thing values (?, ?, ?, ?)", rows)
        con.execute("create view staging.stg_thing as select id, x from marts.fct_thing")
        if extra:
            con.execute(extra)
        return snapshot_outputs.table_digests(con)
    finally:
        con.close()


def failures_between(before: dict, after: dict) -> list[str]:
    return snapshot_outputs.differences({"tables": before, "exports": {}}, {"tables": after, "exports": {}})[0]


def test_a_table_digest_does_not_depend_on_row_order():
    before = tables()
    assert set(before) == {"marts.fct_thing", "staging.stg_thing"}
    assert before == tables(list(reversed(ROWS)))
    assert before["marts.fct_thing"]["columns"] == ["id INTEGER", "name VARCHAR", "x DOUBLE", "seen DATE"]
    assert before["marts.fct_thing"]["rows"] == 4


@pytest.mark.parametrize(
    "row, new_x",
    [
        (0, math.nextafter(0.1 + 0.2, 1.0)),  # the last bit of a float
        (1, 0.0),  # -0.0 → 0.0
        (2, None),  # NaN → NULL
        (3, float("nan")),
    ],
)  # NULL → NaN
def test_a_changed_value_is_caught_and_its_column_named(row, new_x):
    changed = [list(r) for r in ROWS]
    changed[row][2] = new_x
    failures = failures_between(tables(), tables([tuple(r) for r in changed]))
    assert failures == [
        "table marts.fct_thing: values differ in column x",
        "table staging.stg_thing: values differ in column x",
    ]


def test_values_paired_differently_across_rows_are_caught():
    swapped = [(1, "Hilltop", *ROWS[0][2:]), (2, "Riverside", *ROWS[1][2:]), *ROWS[2:]]
    assert failures_between(tables(), tables(swapped)) == [
        "table marts.fct_thing: each column holds the same values, paired differently across rows"
    ]


def test_a_changed_type_or_row_count_is_caught():
    assert failures_between(tables(), tables(x_type="float")) == [
        "table marts.fct_thing: columns +x FLOAT, -x DOUBLE",
        "table staging.stg_thing: columns +x FLOAT, -x DOUBLE",
    ]
    assert failures_between(tables(), tables(ROWS[:3])) == [
        "table marts.fct_thing: 4 rows, now 3",
        "table staging.stg_thing: 4 rows, now 3",
    ]


def test_a_new_output_fails_a_new_intermediate_table_is_only_noted_and_a_missing_one_fails():
    before = tables()
    with_intermediate = tables(extra="create table intermediate.int_thing__ranged as select 1 as n")
    assert snapshot_outputs.differences(
        {"tables": before, "exports": {}}, {"tables": with_intermediate, "exports": {}}
    ) == ([], ["table intermediate.int_thing__ranged: new, not in the snapshot (not an output; `--update` records it)"])
    assert failures_between(with_intermediate, before) == [
        "table intermediate.int_thing__ranged: missing (it is in the snapshot)"
    ]
    assert failures_between(before, tables(extra="create table marts.fct_new as select 1 as n")) == [
        "table marts.fct_new: new (not in the snapshot)"
    ]


# --- the digests of export files ------------------------------------------------------------------------------

DICTIONARY = """
["marts.fct_thing"]
description = "Things."
grain = "one row per thing"
source = "sql/marts/fct_thing.sql"

["marts.fct_thing".columns]
id = "Number of the thing."
name = "Name of the thing."
x = "Its value."
seen = "When it was seen."
"""

PROVENANCE = {
    "fsot_version": "0.2.0",
    "git_revision": "728d518ff21a7245ecb65c0a2d9e880d95cb057d",
    "run_id": "7c5743d36f1b",
    "warehouse_fingerprint": "cc35d812" * 8,
    "warehouse_built_at": "2026-12-03T12:37:56+00:00",
    "report_period": "2026-Q3",
    "report_date": "2026-11-22",
}
ANOTHER_RUN = {
    **PROVENANCE,
    "git_revision": "9f00d2b6a1c85a3e1f0e4b7d2c9a8b7e6d5c4b3a+uncommitted",
    "run_id": "da1d5b7fb82a",
    "warehouse_fingerprint": "bf9b611d" * 8,
    "warehouse_built_at": "2026-12-04T08:00:01+00:00",
}


def exported(tmp_path, name: str, provenance: dict, rows=ROWS) -> dict[str, str]:
    con = duckdb.connect(":memory:")
    try:
        con.execute("create schema marts")
        con.execute("create table marts.fct_thing (id integer, name varchar, x double, seen date)")
        con.executemany("insert into marts.fct_thing values (?, ?, ?, ?)", rows)
        dictionary = tmp_path / "data_dictionary.toml"
        dictionary.write_text(DICTIONARY, encoding="utf-8")
        write_exports(con, tmp_path / name, dictionary, provenance=provenance)
    finally:
        con.close()
    return snapshot_outputs.export_digests(tmp_path / name)


def test_export_digests_leave_out_the_runs_provenance_and_nothing_else(tmp_path):
    before = exported(tmp_path, "a", PROVENANCE)
    assert set(before) == {
        "fct_thing.csv",
        "fct_thing.parquet",
        "data_dictionary.csv",
        "fsot_marts.xlsx",
        "provenance.json",
    }
    assert exported(tmp_path, "b", ANOTHER_RUN) == before
    other_date = exported(tmp_path, "c", {**PROVENANCE, "report_date": "2026-11-23"})
    assert {name for name in before if other_date[name] != before[name]} == {
        "fct_thing.parquet",
        "fsot_marts.xlsx",
        "provenance.json",
    }
    last_bit = [(1, "Riverside", math.nextafter(0.1 + 0.2, 1.0), "2024-01-31"), *ROWS[1:]]
    changed = exported(tmp_path, "d", PROVENANCE, last_bit)
    assert {name for name in before if changed[name] != before[name]} == {
        "fct_thing.csv",
        "fct_thing.parquet",
        "fsot_marts.xlsx",
    }
