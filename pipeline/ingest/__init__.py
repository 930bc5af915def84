"""Connectors: one module per source format. Each lands files unchanged (pipeline.ingest.landing) and
reads them as delivered (`read(paths, source) -> DataFrame of strings`, with `_file` and `_line`) for the
`raw.<RAW_TABLE>` table."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType

# format name -> the module of pipeline.ingest that reads it
_READERS = {
    "english_indices_of_deprivation": "deprivation",
    "ons_lsoa_ward_lookup": "ward_lookup",
    "fingertips_csv": "fingertips",
    "lsoa_population": "population",
    "area_counts": "area_counts",
    "nomis_csv": "nomis",
}


class _Readers(Mapping[str, ModuleType]):
    """FORMATS: format name -> reader module, each imported when first asked for (the readers import
    pandas; `fsot build` with nothing to build, `fsot --help` and the report need none of them)."""

    def __getitem__(self, name: str) -> ModuleType:
        return importlib.import_module(f"pipeline.ingest.{_READERS[name]}")

    def __iter__(self) -> Iterator[str]:
        return iter(_READERS)

    def __len__(self) -> int:
        return len(_READERS)


FORMATS: Mapping[str, ModuleType] = _Readers()
# Connectors that pull over HTTP (fetch only; their bodies are read by FORMATS[source.reads_as]).
CONNECTORS = ("fingertips_api", "nomis_api", "ons_arcgis")


def connector_for(format_name: str) -> ModuleType:
    """The module that pulls a source of this API format (imported only when needed: httpx)."""
    if format_name not in CONNECTORS:
        raise ValueError(f"unknown API format {format_name!r}; use one of: {', '.join(CONNECTORS)}")
    return importlib.import_module(f"pipeline.ingest.{format_name}")


def reader_for(format_name: str) -> ModuleType:
    try:
        return FORMATS[format_name]
    except KeyError:
        raise ValueError(f"unknown source format {format_name!r}; use one of: {', '.join(sorted(FORMATS))}") from None
