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
         "function": "phe_sii", "path": "pipeline/methods/slope_index.py", "line": 313,
         "source": "pipeline/methods/slope_index.py:313", "anchor": "appendix-method-...",
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

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.config import PACKAGE_ROOT, SQL_DIR
from pipeline.report.templating import environment
from pipeline.warehouse.python_models import PYTHON_MODELS
from pipeline.warehouse.registry import Model, build_order, function_source, sql_code, trim_blank

LAYERS = ("intermediate", "marts")  # the layers whose models define a measure (staging only renames)
SNAPSHOT_FILE = "methods_snapshot.json"
SNAPSHOT_SCHEMA = "fsot-methods-snapshot/1"
DISCLOSURE_VARIABLE = "disclosure_max_suppressed_count"

#: Methods the build does not run (ward values and limits are taken as published) but that `fsot method`
#: runs to recompute a published figure: (module, function, `fsot method` name). z_value's values are
#: also found written as constants in the SQL (see CONSTANT_METHODS).
CHECK_METHODS = (
    ("pipeline.methods.confidence", "z_value", ""),
    ("pipeline.methods.proportion", "proportion", "proportion"),
    ("pipeline.methods.rate", "rate", "rate"),
    ("pipeline.methods.life_expectancy", "life_expectancy", "life-expectancy"),
)
#: `fsot method` names of the methods the build runs, for the "recompute it yourself" line.
COMMANDS = {("pipeline.methods.slope_index", "phe_sii"): "sii"}
#: Methods whose values the SQL writes as literals: (module, function) -> the confidence levels whose
#: two-sided normal quantiles are looked for in the models' code (not their comments).
CONSTANT_METHODS = {("pipeline.methods.confidence", "z_value"): (0.95, 0.998)}

_REFERENCE_LABEL = re.compile(r"\bReferences?:\s*")
_ABBREVIATIONS = {"e.g", "i.e", "al", "cf", "ed", "eds", "ch", "vol", "no", "vs", "approx", "fig", "etc", "p", "pp"}


@dataclass(frozen=True)
class ModelEntry:
    name: str
    layer: str
    path: str            # relative to the repository, posix
    kind: str            # "sql" or "python"
    comment: str         # the header comment (or docstring) as written, comment markers removed
    definition: str      # its first sentence, on one line, without the leading "<name>:"
    body: str            # the rest, the author's line structure kept
    line: int = 1
    code_sha256: str = ""
    methods: tuple[str, ...] = ()   # qualified names of the pipeline.methods functions it runs

    @property
    def relation(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def source(self) -> str:
        return self.path if self.kind == "sql" else f"{self.path}:{self.line}"

    @property
    def anchor(self) -> str:
        return "appendix-model-" + _slug(self.name)


@dataclass(frozen=True)
class MethodEntry:
    qualname: str        # pipeline.methods.slope_index.phe_sii
    module: str
    function: str
    path: str
    line: int
    docstring: str
    summary: str
    body: str
    reference: str       # the "Reference(s):" paragraph, from the function or else from its module
    reference_from: str  # "function", "module" or "" (none found)
    module_docstring: str
    role: str            # "build" (a model runs it), "constant" (models use its values as literals)
                         # or "check" (only `fsot method` runs it)
    used_by: tuple[str, ...] = ()   # relations of the models that run it (or use its constants)
    command: str = ""    # `fsot method` name, when there is one
    code_sha256: str = ""
    constants: tuple[str, ...] = ()  # role "constant": the literals found, e.g. "1.959963984540054 (95 %)"

    @property
    def source(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def anchor(self) -> str:
        return "appendix-method-" + _slug(self.qualname)

    @property
    def module_anchor(self) -> str:
        return "appendix-module-" + _slug(self.module)


# --------------------------------------------------------------------------------------------------
# text helpers


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _relative(path: Path, root: Path) -> str:
    path = path.resolve()
    for base in (PACKAGE_ROOT, root):
        try:
            return path.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _one_line(parts: Iterable[str]) -> str:
    return " ".join(" ".join(parts).split())


def _sentence_ends(line: str, j: int) -> bool:
    """Whether the '.', '?' or '!' at line[j] ends a sentence (not a decimal point or abbreviation)."""
    after = line[j + 1:]
    if after and not after[0].isspace():
        return False
    if line[j] == ".":
        word = re.search(r"([A-Za-z.]+)$", line[:j])
        if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            return False
    rest = after.lstrip()
    return not (rest and rest[0].islower())  # "…, e.g. the ward" continues the sentence


def split_first_sentence(lines: list[str]) -> tuple[str, list[str]]:
    """(first sentence on one line, the remaining lines as written).

    The sentence ends at '.', '?' or '!' outside brackets, at the end of its paragraph (a blank line),
    or before the first line indented more than the first (a formula block), whichever comes first; the
    rest of the line it ends on, if any, starts the body.
    """
    lines = trim_blank([line.rstrip() for line in lines])
    if not lines:
        return "", []
    base, depth = _indent(lines[0]), 0
    for i, line in enumerate(lines):
        if not line.strip() or (i and _indent(line) > base):
            return _one_line(lines[:i]), trim_blank(lines[i:])
        for j, char in enumerate(line):
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(depth - 1, 0)
            elif char in ".?!" and depth == 0 and _sentence_ends(line, j):
                rest = line[j + 1:].strip()
                return _one_line([*lines[:i], line[:j + 1]]), trim_blank(([rest] if rest else []) + lines[i + 1:])
    return _one_line(lines), []


def _without_name(definition: str, name: str) -> str:
    prefix = re.match(rf"\s*{re.escape(name)}\s*:\s*", definition)
    return definition[prefix.end():] if prefix else definition


def reference_part(text: str) -> str:
    """The paragraph that starts at "Reference:" / "References:", to the next blank line, on one line,
    without that label."""
    found = _REFERENCE_LABEL.search(text)
    if not found:
        return ""
    paragraph = re.split(r"\n\s*\n", text[found.end():], maxsplit=1)[0]
    return _one_line(paragraph.splitlines())


# --------------------------------------------------------------------------------------------------
# models


def _registry(sql_dir: Path, python_models: Iterable[Model]) -> list[Model]:
    return build_order(Path(sql_dir), python_models)


def _entry(model: Model, root: Path) -> ModelEntry:
    definition, body = split_first_sentence(model.doc.splitlines())
    return ModelEntry(name=model.name, layer=model.layer, path=_relative(model.path, root), kind=model.kind,
                      comment=model.doc, definition=_without_name(definition, model.name), body="\n".join(body),
                      line=model.line, code_sha256=_sha256(model.code),
                      methods=tuple(_qualname(method) for method in model.methods))


def _qualname(function) -> str:
    return f"{function.__module__}.{function.__name__}"


def model_entries(sql_dir: Path = SQL_DIR, python_models: Iterable[Model] = PYTHON_MODELS) -> list[ModelEntry]:
    """Every intermediate and marts model of build_order(sql_dir, python_models), with its doc (header
    comment or docstring) split into a definition and a body. Sorted by layer, then name."""
    root = Path(sql_dir).parent
    entries = [_entry(model, root) for model in _registry(sql_dir, python_models) if model.layer in LAYERS]
    rank = {layer: n for n, layer in enumerate(LAYERS)}
    return sorted(entries, key=lambda e: (rank[e.layer], e.name))


# --------------------------------------------------------------------------------------------------
# methods


def _method_entry(module: str, function: str, role: str, used_by: tuple[str, ...], command: str,
                  constants: tuple[str, ...] = ()) -> MethodEntry:
    loaded = importlib.import_module(module)
    path = Path(inspect.getfile(loaded))
    method = getattr(loaded, function, None)
    if not inspect.isfunction(method):
        raise LookupError(f"{path}: no function {function}() (the methods appendix lists it; update "
                          "CHECK_METHODS in pipeline/report/methods_appendix.py)")
    line, code = function_source(method)
    docstring = inspect.getdoc(method) or ""
    module_docstring = inspect.getdoc(loaded) or ""
    summary, body = split_first_sentence(docstring.splitlines())
    reference = reference_part(docstring)
    reference_from = "function" if reference else ""
    if not reference:
        reference = reference_part(module_docstring)
        reference_from = "module" if reference else ""
    return MethodEntry(qualname=f"{module}.{function}", module=module, function=function,
                       path=_relative(path, PACKAGE_ROOT), line=line, docstring=docstring, summary=summary,
                       body="\n".join(body), reference=reference, reference_from=reference_from,
                       module_docstring=module_docstring, role=role, used_by=used_by, command=command,
                       code_sha256=_sha256(code), constants=constants)


def _constant_uses(levels: Iterable[float], models: Iterable[Model],
                   sql_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(SQL models and macros whose SQL code, comments left out, writes z for one of the levels as a
    literal with at least 10 decimals, equal to 1e-12; the literals as written, with their level)."""
    from statistics import NormalDist

    z = {c: NormalDist().inv_cdf(c + (1 - c) / 2) for c in levels}
    rank = {layer: n for n, layer in enumerate(LAYERS)}
    sources = [(model.relation, model.code) for model in sorted(models, key=lambda m: (rank.get(m.layer, -1), m.name))
               if model.kind == "sql" and model.layer in LAYERS]
    sources += [(f"macro {path.stem}", sql_code(path.read_text(encoding="utf-8")))
                for path in sorted((sql_dir / "macros").glob("*.sql"))]
    users, found = [], {}
    for name, code in sources:
        hits = {(literal, c) for literal in re.findall(r"(?<![\w.])\d+\.\d{10,}(?![\w.])", code)
                for c, value in z.items() if abs(float(literal) - value) < 1e-12}
        if hits:
            users.append(name)
            found.update(hits)
    return tuple(users), tuple(f"{literal} ({c * 100:g} %)" for literal, c in sorted(found.items(), key=lambda h: h[1]))


def method_entries(sql_dir: Path = SQL_DIR, python_models: Iterable[Model] = PYTHON_MODELS) -> list[MethodEntry]:
    """The methods the build runs (the `methods` each model declares), then CHECK_METHODS (not run by
    the build; `fsot method` recomputes published values with them; those in CONSTANT_METHODS whose
    values the SQL of sql_dir writes as literals get role "constant")."""
    models = _registry(sql_dir, python_models)
    used: dict[tuple[str, str], list[str]] = {}
    for model in models:
        for method in model.methods:
            used.setdefault((method.__module__, method.__name__), []).append(model.relation)
    entries = [_method_entry(module, function, "build", tuple(models), COMMANDS.get((module, function), ""))
               for (module, function), models in used.items()]
    entries.sort(key=lambda e: (e.module, e.line))
    for module, function, command in CHECK_METHODS:
        if (module, function) in used:
            continue
        users, constants = _constant_uses(CONSTANT_METHODS.get((module, function), ()), models, Path(sql_dir))
        entries.append(_method_entry(module, function, "constant" if users else "check", users, command, constants))
    return entries


# --------------------------------------------------------------------------------------------------
# disclosure


def _number(value) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def disclosure_rule(config, sql_dir: Path = SQL_DIR, python_models: Iterable[Model] = PYTHON_MODELS) -> str:
    """The disclosure rule in force, described from the configuration and from what the SQL does.

    Cites the model that applies the rule (the one whose SQL reads the setting), the columns it sets to
    missing, the models that read its output, and the singular test that checks it; then the publishers'
    suppression markers and the life-expectancy rules of pipeline/methods/life_expectancy.py.
    """
    sql_dir = Path(sql_dir)
    root = sql_dir.parent
    n = int(config.disclosure_max_suppressed_count)
    sentences = [f"A count from 1 to {n} is treated as disclosive (fsot.toml [disclosure] "
                 f"max_suppressed_count = {n})."]
    models = _registry(sql_dir, python_models)
    bodies = {m.relation: (m.path, m.code) for m in sorted(models, key=lambda m: (("staging", *LAYERS).index(m.layer),
                                                                                m.name)) if m.kind == "sql"}
    depends = {m.relation: set(m.depends_on) for m in models}
    applying = [relation for relation, (_, body) in bodies.items() if DISCLOSURE_VARIABLE in body]
    for relation in applying:
        path, body = bodies[relation]
        columns = re.findall(r"case\s+when\s+not\s+disclosive\s+then\s+(?:\w+\.)?\"?(\w+)\"?\s+end", body,
                             re.IGNORECASE)
        what = (f"its {', '.join(columns[:-1])} and {columns[-1]} are set to missing" if len(columns) > 1
                else f"its {columns[0]} is set to missing" if columns else "it is suppressed")
        note = re.search(r"'(Suppressed by the disclosure rule[^']*)'", body)
        note_text = f', and its note reads "{note.group(1)}{n}"' if note and note.group(1).endswith(" ") else ""
        sentences.append(f"In {_relative(path, root)} ({relation}) a row whose count is between 1 and {n} is "
                         f"kept, but {what}{note_text}. A count of 0 is not disclosive and is kept; a row without "
                         "a count is not affected by this rule.")
        readers, frontier = set(), {relation}
        while frontier:
            frontier = {r for r, deps in depends.items() if deps & frontier and r not in readers}
            readers |= frontier
        if readers:
            sentences.append(f"Every figure built on it ({', '.join(sorted(readers))}) therefore leaves "
                             "suppressed values out.")
        staged = {r for r, deps in depends.items() if r.split(".")[0] in LAYERS and r != relation
                  and any(d.startswith("staging.") and d.endswith("indicator_value") for d in deps)}
        if staged:
            sentences.append(f"Warning: {', '.join(sorted(staged))} {'reads' if len(staged) == 1 else 'read'} "
                             "indicator values from staging directly, so the rule is not applied there.")
    if not applying:
        sentences.append(f"Warning: no model in {sql_dir.name}/ reads the setting {DISCLOSURE_VARIABLE}, so the "
                         "rule is not applied by the build.")
    checks = sorted(p for p in (sql_dir / "tests").glob("assert_*.sql")
                    if DISCLOSURE_VARIABLE in sql_code(p.read_text(encoding="utf-8")))
    if checks:
        tests = " or ".join(_relative(p, root) for p in checks)
        sentences.append(f"The build stops, keeping the previous warehouse, if {tests} finds a published value "
                         "resting on such a count.")
    markers = tuple(getattr(config, "suppression_markers", ()) or ())
    if markers:
        quoted = ", ".join(f'"{m}"' for m in markers)
        sentences.append(f"Values the publisher suppressed (a blank cell, or one of the markers {quoted} of "
                         "fsot.toml [validation] suppression_markers) are loaded as missing with a note, never as 0.")
    life_expectancy = importlib.import_module("pipeline.methods.life_expectancy")
    le_path = Path(inspect.getfile(life_expectancy))
    minimum = getattr(life_expectancy, "MIN_TOTAL_POPULATION", None)
    half_width = getattr(life_expectancy, "MAX_HALF_WIDTH_95", None)
    built = any(method.__module__ == life_expectancy.__name__ for m in models for method in m.methods)
    where = (f"The build computes life expectancy with {_relative(le_path, PACKAGE_ROOT)}:" if built else
             "Life expectancy is taken as published (the build does not compute it); when it is computed with "
             f'"fsot method life-expectancy" ({_relative(le_path, PACKAGE_ROOT)}),')
    if minimum is not None and half_width is not None:
        sentences.append(f"{where} a group whose total population is "
                         f"{_number(minimum)} or less gets no life expectancy, and the value at an age is "
                         f"withheld (limits kept) where its 95 % confidence interval is wider than "
                         f"{_number(2 * half_width)} years.")
    return " ".join(sentences)


# --------------------------------------------------------------------------------------------------
# snapshot and changes


def _indicators(config, periods: Mapping[str, Iterable[str]] | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    indicators = tuple(getattr(config, "indicators", ()) or ())
    ids = [str(i.id) for i in indicators]
    for indicator in indicators:
        key = str(indicator.id) if ids.count(str(indicator.id)) == 1 else f"{indicator.id} ({indicator.source})"
        record = {"name": indicator.name, "sexes": list(getattr(indicator, "sexes", ()) or ()),
                  "baseline_period": str(getattr(indicator, "baseline_period", ""))}
        if periods is not None:
            record["periods"] = [str(p) for p in periods.get(str(indicator.id), ())]
        out[key] = record
    return out


def snapshot(config, models: Iterable[ModelEntry], methods: Iterable[MethodEntry],
             periods: Mapping[str, Iterable[str]] | None = None, sql_dir: Path = SQL_DIR,
             python_models: Iterable[Model] = PYTHON_MODELS) -> dict:
    """What methods_snapshot.json holds: sha256 of each model's comment and code, of each method's
    docstring and code, the disclosure rule, and each indicator (with its periods in the warehouse when
    `periods` maps indicator id -> period labels). Deterministic: no time stamps."""
    return {
        "schema": SNAPSHOT_SCHEMA,
        "models": {e.relation: {"path": e.path, "comment_sha256": _sha256(e.comment), "code_sha256": e.code_sha256}
                   for e in models},
        "methods": {e.qualname: {"path": e.path, "docstring_sha256": _sha256(e.docstring),
                                 "code_sha256": e.code_sha256} for e in methods},
        "disclosure": {"max_suppressed_count": int(config.disclosure_max_suppressed_count),
                       "text": disclosure_rule(config, sql_dir, python_models)},
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
    candidates = sorted(p for p in Path(reports_dir).glob(f"*/{SNAPSHOT_FILE}")
                        if re.fullmatch(r"\d{4}-Q[1-4]", p.parent.name) and p.parent.name < period)
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
            ("methods", "Method", "docstring_sha256", "docstring changed", "code changed, docstring unchanged")):
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
        changes.append(f"Disclosure rule changed: counts 1 to {old.get('max_suppressed_count')} were suppressed, "
                       f"now 1 to {new.get('max_suppressed_count')}.")
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
            changes.append(f"{label}: baseline period changed from {was.get('baseline_period')} to "
                           f"{now.get('baseline_period')}.")
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
    return changes or ["No change since the last report in the models' or methods' text or code, the "
                       "disclosure rule, or the indicators and their periods."]


# --------------------------------------------------------------------------------------------------
# the template's context


INTRO = ("This appendix is generated from the code that made the figures: each measure's definition, formula, "
         "confidence-interval method and reference below is the header comment of the SQL model (or the "
         "docstring of the Python model) that computes it, and each statistical method's is the docstring of "
         "its function, reproduced verbatim with the file and line to check it against. Nothing here is "
         "written separately from the code.")


def periods_by_indicator(con) -> dict[str, list[str]]:
    """Each indicator's periods in the warehouse (marts.fct_ward_indicator), oldest first."""
    rows = con.execute("""
        select indicator_id, period from marts.fct_ward_indicator
        group by indicator_id, period order by indicator_id, min(period_sort), period
    """).fetchall()
    out: dict[str, list[str]] = {}
    for indicator_id, period in rows:
        out.setdefault(str(indicator_id), []).append(str(period))
    return out


def appendix_context(config, previous_snapshot: Mapping | Path | None = None,
                     periods: Mapping[str, Iterable[str]] | None = None, sql_dir: Path = SQL_DIR,
                     python_models: Iterable[Model] = PYTHON_MODELS) -> dict:
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
            modules[method.module] = {"module": method.module, "path": method.path, "anchor": method.module_anchor,
                                      "summary": summary, "body": "\n".join(body)}
    return {
        "title": "Methods appendix",
        "intro": INTRO,
        "disclosure_rule": snap["disclosure"]["text"],
        "changes": changes_since(previous_snapshot, snap),
        "models": [{**asdict(m), "relation": m.relation, "source": m.source, "anchor": m.anchor,
                    "methods": [{"qualname": q, "anchor": method_anchor.get(q, "")} for q in m.methods]}
                   for m in models],
        "methods": [{**asdict(m), "source": m.source, "anchor": m.anchor,
                     "module_anchor": m.module_anchor if m.module in modules else "",
                     "used_by": [{"relation": r, "anchor": relations[r].anchor if r in relations else ""}
                                 for r in m.used_by],
                     "command": f"fsot method {m.command}" if m.command else ""}
                    for m in methods],
        "method_modules": list(modules.values()),
        "snapshot": snap,
    }


# What ward-level gaps cannot show, whatever the data: printed in the report's limitations section.
UNDERSTATEMENTS = (
    "Ward averages hide inequality within wards: a ward's value is the mean of all its residents, so "
    "deprived streets inside an otherwise affluent ward (and the reverse) are averaged away, and every "
    "gap between wards understates the gap between people (the ecological fallacy runs the other way too: "
    "a ward's deprivation does not say that its residents are deprived).",
    "Groups of a few wards: with about two dozen wards, a local fifth holds five or six wards and a local "
    "tenth two or three, so one ward's value moves a group mean; the confidence intervals include the "
    "wards' sampling error but not the choice of boundaries.",
    "Deprivation is fixed at one IMD edition per set of ward boundaries: wards are ranked by the IMD "
    "edition named below for every period of an indicator, including periods years before or after the "
    "edition's data, so wards whose deprivation changed are grouped as they were at that edition.",
    "Population weights are of one year (named below) for every period: shifts of population between "
    "LSOAs in other years are not reflected in the ward scores or group means.",
    "Small counts are suppressed by the disclosure rule: suppressed wards drop out of the group means and "
    "gaps of their period, which then rest on fewer wards.",
    "Pooled periods (e.g. 2015 - 19) share years with their neighbours: such periods are not tested against "
    "each other (fct_gap_change compares the baseline only with a later period that shares no years with "
    "it), and a trend across rolling periods is not tested.",
    "The on-track score of a target is Φ(d·(A − E)/SE), from a normal approximation: the share of the "
    "sampling distribution of the latest value (centred on the estimate, with its standard error) that "
    "lies on the target side of the trajectory. It measures how far the estimate is from the trajectory "
    "in standard errors; it is not a Bayesian probability that the borough is on track.",
)


def limitations(con, config=None) -> dict:
    """The limitations section, from the warehouse: ward counts behind each grouping (wards per local
    and national deprivation group, per set of ward boundaries: marts.fct_ward_deprivation), the
    vintages and weights of each indicator (IMD edition and population weights applied to which
    periods: config.indicator, config.ward_vintage, marts.fct_gap_measure), the fewest wards with a
    value behind any group mean (intermediate.int_deprivation_group), and the understatements that no
    data can correct (UNDERSTATEMENTS). Plain strings and numbers; the template escapes them."""
    groupings = []
    rows = con.execute("""
        with groups as (
            select ward_vintage, 'local_quintile' as grouping, local_quintile as grp from marts.fct_ward_deprivation
            union all select ward_vintage, 'local_decile', local_decile from marts.fct_ward_deprivation
            union all select ward_vintage, 'national_quintile', national_quintile from marts.fct_ward_deprivation
            union all select ward_vintage, 'national_decile', national_decile from marts.fct_ward_deprivation
        )
        select ward_vintage, grouping, grp, count(*) as wards from groups where grp is not null
        group by all order by ward_vintage, grouping, grp""").fetchall()
    wards = dict(con.execute("""select ward_vintage, count(*) from marts.fct_ward_deprivation
                                group by ward_vintage""").fetchall())
    unscored = dict(con.execute("""select ward_vintage, count(*) filter (where imd_score is null)
                                   from marts.fct_ward_deprivation group by ward_vintage""").fetchall())
    partial = dict(con.execute("""select ward_vintage, count(*) filter (where score_population_share < 0.999)
                                  from marts.fct_ward_deprivation group by ward_vintage""").fetchall())
    order = ["local_quintile", "local_decile", "national_quintile", "national_decile"]
    names = {"local_quintile": "local fifths", "local_decile": "local tenths",
             "national_quintile": "national fifths", "national_decile": "national tenths"}
    by_key: dict[tuple[str, str], dict[int, int]] = {}
    for vintage, grouping, grp, count in rows:
        by_key.setdefault((vintage, grouping), {})[int(grp)] = int(count)
    for vintage in sorted(wards):
        for grouping in order:
            counts = by_key.get((vintage, grouping), {})
            size = 5 if grouping.endswith("quintile") else 10
            cells = [counts.get(g, 0) for g in range(1, size + 1)]
            groupings.append({"ward_vintage": vintage, "grouping": grouping, "label": names[grouping],
                              "counts": cells, "wards": int(wards[vintage]),
                              "empty": sum(1 for c in cells if c == 0)})
    fewest = con.execute("""
        select g.grouping, min(g.wards_with_value), max(g.wards_with_value)
        from intermediate.int_deprivation_group as g where g.category = 'All' and g.wards_with_value > 0
        group by g.grouping order by g.grouping""").fetchall()
    vintages = con.execute("""
        select i.indicator_id, i.short_name, i.ward_vintage, i.imd_edition, i.population_weights,
               min(m.period) filter (where m.period_sort = p.first_sort) as first_period,
               max(m.period) filter (where m.period_sort = p.last_sort) as last_period,
               count(distinct m.period) as periods
        from config.indicator as i
        left join (select m.indicator_id, m.period, v.period_sort
                   from marts.fct_gap_measure as m
                   inner join (select distinct indicator_id, period, period_sort
                               from intermediate.int_indicator_value__configured) as v using (indicator_id, period)
                   ) as m on m.indicator_id = i.indicator_id
        left join (select indicator_id, min(period_sort) as first_sort, max(period_sort) as last_sort
                   from intermediate.int_indicator_value__configured group by indicator_id) as p
            on p.indicator_id = i.indicator_id
        group by all order by min(i.sort_order), i.indicator_id""").fetchall()
    return {
        "groupings": groupings,
        "wards": {v: {"wards": int(n), "unscored": int(unscored.get(v, 0)), "partial": int(partial.get(v, 0))}
                  for v, n in sorted(wards.items())},
        "fewest": [{"grouping": g, "label": names.get(g, g), "min": int(lo), "max": int(hi)} for g, lo, hi in fewest],
        "vintages": [{"indicator_id": r[0], "indicator": r[1], "ward_vintage": r[2], "imd_edition": r[3],
                      "population_weights": r[4], "first_period": r[5] or "", "last_period": r[6] or "",
                      "periods": int(r[7] or 0)} for r in vintages],
        "understatements": list(UNDERSTATEMENTS),
    }


def render(appendix: Mapping) -> str:
    """The partial on its own, with the report's Jinja2 settings (autoescaped)."""
    return environment().get_template("methods_appendix.html.j2").render(appendix=appendix)
