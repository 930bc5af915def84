"""methods_snapshot.json beside each report (hashes of the models' and methods' text and code, the
disclosure rule, the indicators and their periods) and what changed since the last report's snapshot."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from pipeline.config import SQL_DIR
from pipeline.report.appendix.disclosure import disclosure_rule
from pipeline.report.appendix.entries import MethodEntry, ModelEntry
from pipeline.report.appendix.text import _sha256
from pipeline.warehouse.python_models import PYTHON_MODELS
from pipeline.warehouse.registry import Model

SNAPSHOT_FILE = "methods_snapshot.json"
SNAPSHOT_SCHEMA = "fsot-methods-snapshot/1"


def _indicators(config, periods: Mapping[str, Iterable[str]] | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    indicators = tuple(getattr(config, "indicators", ()) or ())
    ids = [str(i.id) for i in indicators]
    for indicator in indicators:
        key = str(indicator.id) if ids.count(str(indicator.id)) == 1 else f"{indicator.id} ({indicator.source})"
        record = {
            "name": indicator.name,
            "sexes": list(getattr(indicator, "sexes", ()) or ()),
            "baseline_period": str(getattr(indicator, "baseline_period", "")),
        }
        if periods is not None:
            record["periods"] = [str(p) for p in periods.get(str(indicator.id), ())]
        out[key] = record
    return out


def snapshot(
    config,
    models: Iterable[ModelEntry],
    methods: Iterable[MethodEntry],
    periods: Mapping[str, Iterable[str]] | None = None,
    sql_dir: Path = SQL_DIR,
    python_models: Iterable[Model] = PYTHON_MODELS,
) -> dict:
    """What methods_snapshot.json holds: sha256 of each model's comment and code, of each method's
    docstring and code, the disclosure rule, and each indicator (with its periods in the warehouse when
    `periods` maps indicator id -> period labels). Deterministic: no time stamps."""
    return {
        "schema": SNAPSHOT_SCHEMA,
        "models": {
            e.relation: {"path": e.path, "comment_sha256": _sha256(e.comment), "code_sha256": e.code_sha256}
            for e in models
        },
        "methods": {
            e.qualname: {"path": e.path, "docstring_sha256": _sha256(e.docstring), "code_sha256": e.code_sha256}
            for e in methods
        },
        "disclosure": {
            "max_suppressed_count": int(config.disclosure_max_suppressed_count),
            "text": disclosure_rule(config, sql_dir, python_models),
        },
        "indicators": _indicators(config, periods),
    }


def snapshot_json(snap: Mapping) -> str:
    """The snapshot as the file's text (sorted keys, so byte-identical for identical inputs)."""
    return json.dumps(snap, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_snapshot(path: Path | None) -> dict | None:
    """The snapshot at path, or None when there is none (first report). Raises ValueError naming the file
    when it is not a snapshot."""
    if path is None or not Path(path).is_file():
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable methods snapshot ({exc})") from exc
    if not isinstance(data, dict) or data.get("schema") != SNAPSHOT_SCHEMA:
        raise ValueError(f"{path}: not a methods snapshot of schema {SNAPSHOT_SCHEMA}")
    return data


def previous_snapshot_path(reports_dir: Path, period: str) -> Path | None:
    """The snapshot of the latest earlier quarterly report, reports/<YYYY-Qn>/methods_snapshot.json, if any."""
    candidates = sorted(
        p
        for p in Path(reports_dir).glob(f"*/{SNAPSHOT_FILE}")
        if re.fullmatch(r"\d{4}-Q[1-4]", p.parent.name) and p.parent.name < period
    )
    return candidates[-1] if candidates else None


def _plural(word: str, items: list) -> str:
    return f"{word}{'s' if len(items) > 1 else ''} {', '.join(map(str, items))}"


def _short(relation: str) -> str:
    return relation.split(".", 1)[-1]


def changes_since(previous: Mapping | Path | None, current: Mapping) -> list[str]:
    """What changed since the last report, as sentences. `previous` is the last report's snapshot (None
    for the first report; a Path is read with load_snapshot); `current` is snapshot(...) of this one."""
    if isinstance(previous, (str, Path)):
        try:
            previous = load_snapshot(Path(previous))
        except ValueError as exc:
            return [f"The previous report's snapshot could not be read, so nothing was compared: {exc}."]
    if previous is None:
        return ["First report: nothing to compare."]
    changes: list[str] = []
    for kind, label, text_key, text_name, code_name in (
        ("models", "Model", "comment_sha256", "method text changed", "code changed, method text unchanged"),
        ("methods", "Method", "docstring_sha256", "docstring changed", "code changed, docstring unchanged"),
    ):
        before, after = previous.get(kind, {}), current.get(kind, {})
        for key in sorted(after.keys() - before.keys()):
            changes.append(f"New {label.lower()} {_short(key) if kind == 'models' else key}.")
        for key in sorted(before.keys() - after.keys()):
            changes.append(f"{label} {_short(key) if kind == 'models' else key} removed.")
        for key in sorted(after.keys() & before.keys()):
            name = _short(key) if kind == "models" else key
            if before[key].get(text_key) != after[key].get(text_key):
                changes.append(f"{label} {name}: {text_name}.")
            elif before[key].get("code_sha256") != after[key].get("code_sha256"):
                changes.append(f"{label} {name}: {code_name}.")
    old, new = previous.get("disclosure", {}), current.get("disclosure", {})
    if old.get("max_suppressed_count") != new.get("max_suppressed_count"):
        changes.append(
            f"Disclosure rule changed: counts 1 to {old.get('max_suppressed_count')} were suppressed, "
            f"now 1 to {new.get('max_suppressed_count')}."
        )
    elif old.get("text") != new.get("text"):
        changes.append("Disclosure rule: its description (how the code applies it) changed.")
    before, after = previous.get("indicators", {}), current.get("indicators", {})
    for key in sorted(after.keys() - before.keys()):
        changes.append(f"New indicator {key} ({after[key].get('name', '')}).")
    for key in sorted(before.keys() - after.keys()):
        changes.append(f"Indicator {key} ({before[key].get('name', '')}) is no longer reported.")
    for key in sorted(after.keys() & before.keys()):
        was, now = before[key], after[key]
        label = f"Indicator {key} ({now.get('name', '')})"
        if was.get("name") != now.get("name"):
            changes.append(f"Indicator {key}: renamed from {was.get('name')!r} to {now.get('name')!r}.")
        if was.get("baseline_period") != now.get("baseline_period"):
            changes.append(
                f"{label}: baseline period changed from {was.get('baseline_period')} to {now.get('baseline_period')}."
            )
        added = [s for s in now.get("sexes", []) if s not in was.get("sexes", [])]
        dropped = [s for s in was.get("sexes", []) if s not in now.get("sexes", [])]
        if added:
            changes.append(f"{label}: now also reported for {', '.join(added)}.")
        if dropped:
            changes.append(f"{label}: no longer reported for {', '.join(dropped)}.")
        if "periods" in was and "periods" in now:
            new_periods = [p for p in now["periods"] if p not in was["periods"]]
            gone = [p for p in was["periods"] if p not in now["periods"]]
            if new_periods:
                changes.append(f"{label}: new {_plural('period', new_periods)}.")
            if gone:
                changes.append(f"{label}: {_plural('period', gone)} no longer in the data.")
    return changes or [
        "No change since the last report in the models' or methods' text or code, the "
        "disclosure rule, or the indicators and their periods."
    ]
