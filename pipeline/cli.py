"""The `fsot` command line: one subcommand per room of the pipeline (placeholder group, filled in below)."""

from __future__ import annotations

import click


@click.group()
def cli() -> None:
    """fsot: measure the gaps between Stockton-on-Tees' most and least deprived wards."""


def main() -> None:
    cli()
