"""Digest every output of the demonstration build, and compare them with the committed snapshot.

    python tools/snapshot_outputs.py                     # build the demonstration (~30 s), compare
    python tools/snapshot_outputs.py --update            # build it and write the snapshot
    python tools/snapshot_outputs.py WAREHOUSE EXPORTS   # compare an existing build instead

A refactor must leave every output byte for byte as it was: `tests/test_output_snapshot.py` compares the
build of the `bundled_run` fixture (tests/conftest.py: `fsot run --date 2026-11-22` on a copy of
demonstration.toml and data/raw/sample/) with `tests/snapshots/demonstration_outputs.json`. Without
WAREHOUSE and EXPORTS this tool makes the same build in a temporary folder. `--update` writes the
snapshot; otherwise it prints one line per table and file, and exits 1 when any differs.

**Tables.** One digest per table or view of schemas staging, intermediate and marts
(`compare_warehouses.model_tables`). The canonical form of a table is its columns with their DuckDB
types (in column order) and its rows sorted by all columns; each value is encoded with its type
(NULL, booleans, integers and text as such, dates as ISO text, and floats as their exact IEEE-754
float64 bits), so any change shows, down to the last bit of a float, -0.0 against 0.0, or NaN
against NULL; the order a table happens to be stored or scanned in does not. Rows are sorted by the
bytes of that encoding (column by column, so by all columns; a byte order rather than SQL's, so that
rows equal under SQL's order, e.g. differing only by ±0, still sort one way). Each column also gets
a short digest of its values (sorted), so that a difference names the columns it is in. Normalised,
and only there: the time the run's own `fsot ingest` retrieved each file (`VOLATILE_COLUMNS` of the
landing marts, and `retrieved_at` inside `provenance_record`'s JSON), replaced by `[<column>]`.

**Export files.** One digest per file of the exports folder the report writes
(`pipeline/report/exports.py`, plus the at-a-glance files), over its bytes. Normalised, and only there:
the values of `git_revision`, `run_id`, `warehouse_fingerprint` and `warehouse_built_at` in the
provenance that `pipeline.report.queries.report_provenance` puts in the exports. They change from one
run to the next without any output changing: the git revision changes with every commit (the refactor
being checked is one); the run id hashes that revision and the landed files' provenance, whose
retrieval times are those of the run's own `fsot ingest`; the warehouse fingerprint hashes the
provenance too, the landed files' modification times and the code; `warehouse_built_at` is the
build's clock time. Each is replaced by `[<key>]` where it is written:
- `provenance.json`: the values as JSON strings, in the file's text;
- the workbooks (`*.xlsx`): the values as whole text cells (`<t>value</t>`), in the entries of the zip
  archive; an archive is digested as its entries in order (name, time, compression, attributes and
  uncompressed bytes), because the values sit inside compressed entries;
- Parquet files: the provenance JSON in the key-value metadata `fsot.provenance`, and in the Arrow schema
  stored beside it (`ARROW:schema`, whose metadata holds the same JSON); a Parquet file is digested as
  its bytes before the footer (the column chunks, byte for byte), the footer's row groups and column
  chunks (offsets, sizes, encodings, statistics), its Parquet schema, and its normalised key-value
  metadata; only the footer's length is left out, as it changes with the length of the values.
Everything else is kept: `fsot_version` (it changes only with a release), the report period and date
(fixed by `--date`), and every other byte (CSV files, the data dictionary, the at-a-glance files).

Exact float bits are those of one set of library versions (DuckDB, numpy, pyarrow …), which the
snapshot records: if a dependency upgrade changes a last bit, the comparison says which tables changed
and which versions differ, and an intended change is recorded with `--update`.

About 440 lines, most of them this docstring and the exact encodings it describes (one tool, one job).

A table or file that is not in the snapshot fails the comparison when it is an output (a mart or an
export file: users would receive something new), and is only reported when it is a staging or
intermediate table (a refactor may move a computation into a new intermediate model without changing
any output; `--update` records it). A table or file of the snapshot that is missing always fails.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import platform
import shutil
import struct
import sys
import tempfile
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (HERE, ROOT):  # run as a script (tools/ first on the path) or imported by a test
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from compare_warehouses import model_tables  # noqa: E402

from pipeline.report.export_files import PARQUET_PROVENANCE_KEY  # noqa: E402
from pipeline.report.exports import PROVENANCE_FILE  # noqa: E402

SNAPSHOT = ROOT / "tests" / "snapshots" / "demonstration_outputs.json"
# The build the snapshot describes: what tests/conftest.py's bundled_run fixture runs.
DEMONSTRATION_CONFIG = "demonstration.toml"
DEMONSTRATION_DATA = Path("data") / "raw" / "sample"
DEMONSTRATION_DATE = "2026-11-22"
DEMONSTRATION_PERIOD = "2026-Q3"
UPDATE_COMMAND = "python tools/snapshot_outputs.py --update"
OUTPUT_SCHEMA = "marts"  # a new table here is a new output; a new staging or intermediate table is not
# Provenance that changes from run to run without any output changing (see the module's docstring).
VOLATILE_PROVENANCE = ("git_revision", "run_id", "warehouse_fingerprint", "warehouse_built_at")
# columns of the landing marts holding the time the run's own `fsot ingest` retrieved a file
VOLATILE_COLUMNS = frozenset({"retrieved_at", "first_retrieved_at", "last_retrieved_at", "last_retrieved_on"})
VOLATILE_JSON_COLUMNS = {"provenance_record": ("retrieved_at",)}
VERSIONS = ("duckdb", "numpy", "pandas", "scipy", "pyarrow", "openpyxl")
COLUMN_DIGEST_LENGTH = 16  # hex digits: only to name the columns a difference is in; the table digest decides
ARROW_SCHEMA_KEY = b"ARROW:schema"


# --- tables -------------------------------------------------------------------------------------------------------


def _field(tag: bytes, payload: bytes) -> bytes:
    """A tagged, length-prefixed field: no two different values encode alike, and no encoding is the
    start of another, so concatenated encodings compare (and sort) field by field."""
    return tag + struct.pack(">I", len(payload)) + payload


def encode_value(value) -> bytes:
    """A value from DuckDB as bytes that tell it apart from every other value: floats by their exact
    float64 bits (so -0.0, NaN and the last bit count), NULL apart from every value."""
    if value is None:
        return b"N"
    if isinstance(value, bool):
        return b"B1" if value else b"B0"
    if isinstance(value, int):
        return _field(b"I", str(value).encode())
    if isinstance(value, float):
        return b"F" + struct.pack(">d", value)
    if isinstance(value, str):
        return _field(b"S", value.encode("utf-8"))
    if isinstance(value, (datetime, date, time)):
        return _field(b"D", value.isoformat().encode())
    if isinstance(value, Decimal):
        return _field(b"M", str(value).encode())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _field(b"X", bytes(value))
    if isinstance(value, (list, tuple)):
        return _field(b"L", b"".join(encode_value(v) for v in value))
    if isinstance(value, dict):
        return _field(b"K", b"".join(encode_value(k) + encode_value(v) for k, v in value.items()))
    return _field(b"R", f"{type(value).__name__}:{value!r}".encode())


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_digest(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    """{"columns": ["name TYPE", …], "rows": n, "digest": sha256 of the canonical table,
    "column_digests": {column: short digest of its sorted values}} (see the module's docstring)."""
    columns = [
        f"{name} {data_type}"
        for name, data_type in con.execute(
            "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ? "
            "and table_catalog = current_database() order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]
    names = [column.split(" ", 1)[0] for column in columns]
    rows = [
        [encode_value(_normalised_cell(name, value)) for name, value in zip(names, row)]
        for row in con.execute(f"select * from {_quoted(schema)}.{_quoted(table)}").fetchall()
    ]
    digest = hashlib.sha256(json.dumps({"table": f"{schema}.{table}", "columns": columns}).encode())
    for encoded in sorted(b"".join(row) for row in rows):
        digest.update(struct.pack(">Q", len(encoded)))
        digest.update(encoded)
    column_digests = {}
    for index, column in enumerate(columns):
        values = hashlib.sha256()
        for encoded in sorted(row[index] for row in rows):
            values.update(encoded)
        column_digests[column.split(" ", 1)[0]] = values.hexdigest()[:COLUMN_DIGEST_LENGTH]
    return {"columns": columns, "rows": len(rows), "digest": digest.hexdigest(), "column_digests": column_digests}


def _normalised_cell(column: str, value):
    """A cell with the run's own retrieval time replaced (module docstring, "Tables")."""
    if value is None:
        return value
    if column in VOLATILE_COLUMNS:
        return f"[{column}]"
    if column in VOLATILE_JSON_COLUMNS:
        record = json.loads(value)
        for key in VOLATILE_JSON_COLUMNS[column]:
            if key in record:
                record[key] = f"[{key}]"
        return json.dumps(record, sort_keys=True)
    return value


def table_digests(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """`table_digest` of every table and view of schemas staging, intermediate and marts, by "schema.table"."""
    return {f"{schema}.{table}": table_digest(con, schema, table) for schema, table in model_tables(con)}


# --- export files -------------------------------------------------------------------------------------------------


def volatile_provenance(provenance: dict) -> dict[str, str]:
    """The values of VOLATILE_PROVENANCE in a provenance record (empty ones left out: nothing to replace)."""
    return {key: str(provenance[key]) for key in VOLATILE_PROVENANCE if provenance.get(key)}


def _normalised_json(text: bytes, values: dict[str, str]) -> bytes:
    """JSON text with each volatile value, written as a JSON string, replaced by "[key]"."""
    for key, value in values.items():
        text = text.replace(json.dumps(value).encode(), json.dumps(f"[{key}]").encode())
    return text


def _normalised_xml(text: bytes, values: dict[str, str]) -> bytes:
    """Spreadsheet XML with each text cell holding exactly a volatile value replaced by [key]."""
    for key, value in values.items():
        text = text.replace(f"<t>{escape(value)}</t>".encode(), f"<t>[{key}]</t>".encode())
    return text


def _zip_digest(path: Path, values: dict[str, str]) -> str:
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            content = archive.read(entry)
            if entry.filename.endswith(".xml"):
                content = _normalised_xml(content, values)
            digest.update(
                json.dumps(
                    [entry.filename, list(entry.date_time), entry.compress_type, entry.external_attr, len(content)]
                ).encode()
            )
            digest.update(content)
    return digest.hexdigest()


def _parquet_digest(path: Path) -> str:
    data = path.read_bytes()
    if len(data) < 12 or data[:4] != b"PAR1" or data[-4:] != b"PAR1":
        return "not a Parquet file: " + hashlib.sha256(data).hexdigest()
    footer_length = struct.unpack("<I", data[-8:-4])[0]
    file_metadata = pq.read_metadata(path)
    described = file_metadata.to_dict()
    described.pop("serialized_size", None)  # the footer's length: changes with the length of the provenance
    provenance = json.loads((file_metadata.metadata or {}).get(PARQUET_PROVENANCE_KEY, b"{}"))
    values = volatile_provenance(provenance)
    key_values = {}
    for key, value in sorted((file_metadata.metadata or {}).items()):
        if key == PARQUET_PROVENANCE_KEY:
            value = _normalised_json(value, values)
        elif key == ARROW_SCHEMA_KEY:
            schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(value)))
            schema = schema.with_metadata(
                {
                    k: _normalised_json(v, values) if k == PARQUET_PROVENANCE_KEY else v
                    for k, v in (schema.metadata or {}).items()
                }
            )
            value = base64.b64encode(schema.serialize().to_pybytes())
        key_values[key.decode("utf-8", "backslashreplace")] = value.decode("utf-8", "backslashreplace")
    digest = hashlib.sha256(data[: len(data) - 8 - footer_length])
    digest.update(json.dumps(described, sort_keys=True, default=str).encode())
    digest.update(str(file_metadata.schema).split("\n", 1)[-1].encode())  # without its first line, "<… object at 0x…>"
    digest.update(json.dumps(key_values, sort_keys=True).encode())
    return digest.hexdigest()


def export_digest(path: Path, values: dict[str, str]) -> str:
    """The digest of one export file, with the volatile provenance `values` normalised (module docstring)."""
    if path.suffix == ".parquet":
        return _parquet_digest(path)
    if path.suffix == ".xlsx":
        return _zip_digest(path, values)
    data = path.read_bytes()
    if path.name == PROVENANCE_FILE:
        data = _normalised_json(data, values)
    return hashlib.sha256(data).hexdigest()


def export_digests(folder: Path) -> dict[str, str]:
    """`export_digest` of every file in the exports folder, by file name; the volatile values are those
    of the folder's provenance.json."""
    provenance_path = folder / PROVENANCE_FILE
    provenance = json.loads(provenance_path.read_text(encoding="utf-8")) if provenance_path.is_file() else {}
    values = volatile_provenance(provenance)
    return {path.name: export_digest(path, values) for path in sorted(folder.iterdir()) if path.is_file()}


# --- snapshot and comparison --------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def snapshot(warehouse: Path, exports: Path) -> dict:
    """Digests of a built warehouse's models and of the report's exports folder."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = table_digests(con)
    finally:
        con.close()
    return {
        "about": "Digests of the demonstration build's outputs (tools/snapshot_outputs.py explains the canonical "
        f"forms), checked by tests/test_output_snapshot.py. An intended change: {UPDATE_COMMAND}",
        "build": {"config": DEMONSTRATION_CONFIG, "date": DEMONSTRATION_DATE, "period": DEMONSTRATION_PERIOD},
        "versions": versions(),
        "tables": tables,
        "exports": export_digests(exports),
    }


def _table_difference(name: str, expected: dict, actual: dict) -> str | None:
    if expected["columns"] != actual["columns"]:
        before, after = expected["columns"], actual["columns"]
        changes = [f"+{c}" for c in after if c not in before] + [f"-{c}" for c in before if c not in after]
        return "columns " + (", ".join(changes) if changes else "in another order")
    if expected["rows"] != actual["rows"]:
        return f"{expected['rows']} rows, now {actual['rows']}"
    if expected["digest"] == actual["digest"]:
        return None
    changed = [
        column for column, value in expected["column_digests"].items() if actual["column_digests"].get(column) != value
    ]
    if changed:
        return f"values differ in column{'s' if len(changed) > 1 else ''} {', '.join(changed)}"
    return "each column holds the same values, paired differently across rows"


def differences(expected: dict, actual: dict) -> tuple[list[str], list[str]]:
    """(failures, notes) of comparing a snapshot `actual` with the `expected` one: one line per table or
    export file that changed, is missing or (for outputs) is new; notes name new staging or intermediate
    tables. No failures: every output is as the snapshot recorded it."""
    failures, notes = [], []
    for name, before in expected["tables"].items():
        if name not in actual["tables"]:
            failures.append(f"table {name}: missing (it is in the snapshot)")
        elif problem := _table_difference(name, before, actual["tables"][name]):
            failures.append(f"table {name}: {problem}")
    for name in actual["tables"].keys() - expected["tables"].keys():
        if name.split(".", 1)[0] == OUTPUT_SCHEMA:
            failures.append(f"table {name}: new (not in the snapshot)")
        else:
            notes.append(f"table {name}: new, not in the snapshot (not an output; `--update` records it)")
    for name, digest in expected["exports"].items():
        if name not in actual["exports"]:
            failures.append(f"export {name}: missing (it is in the snapshot)")
        elif actual["exports"][name] != digest:
            failures.append(f"export {name}: bytes differ")
    for name in actual["exports"].keys() - expected["exports"].keys():
        failures.append(f"export {name}: new (not in the snapshot)")
    if failures and expected.get("versions") != actual.get("versions"):
        changed = {
            k: f"{v} -> {actual.get('versions', {}).get(k)}"
            for k, v in expected.get("versions", {}).items()
            if actual.get("versions", {}).get(k) != v
        }
        notes.append(f"library versions differ from the snapshot's: {changed}")
    return sorted(failures), sorted(notes)


def report(expected: dict, actual: dict) -> tuple[bool, str]:
    """(True when every output matches, the text saying per table and file what differs)."""
    failures, notes = differences(expected, actual)
    lines = [f"DIFFERS  {line}" for line in failures] + [f"note     {line}" for line in notes]
    failed = {line.split(":", 1)[0] for line in failures}
    for name in sorted(expected["tables"]):
        if f"table {name}" not in failed:
            lines.append(f"ok       table {name}: {expected['tables'][name]['rows']} rows, identical")
    for name in sorted(expected["exports"]):
        if f"export {name}" not in failed:
            lines.append(f"ok       export {name}: identical")
    lines.append(
        f"{len(expected['tables'])} tables and {len(expected['exports'])} export files compared, "
        f"{len(failures)} difference(s)"
    )
    if failures:
        lines.append(
            f"If the change is intended, regenerate the snapshot and commit it with the change: "
            f"{UPDATE_COMMAND} (it builds the demonstration as the tests do; or pass WAREHOUSE EXPORTS "
            f"of a build made with `fsot run --date {DEMONSTRATION_DATE} --config {DEMONSTRATION_CONFIG}`)."
        )
    return not failures, "\n".join(lines)


def write_snapshot(data: dict, path: Path = SNAPSHOT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def build_demonstration(root: Path) -> tuple[Path, Path]:
    """`fsot run --date 2026-11-22` on a copy of demonstration.toml and data/raw/sample/ in `root`, as the
    tests' bundled_run fixture does; returns (warehouse, exports folder)."""
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.config import load_config

    config_path = root / "fsot.toml"
    shutil.copy(ROOT / DEMONSTRATION_CONFIG, config_path)
    shutil.copytree(ROOT / DEMONSTRATION_DATA, root / DEMONSTRATION_DATA)
    result = CliRunner().invoke(cli, ["run", "--date", DEMONSTRATION_DATE, "--config", str(config_path)])
    if result.exit_code != 0:
        raise SystemExit(f"the demonstration build failed:\n{result.output}")
    config = load_config(config_path)
    return config.warehouse_path, config.reports_dir / DEMONSTRATION_PERIOD / "exports"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, nargs="?", help="a built warehouse (default: build the demonstration)")
    parser.add_argument("exports", type=Path, nargs="?", help="the exports folder of its report")
    parser.add_argument("--update", action="store_true", help=f"write the snapshot ({SNAPSHOT.relative_to(ROOT)})")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT, help="the snapshot file to compare or write")
    args = parser.parse_args(argv)
    if (args.warehouse is None) != (args.exports is None):
        parser.error("give both WAREHOUSE and EXPORTS, or neither (then the demonstration is built)")
    with tempfile.TemporaryDirectory(prefix="fsot-snapshot-") as scratch:
        if args.warehouse is None:
            print(f"building the demonstration in {scratch} …", flush=True)
            warehouse, exports = build_demonstration(Path(scratch))
        else:
            warehouse, exports = args.warehouse, args.exports
        actual = snapshot(warehouse, exports)
    if args.update:
        write_snapshot(actual, args.snapshot)
        print(f"{len(actual['tables'])} tables and {len(actual['exports'])} export files written to {args.snapshot}")
        return 0
    matches, text = report(json.loads(args.snapshot.read_text(encoding="utf-8")), actual)
    print(text)
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
