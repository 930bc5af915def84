"""`fsot build`: load the landed files, their provenance (data/raw/manifest.json, by `provenance.py`)
and the configuration into a fresh DuckDB file, run every SQL model and singular test, and only then put
the new file in place of the warehouse. The report reads the warehouse's marts only: what was landed,
when and under which licence reaches it through marts.dim_landed_file and dim_source_release.

A failure at any step leaves the previous warehouse untouched (the half-built file and its WAL are
removed, and so are those a killed build left, at the next build). A full disk or a read-only folder,
which DuckDB reports as its own errors, is raised as the OSError it stands for, naming the file.

A build whose inputs have not changed is not repeated: the warehouse records a fingerprint of what it
was built from (`config.build_inputs`: fsot.toml, the provenance manifest and each landed file's size
and modification time, the SQL models, fsot's own code and the versions of DuckDB and Great
Expectations), and a build with the same fingerprint says the warehouse is up to date. `--force`
rebuilds anyway.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.config import SQL_DIR, Config
from pipeline.ingest.csv_file import SourceFileError
from pipeline.ingest.landing import read_manifest
from pipeline.memory import return_freed_memory
from pipeline.safe_write import os_error_of
from pipeline.validate.context import prepare_in_background
from pipeline.warehouse.fingerprint import build_inputs, up_to_date
from pipeline.warehouse.load import connect_for_writing, create_schemas, load_config, load_raw, prune_caches
from pipeline.warehouse.lock import remove_build_leftovers
from pipeline.warehouse.provenance import load_provenance
from pipeline.warehouse.python_models import PYTHON_MODELS
from pipeline.warehouse.registry import Model
from pipeline.warehouse.runner import run_models, run_tests
from pipeline.warehouse.vintage import check_vintages


class SourceErrors(SourceFileError):
    """One or more sources could not be read; every other source was still read and validated."""

    def __init__(self, errors: list[str], validation: dict):
        super().__init__("\n".join(errors) + "\nThe warehouse was not replaced; fix the file(s) named and run again.")
        self.errors = errors
        self.validation = validation


def build_warehouse(
    config: Config,
    sql_dir: Path = SQL_DIR,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
    python_models: Iterable[Model] = PYTHON_MODELS,
) -> dict:
    """Build the warehouse from scratch; return a summary (row counts, model order, tests, timings).
    The models are those of sql_dir and python_models (by default the project's own sql/ and its Python
    models; a caller with another sql_dir passes the Python models that go with it, usually none).
    When nothing it reads has changed since the warehouse was built (and not `force`), build nothing
    and return {"up_to_date": True, "built_at": …}."""
    # read once: a damaged provenance manifest stops the build before anything is read, and the records
    # the fingerprint covers are the ones loaded into the warehouse (raw.landing_manifest)
    records = read_manifest(config)
    target = config.warehouse_path
    started = time.perf_counter()
    leftovers = remove_build_leftovers(config)  # of a build killed half-way (the caller holds the lock)
    staging_file = leftovers[0]
    fingerprint = build_inputs(config, sql_dir, records)
    current = None if force else up_to_date(config, sql_dir, records, fingerprint)
    if current:
        return {**current, "seconds": round(time.perf_counter() - started, 3)}
    con = None
    try:
        con = connect_for_writing(staging_file, config)
        create_schemas(con)
        # a file read for the first time is validated for the first time too: Great Expectations' import
        # then starts on a thread while the load runs (pipeline.validate.context)
        raw_counts, errors = load_raw(con, config, reading=prepare_in_background)
        if progress:
            progress("loaded raw tables")
        # before validation and models: a vintage mismatch stops here (unless a file already failed to read)
        vintages = [] if errors else check_vintages(con, config)
        from pipeline.validate.run import validate_raw

        validation = validate_raw(con, config)
        return_freed_memory(collect_cycles=True)  # validation's, before DuckDB's buffer pool fills for the models
        if progress:
            progress("validated raw tables")
        if errors:
            raise SourceErrors(errors, validation)
        load_config(con, config)
        load_provenance(con, config, records)
        models = run_models(con, sql_dir, python_models, progress=progress)
        tests = run_tests(con, sql_dir)
        # the SQL tests on the models (staged rows complete, keys unique, …) are listed with the checks
        validation["model_tests"] = [
            {
                "table": "sql/tests",
                "check": t["test"],
                "reason": t["description"],
                "success": not t["offending_rows"],
                "rows_checked": "",
                "rows_failed": t["offending_rows"],
                "sample": [],
            }
            for t in tests
        ]
        built_at = datetime.now(UTC).isoformat(timespec="seconds")
        con.execute(
            "create table config.build_inputs as select ? as fingerprint, ? as built_at", [fingerprint, built_at]
        )
        con.execute("checkpoint")
        con.close()
        os.replace(staging_file, target)
        prune_caches(config)
    except BaseException as exc:
        if con is not None:
            with contextlib.suppress(duckdb.Error):  # a connection a fatal error (a full disk) broke may not close
                con.close()
        for leftover in leftovers:
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
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
        "fingerprint": fingerprint,
        "built_at": built_at,
        "seconds": round(time.perf_counter() - started, 3),
    }
