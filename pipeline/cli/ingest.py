"""`fsot ingest`: pull the API sources and land the source files (`run_ingest`, also a step of `fsot run`);
`fsot ingest local PATH --indicator ID`: check and land a council's own file of ward values."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import CONFIG_OPTION, FsotError, console, load, run_step


def run_ingest(config, only: str | None = None, offline: bool = False) -> dict:
    """Pull every API source (unless offline), then land every file source; a table says per source
    what happened and what changed."""
    import shutil

    from rich.table import Table

    from pipeline.ingest.landing import land_source, latest_release
    from pipeline.run_record import log
    from pipeline.safe_write import remove_partials

    chosen = [s for s in config.sources if only in (None, s.id)]
    for leftover in [*config.raw_dir.glob(".checking-*"), *config.raw_dir.glob("*/.landing-*")]:
        shutil.rmtree(leftover, ignore_errors=True)  # from an ingest killed half-way: never part of a release
    remove_partials(config.raw_dir, "**/.*.partial")
    if only and not chosen:
        raise ValueError(
            f"no source has id {only!r} in {config.path}; use one of: {', '.join(s.id for s in config.sources)}"
        )
    landed, results = [], []
    pulled = [s for s in chosen if s.pulled and not offline]
    if pulled:
        results += _pull(config, pulled, log)
    for source in chosen:
        if source.pulled and offline:
            release = latest_release(config, source)
            if not release:
                raise ValueError(
                    f"source {source.id!r} has never been pulled, so --offline has nothing to use; run "
                    "`fsot ingest` with network first"
                )
            results.append(
                {
                    "source": source.id,
                    "status": "offline",
                    "release": release[0]["release"],
                    "rows": None,
                    "changes": "using the release already landed",
                }
            )
        elif not source.pulled:
            added = land_source(config, source)
            for record in added:
                log.info("landed %s (%s bytes, sha256 %s)", record.path, record.bytes, record.sha256)
                landed.append(record.path)
            results.append(
                {
                    "source": source.id,
                    "status": f"{len(added)} file(s) landed" if added else "unchanged",
                    "release": source.release,
                    "rows": None,
                    "changes": "",
                }
            )
    table = Table(title="Sources", title_justify="left", show_edge=False)
    for column in ("source", "status", "release", "rows", "what changed"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(
            r["source"], r["status"], r["release"], "" if r["rows"] is None else f"{r['rows']:,}", r["changes"]
        )
        log.info("source %s: %s, release %s, %s", r["source"], r["status"], r["release"], r["changes"])
    console.print(table)
    return {"ingest": {"landed": landed, "sources": results}}


def _pull(config, sources, log) -> list[dict]:
    """Pull the API sources one by one with a progress bar of bytes; stop at the first failure (what was
    pulled before it stays landed, the failing source lands nothing)."""
    from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn

    from pipeline.ingest.changes import change_text
    from pipeline.ingest.http import Session
    from pipeline.ingest.pull import pull_source

    results = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
    ) as bar:
        for source in sources:
            task = bar.add_task(f"Pulling {source.id}", total=None)
            with Session(config.http, progress=lambda n, t=task: bar.update(t, advance=n)) as session:
                result = pull_source(config, source, session)
            bar.update(task, description=f"{source.id}: {result.status}")
            log.info("pulled %s: %s %s (%s bytes)", source.id, result.status, result.release, result.bytes)
            results.append(
                {
                    "source": source.id,
                    "status": result.status,
                    "release": result.release,
                    "rows": result.rows,
                    "changes": change_text(result.changes),
                    "detail": result.changes,
                }
            )
    return results


@click.group(invoke_without_command=True)
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
        config = load(config_path)
        run_step(config, "ingest", lambda: run_ingest(config, only, offline))


@ingest.command("local")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--indicator",
    "indicator_id",
    required=True,
    help="Id of the indicator the file gives values for; it must be declared in fsot.toml.",
)
@click.option(
    "--add",
    is_flag=True,
    help="Keep the indicator's current files and add this one (e.g. new periods); by default a new "
    "file supersedes them (a corrected file replaces the one it corrects).",
)
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

    config = load(config_path)

    def work() -> dict:
        from pipeline.config import LOCAL_SOURCE
        from pipeline.ingest.landing import land_local
        from pipeline.validate.drop import check_drop

        declared = {i.id: i for i in config.indicators}
        if indicator_id not in declared:
            raise ValueError(
                f"indicator {indicator_id!r} is not declared in {config.path}; add an [[indicators]] "
                f'entry for it (id, name, theme, unit, polarity, source = "{LOCAL_SOURCE}", '
                "baseline_period) and run again"
            )
        if declared[indicator_id].source != LOCAL_SOURCE:
            raise ValueError(
                f"indicator {indicator_id!r} takes its values from source "
                f"{declared[indicator_id].source!r} in {config.path}; council values need an indicator "
                f'of their own with source = "{LOCAL_SOURCE}"'
            )
        result = check_drop(config, path, indicator_id, add)
        [accounting] = result["files"]
        landed, new, superseded = land_local(config, path, indicator_id, add=add, rows=accounting["rows_read"])
        for drop in superseded:
            console.print(
                f"  superseded drop {drop} of {indicator_id} (kept in data/raw; `fsot drops` lists it)", markup=False
            )
        for check in result["checks"]:
            if not check["success"]:
                console.print(
                    f"  quarantined {check['rows_failed']} row(s): {check['check']} ({check['reason']}); "
                    f"lines {', '.join(str(s['_line']) for s in check['sample'])}",
                    markup=False,
                )
        console.print(f"  {'landed' if new else 'already landed'}: {landed}", markup=False)
        return {"ingest_local": {**accounting, "file": str(path), "landed": str(landed), "superseded": superseded}}

    try:
        steps = run_step(config, "ingest-local", work)
    except FsotError:
        click.echo(json.dumps({"file": str(path), "rows_read": None, "rows_loaded": 0, "rows_quarantined": None}))
        raise
    summary = steps["ingest_local"]
    click.echo(
        json.dumps(
            {
                "file": summary["file"],
                "rows_read": summary["rows_read"],
                "rows_loaded": summary["rows_loaded"],
                "rows_quarantined": summary["rows_quarantined"],
            }
        )
    )
