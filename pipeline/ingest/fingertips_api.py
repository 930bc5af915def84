"""OHID Fingertips API (format `fingertips_api`): the "all data" CSV of the configured indicators for
one child area type under one parent area, and the indicators' metadata (unit, CI method, polarity
where published) beside it.

Settings in the source's [[sources]] entry: `indicator_ids` (list), `child_area_type_id` (8 = wards,
3 = MSOAs, 502 = upper-tier LAs), `parent_area_type_id` (101 = LA districts and UAs) and
`parent_area_code` (e.g. "E06000004"); `base_url` defaults to the public API. The CSV is read as a
Fingertips export (`fingertips_csv`); the metadata JSON is landed for the record.
Endpoints: `all_data/csv/by_indicator_id`, `indicator_metadata/by_indicator_id`
(../shared/reference/apis.md; https://fingertips.phe.org.uk/api).
"""

from __future__ import annotations

from pipeline.ingest.http import Fetched, Session

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk/api/"
REQUIRED = ("indicator_ids", "child_area_type_id", "parent_area_type_id", "parent_area_code")
DATA_FILE = "all_data_by_indicator_id.csv"
METADATA_FILE = "indicator_metadata.json"
METADATA_FILES = (METADATA_FILE,)  # landed for the record, not read into the warehouse


def check(source) -> None:
    missing = [k for k in REQUIRED if k not in source.api]
    if missing:
        raise ValueError(
            f"a fingertips_api source needs {', '.join(missing)} (e.g. indicator_ids = [93283], "
            'child_area_type_id = 8, parent_area_type_id = 101, parent_area_code = "E06000004")'
        )
    ids = source.api["indicator_ids"]
    if not isinstance(ids, list) or not ids or not all(str(i).isdigit() for i in ids):
        raise ValueError("indicator_ids must be a list of Fingertips indicator numbers, e.g. [93283, 93285]")


def _ids(source) -> str:
    return ",".join(str(i) for i in source.api["indicator_ids"])


def pull(session: Session, source, previous: dict) -> list[tuple[str, Fetched]] | None:
    """The data CSV (conditional on the last landed release's validators) and, when it changed, the
    metadata. None when the service says the data have not changed (one round trip)."""
    base = (source.base_url or DEFAULT_BASE_URL).rstrip("/") + "/"
    data = session.get(
        source.id,
        base + "all_data/csv/by_indicator_id",
        params={
            "indicator_ids": _ids(source),
            "child_area_type_id": source.api["child_area_type_id"],
            "parent_area_type_id": source.api["parent_area_type_id"],
            "parent_area_code": source.api["parent_area_code"],
            "include_sortable_time_periods": "yes",
        },
        etag=previous.get("etag", ""),
        last_modified=previous.get("last_modified", ""),
    )
    if data.not_modified:
        return None
    metadata = session.get(
        source.id, base + "indicator_metadata/by_indicator_id", params={"indicator_ids": _ids(source)}
    )
    return [(DATA_FILE, data), (METADATA_FILE, metadata)]
