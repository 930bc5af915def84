"""Give memory the process has freed back to the operating system.

glibc's allocator keeps the memory of freed objects for reuse rather than returning it: after validation
(pandas frames of up to `validation_chunk_rows` rows, Great Expectations' batches), an England-scale build
held about 200 MB it no longer used, and DuckDB's buffer pool for the models then came on top of it (the
build's peak: about 1,000 MB, against 820 MB when that memory is returned first). `malloc_trim` returns it.
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
