"""Read and check `fsot.toml`, the single place for everything a council analyst may change: the schema first
(`schema.py`, one line per mistake), then the references between entries, into the dataclasses of `settings.py`.

Paths in the file are relative to the folder that holds the file (the project root for the default
`fsot.toml`), never to the working directory.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pipeline.config.settings import (
    API_FORMATS,
    AREA_COUNTS_FORMAT,
    BOUNDARIES_FORMAT,
    DEFAULT_CONFIG,
    DEPRIVATION_FORMAT,
    GROUPINGS,
    LANDED_ONLY_FORMATS,
    LOCAL_SOURCE,
    LOOKUP_FORMAT,
    POLARITIES,
    POPULATION_FORMATS,
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
)


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
        raise ConfigError(
            f"{path}: {where}: a target needs either value = (the level to reach) or "
            "reduction = (the fraction of the baseline to take off), not both or neither"
        )
    reduction = table.get("reduction")
    if reduction is not None and not 0 < float(reduction) < 1:
        raise ConfigError(
            f"{path}: {where}: target reduction {reduction!r} must be a fraction between 0 and 1 "
            "(0.25 = a quarter smaller than at baseline)"
        )
    shape = table.get("shape", "linear")
    if shape not in TRAJECTORIES:
        raise ConfigError(f"{path}: {where}: target shape {shape!r} is not one of {', '.join(TRAJECTORIES)}")
    sex = table.get("sex")
    if sex is not None and sex not in sexes:
        raise ConfigError(f"{path}: {where}: target sex {sex!r} is not one of the indicator's sexes {list(sexes)}")
    return Target(
        measure=measure,
        grouping=grouping,
        sex=sex,
        shape=shape,
        value=None if "value" not in table else float(table["value"]),
        reduction=None if reduction is None else float(reduction),
    )


def load_config(path: Path | str | None = None) -> Config:
    """Load fsot.toml (default: the project's own) and check it; raise ConfigError naming the setting."""
    path = Path(path) if path else DEFAULT_CONFIG
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found; pass --config PATH to an fsot.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the line named and run again") from exc
    from pipeline.config import schema as config_schema

    errors = config_schema.problems(data)
    if errors:
        raise ConfigError(
            "\n".join(f"{path}: {line}" for line in errors[:10])
            + (f"\n… and {len(errors) - 10} more" if len(errors) > 10 else "")
        )
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
        sources.append(
            Source(
                id=_require(s, "id", where, path),
                format=s["format"],
                files=tuple(files),
                publisher=_require(s, "publisher", where, path),
                # a pulled source's release is the body it lands: named when it is pulled
                release=str(s.get("release", "pulled")) if pulled else str(_require(s, "release", where, path)),
                licence=_require(s, "licence", where, path),
                title=s.get("title", ""),
                demonstration=bool(s.get("demonstration", False)),
                next_release=str(s.get("next_release", "")),
                period=str(s.get("period", "")),
                columns=tuple(sorted((str(k), str(v)) for k, v in s.get("columns", {}).items())),
                base_url=str(s.get("base_url", "")),
                api={k: v for k, v in s.items() if k not in known},
                total_category=str(s.get("total_category", "")),
            )
        )
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
        targets = tuple(
            _target(t, f"{where} target {n}", path, sexes) for n, t in enumerate(ind.get("targets", []), start=1)
        )
        if source not in source_ids | {LOCAL_SOURCE}:
            raise ConfigError(
                f"{path}: {where}: source {source!r} is not the id of any [[sources]] entry "
                f"(or {LOCAL_SOURCE!r} for values the council supplies with `fsot ingest local`)"
            )
        vintage = str(ind.get("ward_vintage", vintage_ids[0] if len(vintage_ids) == 1 else ""))
        if vintage not in vintage_ids:
            raise ConfigError(
                f"{path}: {where}: ward_vintage {vintage or '(not set)'!r} is not the id of a "
                f"[[ward_vintages]] entry; write ward_vintage = one of {vintage_ids}"
            )
        numerator = tuple(str(c) for c in ind.get("numerator", []))
        counted = source in source_ids and next(s for s in sources if s.id == source).reads_as == AREA_COUNTS_FORMAT
        if counted and not numerator:
            raise ConfigError(
                f"{path}: {where}: source {source!r} gives counts by category; list the categories "
                'counted in the numerator, e.g. numerator = ["-1 (overcrowded)"]'
            )
        if counted and ind.get("unit") != "%":
            raise ConfigError(f'{path}: {where}: an indicator made from counts is a percentage: write unit = "%"')
        if numerator and not counted:
            raise ConfigError(
                f"{path}: {where}: 'numerator' applies only to a source of format {AREA_COUNTS_FORMAT!r}; remove it"
            )
        nomis = source in source_ids and next(s for s in sources if s.id == source).reads_as == "nomis_csv"
        measure = str(ind.get("measure", ""))
        if nomis != bool(measure):
            raise ConfigError(
                f"{path}: {where}: "
                + (
                    "a Nomis source needs measure = the MEASURE_NAME whose value the indicator is, e.g. "
                    '"Claimants as a proportion of residents aged 16-64"'
                    if nomis
                    else "'measure' applies only to a Nomis source; remove it"
                )
            )
        indicators.append(
            Indicator(
                id=str(_require(ind, "id", where, path)),
                name=_require(ind, "name", where, path),
                short_name=ind.get("short_name", ind["name"]),
                theme=theme,
                unit=_require(ind, "unit", where, path),
                polarity=polarity,
                source=source,
                baseline_period=str(_require(ind, "baseline_period", where, path)),
                sexes=sexes,
                targets=targets,
                ward_vintage=vintage,
                numerator=numerator,
                measure=measure,
            )
        )
    keys = [(ind.id, ind.source) for ind in indicators]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{path}: an indicator id is declared twice for the same source")

    areas = []
    for a in data.get("target_areas", []):
        vintage = str(a.get("ward_vintage", vintage_ids[0] if len(vintage_ids) == 1 else ""))
        if vintage not in vintage_ids:
            raise ConfigError(
                f"{path}: [[target_areas]] entry {a.get('name', '?')!r}: ward_vintage "
                f"{vintage or '(not set)'!r} is not one of {vintage_ids}; say which wards its codes are"
            )
        areas.append(
            TargetArea(
                name=_require(a, "name", "[[target_areas]] entry", path),
                wards=tuple(_require(a, "wards", "[[target_areas]] entry", path)),
                ward_vintage=vintage,
            )
        )
    http = data.get("http", {})
    validation = data.get("validation", {})
    ranges = {unit: (float(lo), float(hi)) for unit, (lo, hi) in validation.get("plausible_ranges", {}).items()}
    config = Config(
        path=path.resolve(),
        root=root,
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
        sources=tuple(sources),
        indicators=tuple(indicators),
        target_areas=tuple(areas),
        ward_vintages=vintages,
        allow_outside=bool(paths.get("allow_outside_project", False)),
        http=Http(
            timeout=float(http.get("timeout_seconds", Http.timeout)),
            attempts=int(http.get("attempts", Http.attempts)),
            wait_initial=float(http.get("wait_initial_seconds", Http.wait_initial)),
            wait_max=float(http.get("wait_max_seconds", Http.wait_max)),
        ),
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
            raise ConfigError(
                f"{config.path}: {where} {str(path)!r} resolves to {resolved}, outside the project's "
                f"folder {root}; move it inside, or set [paths] allow_outside_project = true"
            )


def _check_area_counts(source: Source, where: str, path: Path) -> None:
    missing = [role for role in ("area", "category", "count") if not source.column(role)]
    if missing:
        raise ConfigError(
            f"{path}: {where} ({source.id}): a source of format {AREA_COUNTS_FORMAT!r} needs "
            f"columns = {{ area = ..., category = ..., count = ... }} naming its file's columns "
            f"(missing: {', '.join(missing)}; denominator is optional)"
        )
    unknown = sorted(set(dict(source.columns)) - {"area", "category", "count", "denominator"})
    if unknown:
        raise ConfigError(
            f"{path}: {where} ({source.id}): unknown column role(s) {unknown}; use area, category, "
            "count and denominator"
        )
    if not source.period:
        raise ConfigError(f'{path}: {where} ({source.id}): give the period the counts describe, e.g. period = "2021"')


def _check_boundaries(source: Source, where: str, path: Path) -> None:
    """A ward_boundaries source names the property holding each feature's ward code (its name is taken
    from the lookup, so the map and the tables spell it alike)."""
    if not source.column("code"):
        raise ConfigError(
            f"{path}: {where} ({source.id}): a source of format {BOUNDARIES_FORMAT!r} needs "
            "columns = { code = ... } naming the property that holds the ward code, e.g. "
            'columns = { code = "WD22CD" }'
        )
    unknown = sorted(set(dict(source.columns)) - {"code"})
    if unknown:
        raise ConfigError(
            f"{path}: {where} ({source.id}): unknown column role(s) {unknown}; a "
            f"{BOUNDARIES_FORMAT!r} source takes only code"
        )


def _ward_vintages(entries: list[dict[str, Any]], sources: list[Source], path: Path) -> tuple[WardVintage, ...]:
    """The [[ward_vintages]] entries, checked; without any, the one lookup and the one deprivation source."""
    # what each source is read as (a boundaries source is landed only: it is checked by its own format)
    formats = {s.id: s.format if s.format in LANDED_ONLY_FORMATS else s.reads_as for s in sources}
    if not entries:
        lookups = [s.id for s in sources if s.reads_as == LOOKUP_FORMAT]
        deprivation = [s.id for s in sources if s.reads_as == DEPRIVATION_FORMAT]
        if len(lookups) != 1 or len(deprivation) != 1:
            raise ConfigError(
                f"{path}: with {len(lookups)} ward lookup(s) and {len(deprivation)} deprivation "
                "source(s), say which go together: add a [[ward_vintages]] entry for each set of "
                "wards (id, lookup, deprivation, population)"
            )
        return (
            WardVintage(id=lookups[0], lookup=lookups[0], deprivation=deprivation[0], population=(deprivation[0],)),
        )
    vintages = []
    for i, entry in enumerate(entries, start=1):
        where = f"[[ward_vintages]] entry {i}"
        vintage = WardVintage(
            id=str(_require(entry, "id", where, path)),
            lookup=str(_require(entry, "lookup", where, path)),
            deprivation=str(_require(entry, "deprivation", where, path)),
            population=tuple(str(p) for p in entry.get("population", [entry.get("deprivation")])),
            boundaries=str(entry.get("boundaries", "")),
        )
        for role, ids, allowed in (
            ("lookup", [vintage.lookup], (LOOKUP_FORMAT,)),
            ("deprivation", [vintage.deprivation], (DEPRIVATION_FORMAT,)),
            ("population", list(vintage.population), POPULATION_FORMATS),
            ("boundaries", [vintage.boundaries] if vintage.boundaries else [], (BOUNDARIES_FORMAT,)),
        ):
            for source_id in ids:
                if formats.get(source_id) not in allowed:
                    raise ConfigError(
                        f"{path}: {where} ({vintage.id}): {role} = {source_id!r} is not the id of a "
                        f"[[sources]] entry of format {' or '.join(allowed)}"
                    )
        vintages.append(vintage)
    if len({v.id for v in vintages}) != len(vintages):
        raise ConfigError(f"{path}: two [[ward_vintages]] entries share an id; ids must be unique")
    return tuple(vintages)
