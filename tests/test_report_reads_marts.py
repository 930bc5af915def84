"""The report reads the warehouse's marts only: no module of pipeline/report imports pipeline.ingest, all
its SQL is in queries.py, and that SQL names no schema but marts, config and information_schema. A
report made from a warehouse without its staging, intermediate and raw schemas, with data/raw's manifest
gone, is the same page. The provenance the build loads (raw.landing_manifest) reaches the marts."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import tiny_project
from pipeline.config import load_config
from pipeline.report import queries

REPORT = Path(queries.__file__).parent
MODULES = sorted(REPORT.rglob("*.py"))
SQL = re.compile(r"\bselect\b[\s\S]*\bfrom\b|\bfrom\s+information_schema\b", re.IGNORECASE)
RELATION = re.compile(r"\b(?:from|join)\s+([a-z_]+)\.[a-z_\"{]", re.IGNORECASE)
OTHER_ROOMS = re.compile(r"\b(staging|intermediate|raw|quarantine)\.[a-z_]", re.IGNORECASE)
READABLE = {"marts", "config", "information_schema"}


def _name(path: Path) -> str:
    return path.relative_to(REPORT.parent.parent).as_posix()


def _strings(tree: ast.AST):
    """Every string literal of the module but its docstrings; an f-string with `{}` where its values go."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            yield "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _imports(tree: ast.AST, module: str):
    """Every module the code imports (absolute names; relative imports resolved; import_module("…"))."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield str(node.args[0].value)


def _parsed():
    for path in MODULES:
        module = _name(path).removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        yield path, module, ast.parse(path.read_text(encoding="utf-8"))


def test_no_report_module_imports_the_ingest():
    offending = [
        f"{_name(path)} imports {name}"
        for path, module, tree in _parsed()
        for name in _imports(tree, module)
        if name == "pipeline.ingest" or name.startswith("pipeline.ingest.")
    ]
    assert not offending, "the report reads the marts, never the ingest: " + "; ".join(offending)


def test_the_report_loads_no_ingest_or_validation_module_even_indirectly():
    code = (
        "import sys\nimport pipeline.report.site, pipeline.report.exports, pipeline.report.methods_appendix\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pipeline.ingest', 'pipeline.validate'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_only_queries_runs_sql_and_it_reads_marts_config_and_information_schema_only():
    elsewhere = []
    for path, _, tree in _parsed():
        if path.name == "queries.py" and path.parent == REPORT:
            continue
        elsewhere += [f"{_name(path)}: SQL {s.strip()[:60]!r}" for s in _strings(tree) if SQL.search(s)]
        elsewhere += [
            f"{_name(path)}:{node.lineno}: .{node.func.attr}(…)"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("execute", "executemany", "sql", "query")
        ]
    assert not elsewhere, "the report's SQL belongs in pipeline/report/queries.py: " + "; ".join(elsewhere)

    tree = ast.parse(Path(queries.__file__).read_text(encoding="utf-8"))
    statements = [s for s in _strings(tree) if SQL.search(s)]
    assert len(statements) > 10  # the scan sees the queries
    assert queries.SCHEMA == "marts" and queries.PERIOD_TABLE.startswith("dim_")
    named = {m.group(1).lower() for s in statements for m in RELATION.finditer(s)}
    assert named and named <= READABLE, f"queries.py reads {sorted(named - READABLE)}: only marts and config"
    others = [m.group(0) for s in _strings(tree) for m in OTHER_ROOMS.finditer(s)]
    assert not others, f"queries.py names tables of other rooms: {others}"


@pytest.mark.slow
def test_a_warehouse_of_marts_alone_gives_the_same_report_without_data_raw_manifest(tmp_path):
    from pipeline.report.site import write_report
    from pipeline.warehouse.build import build_warehouse

    config = tiny_project.landed(tmp_path)
    build_warehouse(config)
    page = write_report(config, "2026-Q3", pdf=False)
    first = page.read_text(encoding="utf-8")
    exports = {p.name: p.read_bytes() for p in (page.parent / "exports").iterdir()}
    shutil.rmtree(page.parent)
    con = duckdb.connect(str(config.warehouse_path))
    for schema in ("staging", "intermediate", "quarantine", "raw"):
        con.execute(f"drop schema {schema} cascade")
    con.close()
    config.raw_manifest_path.unlink()
    page = write_report(config, "2026-Q3", pdf=False)
    assert page.read_text(encoding="utf-8") == first
    assert {p.name: p.read_bytes() for p in (page.parent / "exports").iterdir()} == exports
    freshness = first[first.index('<h2 id="freshness">') :]
    freshness = freshness[: freshness.index("</table>")]
    assert freshness.count("<tr>") == 4 and "not landed" not in freshness  # a header and three sources


@pytest.mark.slow
def test_a_warehouse_built_before_the_provenance_marts_is_refused_with_what_to_do(tmp_path):
    from pipeline.report.site import write_report
    from pipeline.report.text import ReportError
    from pipeline.warehouse.build import build_warehouse

    config = tiny_project.landed(tmp_path)
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path))
    con.execute("drop table marts.dim_source_release")
    con.close()
    with pytest.raises(ReportError, match=r"no marts\.dim_source_release .*run `fsot build`, then report again"):
        write_report(config, "2026-Q3", pdf=False)


@pytest.mark.slow
def test_the_build_loads_the_manifest_into_marts_and_marks_the_current_release(tmp_path):
    from pipeline.ingest.landing import land_source, read_manifest
    from pipeline.report.freshness import freshness_rows
    from pipeline.warehouse.build import build_warehouse

    config = tiny_project.landed(tmp_path)
    # a new release of the Fingertips file: the first stays landed (and in the manifest), no longer current
    config.path.write_text(config.path.read_text().replace('release = "2026-11"', 'release = "2027-02"'))
    config = load_config(config.path)
    land_source(config, config.source("fingertips"))
    build_warehouse(config)
    records = read_manifest(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        files = con.execute("select * from marts.dim_landed_file order by record_number").df()
        releases = con.execute("select * from marts.dim_source_release order by source_id, release_order").df()
        assert queries.landed_records(con) == records
        marts = queries.read_marts(con)
    finally:
        con.close()
    assert list(files["path"]) == [r["path"] for r in records]
    assert list(files["sha256"]) == [r["sha256"] for r in records]
    assert [json.loads(r) for r in files["provenance_record"]] == records
    assert all((tmp_path / p).is_file() for p in files["file_path"])  # relative to the project
    current = dict(zip(files["path"], files["is_current"]))
    assert [current[r["path"]] for r in records if r["source"] == "fingertips"] == [False, True]
    fingertips = releases[releases["source_id"] == "fingertips"]
    assert list(fingertips["release"]) == ["2026-11", "2027-02"] and list(fingertips["release_order"]) == [1, 2]
    assert list(fingertips["is_current"]) == [False, True] and list(fingertips["files"]) == [1, 1]
    assert fingertips["changes_text"].isna().all()  # files record no changes; pulled releases do
    assert set(marts["releases"]["source_id"]) == {"imd2019", "wards", "fingertips"}
    rows = {r["source"]: r for r in freshness_rows(config, marts["releases"])}
    day = records[-1]["retrieved_at"][:10]
    assert rows["fingertips"]["release"] == "2027-02" and rows["fingertips"]["files"] == 1
    assert rows["fingertips"]["retrieved"] == day and rows["fingertips"]["changes"] == ""
    assert marts["boundary_files"].empty  # the tiny project draws no maps


def test_the_manifest_is_loaded_as_recorded_with_the_ingest_s_words_for_its_changes():
    from pipeline.warehouse.provenance import manifest_frame

    records = [
        {
            "source": "f",
            "format": "fingertips_api",
            "path": "f/r1/a.csv",
            "sha256": "ab",
            "bytes": 12,
            "demonstration": False,
            "http_status": 200,
            "release_sha256": "cd",
            "changes": {"new_periods": ["2016 - 20"], "revised": 2, "revised_examples": ["x: 1 → 2"], "rows": 9},
        },
        {
            "source": "f",
            "format": "fingertips_api",
            "path": "f/r1/b.csv",
            "sha256": "ef",
            "bytes": 3,
            "demonstration": False,
            "changes": None,
            "role": "metadata",
            "future_field": [1],
        },
    ]
    frame = manifest_frame(records)
    assert list(frame["_record"]) == [1, 2]
    assert [json.loads(r) for r in frame["record"]] == records  # everything, including fields not yet known
    first, second = frame.to_dict("records")
    assert (first["bytes"], first["demonstration"], first["http_status"]) == ("12", "false", "200")
    assert json.loads(first["changes"])["revised"] == 2
    assert first["changes_text"] == "new periods: 2016 - 20; 2 value(s) revised (e.g. x: 1 → 2)"
    assert second["changes"] is None and second["changes_text"] is None and second["role"] == "metadata"
    assert second["url"] is None  # a field the record lacks is NULL
