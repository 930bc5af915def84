"""The model registry: every model the build runs, SQL or Python, as one `Model` type.

SQL models are the files sql/<layer>/<model>.sql (one SELECT each); a SQL model depends on every
`<layer>.<model>` its code (comments left out) names, and its `doc` is its header comment (the leading
`--` lines). Python models (statistics SQL cannot express cleanly) are registered explicitly with
`PythonModels.register` (see pipeline/warehouse/python_models.py): their dependencies and the
pipeline.methods functions they run are declared there, and their `doc` is the function's docstring.
Nothing is added because of which folder the SQL lives in: the caller passes the Python models that go
with its sql/ folder (the project's own: `pipeline.warehouse.python_models.PYTHON_MODELS`; none for
any other folder).

`build_order(sql_dir, python_models)` is the order the runner builds them in, and what the methods
appendix reads: a topological sort of the references, ties broken by layer then name (the same on
every run), layer by layer (staging, intermediate, marts).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

LAYERS = ("staging", "intermediate", "marts")
REFERENCE = re.compile(r"\b(staging|intermediate|marts)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
LINE_COMMENT = re.compile(r"--[^\n]*")
_COMMENT_PREFIX = re.compile(r"^--\s?")

BuildFunction = Callable[[Any], Any]  # (DuckDB connection) -> pandas DataFrame


class ModelError(RuntimeError):
    """A model could not be built, or a singular test returned rows."""


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path  # the SQL file, or the Python file that defines the model
    sql: str = ""  # a SQL model's code (";" stripped); "" for a Python model
    depends_on: frozenset[str] = field(default_factory=frozenset)
    build: BuildFunction | None = None  # a Python model: reads the warehouse, returns one DataFrame
    doc: str = ""  # the SQL header comment, or the Python model's docstring
    methods: tuple[Callable[..., Any], ...] = ()  # the pipeline.methods functions a Python model runs
    line: int = 1  # where the definition starts in `path` (the `def` line of a Python model)
    code: str = ""  # the code the model runs: SQL without its comments, or the function's source

    @property
    def relation(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def kind(self) -> str:
        return "sql" if self.build is None else "python"


def trim_blank(lines: list[str]) -> list[str]:
    """The lines without the blank lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def header_comment(sql: str) -> str:
    """The leading `--` lines of a SQL file (blank lines before them skipped), markers removed."""
    lines = sql.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    header = []
    for line in lines:
        if not line.lstrip().startswith("--"):
            break
        header.append(_COMMENT_PREFIX.sub("", line.lstrip()).rstrip())
    return "\n".join(trim_blank(header))


def sql_code(sql: str) -> str:
    """SQL with its `--` comments removed."""
    return LINE_COMMENT.sub("", sql)


def references(sql: str) -> set[str]:
    """Every `<layer>.<model>` the SQL's code (not its comments) names, lower case."""
    return {f"{m.group(1).lower()}.{m.group(2).lower()}" for m in REFERENCE.finditer(sql_code(sql))}


def function_source(function: Callable[..., Any]) -> tuple[int, str]:
    """(line of the `def`, the function's source from `def` to its last line, decorators left out)."""
    lines, start = inspect.getsourcelines(function)
    offset = next((i for i, line in enumerate(lines) if line.lstrip().startswith(("def ", "async def "))), 0)
    return start + offset, "".join(lines[offset:]).rstrip()


def sql_model(path: Path, layer: str) -> Model:
    """The model of one SQL file."""
    text = path.read_text(encoding="utf-8")
    return Model(
        name=path.stem,
        layer=layer,
        path=path,
        sql=text.strip().rstrip(";"),
        depends_on=frozenset(references(text) - {f"{layer}.{path.stem}"}),
        doc=header_comment(text),
        code=sql_code(text).strip(),
    )


class PythonModels(Sequence[Model]):
    """The Python models of a project, in registration order; `register` is the decorator that adds one."""

    def __init__(self) -> None:
        self._models: list[Model] = []

    def register(
        self, relation: str, *, depends_on: Iterable[str], methods: Iterable[Callable[..., Any]] = ()
    ) -> Callable[[BuildFunction], BuildFunction]:
        """Register the decorated function as the model `relation` ("<layer>.<name>"), reading `depends_on`
        and running the pipeline.methods functions `methods` (listed in the methods appendix)."""
        layer, _, name = relation.partition(".")
        if layer not in LAYERS or not name:
            raise ModelError(f"{relation}: a Python model is named <layer>.<name>, layer one of {', '.join(LAYERS)}")

        def decorate(function: BuildFunction) -> BuildFunction:
            line, code = function_source(function)
            self._models.append(
                Model(
                    name=name,
                    layer=layer,
                    path=Path(inspect.getfile(function)),
                    depends_on=frozenset(depends_on),
                    build=function,
                    doc=inspect.getdoc(function) or "",
                    methods=tuple(methods),
                    line=line,
                    code=code,
                )
            )
            return function

        return decorate

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        return self._models[index]

    def __len__(self) -> int:
        return len(self._models)


def discover(sql_dir: Path, python_models: Iterable[Model] = ()) -> dict[str, Model]:
    """The SQL models under sql_dir and the given Python models, by relation."""
    models: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            model = sql_model(path, layer)
            if model.relation in models:
                raise ModelError(f"{path}: a model named {model.relation} already exists")
            models[model.relation] = model
    for model in python_models:
        if model.relation in models:
            raise ModelError(f"{model.path}: a model named {model.relation} already exists")
        models[model.relation] = model
    return models


def order(models: dict[str, Model]) -> list[Model]:
    """Dependency order; raises ModelError naming an unknown reference, a backwards layer or a cycle."""
    rank = {layer: n for n, layer in enumerate(LAYERS)}
    graph: dict[str, set[str]] = {}
    for relation in sorted(models, key=lambda r: (rank[models[r].layer], r)):
        model = models[relation]
        for dep in sorted(model.depends_on):
            if dep not in models:
                raise ModelError(f"{model.path}: refers to {dep}, which is not a model in sql/")
            if rank[models[dep].layer] > rank[model.layer]:
                raise ModelError(f"{model.path}: a {model.layer} model may not read the later layer {dep}")
        graph[relation] = set(sorted(model.depends_on))
    ordered: list[str] = []
    for layer in LAYERS:  # layer by layer, each in dependency order (deps only point back or across)
        members = {
            r: {d for d in deps if models[d].layer == layer} for r, deps in graph.items() if models[r].layer == layer
        }
        sorter = TopologicalSorter(members)
        try:
            sorter.prepare()
        except CycleError as exc:
            raise ModelError(f"models refer to each other in a cycle: {' -> '.join(exc.args[1])}") from exc
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            ordered.extend(ready)
            sorter.done(*ready)
    return [models[r] for r in ordered]


def build_order(sql_dir: Path, python_models: Iterable[Model] = ()) -> list[Model]:
    """Every model of sql_dir and the given Python models, in the order the runner builds them."""
    return order(discover(sql_dir, python_models))
