"""`fsot report`: write the quarterly report, its PDF and its exports (`run_report`, also a step of `fsot run`)."""

from __future__ import annotations

from datetime import date

import click

from pipeline.cli.common import CONFIG_OPTION, DATE_OPTION, PERIOD_OPTION, console, load, run_step


def run_report(config, period: str | None, run_date: date | None) -> dict:
    """Write the report of `period` with a status line per chart drawn, and say where it is."""
    from pipeline.report.site import write_report

    with console.status("Drawing charts …") as status:
        page = write_report(config, period, run_date, progress=lambda name: status.update(f"Drew {name}"))
    console.print(f"  report: {page}")
    console.print(f"  PDF: {page.with_suffix('.pdf')}")
    console.print(f"  exports: {page.parent / 'exports'}")
    return {
        "report": {"index": str(page), "pdf": str(page.with_suffix(".pdf")), "exports": str(page.parent / "exports")}
    }


@click.command()
@CONFIG_OPTION
@PERIOD_OPTION
@DATE_OPTION
def report(config_path, period, run_date):
    """Write the quarterly outcome report: reports/<period>/report.html, report.pdf and exports/."""
    config = load(config_path)
    run_step(config, "report", lambda: run_report(config, period, run_date.date() if run_date else None))
