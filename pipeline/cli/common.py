"""What every command shares: the error console, the one-line error (`FsotError`, exit code 2), the common
options, reading fsot.toml, and `run_step`, which runs a command's work with a log and a run manifest and turns
any failure into one line.

Only click and rich are imported here; what a step needs is imported when it runs.
"""

from __future__ import annotations

import errno
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

console = Console(stderr=True, highlight=False)

DATE_OPTION = click.option(
    "--date",
    "run_date",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date the report is made (default: today); the default --period is the last quarter ended by then.",
)


def _quarter(_ctx, _param, value: str | None) -> str | None:
    if value is None:
        return None
    from pipeline.report.text import ReportError, check_period

    try:
        return check_period(value)
    except ReportError as exc:
        raise click.BadParameter(str(exc)) from exc


PERIOD_OPTION = click.option(
    "--period",
    default=None,
    metavar="YYYY-Qn",
    callback=_quarter,
    help="Quarter of the outcome report, reports/<period>/ (default: the latest quarter that has ended).",
)
CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The fsot.toml to use (default: the project's own). Paths inside it are relative to its folder.",
)
FORCE_OPTION = click.option(
    "--force", is_flag=True, help="Build even when nothing the warehouse is built from has changed."
)


class FsotError(click.ClickException):
    """A one-line error for the analyst; exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        console.print(Text.assemble(("error: ", "bold red"), self.format_message()), soft_wrap=True)


def load(config_path):
    """The configuration at `config_path` (default: the project's fsot.toml); a mistake in it is an FsotError."""
    from pipeline.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise FsotError(str(exc)) from exc


def _os_message(exc: OSError, config) -> str:
    """A read-only folder or a full disk in one line: which folder, and what to do."""
    where = Path(exc.filename).parent if exc.filename else config.root
    return (
        f"cannot write in {where}: {exc.strerror or exc}; "
        + (
            "free some disk space"
            if exc.errno == errno.ENOSPC
            else "make the folder writable (or set another in fsot.toml [paths])"
        )
        + " and run again"
    )


def _disk_error(exc: Exception) -> OSError | None:
    """A DuckDB error that stands for a full disk or a read-only folder, as that OSError (else None)."""
    duckdb = sys.modules.get("duckdb")  # loaded only by the steps that use it
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    from pipeline.safe_write import os_error_of

    return os_error_of(exc)


def run_step(config, command: str, work):
    """Run one step with a log and a run manifest; turn every failure into a one-line error (exit 2),
    with the traceback of an unexpected one in the log. A failed run's manifest is a record of its own
    (failed_run_manifest.json): run_manifest.json keeps describing the warehouse in use."""
    from pipeline.ingest.errors import SourceFileError
    from pipeline.ingest.landing import LandingError, PullError
    from pipeline.report.pdf import PdfError
    from pipeline.run_record import log, start_log, write_run_manifest
    from pipeline.warehouse.lock import LockTimeout
    from pipeline.warehouse.registry import ModelError

    started = datetime.now(UTC)
    try:
        log_path = start_log(config, command)
    except OSError as exc:
        raise FsotError(_os_message(exc, config)) from exc

    def fail(message: str, exc: BaseException, unexpected: bool = False):
        (log.exception if unexpected else log.error)("%s", message)
        try:
            write_run_manifest(config, command, started, {"error": message}, log_path)
        except OSError:
            log.exception("the failed run's manifest could not be written")
        return FsotError(f"{message}\n(log: {log_path})")

    try:
        steps = work()
        report_dir = Path(steps["report"]["index"]).parent if "report" in steps else None
        write_run_manifest(config, command, started, steps, log_path, also_to=report_dir)
    except (
        SourceFileError,
        LandingError,
        ModelError,
        LockTimeout,
        PdfError,
        PullError,
        FileNotFoundError,
        ValueError,
    ) as exc:
        raise fail(str(exc), exc) from exc
    except OSError as exc:
        raise fail(_os_message(exc, config), exc, unexpected=True) from exc
    except Exception as exc:  # a bug, not the user's: one line here, the traceback in the log
        disk = _disk_error(exc)
        if disk:
            raise fail(_os_message(disk, config), exc, unexpected=True) from exc
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise fail(
            f"fsot stopped on an unexpected error ({message}); nothing was replaced. The details are in "
            f"{log_path}: please send that file to the fsot maintainers",
            exc,
            unexpected=True,
        ) from exc
    return steps
