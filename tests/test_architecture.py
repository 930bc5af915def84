"""The layout is the architecture (docs/architecture.md): modules of `pipeline` import each other without
circles, data flows one way between the rooms, and nothing in `pipeline` needs `tools/`."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
# room -> the rooms it must never import (the one-way flow: ingest -> load -> validate -> models -> report)
NEVER = {
    "pipeline.methods": (
        "pipeline.ingest",
        "pipeline.validate",
        "pipeline.warehouse",
        "pipeline.report",
        "pipeline.cli",
    ),
    "pipeline.ingest": ("pipeline.validate", "pipeline.warehouse", "pipeline.report", "pipeline.cli"),
    # validation checks a local drop with the loader's own code (validate/drop.py), but never builds
    "pipeline.validate": (
        "pipeline.warehouse.build",
        "pipeline.warehouse.runner",
        "pipeline.warehouse.python_models",
        "pipeline.report",
        "pipeline.cli",
    ),
    "pipeline.warehouse": ("pipeline.report", "pipeline.cli"),
    "pipeline.report": ("pipeline.ingest", "pipeline.validate", "pipeline.cli"),
    "pipeline.config": ("pipeline.validate", "pipeline.warehouse", "pipeline.report", "pipeline.cli"),
}
# The one edge against the flow, on purpose: reading fsot.toml asks an API source's connector to check the
# settings only it knows (config/read.py imports pipeline.ingest.connector_for when it meets one).
AGAINST_THE_FLOW = {("pipeline.config.read", "pipeline.ingest")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


class _Imports(ast.NodeVisitor):
    """Every import statement, at module level or inside functions, but those under `if TYPE_CHECKING:`
    (names for annotations only: nothing is imported when the code runs)."""

    def __init__(self) -> None:
        self.nodes: list[ast.Import | ast.ImportFrom] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.nodes.append(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.nodes.append(node)


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The pipeline modules `path` imports when it runs: `from a import b` counts as module a.b when that
    is a module, else as a."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    visitor = _Imports()
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    found = set()
    for node in visitor.nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name and (name, m) not in AGAINST_THE_FLOW}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def test_the_graph_is_read_from_the_code():
    edges = graph()
    assert "pipeline.warehouse.python_models" in edges["pipeline.warehouse.runner"] or any(
        "pipeline.warehouse.registry" in targets for targets in edges.values()
    )
    assert "pipeline.methods.counts" in edges["pipeline.methods.rate"]


def test_no_module_of_pipeline_imports_itself_through_others():
    try:
        list(TopologicalSorter(graph()).static_order())
    except CycleError as exc:
        raise AssertionError(f"import circle: {' -> '.join(exc.args[1])}") from None


def test_data_flows_one_way_between_the_rooms():
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for room, never in NEVER.items()
        if module == room or module.startswith(room + ".")
        for target in targets
        if any(target == n or target.startswith(n + ".") for n in never)
    ]
    assert not wrong, "\n".join(wrong)


def test_nothing_in_pipeline_imports_tools():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            assert not any(n == "tools" or n.startswith("tools.") for n in names), path
