"""The `fsot` command line. One subcommand per room of the pipeline; `fsot run` chains them.

Heavy libraries (matplotlib, scipy) are imported inside the commands that need them, so
`fsot --help` and `fsot ingest` start quickly.
"""

from __future__ import annotations

import errno
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from pipeline.method_command import method

console = Console(stderr=True, highlight=False)

DATE_OPTION = click.option(
    "--date", "run_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
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
    "--period", default=None, metavar="YYYY-Qn", callback=_quarter,
    help="Quarter of the outcome report, reports/<period>/ (default: the latest quarter that has ended).",
)
CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="The fsot.toml to use (default: the project's own). Paths inside it are relative to its folder.",
)


class FsotError(click.ClickException):
    """A one-line error for the analyst; exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        console.print(Text.assemble(("error: ", "bold red"), self.format_message()), soft_wrap=True)


def _load(config_path):
    from pipeline.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise FsotError(str(exc)) from exc


def _os_message(exc: OSError, config) -> str:
    """A read-only folder or a full disk in one line: which folder, and what to do."""
    where = Path(exc.filename).parent if exc.filename else config.root
    return (f"cannot write in {where}: {exc.strerror or exc}; "
            + ("free some disk space" if exc.errno == errno.ENOSPC else
               "make the folder writable (or set another in fsot.toml [paths])") + " and run again")


def _disk_error(exc: Exception) -> OSError | None:
    """A DuckDB error that stands for a full disk or a read-only folder, as that OSError (else None)."""
    duckdb = sys.modules.get("duckdb")  # loaded only by the steps that use it
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    from pipeline.safe_write import os_error_of

    return os_error_of(exc)


def _step(config, command: str, work):
    """Run one step with a log and a run manifest; turn every failure into a one-line error (exit 2),
    with the traceback of an unexpected one in the log. A failed run's manifest is a record of its own
    (failed_run_manifest.json): run_manifest.json keeps describing the warehouse in use."""
    from pipeline.ingest.csv_file import SourceFileError
    from pipeline.ingest.landing import LandingError, PullError
    from pipeline.warehouse.registry import ModelError
    from pipeline.report.pdf import PdfError
    from pipeline.run_record import log, start_log, write_run_manifest
    from pipeline.warehouse.lock import LockTimeout

    started = datetime.now(timezone.utc)
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
    except (SourceFileError, LandingError, ModelError, LockTimeout, PdfError, PullError, FileNotFoundError,
            ValueError) as exc:
        raise fail(str(exc), exc) from exc
    except OSError as exc:
        raise fail(_os_message(exc, config), exc, unexpected=True) from exc
    except Exception as exc:  # a bug, not the user's: one line here, the traceback in the log
        disk = _disk_error(exc)
        if disk:
            raise fail(_os_message(disk, config), exc, unexpected=True) from exc
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise fail(f"fsot stopped on an unexpected error ({message}); nothing was replaced. The details are in "
                   f"{log_path}: please send that file to the fsot maintainers", exc, unexpected=True) from exc
    return steps


def _ingest(config, only: str | None = None, offline: bool = False) -> dict:
    """Pull every API source (unless offline), then land every file source; a table says per source
    what happened and what changed."""
    from rich.table import Table

    from pipeline.ingest.landing import land_source, latest_release
    from pipeline.run_record import log
    from pipeline.safe_write import remove_partials

    import shutil

    chosen = [s for s in config.sources if only in (None, s.id)]
    for leftover in [*config.raw_dir.glob(".checking-*"), *config.raw_dir.glob("*/.landing-*")]:
        shutil.rmtree(leftover, ignore_errors=True)  # from an ingest killed half-way: never part of a release
    remove_partials(config.raw_dir, "**/.*.partial")
    if only and not chosen:
        raise ValueError(f"no source has id {only!r} in {config.path}; use one of: "
                         f"{', '.join(s.id for s in config.sources)}")
    landed, results = [], []
    pulled = [s for s in chosen if s.pulled and not offline]
    if pulled:
        results += _pull(config, pulled, log)
    for source in chosen:
        if source.pulled and offline:
            release = latest_release(config, source)
            if not release:
                raise ValueError(f"source {source.id!r} has never been pulled, so --offline has nothing to use; run "
                                 "`fsot ingest` with network first")
            results.append({"source": source.id, "status": "offline", "release": release[0]["release"], "rows": None,
                            "changes": "using the release already landed"})
        elif not source.pulled:
            added = land_source(config, source)
            for record in added:
                log.info("landed %s (%s bytes, sha256 %s)", record.path, record.bytes, record.sha256)
                landed.append(record.path)
            results.append({"source": source.id, "status": f"{len(added)} file(s) landed" if added else "unchanged",
                            "release": source.release, "rows": None, "changes": ""})
    table = Table(title="Sources", title_justify="left", show_edge=False)
    for column in ("source", "status", "release", "rows", "what changed"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(r["source"], r["status"], r["release"], "" if r["rows"] is None else f"{r['rows']:,}",
                      r["changes"])
        log.info("source %s: %s, release %s, %s", r["source"], r["status"], r["release"], r["changes"])
    console.print(table)
    return {"ingest": {"landed": landed, "sources": results}}


def _pull(config, sources, log) -> list[dict]:
    """Pull the API sources one by one with a progress bar of bytes; stop at the first failure (what was
    pulled before it stays landed, the failing source lands nothing)."""
    from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn

    from pipeline.ingest.http import Session
    from pipeline.ingest.changes import change_text
    from pipeline.ingest.pull import pull_source

    results = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), DownloadColumn(), TransferSpeedColumn(),
                  console=console, transient=True) as bar:
        for source in sources:
            task = bar.add_task(f"Pulling {source.id}", total=None)
            with Session(config.http, progress=lambda n, t=task: bar.update(t, advance=n)) as session:
                result = pull_source(config, source, session)
            bar.update(task, description=f"{source.id}: {result.status}")
            log.info("pulled %s: %s %s (%s bytes)", source.id, result.status, result.release, result.bytes)
            results.append({"source": source.id, "status": result.status, "release": result.release,
                            "rows": result.rows, "changes": change_text(result.changes), "detail": result.changes})
    return results


def _show_validation(config, validation: dict, errors: list[str] | None = None) -> None:
    from rich.table import Table

    from pipeline.report.validation import write_validation_report
    from pipeline.run_record import log

    table = Table(title="Rows by file", title_justify="left", show_edge=False)
    for column in ("file", "read", "loaded", "quarantined"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for f in validation.get("files", []):
        log.info("%s: read %s, loaded %s, quarantined %s", f["file"], f["rows_read"], f["rows_loaded"],
                 f["rows_quarantined"])
        table.add_row(f["file"], str(f["rows_read"]), str(f["rows_loaded"]), str(f["rows_quarantined"]))
    console.print(table)
    failing = [c for c in validation.get("checks", []) if not c["success"]]
    for check in failing:
        log.warning("check %s.%s failed for %s row(s): %s", check["table"], check["check"], check["rows_failed"],
                    check["reason"])
        console.print(f"  [yellow]quarantined[/] {check['rows_failed']} row(s) of {check['table']}: "
                      f"{check['check']} ({check['reason']})", markup=True, highlight=False)
    report = write_validation_report(config, validation, errors)
    log.info("validation report %s", report)
    console.print(f"  validation report: {report}")


def _build(config, force: bool = False) -> dict:
    from rich.progress import Progress

    from pipeline.config import SQL_DIR
    from pipeline.run_record import log
    from pipeline.warehouse.build import SourceErrors, build_warehouse
    from pipeline.warehouse.lock import warehouse_lock
    from pipeline.warehouse.python_models import PYTHON_MODELS
    from pipeline.warehouse.registry import discover

    total = len(discover(SQL_DIR, PYTHON_MODELS)) + 2
    with warehouse_lock(config, "build", notify=lambda text: console.print(text, markup=False)):
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Building the warehouse", total=total)

            def advance(name: str) -> None:
                log.info("built %s", name)
                bar.update(task, advance=1, description=f"Built {name}")

            try:
                summary = build_warehouse(config, progress=advance, force=force)
            except SourceErrors as exc:
                bar.stop()
                _show_validation(config, exc.validation, exc.errors)
                raise
    if summary.get("up_to_date"):
        console.print(f"  warehouse {summary['warehouse']} is up to date: nothing it is built from has changed "
                      f"since {summary['built_at']} (`fsot build --force` rebuilds it)", markup=False)
        return {"build": summary}
    _show_validation(config, summary["validation"])
    for table, rows in summary["raw_rows"].items():
        log.info("%s: %s rows", table, rows)
    marts = [m for m in summary["models"] if m["model"].startswith("marts.")]
    console.print(f"  warehouse {summary['warehouse']} built in {summary['seconds']} s: "
                  + ", ".join(f"{m['model']} {m['rows']} rows" for m in marts))
    return {"build": summary}


def _report(config, period: str | None, run_date: date | None) -> dict:
    from pipeline.report.site import write_report

    with console.status("Drawing charts …") as status:
        page = write_report(config, period, run_date, progress=lambda name: status.update(f"Drew {name}"))
    console.print(f"  report: {page}")
    console.print(f"  PDF: {page.with_suffix('.pdf')}")
    console.print(f"  exports: {page.parent / 'exports'}")
    return {"report": {"index": str(page), "pdf": str(page.with_suffix(".pdf")),
                       "exports": str(page.parent / "exports")}}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="fsot")
def cli() -> None:
    """fsot measures the gaps between Stockton-on-Tees' most and least deprived wards.

    \b
    Typical use:
      fsot run                 everything, on the sources named in fsot.toml
      fsot ingest              copy source files into data/raw/ with provenance
      fsot build               load them into the warehouse and compute the gap tables
      fsot report              write the quarterly report (HTML, PDF, exports)
      fsot method NAME IN OUT  one statistical method on a CSV (for checking figures)
    """


@cli.group(invoke_without_command=True)
@CONFIG_OPTION
@click.option("--source", "only", metavar="ID", default=None, help="Pull or land this source only.")
@click.option("--offline", is_flag=True, help="Use only what is already landed: pull nothing over the network.")
@click.pass_context
def ingest(ctx, config_path, only, offline):
    """Pull every API source of fsot.toml, then land every source file, in data/raw/<source>/<release>/.

    API sources (formats fingertips_api, nomis_api, ons_arcgis) are asked with a conditional request:
    an unchanged source costs one round trip and lands nothing; a changed one lands a new release,
    every body as the service sent it, with its URL, HTTP status, ETag/Last-Modified, retrieval time
    and sha256 in data/raw/manifest.json. Files are copied unchanged with the same provenance; landing
    the same file again does nothing, and a file that differs from what was landed under the same
    release is refused: give the new data a new release. A table at the end says per source what is
    new and what changed (new periods, revised values, indicators gone).

    `fsot ingest local PATH --indicator ID` takes a council's own file of ward values instead.
    """
    if ctx.invoked_subcommand is None:
        config = _load(config_path)
        _step(config, "ingest", lambda: _ingest(config, only, offline))


@ingest.command("local")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--indicator", "indicator_id", required=True,
              help="Id of the indicator the file gives values for; it must be declared in fsot.toml.")
@click.option("--add", is_flag=True,
              help="Keep the indicator's current files and add this one (e.g. new periods); by default a new "
                   "file supersedes them (a corrected file replaces the one it corrects).")
@CONFIG_OPTION
def ingest_local(path, indicator_id, add, config_path):
    """Check and land a council's own CSV or XLSX of ward values for one indicator.

    By default the file supersedes the indicator's current drops: a corrected file replaces the one it
    corrects. With --add it joins them, and a value (area, sex, category, period) that a current drop
    already gives is an error, listing the keys. `fsot drops` lists the drops; `fsot drops withdraw
    ID` stops using one. Nothing is ever deleted from data/raw.

    \b
    Columns: area_code, period, sex (Male/Female/Persons), value, and optionally
    lower_ci, upper_ci, count, denominator; any other column (area_name, note, ...)
    is kept as it is. Rows failing a check are quarantined with the reason; the rest
    load at the next `fsot build`. Prints a last line of JSON with rows_read,
    rows_loaded and rows_quarantined. Exit code 0 when the file loaded (even with
    quarantined rows), 2 when it could not be loaded at all.
    """
    import json

    config = _load(config_path)

    def work() -> dict:
        from pipeline.config import LOCAL_SOURCE
        from pipeline.ingest.landing import land_local
        from pipeline.validate.drop import check_drop

        declared = {i.id: i for i in config.indicators}
        if indicator_id not in declared:
            raise ValueError(f"indicator {indicator_id!r} is not declared in {config.path}; add an [[indicators]] "
                             f"entry for it (id, name, theme, unit, polarity, source = \"{LOCAL_SOURCE}\", "
                             "baseline_period) and run again")
        if declared[indicator_id].source != LOCAL_SOURCE:
            raise ValueError(f"indicator {indicator_id!r} takes its values from source "
                             f"{declared[indicator_id].source!r} in {config.path}; council values need an indicator "
                             f"of their own with source = \"{LOCAL_SOURCE}\"")
        result = check_drop(config, path, indicator_id, add)
        [accounting] = result["files"]
        landed, new, superseded = land_local(config, path, indicator_id, add=add, rows=accounting["rows_read"])
        for drop in superseded:
            console.print(f"  superseded drop {drop} of {indicator_id} (kept in data/raw; `fsot drops` lists it)",
                          markup=False)
        for check in result["checks"]:
            if not check["success"]:
                console.print(f"  quarantined {check['rows_failed']} row(s): {check['check']} ({check['reason']}); "
                              f"lines {', '.join(str(s['_line']) for s in check['sample'])}", markup=False)
        console.print(f"  {'landed' if new else 'already landed'}: {landed}", markup=False)
        return {"ingest_local": {**accounting, "file": str(path), "landed": str(landed), "superseded": superseded}}

    try:
        steps = _step(config, "ingest-local", work)
    except FsotError:
        click.echo(json.dumps({"file": str(path), "rows_read": None, "rows_loaded": 0, "rows_quarantined": None}))
        raise
    summary = steps["ingest_local"]
    click.echo(json.dumps({"file": summary["file"], "rows_read": summary["rows_read"],
                           "rows_loaded": summary["rows_loaded"], "rows_quarantined": summary["rows_quarantined"]}))


@cli.group(invoke_without_command=True)
@CONFIG_OPTION
@click.option("--indicator", "indicator_id", default=None, help="List the drops of this indicator only.")
@click.pass_context
def drops(ctx, config_path, indicator_id):
    """List the council's local drops: id, indicator, file, rows, landed at, status.

    A drop is current (the build loads it), superseded (a later file for the same indicator replaced it)
    or withdrawn. Every file stays in data/raw and in its provenance whatever its status.
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from pipeline.ingest.landing import drop_records

    config = _load(config_path)
    table = Table(title="Local drops", title_justify="left", show_edge=False)
    for column in ("id", "indicator", "file", "rows", "landed at", "status"):
        table.add_column(column, overflow="fold")
    for r in drop_records(config, indicator_id):
        status = r.get("status", "current") + (f" by {r['superseded_by']}" if r.get("superseded_by") and
                                                 r.get("status") == "superseded" else "")
        table.add_row(r["release"], r["indicator"], Path(r["path"]).name, "" if r.get("rows") is None else str(r["rows"]),
                      r["retrieved_at"], status)
    Console(highlight=False).print(table)


@drops.command("withdraw")
@click.argument("drop_id", metavar="ID")
@CONFIG_OPTION
def drops_withdraw(drop_id, config_path):
    """Stop using a local drop (from the next build); its file stays in data/raw, marked withdrawn."""
    config = _load(config_path)

    def work() -> dict:
        from pipeline.ingest.landing import withdraw_drop

        record = withdraw_drop(config, drop_id)
        console.print(f"  withdrew drop {record['release']} of {record['indicator']} ({record['path']}); "
                      "run `fsot build` to rebuild without it", markup=False)
        return {"drops_withdraw": {"id": record["release"], "indicator": record["indicator"]}}

    _step(config, "drops-withdraw", work)


FORCE_OPTION = click.option("--force", is_flag=True,
                            help="Build even when nothing the warehouse is built from has changed.")


@cli.command()
@CONFIG_OPTION
@FORCE_OPTION
def build(config_path, force):
    """Load the landed files into the DuckDB warehouse and compute the gap tables.

    Builds data/processed/fsot.duckdb from scratch: raw tables, then the SQL models in sql/
    (staging, intermediate, marts) in dependency order, then the checks in sql/tests/. The old
    warehouse is replaced only when everything passed. When nothing it is built from has changed
    (fsot.toml, the landed files, the SQL models, fsot itself), the build says the warehouse is up
    to date and stops; --force rebuilds it anyway. Each file's validation is cached by its checksum,
    so a rebuild validates only new files.
    """
    config = _load(config_path)
    _step(config, "build", lambda: _build(config, force))


@cli.command()
@CONFIG_OPTION
@PERIOD_OPTION
@DATE_OPTION
def report(config_path, period, run_date):
    """Write the quarterly outcome report: reports/<period>/report.html, report.pdf and exports/."""
    config = _load(config_path)
    _step(config, "report", lambda: _report(config, period, run_date.date() if run_date else None))


@cli.command()
@CONFIG_OPTION
@PERIOD_OPTION
@DATE_OPTION
@FORCE_OPTION
def run(config_path, period, run_date, force):
    """Ingest, build and report in one go, and say where the report is."""
    config = _load(config_path)

    def everything() -> dict:
        steps = _ingest(config)
        steps.update(_build(config, force))
        steps.update(_report(config, period, run_date.date() if run_date else None))
        return steps

    steps = _step(config, "run", everything)
    click.echo(f"Report written to {steps['report']['index']}")


cli.add_command(method)


def main() -> None:
    try:
        cli(prog_name="fsot")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> None:
    """Exit with `code`. After Great Expectations has been imported, Python's own teardown of its modules
    takes about a second; everything fsot writes is closed and swapped in by now, so the output and the
    log are flushed and the process ends at once."""
    if "great_expectations" not in sys.modules:
        sys.exit(code)
    import logging
    import os

    if isinstance(code, str):  # sys.exit("message"): say it, exit 1, as Python would
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


if __name__ == "__main__":
    sys.exit(main())
