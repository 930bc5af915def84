"""`fsot build`: load the landed files and the configuration into a fresh DuckDB file, run every SQL
model and singular test, and only then put the new file in place of the warehouse.

A failure at any step leaves the previous warehouse untouched (the half-built file and its WAL are
removed, and so are those a killed build left, at the next build). A full disk or a read-only folder,
which DuckDB reports as its own errors, is raised as the OSError it stands for, naming the file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipeline.config import SQL_DIR, Config
from pipeline.ingest.csv_file import SourceFileError
from pipeline.ingest.landing import read_manifest
from pipeline.models import ModelError, run_models, run_tests
from pipeline.safe_write import os_error_of, remove_partials
from pipeline.warehouse.load import create_schemas, load_config, load_raw
from pipeline.warehouse.vintage import check_vintages


class SourceErrors(SourceFileError):
    """One or more sources could not be read; every other source was still read and validated."""

    def __init__(self, errors: list[str], validation: dict):
        super().__init__("\n".join(errors) + "\nThe warehouse was not replaced; fix the file(s) named and run again.")
        self.errors = errors
        self.validation = validation


def connect(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a missing file gets a message saying which command makes it."""
    if read_only and not path.is_file():
        raise FileNotFoundError(f"{path}: no warehouse yet; run `fsot build` (or `fsot run`) first")
    return duckdb.connect(str(path), read_only=read_only)


def build_warehouse(config: Config, sql_dir: Path = SQL_DIR,
                    progress: Callable[[str], None] | None = None) -> dict:
    """Build the warehouse from scratch; return a summary (row counts, model order, tests, timings)."""
    read_manifest(config)  # a damaged provenance manifest stops the build once, before anything is read
    config.processed_dir.mkdir(parents=True, exist_ok=True)
    target = config.warehouse_path
    staging_file = target.with_name(target.name + ".building")
    leftovers = (staging_file, staging_file.with_name(staging_file.name + ".wal"))
    for leftover in leftovers:  # from a build killed half-way (we hold the warehouse lock: no build is running)
        leftover.unlink(missing_ok=True)
    remove_partials(config.processed_dir)
    started = time.perf_counter()
    con = None
    try:
        con = duckdb.connect(str(staging_file))
        con.execute("set threads = 2")
        create_schemas(con)
        raw_counts, errors = load_raw(con, config)
        if progress:
            progress("loaded raw tables")
        # before validation and models: a vintage mismatch stops here (unless a file already failed to read)
        vintages = [] if errors else check_vintages(con, config)
        from pipeline.validate.run import validate_raw  # Great Expectations is slow to import: only here

        validation = validate_raw(con, config)
        if progress:
            progress("validated raw tables")
        if errors:
            raise SourceErrors(errors, validation)
        load_config(con, config)
        models = run_models(con, sql_dir, progress=progress)
        if sql_dir == SQL_DIR:  # the staged-model suites describe this project's own staging models
            from pipeline.validate.staged import validate_staged

            validation["staged"] = validate_staged(con)
            failed = [c for c in validation["staged"] if not c["success"]]
            if failed:
                raise ModelError("staged-model checks failed; the warehouse was not replaced: " + "; ".join(
                    f"{c['table']}.{c['check']} ({c['rows_failed']} rows, e.g. {c['sample'][:2]})" for c in failed))
        tests = run_tests(con, sql_dir)
        con.execute("checkpoint")
        con.close()
        os.replace(staging_file, target)
    except BaseException as exc:
        if con is not None:
            try:
                con.close()
            except duckdb.Error:  # a connection invalidated by a fatal error (a full disk) may fail to close
                pass
        for leftover in leftovers:
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass
        disk = os_error_of(exc, staging_file) if isinstance(exc, duckdb.Error) else None
        if disk:
            raise disk from exc
        raise
    return {
        "warehouse": str(target),
        "raw_rows": raw_counts,
        "ward_vintages": vintages,
        "validation": validation,
        "models": models,
        "tests": tests,
        "seconds": round(time.perf_counter() - started, 3),
    }
