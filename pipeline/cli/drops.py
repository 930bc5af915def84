"""`fsot drops`: list the council's local drops; `fsot drops withdraw ID`: stop using one."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from pipeline.cli.common import CONFIG_OPTION, console, load, run_step


@click.group(invoke_without_command=True)
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

    config = load(config_path)
    table = Table(title="Local drops", title_justify="left", show_edge=False)
    for column in ("id", "indicator", "file", "rows", "landed at", "status"):
        table.add_column(column, overflow="fold")
    for r in drop_records(config, indicator_id):
        status = r.get("status", "current") + (
            f" by {r['superseded_by']}" if r.get("superseded_by") and r.get("status") == "superseded" else ""
        )
        table.add_row(
            r["release"],
            r["indicator"],
            Path(r["path"]).name,
            "" if r.get("rows") is None else str(r["rows"]),
            r["retrieved_at"],
            status,
        )
    Console(highlight=False).print(table)


@drops.command("withdraw")
@click.argument("drop_id", metavar="ID")
@CONFIG_OPTION
def drops_withdraw(drop_id, config_path):
    """Stop using a local drop (from the next build); its file stays in data/raw, marked withdrawn."""
    config = load(config_path)

    def work() -> dict:
        from pipeline.ingest.landing import withdraw_drop

        record = withdraw_drop(config, drop_id)
        console.print(
            f"  withdrew drop {record['release']} of {record['indicator']} ({record['path']}); "
            "run `fsot build` to rebuild without it",
            markup=False,
        )
        return {"drops_withdraw": {"id": record["release"], "indicator": record["indicator"]}}

    run_step(config, "drops-withdraw", work)
