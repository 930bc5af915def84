"""What changed between two releases of a source, read by the source's reader: new periods, revised
values (old → new, counted, with examples) and indicators that disappeared. Used by `fsot ingest`'s
summary table, the run manifest and the report's data-freshness section."""

from __future__ import annotations

import pandas as pd

from pipeline.config import Source
from pipeline.ingest import FORMATS

EXAMPLES = 3


def describe_changes(source: Source, old: pd.DataFrame | None, new: pd.DataFrame | None) -> dict:
    """New periods, revised values (old → new, counted, with examples) and indicators that disappeared."""
    if new is None:
        return {}
    reader = FORMATS[source.reads_as]
    key, value = reader.CHANGE_KEY, reader.CHANGE_VALUE
    period, indicator = reader.CHANGE_PERIOD, reader.CHANGE_INDICATOR
    changes: dict = {"rows": len(new)}
    if old is None:
        changes["first_release"] = True
        return changes
    if period:
        changes["new_periods"] = sorted(set(new[period]) - set(old[period]))
    if indicator:
        changes["disappeared"] = sorted(set(old[indicator]) - set(new[indicator]))
    merged = old.drop_duplicates(key)[key + [value]].merge(
        new.drop_duplicates(key)[key + [value]], on=key, suffixes=("_old", "_new")
    )
    revised = merged[merged[f"{value}_old"].fillna("") != merged[f"{value}_new"].fillna("")]
    changes["revised"] = len(revised)
    changes["revised_examples"] = [
        " / ".join(str(r[k]) for k in key if str(r[k])) + f": {r[f'{value}_old']} → {r[f'{value}_new']}"
        for _, r in revised.head(EXAMPLES).iterrows()
    ]
    return changes


def change_text(changes: dict) -> str:
    """The changes in words, for the summary table, the run manifest and the report."""
    if not changes:
        return ""
    if changes.get("first_release"):
        return "first release landed"
    parts = []
    if changes.get("new_periods"):
        parts.append("new periods: " + ", ".join(changes["new_periods"]))
    if changes.get("revised"):
        parts.append(f"{changes['revised']} value(s) revised (e.g. {'; '.join(changes['revised_examples'])})")
    if changes.get("disappeared"):
        parts.append("gone: " + ", ".join(changes["disappeared"]))
    return "; ".join(parts) or "no change in the values"
