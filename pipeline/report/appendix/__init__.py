"""The methods appendix in parts (the public API and the template's context are described in
``pipeline.report.methods_appendix``, which re-exports these names):

- ``text.py``: first sentence, body and reference paragraph of a docstring or comment;
- ``entries.py``: the model and method entries, from the model registry and the methods' docstrings;
- ``disclosure.py``: the disclosure rule's text;
- ``snapshot.py``: methods_snapshot.json and the changes since the last report;
- ``limitations.py``: the limitations section;
- here: the template's ``appendix`` context (``appendix_context``) and ``periods_by_indicator``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path

from pipeline.config import SQL_DIR
from pipeline.report.appendix.disclosure import DISCLOSURE_VARIABLE, disclosure_rule
from pipeline.report.appendix.entries import (
    CHECK_METHODS,
    COMMANDS,
    CONSTANT_METHODS,
    LAYERS,
    MethodEntry,
    ModelEntry,
    method_entries,
    model_entries,
)
from pipeline.report.appendix.limitations import UNDERSTATEMENTS, limitations
from pipeline.report.appendix.snapshot import (
    SNAPSHOT_FILE,
    SNAPSHOT_SCHEMA,
    changes_since,
    load_snapshot,
    previous_snapshot_path,
    snapshot,
    snapshot_json,
)
from pipeline.report.appendix.text import reference_part, split_first_sentence
from pipeline.warehouse.python_models import PYTHON_MODELS
from pipeline.warehouse.registry import Model

__all__ = [
    "CHECK_METHODS",
    "COMMANDS",
    "CONSTANT_METHODS",
    "DISCLOSURE_VARIABLE",
    "INTRO",
    "LAYERS",
    "SNAPSHOT_FILE",
    "SNAPSHOT_SCHEMA",
    "UNDERSTATEMENTS",
    "MethodEntry",
    "ModelEntry",
    "appendix_context",
    "changes_since",
    "disclosure_rule",
    "limitations",
    "load_snapshot",
    "method_entries",
    "model_entries",
    "periods_by_indicator",
    "previous_snapshot_path",
    "reference_part",
    "snapshot",
    "snapshot_json",
    "split_first_sentence",
]

INTRO = (
    "This appendix is generated from the code that made the figures: each measure's definition, formula, "
    "confidence-interval method and reference below is the header comment of the SQL model (or the "
    "docstring of the Python model) that computes it, and each statistical method's is the docstring of "
    "its function, reproduced verbatim with the file and line to check it against. Nothing here is "
    "written separately from the code."
)


def periods_by_indicator(con) -> dict[str, list[str]]:
    """Each indicator's periods in the warehouse (marts.fct_ward_indicator, read by
    `queries.indicator_periods`), oldest first."""
    from pipeline.report.queries import indicator_periods

    out: dict[str, list[str]] = {}
    for indicator_id, period in indicator_periods(con):
        out.setdefault(str(indicator_id), []).append(str(period))
    return out


def appendix_context(
    config,
    previous_snapshot: Mapping | Path | None = None,
    periods: Mapping[str, Iterable[str]] | None = None,
    sql_dir: Path = SQL_DIR,
    python_models: Iterable[Model] = PYTHON_MODELS,
) -> dict:
    """The `appendix` variable of templates/methods_appendix.html.j2 (shape in the module docstring).
    The caller writes appendix["snapshot"] beside the report with snapshot_json."""
    python_models = tuple(python_models)
    models = model_entries(sql_dir, python_models)
    methods = method_entries(sql_dir, python_models)
    snap = snapshot(config, models, methods, periods, sql_dir, python_models)
    relations = {m.relation: m for m in models}
    method_anchor = {m.qualname: m.anchor for m in methods}
    modules: dict[str, dict] = {}
    for method in methods:
        if method.module_docstring and method.module not in modules:
            summary, body = split_first_sentence(method.module_docstring.splitlines())
            modules[method.module] = {
                "module": method.module,
                "path": method.module_path or method.path,
                "anchor": method.module_anchor,
                "summary": summary,
                "body": "\n".join(body),
            }
    return {
        "title": "Methods appendix",
        "intro": INTRO,
        "disclosure_rule": snap["disclosure"]["text"],
        "changes": changes_since(previous_snapshot, snap),
        "models": [
            {
                **asdict(m),
                "relation": m.relation,
                "source": m.source,
                "anchor": m.anchor,
                "methods": [{"qualname": q, "anchor": method_anchor.get(q, "")} for q in m.methods],
            }
            for m in models
        ],
        "methods": [
            {
                **asdict(m),
                "source": m.source,
                "anchor": m.anchor,
                "module_anchor": m.module_anchor if m.module in modules else "",
                "used_by": [
                    {"relation": r, "anchor": relations[r].anchor if r in relations else ""} for r in m.used_by
                ],
                "command": f"fsot method {m.command}" if m.command else "",
            }
            for m in methods
        ],
        "method_modules": list(modules.values()),
        "snapshot": snap,
    }
