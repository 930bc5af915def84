"""Keeping the rows read from landed files, as they are inserted, for the next build (the read cache).

A source's rows are written to `data/processed/read_cache/<key>.parquet` a chunk at a time, by pyarrow's
Parquet writer (one row group per chunk, so memory holds one chunk), under a hidden `.partial` name
renamed into place only when every chunk is written. Writing them from the Arrow chunks being inserted
costs about a third of selecting them back out of DuckDB and writing that. A cache that cannot be
written (a full disk, a read-only folder) is abandoned silently: it only costs time at the next build.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.safe_write import PARTIAL


class ReadCacheWriter:
    """Writes a source's inserted rows to `target` (see the module docstring); `finish` renames it into
    place, `abandon` removes what was written."""

    def __init__(self, target: Path, schema: pa.Schema):
        self.target = target
        self.partial: Path | None = None
        self.writer: pq.ParquetWriter | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL, dir=target.parent)
            os.close(handle)
            self.partial = Path(partial)
            self.writer = pq.ParquetWriter(partial, schema, compression="snappy")
        except (OSError, pa.ArrowException):
            self.abandon()

    @property
    def writing(self) -> bool:
        return self.writer is not None

    def write(self, rows: pa.Table) -> None:
        if self.writer is None:
            return
        try:
            self.writer.write_table(rows)
        except (OSError, pa.ArrowException):
            self.abandon()

    def finish(self) -> None:
        if self.writer is None or self.partial is None:
            return
        try:
            self.writer.close()
            self.writer = None
            os.replace(self.partial, self.target)
        except (OSError, pa.ArrowException):
            self.abandon()

    def abandon(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                self.writer.close()
            self.writer = None
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)
            self.partial = None
