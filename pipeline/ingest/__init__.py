"""Connectors: one module per source format. Each lands files unchanged (pipeline.ingest.landing) and
reads them as delivered (`read(paths, source) -> DataFrame of strings`, with `_file` and `_line`) for the
`raw.<RAW_TABLE>` table."""

from __future__ import annotations

from types import ModuleType

from pipeline.ingest import area_counts, deprivation, fingertips, population, ward_lookup

FORMATS: dict[str, ModuleType] = {
    "english_indices_of_deprivation": deprivation,
    "ons_lsoa_ward_lookup": ward_lookup,
    "fingertips_csv": fingertips,
    "lsoa_population": population,
    "area_counts": area_counts,
}


def reader_for(format_name: str) -> ModuleType:
    try:
        return FORMATS[format_name]
    except KeyError:
        raise ValueError(
            f"unknown source format {format_name!r}; use one of: {', '.join(sorted(FORMATS))}"
        ) from None
