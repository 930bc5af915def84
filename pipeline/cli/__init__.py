"""The `fsot` command line. One subcommand per room of the pipeline; `fsot run` chains them.

One module per command: `ingest.py` (`fsot ingest`, `fsot ingest local`), `drops.py` (`fsot drops`),
`build.py`, `report.py`, `run.py`, and `method.py` with `method_io.py` (`fsot method`, its CSV in and out);
`common.py` holds what they share (options, the one-line `FsotError`, `run_step`). This module makes the
`fsot` group (`cli`) and `main`, the console script's entry point (`pipeline.cli:main`).

Heavy libraries (matplotlib, scipy) are imported inside the commands that need them, so
`fsot --help` and `fsot ingest` start quickly.
"""

from __future__ import annotations

import sys

import click

from pipeline.cli import build, drops, ingest, method, report, run


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


for _command in (ingest.ingest, drops.drops, build.build, report.report, run.run, method.method):
    cli.add_command(_command)


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
