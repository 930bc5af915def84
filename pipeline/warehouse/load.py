"""Load landed files into `raw.*` (strings as delivered, plus `_source`, `_file`, `_line`) and the
configuration into `config.*`, so that SQL models read nothing from Python but tables and variables.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from pipeline.config import LOCAL_SOURCE, NOT_LOADED, Config, ward_vintage_labels
from pipeline.ingest import FORMATS, local_drop, reader_for
from pipeline.ingest.csv_file import SourceFileError
from pipeline.ingest.landing import LandingError, landed_files, local_drops, sha256_of
from pipeline.warehouse.read_cache import ReadCacheWriter

SCHEMAS = ("raw", "quarantine", "config", "staging", "intermediate", "marts")


def connect_for_writing(path: Path, config: Config) -> duckdb.DuckDBPyConnection:
    """A DuckDB file to build in, using at most [performance] duckdb_memory_limit_mb of memory (it
    writes pages to the file beyond that) and both cores."""
    con = duckdb.connect(str(path))
    con.execute(f"set memory_limit = '{int(config.performance.duckdb_memory_limit_mb)}MB'")
    con.execute("set threads = 2")
    return con


@contextlib.contextmanager
def duckdb_memory_limit(con: duckdb.DuckDBPyConnection, megabytes: int) -> Iterator[None]:
    """DuckDB may use at most `megabytes` of memory inside the block (it evicts pages beyond that to its
    file), and its limit before again after it. Where DuckDB cannot give memory back to meet the lower
    limit, the limit stays as it was: the block then only costs more memory, never fails for it."""
    (before,) = con.execute("select current_setting('memory_limit')").fetchone()
    try:
        con.execute(f"set memory_limit = '{int(megabytes)}MB'")
    except duckdb.Error:
        before = None
    try:
        yield
    finally:
        if before is not None:
            con.execute(f"set memory_limit = '{before}'")


def create_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")


INTEGER_COLUMNS = ("_line", "_fields", "_width")


def create_raw_table(con: duckdb.DuckDBPyConnection, table: str, output: list[str]) -> None:
    """An empty raw.<table>: `_source` and the reader's columns, all text as delivered but the line columns."""
    columns = ["_source varchar"] + [f'"{c}" {"bigint" if c in INTEGER_COLUMNS else "varchar"}' for c in output]
    con.execute(f"create or replace table raw.{table} ({', '.join(columns)})")


def insert_chunks(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source_id: str,
    chunks: Iterable[pd.DataFrame],
    keep: ReadCacheWriter | None = None,
) -> int:
    """Append a reader's chunks to raw.<table> as they are read; returns rows.

    Each chunk goes to DuckDB as an Arrow table of raw.<table>'s columns (DuckDB takes Arrow's strings as
    they are; a pandas frame it converts cell by cell), and to `keep` (the read cache) when given. A chunk
    with a column that is neither text nor the line numbers goes as the pandas frame, converted by DuckDB
    as it always was, and the read cache of these files is then not kept.

    A chunk is stored on a second thread while the reader reads the next (DuckDB and the Parquet writer
    release Python's lock; reading mostly holds it), so memory holds two chunks and the connection is only
    ever used by one thread at a time. A storing error stops the load at the next chunk."""
    from concurrent.futures import ThreadPoolExecutor

    rows = 0
    schema = _raw_schema(con, table)
    with ThreadPoolExecutor(max_workers=1) as storing:
        stored = None
        for chunk in chunks:
            chunk.insert(0, "_source", source_id)
            arrow = _as_raw_rows(chunk, schema)
            if stored is not None:
                stored.result()  # the previous chunk is in first (and its error is raised here)
            stored = storing.submit(_store, con, table, chunk if arrow is None else arrow, keep)
            rows += len(chunk)
        if stored is not None:
            stored.result()
    return rows


def _store(
    con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame | pa.Table, keep: ReadCacheWriter | None
) -> None:
    """One chunk into raw.<table>, and into the read cache when it is an Arrow table (else the cache is
    abandoned: see insert_chunks)."""
    con.register("_incoming", rows)
    con.execute(f"insert into raw.{table} by name select * from _incoming")
    con.unregister("_incoming")
    if keep is not None and isinstance(rows, pa.Table):
        keep.write(rows)
    elif keep is not None:
        keep.abandon()


def _raw_schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    """raw.<table>'s columns as Arrow types: text as large strings, the line columns as 64-bit integers."""
    described = con.execute(f"describe raw.{table}").fetchall()
    return pa.schema([(name, pa.int64() if kind == "BIGINT" else pa.large_string()) for name, kind, *_ in described])


def _as_raw_rows(chunk: pd.DataFrame, schema: pa.Schema) -> pa.Table | None:
    """The chunk as an Arrow table of the raw table's columns (absent ones empty, missing cells null), or
    None when a column is not the raw table's or holds something other than text or whole numbers."""
    if not set(chunk.columns) <= set(schema.names):
        return None
    columns = []
    for target in schema:
        if target.name not in chunk.columns:
            columns.append(pa.nulls(len(chunk), target.type))
            continue
        try:
            values = pa.array(chunk[target.name], from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            return None
        kind = values.type
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        if not (
            pa.types.is_null(kind) or (text if pa.types.is_large_string(target.type) else pa.types.is_integer(kind))
        ):
            return None
        columns.append(values.cast(target.type))
    return pa.Table.from_arrays(columns, schema=schema)


def read_chunks(reader, paths: list[Path], source) -> Iterator[pd.DataFrame]:
    """A reader's rows in chunks when it can stream them, else its whole table as one chunk."""
    if hasattr(reader, "read_chunks"):
        yield from reader.read_chunks(paths, source)
    else:
        yield reader.read(paths, source)


def record_files(con: duckdb.DuckDBPyConnection, files: list[dict]) -> None:
    """raw.landed_file: each loaded file with its checksum and what its rows depend on besides its bytes
    (`settings`: the source's settings and the reader's code; the validation cache's key,
    pipeline.validate.run)."""
    frame = pd.DataFrame(files, columns=["raw_table", "_source", "_file", "path", "sha256", "settings"]).astype("str")
    con.register("_incoming", frame)
    con.execute("create or replace table raw.landed_file as select * from _incoming")
    con.unregister("_incoming")


READ_CACHE = "read_cache"
_READER_CODE = ("csv_file.py", "csv_rows.py", "csv_lines.py", "spreadsheet.py")


def _reader_fingerprint(reader) -> bytes:
    """A reader's code and the code of the file readers it uses: what its rows depend on besides the files."""
    folder = Path(local_drop.__file__).parent
    return b"".join(path.read_bytes() for path in [Path(reader.__file__), *(folder / n for n in _READER_CODE)])


def reader_version(reader) -> str:
    """A digest of the reader's code: a file's rows, hence its validation, change when the reader does."""
    return hashlib.sha256(_reader_fingerprint(reader)).hexdigest()[:16]


def read_key(table: str, settings: str, paths: list[Path], reader) -> str:
    """The read cache's key of one source's files (or one indicator's drops)."""
    digest = hashlib.sha256(f"{table}\0{settings}\0".encode())
    for path in paths:
        digest.update(f"{path.name}\0{sha256_of(path)}\0".encode())
    digest.update(_reader_fingerprint(reader))
    return digest.hexdigest()


def insert_read(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    table: str,
    key: str,
    where: str,
    parameters: list,
    source_id: str,
    chunks: Iterator[pd.DataFrame],
    reading: Callable[[], None] | None = None,
) -> None:
    """Insert rows of raw.<table> read from landed files: from the read cache (Parquet, keyed by the
    files' checksums and the reader's code) when these files were read before, else from `chunks` (a
    generator: nothing is read unless it is needed), whose rows are kept in the cache as they are inserted
    (`read_cache.py`); `reading` is called first then. Landed files never change, so a rebuild reads each
    file once; a damaged entry is deleted from raw.<table> (`where`) and read again from the file."""
    cached = config.processed_dir / READ_CACHE / f"{key}.parquet"
    if cached.is_file():
        try:
            con.execute(f"insert into raw.{table} by name select * from read_parquet(?)", [str(cached)])
            os.utime(cached)  # entries unused for [performance] cache_keep_days are removed
            return
        except duckdb.Error:
            con.execute(f"delete from raw.{table} where {where}", parameters)
    if reading is not None:
        reading()
    keep = ReadCacheWriter(cached, _raw_schema(con, table))
    try:
        insert_chunks(con, table, source_id, chunks, keep)
    except BaseException:
        keep.abandon()
        raise
    keep.finish()


def prune_caches(config: Config) -> None:
    """Remove read and validation cache entries not used for [performance] cache_keep_days."""
    limit = time.time() - config.performance.cache_keep_days * 86400
    for folder in (READ_CACHE, "validation_cache"):
        for entry in (config.processed_dir / folder).glob("*.*"):
            try:
                if entry.stat().st_mtime < limit:
                    entry.unlink()
            except OSError:
                pass


def load_raw(
    con: duckdb.DuckDBPyConnection, config: Config, reading: Callable[[], None] | None = None
) -> tuple[dict[str, int], list[str]]:
    """Read every configured source's landed files into raw.<table>, streaming: a file is read and
    inserted a chunk at a time, so memory does not grow with its size; files read before come from
    the read cache (`insert_read`), and `reading` is called before each file that is not.

    A source whose file cannot be read (file-level failure) is left out and its one-line error
    returned; the other sources still load. Returns (rows per raw table, errors)."""
    for reader in FORMATS.values():  # every raw table exists, empty where no source has its format
        create_raw_table(con, reader.RAW_TABLE, reader.OUTPUT)
    create_raw_table(con, local_drop.RAW_TABLE, local_drop.OUTPUT)
    errors: list[str] = []
    files: list[dict] = []
    for source in config.sources:
        if source.reads_as == NOT_LOADED:  # landed for other uses (e.g. boundaries for maps)
            continue
        reader = reader_for(source.reads_as)
        try:
            paths = landed_files(config, source)
            insert_read(
                con,
                config,
                reader.RAW_TABLE,
                read_key(reader.RAW_TABLE, repr(source), paths, reader),
                "_source = $1",
                [source.id],
                source.id,
                read_chunks(reader, paths, source),
                reading,
            )
        except (SourceFileError, LandingError) as exc:
            con.execute(f"delete from raw.{reader.RAW_TABLE} where _source = ?", [source.id])
            errors.append(f"source {source.id!r}: {exc}")
            continue
        files += [
            {
                "raw_table": reader.RAW_TABLE,
                "_source": source.id,
                "_file": p.name,
                "path": str(p),
                "sha256": sha256_of(p),
                "settings": f"{source!r} read by {reader_version(reader)}",
            }
            for p in paths
        ]
    declared = {i.id for i in config.indicators if i.source == LOCAL_SOURCE}
    try:
        for indicator, paths in sorted(local_drops(config).items()):
            if indicator in declared:  # a drop for an indicator no longer declared as local is not loaded
                insert_read(
                    con,
                    config,
                    local_drop.RAW_TABLE,
                    read_key(local_drop.RAW_TABLE, f"local drop of indicator {indicator}", paths, local_drop),
                    "_source = $1 and indicator_id = $2",
                    [LOCAL_SOURCE, indicator],
                    LOCAL_SOURCE,
                    local_drop.read_chunks(paths, indicator),
                    reading,
                )
                files += [local_file(p, indicator) for p in paths]
    except (SourceFileError, LandingError) as exc:
        con.execute(f"delete from raw.{local_drop.RAW_TABLE}")
        errors.append(f"local drops: {exc}")
    record_files(con, files)
    counts = {}
    for table in sorted({r.RAW_TABLE for r in FORMATS.values()} | {local_drop.RAW_TABLE}):
        counts[f"raw.{table}"] = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
    return counts, errors


def local_file(path: Path, indicator_id: str) -> dict:
    """raw.landed_file's row for a council's file of one indicator (its rows carry the indicator's id)."""
    return {
        "raw_table": local_drop.RAW_TABLE,
        "_source": LOCAL_SOURCE,
        "_file": path.name,
        "path": str(path),
        "sha256": sha256_of(path),
        "settings": f"local drop of indicator {indicator_id} read by {reader_version(local_drop)}",
    }


def load_config(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Write fsot.toml's indicators, ward vintages and target areas to config.* and its settings to
    DuckDB variables."""
    vintages = ward_vintage_labels(config)
    indicators = pd.DataFrame(
        [
            {
                "indicator_id": i.id,
                "indicator_name": i.name,
                "short_name": i.short_name,
                "theme": i.theme,
                "unit": i.unit,
                "polarity": i.polarity,
                "source": i.source,
                "baseline_period": i.baseline_period,
                # +1 when a higher value is better, -1 when lower is better: multiplying by it orients every gap
                "polarity_sign": 1 if i.higher_is_better else -1,
                "sort_order": n,
                "ward_vintage": i.ward_vintage,
                "imd_edition": vintages[i.ward_vintage]["imd_edition"],
                "population_weights": vintages[i.ward_vintage]["population_weights"],
                # counts sources only: the period the counts describe (e.g. Census 2021)
                "counts_period": config.source(i.source).period if i.numerator else None,
                "counts_total_category": config.source(i.source).total_category or None if i.numerator else None,
                "nomis_measure": i.measure or None,  # Nomis sources: the MEASURE_NAME of the value
            }
            for n, i in enumerate(config.indicators)
        ],
        columns=[
            "indicator_id",
            "indicator_name",
            "short_name",
            "theme",
            "unit",
            "polarity",
            "source",
            "baseline_period",
            "polarity_sign",
            "sort_order",
            "ward_vintage",
            "imd_edition",
            "population_weights",
            "counts_period",
            "counts_total_category",
            "nomis_measure",
        ],
    ).astype({"indicator_id": "str", "counts_period": "str", "counts_total_category": "str", "nomis_measure": "str"})
    numerators = pd.DataFrame(
        [{"indicator_id": i.id, "category": c} for i in config.indicators for c in i.numerator],
        columns=["indicator_id", "category"],
    ).astype("str")
    ward_vintages = pd.DataFrame(
        list(vintages.values()),
        columns=[
            "ward_vintage",
            "lookup_source",
            "deprivation_source",
            "imd_edition",
            "population_weights",
            "sort_order",
        ],
    )
    weights = pd.DataFrame(
        [
            {"ward_vintage": v.id, "population_source": p, "preference": n}
            for v in config.ward_vintages
            for n, p in enumerate(v.population, start=1)
        ],
        columns=["ward_vintage", "population_source", "preference"],
    )
    sexes = pd.DataFrame([{"indicator_id": i.id, "sex": s} for i in config.indicators for s in i.sexes])
    areas = pd.DataFrame(
        [
            {"target_area": a.name, "ward_vintage": a.ward_vintage, "ward_code": w}
            for a in config.target_areas
            for w in a.wards
        ],
        columns=["target_area", "ward_vintage", "ward_code"],
    ).astype("str")
    targets = pd.DataFrame(
        [
            {
                "target_id": f"{i.id}-{n}",
                "indicator_id": i.id,
                "sex": sex,
                "measure": t.measure,
                "grouping": t.grouping,
                "target_value": t.value,
                "reduction": t.reduction,
                "shape": t.shape,
            }
            for i in config.indicators
            for n, t in enumerate(i.targets, start=1)
            for sex in ([t.sex] if t.sex else i.sexes)
        ],
        columns=["target_id", "indicator_id", "sex", "measure", "grouping", "target_value", "reduction", "shape"],
    ).astype(
        {
            "target_id": "str",
            "indicator_id": "str",
            "sex": "str",
            "measure": "str",
            "grouping": "str",
            "target_value": "float64",
            "reduction": "float64",
            "shape": "str",
        }
    )
    for name, frame in (
        ("indicator", indicators),
        ("indicator_sex", sexes),
        ("target_area_ward", areas),
        ("indicator_target", targets),
        ("indicator_numerator", numerators),
        ("ward_vintage", ward_vintages),
        ("ward_vintage_population", weights),
    ):
        con.register("_incoming", frame)
        con.execute(f"create or replace table config.{name} as select * from _incoming")
        con.unregister("_incoming")
    set_variables(con, config)


def set_variables(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Settings that models read with getvariable(); prepared parameters, never string formatting."""
    for name, value in (
        ("local_authority_code", config.la_code),
        ("local_authority_name", config.la_name),
        ("comparator_name", config.comparator_name),
        ("england_code", config.comparator_code),
        ("suppression_markers", list(config.suppression_markers)),
        ("sii_repetitions", config.sii_repetitions),
        ("sii_seed", config.sii_seed),
        ("disclosure_max_suppressed_count", config.disclosure_max_suppressed_count),
        ("target_year", config.target_year),
    ):
        con.execute(f"set variable {name} = ?", [value])
