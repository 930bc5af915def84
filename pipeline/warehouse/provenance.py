"""Load the provenance of the landed files into the warehouse, so that the report reads it from marts
(marts.dim_landed_file, dim_source_release, dim_ward_boundary_file) and never from data/raw itself.

- `raw.landing_manifest`: every record of data/raw/manifest.json (`fsot ingest`'s provenance: source,
  release, licence, origin, retrieval time, size, sha256, the HTTP validators of a pulled body, what
  changed with a pulled release, a local drop's status), one row per landed file in the manifest's
  order (`_record`, from 1), each field as text as recorded (JSON values: `changes` as JSON text,
  `true`/`false`, numbers as written); `record` is the whole record as JSON with sorted keys, and
  `changes_text` the ingest's own words for `changes` (pipeline.ingest.changes.change_text: what
  `fsot ingest` printed), so that the report says what the ingest said.
- `config.source`, `config.source_file`, `config.ward_vintage_boundaries`: the [[sources]] the manifest
  is read against (each source's release, whether it is pulled, where each of its files lands: the
  path `fsot ingest` gives it, relative to data/raw) and each ward vintage's boundaries source.
- the DuckDB variable `raw_folder`: data/raw relative to the project (posix; absolute when it is outside
  the project), so that the marts give each file's path relative to the project.

The build reads the manifest once and passes the same records here and to its fingerprint
(`fingerprint.build_inputs`), so a warehouse holds the provenance it was built from.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.config import Config
from pipeline.ingest.changes import change_text
from pipeline.ingest.landing import landing_dir

RAW_TABLE = "landing_manifest"
# The fields of a manifest record (pipeline.ingest.landing.Provenance, and a local drop's status fields),
# in the order of raw.landing_manifest; a field a record lacks is NULL, one it adds stays in `record`.
FIELDS = (
    "source",
    "format",
    "title",
    "publisher",
    "release",
    "licence",
    "origin",
    "path",
    "retrieved_at",
    "bytes",
    "sha256",
    "demonstration",
    "indicator",
    "url",
    "http_status",
    "etag",
    "last_modified",
    "release_sha256",
    "role",
    "changes",
    "status",
    "superseded_by",
    "status_changed_at",
    "rows",
)


def _text(value) -> str | None:
    """A manifest value as text as recorded: strings unchanged, everything else as its JSON."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def manifest_frame(records: list[dict]) -> pd.DataFrame:
    """raw.landing_manifest's rows for the manifest's records (see the module's docstring)."""
    rows = []
    for number, record in enumerate(records, start=1):
        row = {"_record": number, "record": json.dumps(record, sort_keys=True)}
        row.update({name: _text(record.get(name)) for name in FIELDS})
        row["changes_text"] = change_text(record["changes"]) if record.get("changes") else None
        rows.append(row)
    columns = ["_record", "record", *FIELDS, "changes_text"]
    return pd.DataFrame(rows, columns=columns, dtype=object)  # text as recorded, missing as None


def _relative_to_project(config: Config, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:  # [paths] allow_outside_project: the absolute path
        return path.resolve().as_posix()


def _create(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
    """`table` with exactly these columns and types (an empty frame too)."""
    con.register("_incoming", frame)
    columns = ", ".join(f'cast("{c}" as {types.get(c, "varchar")}) as "{c}"' for c in frame.columns)
    con.execute(f"create or replace table {table} as select {columns} from _incoming")
    con.unregister("_incoming")


def load_provenance(con: duckdb.DuckDBPyConnection, config: Config, records: list[dict]) -> int:
    """Write raw.landing_manifest (the manifest's `records`), config.source, config.source_file and
    config.ward_vintage_boundaries, and set the variable raw_folder; return the number of records."""
    _create(con, f"raw.{RAW_TABLE}", manifest_frame(records), {"_record": "bigint"})
    sources = pd.DataFrame(
        [
            {
                "source_id": s.id,
                "sort_order": n,
                "format": s.format,
                "reads_as": s.reads_as,
                "release": s.release,
                "pulled": s.pulled,
            }
            for n, s in enumerate(config.sources)
        ],
        columns=["source_id", "sort_order", "format", "reads_as", "release", "pulled"],
    )
    _create(con, "config.source", sources, {"sort_order": "integer", "pulled": "boolean"})
    files = pd.DataFrame(
        [
            {
                "source_id": s.id,
                "file_order": n,
                "path": (landing_dir(config, s) / Path(name).name).relative_to(config.raw_dir).as_posix(),
            }
            for s in config.sources
            if not s.pulled
            for n, name in enumerate(s.files, start=1)
        ],
        columns=["source_id", "file_order", "path"],
    )
    _create(con, "config.source_file", files, {"file_order": "integer"})
    boundaries = pd.DataFrame(
        [{"ward_vintage": v.id, "boundaries_source": v.boundaries} for v in config.ward_vintages if v.boundaries],
        columns=["ward_vintage", "boundaries_source"],
    )
    _create(con, "config.ward_vintage_boundaries", boundaries, {})
    con.execute("set variable raw_folder = ?", [_relative_to_project(config, config.raw_dir)])
    return len(records)
