"""The `fsot` command line. One subcommand per room of the pipeline; `fsot run` chains them.

One module per command: `ingest.py` (`fsot ingest`, `fsot ingest local`), `drops.py` (`fsot drops`),
`build.py`, `report.py`, `run.py`, and `method.py` with `method_io.py` (`fsot method`, its CSV in and out);
`common.py` holds what they share (options, the one-line `FsotError`, `run_step`). This module makes the
`fsot` group (`cli`) and `main`, the console script's entry point (`pipeline.cli:main`).

A command's module is imported only when the command runs (`COMMANDS`), and heavy libraries
(matplotlib, scipy) inside the commands that need them, so `fsot --help`, `fsot ingest` and `fsot method`
start quickly. `main` ends the process without Python's teardown (`_leave`).
"""

from __future__ import annotations

import importlib
import sys

import click

# Each command's module, imported only when that command runs (or `fsot --help` lists them all): `fsot
# method` then never loads what `fsot build` needs (rich's console, the configuration, DuckDB's helpers).
COMMANDS = {
    "build": "pipeline.cli.build",
    "drops": "pipeline.cli.drops",
    "ingest": "pipeline.cli.ingest",
    "method": "pipeline.cli.method",
    "report": "pipeline.cli.report",
    "run": "pipeline.cli.run",
}


class _Commands(click.Group):
    """The `fsot` group: its subcommands are the `COMMANDS`, each the function of its module's name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(getattr(importlib.import_module(COMMANDS[cmd_name]), cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def main() -> None:
    try:
        cli(prog_name="fsot")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> None:
    """Exit with `code`, at once. Everything fsot writes is closed and swapped in by now, and the output
    and the log are flushed here; Python's own teardown of its modules would only free memory the process
    is about to give back, and takes a second after Great Expectations has been imported (0.03-0.4 s
    after numpy, pyarrow and DuckDB alone)."""
    import logging
    import os

    if isinstance(code, str):  # sys.exit("message"): say it, exit 1, as Python would
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
