"""`fsot run`: ingest, build and report in one go.

The steps are looked up on their modules when the command runs (`ingest.run_ingest`, ...), so a wrapper set on
a module (benchmarks/stages.py times each stage that way) is the one `fsot run` calls.
"""

from __future__ import annotations

import click

from pipeline.cli import build, ingest, report
from pipeline.cli.common import CONFIG_OPTION, DATE_OPTION, FORCE_OPTION, PERIOD_OPTION, load, run_step


@click.command()
@CONFIG_OPTION
@PERIOD_OPTION
@DATE_OPTION
@FORCE_OPTION
def run(config_path, period, run_date, force):
    """Ingest, build and report in one go, and say where the report is."""
    config = load(config_path)

    def everything() -> dict:
        steps = ingest.run_ingest(config)
        steps.update(build.run_build(config, force))
        steps.update(report.run_report(config, period, run_date.date() if run_date else None))
        return steps

    steps = run_step(config, "run", everything)
    click.echo(f"Report written to {steps['report']['index']}")
