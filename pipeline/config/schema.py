"""The schema of fsot.toml, checked with pydantic before anything is read from it.

Every setting has a type, and where it matters a range, an enumeration or a pattern: a wrong type
(`target_year = "twenty31"`), a string where a list is meant (`sexes = "Persons"`), an unknown key or
an unsafe id (`id = "../../escape"`) is reported as one line per error, with the key path and what to
write. The cross-references (an indicator's source, a vintage's lookup …) are checked afterwards by
pipeline.config.read, which builds the settings the pipeline uses (pipeline.config.settings).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

# An id becomes a folder name (data/raw/<id>/) and a key in tables: letters, digits, _ and - only.
SLUG = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
Slug = Annotated[StrictStr, Field(pattern=SLUG)]
Text = Annotated[StrictStr, Field(min_length=1)]
Number = StrictFloat | StrictInt
IdLike = StrictStr | StrictInt  # Fingertips ids and periods may be written as numbers (93283, 2021)

Format = Literal[
    "english_indices_of_deprivation",
    "ons_lsoa_ward_lookup",
    "fingertips_csv",
    "lsoa_population",
    "area_counts",
    "nomis_csv",
    "fingertips_api",
    "nomis_api",
    "ons_arcgis",
    "ward_boundaries",
]
FORMATS: tuple[str, ...] = get_args(Format)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Programme(_Table):
    name: Text = "A Fairer Stockton-on-Tees"


class LocalAuthority(_Table):
    code: Annotated[StrictStr, Field(pattern=r"^[EW]0[6-9]\d{6}$")]
    name: Text


class Framework(_Table):
    # baseline_year was never read (each indicator's baseline_period is its baseline): refused with that
    baseline_year: object = None
    target_year: Annotated[StrictInt, Field(ge=1990, le=2100)] = 2031
    sii_repetitions: Annotated[StrictInt, Field(ge=1000, le=10_000_000)] = 100_000
    sii_seed: Annotated[StrictInt, Field(ge=0)] = 2021

    @model_validator(mode="after")
    def _no_baseline_year(self) -> Framework:
        if self.baseline_year is not None:
            raise ValueError(
                "baseline_year is no longer read: each indicator's baseline_period is its baseline; delete the line"
            )
        return self


class Comparator(_Table):
    code: Annotated[StrictStr, Field(pattern=r"^[EWSNK]\d{8}$")] = "E92000001"
    name: Text = "England"


class Disclosure(_Table):
    max_suppressed_count: Annotated[StrictInt, Field(ge=0, le=100)] = 7


class Validation(_Table):
    suppression_markers: list[StrictStr] = ["*", "x", "..", "c", "-", ":"]
    plausible_ranges: dict[StrictStr, Annotated[list[Number], Field(min_length=2, max_length=2)]] = {}

    @field_validator("plausible_ranges")
    @classmethod
    def _ordered(cls, ranges: dict[str, list[float]]) -> dict[str, list[float]]:
        for unit, (low, high) in ranges.items():
            if not low < high:
                raise ValueError(f"the range of {unit!r} must be [low, high] with low < high")
        return ranges


class Paths(_Table):
    raw: Text = "data/raw"
    processed: Text = "data/processed"
    reports: Text = "reports"
    logs: Text = "logs"
    # a path (or a source file) outside the project's folder is refused unless this is true
    allow_outside_project: StrictBool = False


class Http(_Table):
    timeout_seconds: Annotated[Number, Field(gt=0, le=3600)] = 60
    attempts: Annotated[StrictInt, Field(ge=1, le=20)] = 5
    wait_initial_seconds: Annotated[Number, Field(ge=0, le=600)] = 1
    wait_max_seconds: Annotated[Number, Field(ge=0, le=3600)] = 30


class Performance(_Table):
    validation_chunk_rows: Annotated[StrictInt, Field(ge=1000, le=5_000_000)] = 100_000
    duckdb_memory_limit_mb: Annotated[StrictInt, Field(ge=64, le=1_000_000)] = 700
    duckdb_validation_memory_limit_mb: Annotated[StrictInt, Field(ge=64, le=1_000_000)] = 300
    cache_keep_days: Annotated[StrictInt, Field(ge=0, le=3650)] = 30


class Source(BaseModel):
    # API formats take settings of their own (indicator_ids, dataset, query, service …), checked by their
    # connector; every other key is checked here.
    model_config = ConfigDict(extra="allow", strict=True)
    id: Slug
    format: Format
    files: list[Text] | None = None
    file: Text | None = None
    publisher: Text
    release: Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[^/\\]+$")] | None = None
    licence: Text
    title: StrictStr = ""
    demonstration: StrictBool = False
    next_release: StrictStr = ""
    period: IdLike = ""
    columns: dict[StrictStr, Text] = {}
    base_url: Annotated[StrictStr, Field(pattern=r"^https?://")] | None = None
    total_category: StrictStr = ""

    @model_validator(mode="after")
    def _own_settings_for_api_formats_only(self) -> Source:
        extra = sorted(self.model_extra or {})
        if extra and self.format not in ("fingertips_api", "nomis_api", "ons_arcgis"):
            raise ValueError(f"unknown setting(s) {', '.join(extra)} for a source of format {self.format!r}")
        return self

    @field_validator("release")
    @classmethod
    def _no_parent(cls, release: str | None) -> str | None:
        if release is not None and release.strip(". ") == "":
            raise ValueError("a release cannot be '.' or '..'")
        return release


class Target(_Table):
    measure: Literal["value", "absolute_gap", "relative_gap", "range_gap", "sii", "rii"] = "value"
    grouping: Literal["local_quintile", "local_decile", "national_quintile", "national_decile"] | None = None
    sex: Literal["Male", "Female", "Persons"] | None = None
    value: Number | None = None
    reduction: Annotated[Number, Field(gt=0, lt=1)] | None = None
    shape: Literal["linear", "proportional"] = "linear"


class Indicator(_Table):
    id: IdLike
    name: Text
    short_name: Text | None = None
    theme: Literal["health", "employment", "housing", "deprivation"]
    unit: Text
    polarity: Literal["higher-is-better", "lower-is-better"]
    source: Text
    baseline_period: IdLike
    sexes: Annotated[list[Literal["Male", "Female", "Persons"]], Field(min_length=1)] = ["Persons"]
    targets: list[Target] = []
    ward_vintage: Slug | None = None
    numerator: list[Text] = []
    measure: Text | None = None

    @field_validator("id")
    @classmethod
    def _id_slug(cls, value: str | int) -> str | int:
        import re

        if not re.fullmatch(SLUG, str(value)):
            raise ValueError("an indicator id is letters, digits, _ and - only (it names folders and files)")
        return value


class WardVintage(_Table):
    id: Slug
    lookup: Slug
    deprivation: Slug
    population: Annotated[list[Slug], Field(min_length=1)] | None = None
    boundaries: Slug | None = None


class TargetArea(_Table):
    name: Text
    wards: Annotated[list[Annotated[StrictStr, Field(pattern=r"^[EW]05\d{6}$")]], Field(min_length=1)]
    ward_vintage: Slug | None = None


class Document(_Table):
    programme: Programme = Programme()
    local_authority: LocalAuthority
    framework: Framework
    comparator: Comparator = Comparator()
    disclosure: Disclosure = Disclosure()
    validation: Validation = Validation()
    paths: Paths = Paths()
    http: Http = Http()
    performance: Performance = Performance()
    sources: Annotated[list[Source], Field(min_length=1)]
    ward_vintages: list[WardVintage] = []
    indicators: Annotated[list[Indicator], Field(min_length=1)]
    target_areas: list[TargetArea] = []


def _where(location: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """A key path as the user wrote it: `[[sources]] 2 (imd2019) → release`."""
    parts: list[str] = []
    node: Any = data
    for n, key in enumerate(location):
        if isinstance(key, int) and n and isinstance(location[n - 1], str):
            item: Any = node[key] if isinstance(node, list) and key < len(node) else {}
            label = ", ".join(str(item[k]) for k in ("id", "name") if k in item) if isinstance(item, dict) else None
            parts[-1] = f"[[{location[n - 1]}]] {key + 1}" + (f" ({label})" if label else "")
            node = item
        else:
            parts.append(str(key))
            node = node.get(key, {}) if isinstance(node, dict) else {}
    return " → ".join(parts)


def problems(data: dict[str, Any]) -> list[str]:
    """Every schema error of the parsed fsot.toml, one line each: where, what is wrong, what was given."""
    try:
        Document.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False):
            given = error.get("input")
            shown = "" if error["type"] == "missing" or isinstance(given, dict) else f" (you wrote {given!r})"
            message = error["msg"].removeprefix("Value error, ")
            if (
                error["type"] == "string_pattern_mismatch"
                and error["loc"]
                and error["loc"][-1] in ("id", "lookup", "deprivation")
            ):
                message = "must be letters, digits, _ and - only, starting with a letter or digit"
            lines.append(f"{_where(error['loc'], data)}: {message}{shown}")
        return lines
    return []
