"""The `fsot` command line. One subcommand per room of the pipeline; `fsot run` chains them.

Heavy libraries (matplotlib, scipy) are imported inside the commands that need them, so
`fsot --help` and `fsot ingest` start quickly.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

console = Console(stderr=True, highlight=False)

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


def _step(config, command: str, work):
    """Run one step with a log and a run manifest; turn known failures into one-line errors."""
    from pipeline.ingest.csv_file import SourceFileError
    from pipeline.ingest.landing import LandingError
    from pipeline.models import ModelError
    from pipeline.run_record import log, start_log, write_run_manifest
    from pipeline.warehouse.lock import LockTimeout

    started = datetime.now(timezone.utc)
    log_path = start_log(config, command)
    try:
        steps = work()
    except (SourceFileError, LandingError, ModelError, LockTimeout, FileNotFoundError, ValueError) as exc:
        log.error("%s", exc)
        raise FsotError(f"{exc}\n(log: {log_path})") from exc
    report_dir = Path(steps["report"]["index"]).parent if "report" in steps else None
    write_run_manifest(config, command, started, steps, log_path, also_to=report_dir)
    return steps


def _ingest(config) -> dict:
    from pipeline.ingest.landing import land_source
    from pipeline.run_record import log

    landed = []
    with console.status("Landing source files in data/raw/ …"):
        for source in config.sources:
            added = land_source(config, source)
            for record in added:
                log.info("landed %s (%s bytes, sha256 %s)", record.path, record.bytes, record.sha256)
                landed.append(record.path)
            console.print(f"  {source.id}: {len(added)} new file(s) landed, {len(source.files) - len(added)} already there")
    return {"ingest": {"landed": landed}}


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


def _build(config) -> dict:
    from rich.progress import Progress

    from pipeline.config import SQL_DIR
    from pipeline.models import discover
    from pipeline.run_record import log
    from pipeline.warehouse.build import SourceErrors, build_warehouse
    from pipeline.warehouse.lock import warehouse_lock

    total = len(discover(SQL_DIR)) + 2
    with warehouse_lock(config, "build", notify=lambda text: console.print(text, markup=False)):
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Building the warehouse", total=total)

            def advance(name: str) -> None:
                log.info("built %s", name)
                bar.update(task, advance=1, description=f"Built {name}")

            try:
                summary = build_warehouse(config, progress=advance)
            except SourceErrors as exc:
                bar.stop()
                _show_validation(config, exc.validation, exc.errors)
                raise
    _show_validation(config, summary["validation"])
    for table, rows in summary["raw_rows"].items():
        log.info("%s: %s rows", table, rows)
    marts = [m for m in summary["models"] if m["model"].startswith("marts.")]
    console.print(f"  warehouse {summary['warehouse']} built in {summary['seconds']} s: "
                  + ", ".join(f"{m['model']} {m['rows']} rows" for m in marts))
    return {"build": summary}


def _report(config, run_date: date | None) -> dict:
    from pipeline.report.site import write_report

    with console.status("Drawing charts …") as status:
        index = write_report(config, run_date, progress=lambda name: status.update(f"Drew {name}"))
    console.print(f"  report: {index}")
    return {"report": {"index": str(index)}}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="fsot")
def cli() -> None:
    """fsot measures the gaps between Stockton-on-Tees' most and least deprived wards.

    \b
    Typical use:
      fsot run                 everything, on the sources named in fsot.toml
      fsot ingest              copy source files into data/raw/ with provenance
      fsot build               load them into the warehouse and compute the gap tables
      fsot report              draw the charts and write the report page
      fsot method NAME IN OUT  one statistical method on a CSV (for checking figures)
    """


@cli.command()
@CONFIG_OPTION
def ingest(config_path):
    """Land every source file named in fsot.toml in data/raw/<source>/<release>/, unchanged.

    Each newly landed file gets a provenance record in data/raw/manifest.json (publisher, release,
    licence, retrieval time, sha256). Landing the same file again does nothing; a file that differs
    from what was landed under the same release is refused: give the new data a new release.
    """
    config = _load(config_path)
    _step(config, "ingest", lambda: _ingest(config))


@cli.command()
@CONFIG_OPTION
def build(config_path):
    """Load the landed files into the DuckDB warehouse and compute the gap tables.

    Builds data/processed/fsot.duckdb from scratch: raw tables, then the SQL models in sql/
    (staging, intermediate, marts) in dependency order, then the checks in sql/tests/. The old
    warehouse is replaced only when everything passed.
    """
    config = _load(config_path)
    _step(config, "build", lambda: _build(config))


@cli.command()
@CONFIG_OPTION
@click.option("--date", "run_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date for the report folder reports/<date>/ (default: today).")
def report(config_path, run_date):
    """Draw baseline and trend charts for every indicator and write reports/<date>/index.html."""
    config = _load(config_path)
    _step(config, "report", lambda: _report(config, run_date.date() if run_date else None))


@cli.command()
@CONFIG_OPTION
@click.option("--date", "run_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date for the report folder reports/<date>/ (default: today).")
def run(config_path, run_date):
    """Ingest, build and report in one go, and say where the report is."""
    config = _load(config_path)

    def everything() -> dict:
        steps = _ingest(config)
        steps.update(_build(config))
        steps.update(_report(config, run_date.date() if run_date else None))
        return steps

    steps = _step(config, "run", everything)
    click.echo(f"Report written to {steps['report']['index']}")


def _register_optional_commands() -> None:
    try:
        from pipeline.method_command import method
    except ImportError:  # the methods package is added by its own change
        return
    cli.add_command(method)


_register_optional_commands()


def main() -> None:
    cli(prog_name="fsot")


if __name__ == "__main__":
    sys.exit(main())
