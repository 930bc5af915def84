"""`fsot build`: load the landed files into a new warehouse, validate them, run the models and their tests, and
show the rows read, loaded and quarantined per file (`run_build`, also a step of `fsot run`)."""

from __future__ import annotations

import click

from pipeline.cli.common import CONFIG_OPTION, FORCE_OPTION, console, load, run_step


def _show_validation(config, validation: dict, errors: list[str] | None = None) -> None:
    from rich.table import Table

    from pipeline.report.validation import write_validation_report
    from pipeline.run_record import log

    table = Table(title="Rows by file", title_justify="left", show_edge=False)
    for column in ("file", "read", "loaded", "quarantined"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for f in validation.get("files", []):
        log.info(
            "%s: read %s, loaded %s, quarantined %s", f["file"], f["rows_read"], f["rows_loaded"], f["rows_quarantined"]
        )
        table.add_row(f["file"], str(f["rows_read"]), str(f["rows_loaded"]), str(f["rows_quarantined"]))
    console.print(table)
    failing = [c for c in validation.get("checks", []) if not c["success"]]
    for check in failing:
        log.warning(
            "check %s.%s failed for %s row(s): %s",
            check["table"],
            check["check"],
            check["rows_failed"],
            check["reason"],
        )
        console.print(
            f"  [yellow]quarantined[/] {check['rows_failed']} row(s) of {check['table']}: "
            f"{check['check']} ({check['reason']})",
            markup=True,
            highlight=False,
        )
    report = write_validation_report(config, validation, errors)
    log.info("validation report %s", report)
    console.print(f"  validation report: {report}")


def _build(config, force: bool, log) -> dict:
    """build_warehouse with a progress bar (the caller holds the warehouse lock)."""
    from rich.progress import Progress

    from pipeline.config import SQL_DIR
    from pipeline.warehouse.build import SourceErrors, build_warehouse
    from pipeline.warehouse.python_models import PYTHON_MODELS
    from pipeline.warehouse.registry import discover

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Building the warehouse", total=len(discover(SQL_DIR, PYTHON_MODELS)) + 2)

        def advance(name: str) -> None:
            log.info("built %s", name)
            bar.update(task, advance=1, description=f"Built {name}")

        try:
            return build_warehouse(config, progress=advance, force=force)
        except SourceErrors as exc:
            bar.stop()
            _show_validation(config, exc.validation, exc.errors)
            raise


def run_build(config, force: bool = False) -> dict:
    """Build the warehouse with a progress bar (one writer at a time), then say what was built."""
    from pipeline.config import SQL_DIR
    from pipeline.run_record import log
    from pipeline.warehouse.fingerprint import up_to_date
    from pipeline.warehouse.lock import remove_build_leftovers, warehouse_lock

    with warehouse_lock(config, "build", notify=lambda text: console.print(text, markup=False)):
        remove_build_leftovers(config)
        # asked before the loaders, validation and models are imported: nothing to build costs little
        summary = None if force else up_to_date(config, SQL_DIR)
        if summary is None:
            summary = _build(config, force, log)
    if summary.get("up_to_date"):
        console.print(
            f"  warehouse {summary['warehouse']} is up to date: nothing it is built from has changed "
            f"since {summary['built_at']} (`fsot build --force` rebuilds it)",
            markup=False,
        )
        return {"build": summary}
    _show_validation(config, summary["validation"])
    for table, rows in summary["raw_rows"].items():
        log.info("%s: %s rows", table, rows)
    marts = [m for m in summary["models"] if m["model"].startswith("marts.")]
    console.print(
        f"  warehouse {summary['warehouse']} built in {summary['seconds']} s: "
        + ", ".join(f"{m['model']} {m['rows']} rows" for m in marts)
    )
    return {"build": summary}


@click.command()
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
    config = load(config_path)
    run_step(config, "build", lambda: run_build(config, force))
