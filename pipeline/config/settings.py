"""The settings fsot.toml holds, as frozen dataclasses (`Config` and its parts), with the names of the formats,
themes and measures they take and the project's own folders. Reading the file into them is `read.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PACKAGE_ROOT / "fsot.toml"
SQL_DIR = PACKAGE_ROOT / "sql"

THEMES = ("health", "employment", "housing", "deprivation")
# Formats whose rows are LSOA (or OA) level: deprivation scores, lookups, populations and counts.
LOOKUP_FORMAT = "ons_lsoa_ward_lookup"
DEPRIVATION_FORMAT = "english_indices_of_deprivation"
AREA_COUNTS_FORMAT = "area_counts"
POPULATION_FORMATS = (DEPRIVATION_FORMAT, "lsoa_population", AREA_COUNTS_FORMAT)
# Formats pulled over HTTP (pipeline/ingest/<format>.py); their landed bodies are read as `reads_as`.
API_FORMATS = ("fingertips_api", "nomis_api", "ons_arcgis")
API_READS_AS = {"fingertips_api": "fingertips_csv", "nomis_api": "nomis_csv", "ons_arcgis": LOOKUP_FORMAT}
NOT_LOADED = "none"  # reads_as of a pulled source that is landed only (e.g. boundaries as GeoJSON)
# Ward boundaries (GeoJSON, optionally gzip-compressed): landed with provenance but not loaded into the
# warehouse; the report's maps read the landed copy (pipeline/report/maps.py).
BOUNDARIES_FORMAT = "ward_boundaries"
LANDED_ONLY_FORMATS = (BOUNDARIES_FORMAT,)
LOCAL_SOURCE = "local"  # an indicator whose values come from `fsot ingest local` drops
POLARITIES = ("higher-is-better", "lower-is-better")
# What a target may be set on: the borough's own value, or a gap measure of marts.fct_gap_measure.
TARGET_MEASURES = ("value", "absolute_gap", "relative_gap", "range_gap", "sii", "rii")
GROUPINGS = ("local_quintile", "local_decile", "national_quintile", "national_decile")
TRAJECTORIES = ("linear", "proportional")


class ConfigError(ValueError):
    """fsot.toml is missing a setting or has one that cannot be used."""


@dataclass(frozen=True)
class Source:
    id: str
    format: str
    files: tuple[str, ...]
    publisher: str
    release: str
    licence: str
    title: str = ""
    demonstration: bool = False
    next_release: str = ""
    # area_counts only: the period the counts describe (e.g. "2021" for Census 2021) and the file's
    # columns: area (LSOA/OA code), category, count and, optionally, denominator (else the sum of the
    # area's counts over all categories).
    period: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    # API formats only: the service's base URL (default: the public service) and the format's own
    # settings (indicator_ids, dataset, query, service, where, …), checked by its connector.
    base_url: str = ""
    api: dict[str, Any] = field(default_factory=dict, compare=False)
    # area_counts: the category that holds each area's total, where the file gives it as a row (as Nomis
    # Census tables do: "Total: All households"); else the denominator column, else the sum of the counts
    total_category: str = ""

    def column(self, role: str) -> str | None:
        return dict(self.columns).get(role)

    @property
    def pulled(self) -> bool:
        """True for a source pulled over HTTP: its releases are the bodies landed by `fsot ingest`."""
        return self.format in API_FORMATS

    @property
    def reads_as(self) -> str:
        """The file format the source's landed files are read as: its own format for files; for a pulled
        source, the format of the bodies it lands (`reads_as` in fsot.toml, else the service's usual one)."""
        if self.format in LANDED_ONLY_FORMATS:
            return NOT_LOADED
        return str(self.api.get("reads_as", API_READS_AS[self.format])) if self.pulled else self.format


@dataclass(frozen=True)
class WardVintage:
    """One set of ward boundaries with the deprivation measured on them.

    `id` labels every output row that rests on it (e.g. "WD17"); `lookup` is the LSOA→ward lookup
    source, `deprivation` the IoD source of LSOA scores (of the same LSOA vintage as the lookup),
    `population` the sources whose LSOA populations weight the scores, in order of preference;
    `boundaries` the source of the wards' boundaries for the report's maps ("" = no maps)."""

    id: str
    lookup: str
    deprivation: str
    population: tuple[str, ...]
    boundaries: str = ""


@dataclass(frozen=True)
class Target:
    """A 2031 target on an indicator's borough value or on one of its gaps, and the path to it.

    `value` is the level to reach by the target year; `reduction` instead says what fraction of the
    baseline to take off (0.25: a quarter smaller). `shape` is the trajectory from the baseline:
    "linear" (equal steps each year) or "proportional" (the same percentage change each year).
    """

    measure: str = "value"
    grouping: str = "borough"
    sex: str | None = None
    value: float | None = None
    reduction: float | None = None
    shape: str = "linear"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    short_name: str
    theme: str
    unit: str
    polarity: str
    source: str
    baseline_period: str
    sexes: tuple[str, ...] = ("Persons",)
    targets: tuple[Target, ...] = ()
    ward_vintage: str = ""
    numerator: tuple[str, ...] = ()  # area_counts sources: the categories counted in the numerator
    measure: str = ""  # Nomis sources: the MEASURE_NAME whose OBS_VALUE is the indicator's value

    @property
    def higher_is_better(self) -> bool:
        return self.polarity == "higher-is-better"


@dataclass(frozen=True)
class TargetArea:
    name: str
    wards: tuple[str, ...]
    ward_vintage: str = ""


@dataclass(frozen=True)
class Http:
    """How fsot talks to web services ([http] in fsot.toml): per-request timeout, attempts per
    request (retries on 429, 5xx, timeouts and connection errors) and the backoff between them."""

    timeout: float = 60.0
    attempts: int = 5
    wait_initial: float = 1.0
    wait_max: float = 30.0


@dataclass(frozen=True)
class Performance:
    """Memory against speed ([performance] in fsot.toml): rows validated at a time (Great Expectations
    holds a few copies of a chunk), and the memory DuckDB may use before it writes pages to its file, in
    general and while `fsot ingest local` validates a drop (DuckDB only serves it chunks of rows then)."""

    validation_chunk_rows: int = 100_000
    duckdb_memory_limit_mb: int = 700
    duckdb_validation_memory_limit_mb: int = 300
    cache_keep_days: int = 30  # read and validation cache entries unused for longer are removed


@dataclass(frozen=True)
class Config:
    path: Path
    root: Path
    programme: str
    la_code: str
    la_name: str
    target_year: int
    comparator_code: str
    comparator_name: str
    sii_repetitions: int
    sii_seed: int
    disclosure_max_suppressed_count: int
    raw_dir: Path
    processed_dir: Path
    reports_dir: Path
    logs_dir: Path
    sources: tuple[Source, ...]
    indicators: tuple[Indicator, ...]
    target_areas: tuple[TargetArea, ...] = field(default_factory=tuple)
    ward_vintages: tuple[WardVintage, ...] = field(default_factory=tuple)
    http: Http = field(default_factory=Http)
    performance: Performance = field(default_factory=Performance)
    allow_outside: bool = False  # [paths] allow_outside_project: paths may leave the project's folder
    suppression_markers: tuple[str, ...] = ("*", "x", "..", "c", "-", ":")
    plausible_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def warehouse_path(self) -> Path:
        return self.processed_dir / "fsot.duckdb"

    @property
    def raw_manifest_path(self) -> Path:
        return self.raw_dir / "manifest.json"

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise ConfigError(f"{self.path}: no [[sources]] entry has id = {source_id!r}")

    def ward_vintage(self, vintage_id: str) -> WardVintage:
        for vintage in self.ward_vintages:
            if vintage.id == vintage_id:
                return vintage
        raise ConfigError(f"{self.path}: no [[ward_vintages]] entry has id = {vintage_id!r}")


def ward_vintage_labels(config: Config) -> dict[str, dict[str, Any]]:
    """What each ward vintage rests on, as every output states it: the IMD edition (the deprivation
    source's release) and the population weights (the population sources' titles, in preference order)."""
    labels: dict[str, dict[str, Any]] = {}
    for n, v in enumerate(config.ward_vintages):
        weights = [config.source(p) for p in v.population]
        labels[v.id] = {
            "ward_vintage": v.id,
            "lookup_source": v.lookup,
            "deprivation_source": v.deprivation,
            "imd_edition": config.source(v.deprivation).release,
            "population_weights": "; where missing, ".join(f"{s.title or s.id} ({s.release})" for s in weights),
            "sort_order": n,
        }
    return labels
