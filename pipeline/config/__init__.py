"""The configuration: `fsot.toml`, the single place for everything a council analyst may change.

`schema.py` checks the file with pydantic (types, ranges, unknown keys: one line per mistake); `read.py`
(`load_config`) then checks the references between entries and builds the frozen dataclasses of
`settings.py` (`Config` and its parts). Paths in the file are relative to the folder that holds it, never
to the working directory. Import from here: `from pipeline.config import Config, load_config`.
"""

from __future__ import annotations

from pipeline.config.read import load_config
from pipeline.config.settings import (
    API_FORMATS,
    API_READS_AS,
    AREA_COUNTS_FORMAT,
    BOUNDARIES_FORMAT,
    DEFAULT_CONFIG,
    DEPRIVATION_FORMAT,
    GROUPINGS,
    LANDED_ONLY_FORMATS,
    LOCAL_SOURCE,
    LOOKUP_FORMAT,
    NOT_LOADED,
    PACKAGE_ROOT,
    POLARITIES,
    POPULATION_FORMATS,
    SQL_DIR,
    TARGET_MEASURES,
    THEMES,
    TRAJECTORIES,
    Config,
    ConfigError,
    Http,
    Indicator,
    Performance,
    Source,
    Target,
    TargetArea,
    WardVintage,
    ward_vintage_labels,
)

__all__ = [
    "API_FORMATS",
    "API_READS_AS",
    "AREA_COUNTS_FORMAT",
    "BOUNDARIES_FORMAT",
    "DEFAULT_CONFIG",
    "DEPRIVATION_FORMAT",
    "GROUPINGS",
    "LANDED_ONLY_FORMATS",
    "LOCAL_SOURCE",
    "LOOKUP_FORMAT",
    "NOT_LOADED",
    "PACKAGE_ROOT",
    "POLARITIES",
    "POPULATION_FORMATS",
    "SQL_DIR",
    "TARGET_MEASURES",
    "THEMES",
    "TRAJECTORIES",
    "Config",
    "ConfigError",
    "Http",
    "Indicator",
    "Performance",
    "Source",
    "Target",
    "TargetArea",
    "WardVintage",
    "load_config",
    "ward_vintage_labels",
]
