"""Give memory the process has freed back to the operating system.

glibc's allocator keeps the memory of freed objects for reuse rather than returning it, and the chunks of
validation (pandas frames of up to `validation_chunk_rows` rows, Great Expectations' batches) leave it
scattered. An England-scale build held about 200 MB it no longer used when its models began, with DuckDB's
buffer pool on top (peak about 1,000 MB, against about 830 MB when that memory is returned first); the
validation of a 200 MB local drop peaked at 960 MB, against about 810 MB when it is returned before each
chunk. `malloc_trim` returns it; the pages are faulted in again when next used, which costs little.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
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


def return_freed_memory() -> bool:
    """Return the allocator's free memory to the operating system; True if there was a way to."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
