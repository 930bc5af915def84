"""`fsot ingest` for sources pulled over HTTP: fetch, check, land as a new release, say what changed.

For one source: ask the service (a conditional request on the last landed release's ETag or
Last-Modified, so an unchanged source costs one round trip); check every body whole (not an HTML page,
not cut off mid-row, read by its reader with the columns and number types it needs); then land the
bodies as one new release, all or nothing (pipeline.ingest.landing.land_pulled). A body identical to
the last release lands nothing. "What changed" compares the new release with the last one, read by
the same reader: new periods, revised values (old → new, counted) and indicators that disappeared.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.config import NOT_LOADED, Config, Source
from pipeline.ingest import FORMATS, connector_for
from pipeline.ingest.changes import describe_changes
from pipeline.ingest.csv_file import SourceFileError
from pipeline.ingest.http import Fetched, Session
from pipeline.ingest.landing import PullError, land_pulled, latest_release


@dataclass
class PullResult:
    source: str
    status: str  # "new release" or "unchanged"
    release: str
    rows: int | None
    changes: dict = field(default_factory=dict)
    bytes: int = 0


def _check_body(source: Source, name: str, fetched: Fetched) -> None:
    """One line when a body is not what the source's format sends: an HTML page, or a CSV cut off mid-row."""
    head = fetched.body.lstrip()[:200].lower()
    if "text/html" in fetched.content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
        raise PullError(
            f"source {source.id!r}: {fetched.url}: the service sent an HTML page, not the data "
            "(an error or maintenance page?); nothing was landed: try again later"
        )
    if name.endswith(".csv") and fetched.body and not fetched.body.endswith((b"\n", b"\r")):
        records = list(csv.reader(io.StringIO(fetched.body.decode("utf-8-sig", errors="replace"), newline="")))
        if len(records) > 1 and len(records[-1]) != len(records[0]):
            raise PullError(
                f"source {source.id!r}: {fetched.url}: the CSV ends in the middle of a row (line "
                f"{len(records)} has {len(records[-1])} of {len(records[0])} fields); nothing was landed: "
                "try again later"
            )


def _read(source: Source, paths: list[Path]) -> pd.DataFrame | None:
    if source.reads_as == NOT_LOADED:
        return None
    return FORMATS[source.reads_as].read(paths, source)


def _check_types(source: Source, url: str, frame: pd.DataFrame) -> None:
    """A number column whose cells are mostly text is a change of schema, not a few bad rows."""
    markers = {"", "*", "x", "..", "c", "-", ":"}
    for column in getattr(FORMATS[source.reads_as], "NUMERIC", []):
        cells = frame[column].fillna("").astype(str).str.strip()
        given = cells[~cells.isin(markers)]
        text = pd.to_numeric(given.str.replace(",", "", regex=False), errors="coerce").isna()
        if len(given) and text.mean() > 0.5:
            example = given[text].iloc[0]
            raise PullError(
                f"source {source.id!r}: {url}: the schema changed: column {column!r} now holds text "
                f"(e.g. {example!r}) where numbers were; nothing was landed: check the service's notices"
            )


def pull_source(config: Config, source: Source, session: Session) -> PullResult:
    """Pull one source; land a new release when the service has one. Raises PullError (nothing landed)."""
    previous = latest_release(config, source)
    validators = (
        {"etag": previous[0].get("etag", ""), "last_modified": previous[0].get("last_modified", "")} if previous else {}
    )
    bodies = connector_for(source.format).pull(session, source, validators)
    if bodies is None:  # 304: the service says nothing changed
        return PullResult(source.id, "unchanged", previous[0]["release"], None)
    for name, fetched in bodies:
        _check_body(source, name, fetched)
    digest = hashlib.sha256(b"".join(hashlib.sha256(f.body).digest() for _, f in bodies)).hexdigest()
    if previous and previous[0].get("release_sha256") == digest:
        return PullResult(source.id, "unchanged", previous[0]["release"], None)
    config.raw_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=config.raw_dir, prefix=".checking-") as folder:
        paths = []
        for name, fetched in bodies:
            (Path(folder) / name).write_bytes(fetched.body)
            paths.append(Path(folder) / name)
        metadata = getattr(connector_for(source.format), "METADATA_FILES", ())
        readable = [p for p in paths if p.name not in metadata]
        try:
            frame = _read(source, readable)
        except SourceFileError as exc:
            message = str(exc).replace(folder + "/", "")
            raise PullError(
                f"source {source.id!r}: {bodies[0][1].url}: the schema changed or the body is not "
                f"the expected format: {message}; nothing was landed"
            ) from exc
        if frame is not None:
            _check_types(source, bodies[0][1].url, frame)
    old = None
    if previous and frame is not None:
        old = _read(source, [config.raw_dir / r["path"] for r in previous if r.get("role", "data") == "data"])
    changes = describe_changes(source, old, frame)
    release = land_pulled(config, source, bodies, digest, changes, metadata)
    return PullResult(
        source.id,
        "new release",
        release,
        None if frame is None else len(frame),
        changes,
        sum(len(f.body) for _, f in bodies),
    )
