"""ONS Open Geography portal (format `ons_arcgis`): an ArcGIS FeatureServer query, paged with
`resultOffset`/`resultRecordCount` while the response says `exceededTransferLimit`.

Settings: `service` (e.g. "LSOA11_LSOA21_LAD22_EW_LU"), `layer` (default 0), `where` (default "1=1"),
`out_fields` (default "*"), `f` ("json", default, or "geojson" for boundaries), `page_size` (default
2000); `base_url` defaults to the portal's ArcGIS services. Lookups are read as an ONS lookup
(`reads_as = "ons_lsoa_ward_lookup"`, the default; each feature's attributes are a row); boundaries
(`f = "geojson"`) are landed only (`reads_as = "none"`). A JSON `error` object in a 200 response is a
failure. Endpoint: `<service>/FeatureServer/<layer>/query` (../shared/reference/apis.md).
"""

from __future__ import annotations

import json
import re

from pipeline.ingest.http import Fetched, Session
from pipeline.ingest.landing import PullError

DEFAULT_BASE_URL = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
PAGE_SIZE = 2000
MAX_PAGES = 1000


def check(source) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_]+", str(source.api.get("service", ""))):
        raise ValueError(
            "an ons_arcgis source needs service = the FeatureServer's name, e.g. "
            '"LSOA11_LSOA21_LAD22_EW_LU" (letters, digits and _ only)'
        )
    if str(source.api.get("f", "json")) not in ("json", "geojson"):
        raise ValueError('f must be "json" (attribute tables) or "geojson" (boundaries)')


def _page(source, fetched: Fetched) -> dict:
    try:
        document = json.loads(fetched.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PullError(
            f"source {source.id!r}: {fetched.url}: not the JSON the service sends ({exc}); nothing was landed"
        ) from exc
    if not isinstance(document, dict):
        raise PullError(f"source {source.id!r}: {fetched.url}: not an ArcGIS query response; nothing was landed")
    if "error" in document:
        error = document["error"] if isinstance(document["error"], dict) else {"message": document["error"]}
        raise PullError(
            f"source {source.id!r}: {fetched.url}: the service answered error {error.get('code', '')} "
            f"({error.get('message', '')}); check service, where and out_fields"
        )
    return document


def _exceeded(document: dict) -> bool:
    return bool(
        document.get("exceededTransferLimit") or (document.get("properties") or {}).get("exceededTransferLimit")
    )


def pull(session: Session, source, previous: dict) -> list[tuple[str, Fetched]] | None:
    base = (source.base_url or DEFAULT_BASE_URL).rstrip("/") + "/"
    service = source.api["service"]
    url = f"{base}{service}/FeatureServer/{int(source.api.get('layer', 0))}/query"
    size = int(source.api.get("page_size", PAGE_SIZE))
    fmt = str(source.api.get("f", "json"))
    pages: list[tuple[str, Fetched]] = []
    offset = 0
    for number in range(1, MAX_PAGES + 1):
        first = number == 1
        fetched = session.get(
            source.id,
            url,
            params={
                "where": str(source.api.get("where", "1=1")),
                "outFields": str(source.api.get("out_fields", "*")),
                "outSR": "4326",
                "f": fmt,
                "resultOffset": str(offset),
                "resultRecordCount": str(size),
            },
            etag=previous.get("etag", "") if first else "",
            last_modified=previous.get("last_modified", "") if first else "",
        )
        if fetched.not_modified:
            return None
        document = _page(source, fetched)
        features = document.get("features") or []
        pages.append((f"{service}_page{number:03d}.{'geojson' if fmt == 'geojson' else 'json'}", fetched))
        offset += len(features)
        if not _exceeded(document) or not features:
            return pages
    raise PullError(f"source {source.id!r}: {url}: more than {MAX_PAGES} pages; narrow the where clause")
