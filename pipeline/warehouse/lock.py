"""One writer at a time: a lock file beside the warehouse, with a note of who holds it.

A second `fsot build`/`run` waits for the first (saying who holds the lock) and gives up after
`timeout` seconds with a message naming the holder. The operating system releases the lock when the
holder's process ends, however it ends, so a killed build never leaves a stale lock.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.config import Config
from pipeline.safe_write import remove_partials


class LockTimeout(RuntimeError):
    """Another fsot process kept the warehouse lock for longer than we were willing to wait."""


@contextmanager
def warehouse_lock(
    config: Config, command: str, timeout: float = 600, notify: Callable[[str], None] | None = None
) -> Iterator[None]:
    config.processed_dir.mkdir(parents=True, exist_ok=True)
    path = config.processed_dir / ".fsot.lock"
    holder_path = path.with_suffix(".holder")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = holder_path.read_text(encoding="utf-8") if holder_path.exists() else "{}"
        if notify:
            notify(f"  waiting: the warehouse is being written by {holder}")
        try:
            lock.acquire(timeout=timeout)
        except Timeout as exc:
            raise LockTimeout(
                f"{path}: still held after {timeout:.0f} s by {holder}; wait for that run to finish "
                "(or end that process) and run again"
            ) from exc
    try:
        holder_path.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "command": command,
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            ),
            encoding="utf-8",
        )
        yield
    finally:
        holder_path.unlink(missing_ok=True)
        lock.release()


def remove_build_leftovers(config: Config) -> tuple[Path, Path]:
    """Remove what a build killed half-way left: the half-built warehouse, its WAL and the hidden
    `.partial` files in data/processed. Call it holding the warehouse lock (then no build is running).
    Returns the staging file and its WAL, where a build writes before it swaps the warehouse in."""
    config.processed_dir.mkdir(parents=True, exist_ok=True)
    target = config.warehouse_path
    staging_file = target.with_name(target.name + ".building")
    leftovers = (staging_file, staging_file.with_name(staging_file.name + ".wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    remove_partials(config.processed_dir)
    return leftovers
