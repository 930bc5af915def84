"""Read and check `fsot.toml`, the single place for everything a council analyst may change.

Paths in the file are relative to the folder that holds the file (the project root for the default
`fsot.toml`), never to the working directory.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
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
    holds a few copies of a chunk), and the memory DuckDB may use before it writes pages to its file."""
    validation_chunk_rows: int = 100_000
    duckdb_memory_limit_mb: int = 600
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


def _require(table: dict[str, Any], key: str, where: str, path: Path) -> Any:
    if key not in table:
        raise ConfigError(f"{path}: {where} needs a '{key}' setting; add it and run again")
    return table[key]


def _target(table: dict[str, Any], where: str, path: Path, sexes: tuple[str, ...]) -> Target:
    measure = table.get("measure", "value")
    if measure not in TARGET_MEASURES:
        raise ConfigError(f"{path}: {where}: target measure {measure!r} is not one of {', '.join(TARGET_MEASURES)}")
    if measure == "value":
        grouping = "borough"
    elif measure == "range_gap":
        grouping = "ward"
    else:
        grouping = table.get("grouping", "local_quintile")
        if grouping not in GROUPINGS:
            raise ConfigError(f"{path}: {where}: target grouping {grouping!r} is not one of {', '.join(GROUPINGS)}")
    if ("value" in table) == ("reduction" in table):
        raise ConfigError(f"{path}: {where}: a target needs either value = (the level to reach) or "
                          "reduction = (the fraction of the baseline to take off), not both or neither")
    reduction = table.get("reduction")
    if reduction is not None and not 0 < float(reduction) < 1:
        raise ConfigError(f"{path}: {where}: target reduction {reduction!r} must be a fraction between 0 and 1 "
                          "(0.25 = a quarter smaller than at baseline)")
    shape = table.get("shape", "linear")
    if shape not in TRAJECTORIES:
        raise ConfigError(f"{path}: {where}: target shape {shape!r} is not one of {', '.join(TRAJECTORIES)}")
    sex = table.get("sex")
    if sex is not None and sex not in sexes:
        raise ConfigError(f"{path}: {where}: target sex {sex!r} is not one of the indicator's sexes {list(sexes)}")
    return Target(measure=measure, grouping=grouping, sex=sex, shape=shape,
                  value=None if "value" not in table else float(table["value"]),
                  reduction=None if reduction is None else float(reduction))


def load_config(path: Path | str | None = None) -> Config:
    """Load fsot.toml (default: the project's own) and check it; raise ConfigError naming the setting."""
    path = Path(path) if path else DEFAULT_CONFIG
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found; pass --config PATH to an fsot.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the line named and run again") from exc
    from pipeline import config_schema

    errors = config_schema.problems(data)
    if errors:
        raise ConfigError("\n".join(f"{path}: {line}" for line in errors[:10])
                          + (f"\n… and {len(errors) - 10} more" if len(errors) > 10 else ""))
    root = path.resolve().parent

    la = _require(data, "local_authority", "the file", path)
    framework = _require(data, "framework", "the file", path)
    paths = data.get("paths", {})

    sources = []
    for i, s in enumerate(_require(data, "sources", "the file", path), start=1):
        where = f"[[sources]] entry {i}"
        pulled = _require(s, "format", where, path) in API_FORMATS
        files = () if pulled else (s.get("files") or [_require(s, "file", where, path)])
        known = set(config_schema.Source.model_fields)  # the rest are an API format's own settings
        sources.append(Source(
            id=_require(s, "id", where, path), format=s["format"],
            files=tuple(files), publisher=_require(s, "publisher", where, path),
            # a pulled source's release is the body it lands: named when it is pulled
            release=str(s.get("release", "pulled")) if pulled else str(_require(s, "release", where, path)),
            licence=_require(s, "licence", where, path),
            title=s.get("title", ""), demonstration=bool(s.get("demonstration", False)),
            next_release=str(s.get("next_release", "")), period=str(s.get("period", "")),
            columns=tuple(sorted((str(k), str(v)) for k, v in s.get("columns", {}).items())),
            base_url=str(s.get("base_url", "")), api={k: v for k, v in s.items() if k not in known},
            total_category=str(s.get("total_category", "")),
        ))
        if s["format"] == AREA_COUNTS_FORMAT:
            _check_area_counts(sources[-1], where, path)
        if s["format"] == BOUNDARIES_FORMAT:
            _check_boundaries(sources[-1], where, path)
        if pulled:
            from pipeline.ingest import connector_for

            try:
                connector_for(s["format"]).check(sources[-1])
            except ValueError as exc:
                raise ConfigError(f"{path}: {where} ({sources[-1].id}): {exc}") from exc
    source_ids = {s.id for s in sources}
    if len(source_ids) != len(sources):
        raise ConfigError(f"{path}: two [[sources]] entries share an id; ids must be unique")
    vintages = _ward_vintages(data.get("ward_vintages", []), sources, path)
    vintage_ids = [v.id for v in vintages]

    indicators = []
    for i, ind in enumerate(_require(data, "indicators", "the file", path), start=1):
        where = f"[[indicators]] entry {i} ({ind.get('name', '?')})"
        theme, polarity = _require(ind, "theme", where, path), _require(ind, "polarity", where, path)
        if theme not in THEMES:
            raise ConfigError(f"{path}: {where}: theme {theme!r} is not one of {', '.join(THEMES)}")
        if polarity not in POLARITIES:
            raise ConfigError(f"{path}: {where}: polarity {polarity!r} is not one of {', '.join(POLARITIES)}")
        source = _require(ind, "source", where, path)
        sexes = tuple(ind.get("sexes", ["Persons"]))
        targets = tuple(_target(t, f"{where} target {n}", path, sexes)
                        for n, t in enumerate(ind.get("targets", []), start=1))
        if source not in source_ids | {LOCAL_SOURCE}:
            raise ConfigError(f"{path}: {where}: source {source!r} is not the id of any [[sources]] entry "
                              f"(or {LOCAL_SOURCE!r} for values the council supplies with `fsot ingest local`)")
        vintage = str(ind.get("ward_vintage", vintage_ids[0] if len(vintage_ids) == 1 else ""))
        if vintage not in vintage_ids:
            raise ConfigError(f"{path}: {where}: ward_vintage {vintage or '(not set)'!r} is not the id of a "
                              f"[[ward_vintages]] entry; write ward_vintage = one of {vintage_ids}")
        numerator = tuple(str(c) for c in ind.get("numerator", []))
        counted = source in source_ids and next(s for s in sources if s.id == source).reads_as == AREA_COUNTS_FORMAT
        if counted and not numerator:
            raise ConfigError(f"{path}: {where}: source {source!r} gives counts by category; list the categories "
                              "counted in the numerator, e.g. numerator = [\"-1 (overcrowded)\"]")
        if counted and ind.get("unit") != "%":
            raise ConfigError(f"{path}: {where}: an indicator made from counts is a percentage: write unit = \"%\"")
        if numerator and not counted:
            raise ConfigError(f"{path}: {where}: 'numerator' applies only to a source of format "
                              f"{AREA_COUNTS_FORMAT!r}; remove it")
        nomis = source in source_ids and next(s for s in sources if s.id == source).reads_as == "nomis_csv"
        measure = str(ind.get("measure", ""))
        if nomis != bool(measure):
            raise ConfigError(f"{path}: {where}: " + (
                "a Nomis source needs measure = the MEASURE_NAME whose value the indicator is, e.g. "
                "\"Claimants as a proportion of residents aged 16-64\"" if nomis else
                "'measure' applies only to a Nomis source; remove it"))
        indicators.append(Indicator(
            id=str(_require(ind, "id", where, path)), name=_require(ind, "name", where, path),
            short_name=ind.get("short_name", ind["name"]), theme=theme,
            unit=_require(ind, "unit", where, path), polarity=polarity, source=source,
            baseline_period=str(_require(ind, "baseline_period", where, path)),
            sexes=sexes, targets=targets, ward_vintage=vintage, numerator=numerator, measure=measure,
        ))
    keys = [(ind.id, ind.source) for ind in indicators]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{path}: an indicator id is declared twice for the same source")

    areas = []
    for a in data.get("target_areas", []):
        vintage = str(a.get("ward_vintage", vintage_ids[0] if len(vintage_ids) == 1 else ""))
        if vintage not in vintage_ids:
            raise ConfigError(f"{path}: [[target_areas]] entry {a.get('name', '?')!r}: ward_vintage "
                              f"{vintage or '(not set)'!r} is not one of {vintage_ids}; say which wards its codes are")
        areas.append(TargetArea(name=_require(a, "name", "[[target_areas]] entry", path),
                                wards=tuple(_require(a, "wards", "[[target_areas]] entry", path)),
                                ward_vintage=vintage))
    http = data.get("http", {})
    validation = data.get("validation", {})
    ranges = {unit: (float(lo), float(hi)) for unit, (lo, hi) in validation.get("plausible_ranges", {}).items()}
    config = Config(
        path=path.resolve(), root=root,
        suppression_markers=tuple(validation.get("suppression_markers", Config.suppression_markers)),
        plausible_ranges=ranges,
        programme=data.get("programme", {}).get("name", "A Fairer Stockton-on-Tees"),
        la_code=_require(la, "code", "[local_authority]", path),
        la_name=_require(la, "name", "[local_authority]", path),
        target_year=int(framework.get("target_year", 2031)),
        sii_repetitions=int(framework.get("sii_repetitions", 100_000)),
        disclosure_max_suppressed_count=int(data.get("disclosure", {}).get("max_suppressed_count", 7)),
        sii_seed=int(framework.get("sii_seed", 2021)),
        comparator_code=data.get("comparator", {}).get("code", "E92000001"),
        comparator_name=data.get("comparator", {}).get("name", "England"),
        raw_dir=root / paths.get("raw", "data/raw"),
        processed_dir=root / paths.get("processed", "data/processed"),
        reports_dir=root / paths.get("reports", "reports"),
        logs_dir=root / paths.get("logs", "logs"),
        sources=tuple(sources), indicators=tuple(indicators), target_areas=tuple(areas), ward_vintages=vintages,
        allow_outside=bool(paths.get("allow_outside_project", False)),
        http=Http(timeout=float(http.get("timeout_seconds", Http.timeout)),
                  attempts=int(http.get("attempts", Http.attempts)),
                  wait_initial=float(http.get("wait_initial_seconds", Http.wait_initial)),
                  wait_max=float(http.get("wait_max_seconds", Http.wait_max))),
        performance=Performance(**data.get("performance", {})),
    )
    _check_paths(config)
    return config


def _check_paths(config: Config) -> None:
    """Every folder and source file, resolved, stays inside the project's folder unless [paths]
    allow_outside_project = true says otherwise."""
    if config.allow_outside:
        return
    root = config.root.resolve()
    named = [(f"[paths] {n}", getattr(config, f"{n}_dir")) for n in ("raw", "processed", "reports", "logs")]
    named += [(f"[[sources]] {s.id} file", config.root / f) for s in config.sources for f in s.files]
    for where, path in named:
        resolved = path.resolve()
        if resolved != root and root not in resolved.parents:
            raise ConfigError(f"{config.path}: {where} {str(path)!r} resolves to {resolved}, outside the project's "
                              f"folder {root}; move it inside, or set [paths] allow_outside_project = true")


def _check_area_counts(source: Source, where: str, path: Path) -> None:
    missing = [role for role in ("area", "category", "count") if not source.column(role)]
    if missing:
        raise ConfigError(f"{path}: {where} ({source.id}): a source of format {AREA_COUNTS_FORMAT!r} needs "
                          f"columns = {{ area = ..., category = ..., count = ... }} naming its file's columns "
                          f"(missing: {', '.join(missing)}; denominator is optional)")
    unknown = sorted(set(dict(source.columns)) - {"area", "category", "count", "denominator"})
    if unknown:
        raise ConfigError(f"{path}: {where} ({source.id}): unknown column role(s) {unknown}; use area, category, "
                          "count and denominator")
    if not source.period:
        raise ConfigError(f"{path}: {where} ({source.id}): give the period the counts describe, e.g. period = \"2021\"")


def _check_boundaries(source: Source, where: str, path: Path) -> None:
    """A ward_boundaries source names the property holding each feature's ward code (its name is taken
    from the lookup, so the map and the tables spell it alike)."""
    if not source.column("code"):
        raise ConfigError(f"{path}: {where} ({source.id}): a source of format {BOUNDARIES_FORMAT!r} needs "
                          "columns = { code = ... } naming the property that holds the ward code, e.g. "
                          "columns = { code = \"WD22CD\" }")
    unknown = sorted(set(dict(source.columns)) - {"code"})
    if unknown:
        raise ConfigError(f"{path}: {where} ({source.id}): unknown column role(s) {unknown}; a "
                          f"{BOUNDARIES_FORMAT!r} source takes only code")


def _ward_vintages(entries: list[dict[str, Any]], sources: list[Source], path: Path) -> tuple[WardVintage, ...]:
    """The [[ward_vintages]] entries, checked; without any, the one lookup and the one deprivation source."""
    # what each source is read as (a boundaries source is landed only: it is checked by its own format)
    formats = {s.id: s.format if s.format in LANDED_ONLY_FORMATS else s.reads_as for s in sources}
    if not entries:
        lookups = [s.id for s in sources if s.reads_as == LOOKUP_FORMAT]
        deprivation = [s.id for s in sources if s.reads_as == DEPRIVATION_FORMAT]
        if len(lookups) != 1 or len(deprivation) != 1:
            raise ConfigError(f"{path}: with {len(lookups)} ward lookup(s) and {len(deprivation)} deprivation "
                              "source(s), say which go together: add a [[ward_vintages]] entry for each set of "
                              "wards (id, lookup, deprivation, population)")
        return (WardVintage(id=lookups[0], lookup=lookups[0], deprivation=deprivation[0],
                            population=(deprivation[0],)),)
    vintages = []
    for i, entry in enumerate(entries, start=1):
        where = f"[[ward_vintages]] entry {i}"
        vintage = WardVintage(id=str(_require(entry, "id", where, path)),
                              lookup=str(_require(entry, "lookup", where, path)),
                              deprivation=str(_require(entry, "deprivation", where, path)),
                              population=tuple(str(p) for p in entry.get("population", [entry.get("deprivation")])),
                              boundaries=str(entry.get("boundaries", "")))
        for role, ids, allowed in (("lookup", [vintage.lookup], (LOOKUP_FORMAT,)),
                                   ("deprivation", [vintage.deprivation], (DEPRIVATION_FORMAT,)),
                                   ("population", list(vintage.population), POPULATION_FORMATS),
                                   ("boundaries", [vintage.boundaries] if vintage.boundaries else [],
                                    (BOUNDARIES_FORMAT,))):
            for source_id in ids:
                if formats.get(source_id) not in allowed:
                    raise ConfigError(f"{path}: {where} ({vintage.id}): {role} = {source_id!r} is not the id of a "
                                      f"[[sources]] entry of format {' or '.join(allowed)}")
        vintages.append(vintage)
    if len({v.id for v in vintages}) != len(vintages):
        raise ConfigError(f"{path}: two [[ward_vintages]] entries share an id; ids must be unique")
    return tuple(vintages)
