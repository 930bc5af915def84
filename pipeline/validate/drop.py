"""Check a council's file before it is landed (`fsot ingest local`).

The file is read a chunk at a time into a scratch DuckDB file beside the warehouse (so a 200 MB file
never sits in memory whole), with the landed ward lookups, and put through the same suites as a
build (pipeline.validate.run). The row checks' result is cached under the file's checksum, so the next
build does not validate the file again. The scratch folder is removed when the check ends, and a
leftover of a killed check is removed at the next start.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from pipeline.config import LOCAL_SOURCE, Config
from pipeline.ingest import local_drop, ward_lookup
from pipeline.ingest.csv_file import SourceFileError
from pipeline.ingest.landing import LandingError, landed_files, local_drops
from pipeline.validate.run import validate_raw
from pipeline.warehouse.load import (
    connect_for_writing,
    create_raw_table,
    create_schemas,
    duckdb_memory_limit,
    insert_chunks,
    local_file,
    record_files,
)

SCRATCH_PREFIX = ".checking-"
CLASH_KEY = ["area_code", "sex", "category_type", "category", "period"]


def remove_leftovers(config: Config) -> None:
    """Scratch folders of checks that were killed before they could clean up."""
    if config.processed_dir.is_dir():
        for leftover in config.processed_dir.glob(f"{SCRATCH_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def check_drop(config: Config, path: Path, indicator_id: str, add: bool) -> dict:
    """Validate the file for the indicator; return the validation result (checks, and the file's row
    accounting in result["files"][0]). Raises ValueError, saying what to do, when nothing would load
    or (with add) a value is already given by a current drop."""
    remove_leftovers(config)
    config.processed_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=config.processed_dir, prefix=SCRATCH_PREFIX) as folder:
        con = connect_for_writing(Path(folder) / "check.duckdb", config)
        try:
            create_schemas(con)
            create_raw_table(con, local_drop.RAW_TABLE, local_drop.OUTPUT)
            rows = insert_chunks(con, local_drop.RAW_TABLE, LOCAL_SOURCE, local_drop.read_chunks([path], indicator_id))
            if rows == 0:
                raise ValueError(f"{path}: has a header but no data rows; nothing was landed")
            lookup_known = _load_lookups(con, config)
            record_files(con, [local_file(path, indicator_id)])
            # DuckDB only serves Great Expectations chunks of the drop's rows meanwhile: its pages of them need
            # not stay in memory beside the chunks (a 200 MB drop peaked at 860–930 MB with the general limit)
            with duckdb_memory_limit(con, config.performance.duckdb_validation_memory_limit_mb):
                result = validate_raw(con, config, lookup_known=lookup_known, tables=[local_drop.RAW_TABLE])
            [accounting] = result["files"]
            if accounting["rows_loaded"] == 0:
                raise ValueError(
                    f"{path}: no row passed the checks ({accounting['rows_quarantined']} quarantined); "
                    "nothing was landed; correct the file and run again"
                )
            if add:
                _refuse_clashes(con, config, path, indicator_id)
        finally:
            con.close()
    return result


def _load_lookups(con: duckdb.DuckDBPyConnection, config: Config) -> bool:
    """Load the landed ward lookups into raw.lsoa_ward_lookup; False when none is landed yet (the
    check of area codes against the lookup is then left to the build)."""
    create_raw_table(con, ward_lookup.RAW_TABLE, ward_lookup.OUTPUT)
    known = False
    for source in config.sources:
        if source.reads_as != "ons_lsoa_ward_lookup":
            continue
        try:
            insert_chunks(con, ward_lookup.RAW_TABLE, source.id, [ward_lookup.read(landed_files(config, source))])
            known = True
        except (SourceFileError, LandingError):  # not landed yet, or unreadable: the build says which
            con.execute(f"delete from raw.{ward_lookup.RAW_TABLE} where _source = ?", [source.id])
    return known


def _refuse_clashes(con: duckdb.DuckDBPyConnection, config: Config, path: Path, indicator_id: str) -> None:
    """With --add: a value (area, sex, category, period) that a current drop of the indicator already
    gives is an error listing the keys."""
    current = local_drops(config).get(indicator_id, [])
    if not current:
        return
    con.execute(f"create table raw.current_drop as select * from raw.{local_drop.RAW_TABLE} limit 0")
    insert_chunks(con, "current_drop", LOCAL_SOURCE, local_drop.read_chunks(current, indicator_id))
    key = ", ".join(CLASH_KEY)
    clashes = con.execute(
        f"select count(*) from raw.{local_drop.RAW_TABLE} semi join "
        f"(select distinct {key} from raw.current_drop) using ({key})"
    ).fetchone()[0]
    if clashes:
        shown = "; ".join(
            " / ".join(v for v in row if v)
            for row in con.execute(
                f"select {key} from raw.{local_drop.RAW_TABLE} semi join raw.current_drop using ({key}) "
                "order by _line limit 5"
            ).fetchall()
        )
        raise ValueError(
            f"{path}: {clashes} value(s) are already given by a current drop of {indicator_id} "
            f"(e.g. {shown}); nothing was landed: to replace that drop, run without --add (the new "
            "file then supersedes it)"
        )
