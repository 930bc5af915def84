"""The methods appendix's entries, from the model registry (``build_order``): one ModelEntry per
intermediate and marts model (its ``doc``, ``depends_on`` and ``methods``), one MethodEntry per statistical
method the build runs or ``fsot method`` can run (its docstring and source, through ``inspect``)."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import PACKAGE_ROOT, SQL_DIR
from pipeline.report.appendix.text import _relative, _sha256, _slug, _without_name, reference_part, split_first_sentence
from pipeline.warehouse.python_models import PYTHON_MODELS
from pipeline.warehouse.registry import Model, build_order, function_source, sql_code

LAYERS = ("intermediate", "marts")  # the layers whose models define a measure (staging only renames)

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


@dataclass(frozen=True)
class ModelEntry:
    name: str
    layer: str
    path: str  # relative to the repository, posix
    kind: str  # "sql" or "python"
    comment: str  # the header comment (or docstring) as written, comment markers removed
    definition: str  # its first sentence, on one line, without the leading "<name>:"
    body: str  # the rest, the author's line structure kept
    line: int = 1
    code_sha256: str = ""
    methods: tuple[str, ...] = ()  # qualified names of the pipeline.methods functions it runs

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
    qualname: str  # pipeline.methods.slope_index.phe_sii
    module: str
    function: str
    path: str
    line: int
    docstring: str
    summary: str
    body: str
    reference: str  # the "Reference(s):" paragraph, from the function or else from its module
    reference_from: str  # "function", "module" or "" (none found)
    module_docstring: str
    role: str  # "build" (a model runs it), "constant" (models use its values as literals)
    # or "check" (only `fsot method` runs it)
    used_by: tuple[str, ...] = ()  # relations of the models that run it (or use its constants)
    command: str = ""  # `fsot method` name, when there is one
    code_sha256: str = ""
    constants: tuple[str, ...] = ()  # role "constant": the literals found, e.g. "1.959963984540054 (95 %)"
    module_path: str = ""  # the module's file (its docstring), when the function is defined in another file

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
# models


def _registry(sql_dir: Path, python_models: Iterable[Model]) -> list[Model]:
    return build_order(Path(sql_dir), python_models)


def _entry(model: Model, root: Path) -> ModelEntry:
    definition, body = split_first_sentence(model.doc.splitlines())
    return ModelEntry(
        name=model.name,
        layer=model.layer,
        path=_relative(model.path, root),
        kind=model.kind,
        comment=model.doc,
        definition=_without_name(definition, model.name),
        body="\n".join(body),
        line=model.line,
        code_sha256=_sha256(model.code),
        methods=tuple(_qualname(method) for method in model.methods),
    )


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


def _method_entry(
    module: str, function: str, role: str, used_by: tuple[str, ...], command: str, constants: tuple[str, ...] = ()
) -> MethodEntry:
    loaded = importlib.import_module(module)
    module_path = Path(inspect.getfile(loaded))
    method = getattr(loaded, function, None)
    if not inspect.isfunction(method):
        raise LookupError(
            f"{module_path}: no function {function}() (the methods appendix lists it; update "
            "CHECK_METHODS in pipeline/report/appendix/entries.py)"
        )
    path = Path(inspect.getfile(method))  # the file that defines it (a package may re-export it)
    line, code = function_source(method)
    docstring = inspect.getdoc(method) or ""
    module_docstring = inspect.getdoc(loaded) or ""
    summary, body = split_first_sentence(docstring.splitlines())
    reference = reference_part(docstring)
    reference_from = "function" if reference else ""
    if not reference:
        reference = reference_part(module_docstring)
        reference_from = "module" if reference else ""
    return MethodEntry(
        qualname=f"{module}.{function}",
        module=module,
        function=function,
        path=_relative(path, PACKAGE_ROOT),
        line=line,
        docstring=docstring,
        summary=summary,
        body="\n".join(body),
        reference=reference,
        reference_from=reference_from,
        module_docstring=module_docstring,
        role=role,
        used_by=used_by,
        command=command,
        code_sha256=_sha256(code),
        constants=constants,
        module_path=_relative(module_path, PACKAGE_ROOT),
    )


def _constant_uses(
    levels: Iterable[float], models: Iterable[Model], sql_dir: Path
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(SQL models and macros whose SQL code, comments left out, writes z for one of the levels as a
    literal with at least 10 decimals, equal to 1e-12; the literals as written, with their level)."""
    from statistics import NormalDist

    z = {c: NormalDist().inv_cdf(c + (1 - c) / 2) for c in levels}
    rank = {layer: n for n, layer in enumerate(LAYERS)}
    sources = [
        (model.relation, model.code)
        for model in sorted(models, key=lambda m: (rank.get(m.layer, -1), m.name))
        if model.kind == "sql" and model.layer in LAYERS
    ]
    sources += [
        (f"macro {path.stem}", sql_code(path.read_text(encoding="utf-8")))
        for path in sorted((sql_dir / "macros").glob("*.sql"))
    ]
    users, found = [], {}
    for name, code in sources:
        hits = {
            (literal, c)
            for literal in re.findall(r"(?<![\w.])\d+\.\d{10,}(?![\w.])", code)
            for c, value in z.items()
            if abs(float(literal) - value) < 1e-12
        }
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
    entries = [
        _method_entry(module, function, "build", tuple(models), COMMANDS.get((module, function), ""))
        for (module, function), models in used.items()
    ]
    entries.sort(key=lambda e: (e.module, e.line))
    for module, function, command in CHECK_METHODS:
        if (module, function) in used:
            continue
        users, constants = _constant_uses(CONSTANT_METHODS.get((module, function), ()), models, Path(sql_dir))
        entries.append(_method_entry(module, function, "constant" if users else "check", users, command, constants))
    return entries
