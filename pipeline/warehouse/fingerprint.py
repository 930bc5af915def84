"""What a build is built from, as one fingerprint, and whether the warehouse was built from the same.

Light on purpose: `fsot build` asks `up_to_date` before it imports the loaders, the validation and the
models, so a build with nothing changed costs little more than starting Python (benchmarks/pipeline_build.py,
case demonstration_rebuild). The fingerprint covers fsot.toml, the provenance manifest, each landed file's
size, modification time and inode, the SQL and the data dictionary, fsot's own code, and the DuckDB and
Great Expectations versions.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from pipeline.config import PACKAGE_ROOT, Config
from pipeline.ingest.landing import read_manifest


def build_inputs(config: Config, sql_dir: Path, records: list[dict] | None = None) -> str:
    """The fingerprint of everything a build reads (see the module's docstring); `records` are the
    provenance manifest's records when the caller has read them (the build loads the same ones)."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("config", config.path.read_bytes())
    records = read_manifest(config) if records is None else records
    add("manifest", json.dumps(records, sort_keys=True).encode())
    for record in records:
        path = config.raw_dir / record["path"]
        status = path.stat() if path.is_file() else None
        add(f"raw {record['path']}", repr(status and (status.st_size, status.st_mtime_ns, status.st_ino)).encode())
    for folder, pattern in ((sql_dir, "*.sql"), (sql_dir, "*.toml"), (PACKAGE_ROOT / "pipeline", "*.py")):
        for path in sorted(folder.rglob(pattern)):
            add(str(path.relative_to(folder)), path.read_bytes())
    for package in ("duckdb", "great_expectations"):
        add(package, metadata.version(package).encode())
    return digest.hexdigest()


def built_from(target: Path) -> tuple[str, str] | None:
    """The fingerprint and build time recorded in the warehouse, if it has them."""
    if not target.is_file():
        return None
    import duckdb

    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            return con.execute("select fingerprint, built_at from config.build_inputs").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None


def up_to_date(
    config: Config, sql_dir: Path, records: list[dict] | None = None, fingerprint: str | None = None
) -> dict | None:
    """{"warehouse", "up_to_date": True, "built_at", "fingerprint"} when the warehouse was built from
    exactly what a build would read now, else None."""
    fingerprint = fingerprint or build_inputs(config, sql_dir, records)
    recorded = built_from(config.warehouse_path)
    if not recorded or recorded[0] != fingerprint:
        return None
    return {
        "warehouse": str(config.warehouse_path),
        "up_to_date": True,
        "built_at": recorded[1],
        "fingerprint": fingerprint,
    }
