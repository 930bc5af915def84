"""The report's methods appendix, generated from the code an auditor can check line by line.

Nothing here is written by hand about a measure: each measure's definition, formula, confidence-interval
method and reference is TAKEN FROM the model registry (``pipeline.warehouse.registry.build_order``):
each model's ``doc`` (the header comment, the leading ``--`` lines, of ``sql/intermediate/*.sql`` and
``sql/marts/*.sql``; the docstring of each Python model registered in
``pipeline/warehouse/python_models.py``), its ``depends_on`` and the ``methods`` it declares, and from
the docstrings of those statistical methods in ``pipeline/methods/``. To change what the appendix says,
change the comment or docstring beside the code.

The appendix reads the models' and methods' own fields (their docstrings and source through
``inspect``); it never runs a model or a method.

API
---
The functions below take ``sql_dir`` and ``python_models``: the project's own ``sql/`` and its Python
models (``pipeline.warehouse.python_models.PYTHON_MODELS``) by default; a caller with another folder
passes the Python models that go with it (usually none, ``python_models=()``).

``model_entries(sql_dir=SQL_DIR, python_models=PYTHON_MODELS)`` -> list[ModelEntry]
    every intermediate and marts model of ``build_order(sql_dir, python_models)``, sorted by layer then
    name.
``method_entries(sql_dir=SQL_DIR, python_models=PYTHON_MODELS)`` -> list[MethodEntry]
    the methods the build runs (the ``methods`` each Python model declares at registration), then
    ``CHECK_METHODS``: the methods whose published values the build takes as given and ``fsot method``
    can recompute, and ``z_value``, whose 95 % and 99.8 % values the SQL writes as constants (the models
    and macros doing so are found in their code).
``disclosure_rule(config, sql_dir=SQL_DIR, python_models=PYTHON_MODELS)`` -> str
    the configured disclosure rule, described from what the SQL does, citing the files.
``snapshot(config, models, methods, periods=None, sql_dir=SQL_DIR, python_models=PYTHON_MODELS)`` -> dict
    what ``methods_snapshot.json`` holds (write it with ``snapshot_json``; see ``SNAPSHOT_FILE``).
``changes_since(previous, current)`` -> list[str]
    human sentences comparing the previous report's snapshot (a dict, or None for the first report)
    with the current one. Pure; ``load_snapshot(path)`` and ``previous_snapshot_path(reports_dir,
    period)`` are the file-reading helpers for the caller.
``appendix_context(config, previous_snapshot=None, periods=None, sql_dir=SQL_DIR,
python_models=PYTHON_MODELS)`` -> dict
    the ``appendix`` variable of ``templates/methods_appendix.html.j2`` (below).
``periods_by_indicator(con)`` -> dict[str, list[str]]
    the periods of each indicator in the warehouse (marts.fct_ward_indicator), for ``periods=``.
``render(appendix)`` -> str
    the partial rendered on its own (autoescaped), for tests and previews.

Context: ``appendix`` (a dict; every string is plain text, the template escapes it)
------------------------------------------------------------------------------------
::

    {
      "title": "Methods appendix",
      "intro": str,                      # one paragraph: where the text below comes from
      "disclosure_rule": str,            # disclosure_rule(config)
      "changes": [str, ...],             # changes_since(previous, snapshot); never empty
      "models": [                        # one per model, layer then name
        {"name": "fct_gap_measure", "layer": "marts", "relation": "marts.fct_gap_measure",
         "kind": "sql" | "python", "path": "sql/marts/fct_gap_measure.sql", "line": 1,
         "source": "sql/marts/fct_gap_measure.sql" (or "pipeline/warehouse/python_models.py:23"),
         "anchor": "appendix-model-fct_gap_measure",
         "definition": str,              # first sentence of the comment, on one line, name prefix removed
         "body": str,                    # the rest, the author's lines kept ("" when none)
         "comment": str,                 # the whole comment as written
         "methods": [{"qualname": ..., "anchor": ...}]},   # methods the model runs (Python models)
      ],
      "methods": [                       # one per method
        {"qualname": "pipeline.methods.slope_index.phe_sii", "module": "pipeline.methods.slope_index",
         "function": "phe_sii", "path": "pipeline/methods/slope_index/simulation.py", "line": 200,
         "source": "pipeline/methods/slope_index/simulation.py:200", "anchor": "appendix-method-...",
         "module_path": "pipeline/methods/slope_index/__init__.py",   # the module docstring's file
         "summary": str, "body": str, "docstring": str,
         "reference": str, "reference_from": "function" | "module" | "",
         "role": "build" | "constant" | "check",   # run by a model / its values written in the SQL / neither
         "used_by": [{"relation": ..., "anchor": ...}], "constants": ["1.959963984540054 (95 %)", ...],
         "command": "fsot method sii" | "",  "module_anchor": "appendix-module-..."},
      ],
      "method_modules": [                # each methods module's docstring, once (derivations, references)
        {"module": ..., "path": ..., "anchor": ..., "summary": str, "body": str},
      ],
      "snapshot": dict,                  # snapshot(...): the caller writes it beside the report
    }

The snapshot (``methods_snapshot.json`` beside each report) is deterministic, holds no time stamp, and
stores a sha256 per model comment and per model's code, per method docstring and method code, the
disclosure rule (its setting and text) and each indicator with its sexes, baseline and (when the caller
passes them) the periods in the warehouse.
"""

# The parts live in pipeline/report/appendix/ (entries, disclosure text, snapshot, limitations, the context);
# this module re-exports them and keeps the report's Jinja2 environment (environment, rst_inline, render).

from __future__ import annotations

from collections.abc import Mapping

from pipeline.report.appendix import (
    CHECK_METHODS,
    COMMANDS,
    CONSTANT_METHODS,
    DISCLOSURE_VARIABLE,
    INTRO,
    LAYERS,
    SNAPSHOT_FILE,
    SNAPSHOT_SCHEMA,
    UNDERSTATEMENTS,
    MethodEntry,
    ModelEntry,
    appendix_context,
    changes_since,
    disclosure_rule,
    limitations,
    load_snapshot,
    method_entries,
    model_entries,
    periods_by_indicator,
    previous_snapshot_path,
    reference_part,
    snapshot,
    snapshot_json,
    split_first_sentence,
)
from pipeline.report.templating import environment, rst_inline

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
    "environment",
    "limitations",
    "load_snapshot",
    "method_entries",
    "model_entries",
    "periods_by_indicator",
    "previous_snapshot_path",
    "reference_part",
    "render",
    "rst_inline",
    "snapshot",
    "snapshot_json",
    "split_first_sentence",
]


def render(appendix: Mapping) -> str:
    """The partial on its own, with the report's Jinja2 settings (autoescaped)."""
    return environment().get_template("methods_appendix.html.j2").render(appendix=appendix)
