"""The data-freshness table and the "new this quarter" box: each source's current release, when it was
retrieved and what changed with it, from the provenance of the landed files the build loaded into the
warehouse (marts.dim_source_release, read by `queries.read_marts` as "releases"), with the source's
title, publisher, licence and next release from fsot.toml.
"""

from __future__ import annotations

import pandas as pd

from pipeline.config import Config
from pipeline.report.text import quarter_start


def freshness_rows(config: Config, releases: pd.DataFrame) -> list[dict]:
    """Each source's release, when its files were retrieved, what changed with it (pulled sources: new
    periods, revised values, indicators gone, against the release before) and the next expected release:
    the current release of each source (`releases`: marts.dim_source_release where is_current, the
    provenance the build loaded)."""
    current = {r["source_id"]: r for r in releases.to_dict("records")}
    rows = []
    for source in config.sources:
        landed = current.get(source.id)
        pulled = "not pulled" if landed is None else landed["release"]
        release = pulled if source.pulled else source.release
        new_periods = [] if landed is None else _value(landed["new_periods"], [])
        rows.append(
            {
                "source": source.title or source.id,
                "publisher": source.publisher,
                "release": release,
                "retrieved": "not landed" if landed is None else _day(landed["last_retrieved_on"]),
                "changes": "" if landed is None else _value(landed["changes_text"], ""),
                "next_release": source.next_release or "not stated in fsot.toml",
                "licence": source.licence,
                "files": 0 if landed is None else int(landed["files"]),
                "demonstration": source.demonstration,
                "new_periods": [str(p) for p in new_periods],
                "revised": 0 if landed is None else int(_value(landed["revised"], 0)),
                "first_release": False if landed is None else bool(_value(landed["first_release"], False)),
            }
        )
    return rows


def _value(value, missing):
    """A cell of a mart's row, or `missing` when it is NULL (a list cell is never NULL as a whole)."""
    if value is None or (not hasattr(value, "__len__") and pd.isna(value)):
        return missing
    return value


def _day(value) -> str:
    """A date cell as YYYY-MM-DD."""
    return pd.Timestamp(value).date().isoformat()


def new_this_quarter(freshness: list[dict], period: str) -> dict:
    """The 'new this quarter' box: the sources whose latest release landed on or after the first day of
    the report's quarter, with the periods added and values revised that the ingest recorded for it
    (the same records as the data-freshness table's "What changed")."""
    since = quarter_start(period)
    refreshed = [r for r in freshness if r["retrieved"] != "not landed" and r["retrieved"] >= since.isoformat()]
    items = []
    for r in refreshed:
        if r["changes"]:
            what = r["changes"]
        elif r["files"]:
            what = "new release (a file source: its values are not compared with the release before)"
        else:
            what = ""
        items.append(
            {
                "source": r["source"],
                "release": r["release"],
                "retrieved": r["retrieved"],
                "what": what,
                "new_periods": r["new_periods"],
                "revised": r["revised"],
            }
        )
    return {
        "since": since.isoformat(),
        "sources": items,
        "new_periods": sorted({p for r in refreshed for p in r["new_periods"]}),
        "revised": sum(r["revised"] for r in refreshed),
    }
