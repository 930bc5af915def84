"""Writing without leaving a mess: a file is written beside its target under a hidden name ending in
`.partial` and renamed over the target, so a reader sees the old file or the new one, never half of
one. A write that fails (a full disk) removes its partial file; one left by a killed process is
removed at the next start. DuckDB's own I/O errors are turned into the OSError they stand for."""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PARTIAL = ".partial"
# a partial file this recent may belong to a run writing it now (runs other than builds take no lock)
STALE_AFTER_SECONDS = 60


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Call `write` with a hidden partial path beside `target`, then rename it over `target`."""
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL, dir=target.parent)
    os.close(fd)
    try:
        write(Path(partial))
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def remove_partials(folder: Path, pattern: str = f".*{PARTIAL}") -> None:
    """Remove the partial files a killed run left in `folder` (matching `pattern`, e.g. "*/.*.partial")."""
    now = time.time()
    for leftover in folder.glob(pattern):
        try:
            if now - leftover.stat().st_mtime > STALE_AFTER_SECONDS:
                leftover.unlink()
        except OSError:
            pass


# how the C library's messages, which DuckDB passes on, read for the conditions an analyst can fix
_CONDITIONS = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Read-only file system": errno.EROFS,
    "Permission denied": errno.EACCES,
}


def os_error_of(exc: BaseException, path: Path | None = None) -> OSError | None:
    """The OSError a DuckDB error stands for (a full disk, a read-only folder), naming the file in its
    message (or `path`); None for any other error."""
    text = str(exc)
    for phrase, code in _CONDITIONS.items():
        if phrase in text:
            named = re.search(r'file "([^"]+)"', text)
            return OSError(code, os.strerror(code), named.group(1) if named else (str(path) if path else None))
    return None
