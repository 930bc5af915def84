"""Every run leaves a log (logs/<time>-<command>.log) and a manifest (data/processed/run_manifest.json):
configuration, git revision, package versions, input checksums, model order, row counts, tests,
timings — what an auditor needs to say how a figure was made."""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from pipeline import __version__
from pipeline.config import PACKAGE_ROOT, Config
from pipeline.ingest.landing import LandingError, read_manifest
from pipeline.safe_write import write_atomically

PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "duckdb",
    "great-expectations",
    "matplotlib",
    "jinja2",
    "click",
    "geopandas",
    "pyogrio",
    "shapely",
)
log = logging.getLogger("fsot")


def start_log(config: Config, command: str) -> Path:
    """Send the fsot logger to a new timestamped file under logs/ and return its path."""
    config.logs_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = config.logs_dir / f"{stamp}-{command}.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.handleError = lambda record: None  # a full disk must not print a traceback: the run's error says it
    for old in list(log.handlers):
        log.removeHandler(old)
        old.close()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    log.info("fsot %s %s with %s", __version__, command, config.path)
    return path


def git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=5, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PACKAGE_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "fsot": __version__}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


FAILED_MANIFEST = "failed_run_manifest.json"


def write_run_manifest(
    config: Config, command: str, started: datetime, steps: dict, log_path: Path, also_to: Path | None = None
) -> Path:
    """Write data/processed/run_manifest.json (and a copy into `also_to`, the report folder). A failed
    run (steps holding "error") writes data/processed/failed_run_manifest.json instead, so that
    run_manifest.json keeps describing the warehouse in use."""
    config_bytes = config.path.read_bytes()
    source_ids = {s.id for s in config.sources}
    try:
        inputs: list | str = [r for r in read_manifest(config) if r["source"] in source_ids]
    except LandingError as exc:  # the run failed on it: say so in its record rather than fail again
        inputs = str(exc)
    record = {
        "command": command,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "log": str(log_path),
        "config": {
            "path": str(config.path),
            "sha256": hashlib.sha256(config_bytes).hexdigest(),
            "text": config_bytes.decode("utf-8"),
        },
        "git_revision": git_revision(),
        "versions": versions(),
        "inputs": inputs,
        **steps,
    }
    path = config.processed_dir / (FAILED_MANIFEST if "error" in steps else "run_manifest.json")
    for target in (path, also_to / "run_manifest.json" if also_to else None):
        if target is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(
            target,
            lambda partial: partial.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8"),
        )
        log.info("run manifest written to %s", target)
    return path
