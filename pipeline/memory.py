"""Give memory the process has freed back to the operating system.

glibc's allocator keeps the memory of freed objects for reuse rather than returning it, and the chunks of
validation (pandas frames of up to `validation_chunk_rows` rows, Great Expectations' batches) leave it
scattered. An England-scale build held about 200 MB it no longer used when its models began, with DuckDB's
buffer pool on top (peak about 1,000 MB, against about 830 MB when that memory is returned first); the
validation of a 200 MB local drop peaked at 960 MB, against about 810 MB when it is returned before each
chunk. `malloc_trim` returns it; the pages are faulted in again when next used, which costs little.

Arrow's allocator (mimalloc or jemalloc: Arrow's own memory pool, which DuckDB's Arrow results and
pandas' Arrow-backed strings use) keeps freed pages the same way, and returns them when asked
(`release_unused`); and Great Expectations' validation results hold one another in reference cycles,
which only a full collection frees: after an England-scale validation the two held about 130 MB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None where there is none (macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def return_freed_memory(collect_cycles: bool = False) -> bool:
    """Return the allocators' free memory to the operating system: Arrow's pool (if pyarrow is loaded) and
    glibc's heap; True if there was a way to return glibc's. With collect_cycles, first free what only
    reference cycles keep alive (a full collection: tens of milliseconds, so not once per chunk)."""
    if collect_cycles:
        gc.collect()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
