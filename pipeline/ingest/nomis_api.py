"""Nomis API (format `nomis_api`): any dataset by id with its query parameters, as CSV, paged past the
anonymous limit of 25,000 cells per call.

Settings: `dataset` (e.g. "NM_162_1", the claimant count) and `query` (a table of the dataset's
parameters, e.g. { geography = "TYPE153", date = "latest", gender = "0", age = "0", measure = "1,2",
measures = "20100" }); `base_url` defaults to the public API; `page_size` (default 25000 rows).
Paging: `RecordOffset` (and `RecordLimit`) until the rows received reach the `RECORD_COUNT` that every
row carries. Each page is landed as the service sent it; the pages are read together, as a Nomis CSV
(`nomis_csv`) or, with `reads_as = "area_counts"`, as counts by area and category (e.g. a Census 2021
table by LSOA). Endpoint: `dataset/<id>.data.csv` (../shared/reference/apis.md).
"""

from __future__ import annotations

import csv
import io
import re

from pipeline.ingest.http import Fetched, Session
from pipeline.ingest.landing import PullError

DEFAULT_BASE_URL = "https://www.nomisweb.co.uk/api/v01/"
PAGE_SIZE = 25_000
MAX_PAGES = 1000


def check(source) -> None:
    dataset = source.api.get("dataset")
    if not dataset or not re.fullmatch(r"NM_\d+_\d+", str(dataset)):
        raise ValueError('a nomis_api source needs dataset = "NM_<number>_<number>", e.g. "NM_162_1"')
    if not isinstance(source.api.get("query", {}), dict):
        raise ValueError('query must be a table of the dataset\'s parameters, e.g. query = { date = "latest" }')


def _page_rows(body: bytes) -> tuple[int, int | None]:
    """(data rows in the page, RECORD_COUNT it states)."""
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig", errors="replace")))
    rows, total = 0, None
    for row in reader:
        rows += 1
        if total is None and (row.get("RECORD_COUNT") or "").strip().isdigit():
            total = int(row["RECORD_COUNT"])
    return rows, total


def pull(session: Session, source, previous: dict) -> list[tuple[str, Fetched]] | None:
    base = (source.base_url or DEFAULT_BASE_URL).rstrip("/") + "/"
    url = f"{base}dataset/{source.api['dataset']}.data.csv"
    size = int(source.api.get("page_size", PAGE_SIZE))
    query = {str(k): str(v) for k, v in source.api.get("query", {}).items()}
    pages: list[tuple[str, Fetched]] = []
    offset = 0
    for number in range(1, MAX_PAGES + 1):
        params = {**query, "RecordOffset": str(offset), "RecordLimit": str(size)}
        first = number == 1
        page = session.get(
            source.id,
            url,
            params=params,
            etag=previous.get("etag", "") if first else "",
            last_modified=previous.get("last_modified", "") if first else "",
        )
        if page.not_modified:
            return None
        rows, total = _page_rows(page.body)
        pages.append((f"{source.api['dataset']}_page{number:03d}.csv", page))
        offset += rows
        if rows == 0 or total is None or offset >= total:
            return pages
    raise PullError(f"source {source.id!r}: {url}: more than {MAX_PAGES} pages; narrow the query")
