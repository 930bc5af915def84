"""The disclosure rule's text in the methods appendix: described from the configuration and from what
the SQL does (the model applying the setting, the columns it sets to missing, its readers, its test)."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterable
from pathlib import Path

from pipeline.config import PACKAGE_ROOT, SQL_DIR
from pipeline.report.appendix.entries import LAYERS, _registry
from pipeline.report.appendix.text import _relative
from pipeline.warehouse.python_models import PYTHON_MODELS
from pipeline.warehouse.registry import Model, sql_code

DISCLOSURE_VARIABLE = "disclosure_max_suppressed_count"


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
    sentences = [f"A count from 1 to {n} is treated as disclosive (fsot.toml [disclosure] max_suppressed_count = {n})."]
    models = _registry(sql_dir, python_models)
    bodies = {
        m.relation: (m.path, m.code)
        for m in sorted(models, key=lambda m: (("staging", *LAYERS).index(m.layer), m.name))
        if m.kind == "sql"
    }
    depends = {m.relation: set(m.depends_on) for m in models}
    applying = [relation for relation, (_, body) in bodies.items() if DISCLOSURE_VARIABLE in body]
    for relation in applying:
        path, body = bodies[relation]
        columns = re.findall(
            r"case\s+when\s+not\s+disclosive\s+then\s+(?:\w+\.)?\"?(\w+)\"?\s+end", body, re.IGNORECASE
        )
        what = (
            f"its {', '.join(columns[:-1])} and {columns[-1]} are set to missing"
            if len(columns) > 1
            else f"its {columns[0]} is set to missing"
            if columns
            else "it is suppressed"
        )
        note = re.search(r"'(Suppressed by the disclosure rule[^']*)'", body)
        note_text = f', and its note reads "{note.group(1)}{n}"' if note and note.group(1).endswith(" ") else ""
        sentences.append(
            f"In {_relative(path, root)} ({relation}) a row whose count is between 1 and {n} is "
            f"kept, but {what}{note_text}. A count of 0 is not disclosive and is kept; a row without "
            "a count is not affected by this rule."
        )
        readers, frontier = set(), {relation}
        while frontier:
            frontier = {r for r, deps in depends.items() if deps & frontier and r not in readers}
            readers |= frontier
        if readers:
            sentences.append(
                f"Every figure built on it ({', '.join(sorted(readers))}) therefore leaves suppressed values out."
            )
        staged = {
            r
            for r, deps in depends.items()
            if r.split(".")[0] in LAYERS
            and r != relation
            and any(d.startswith("staging.") and d.endswith("indicator_value") for d in deps)
        }
        if staged:
            sentences.append(
                f"Warning: {', '.join(sorted(staged))} {'reads' if len(staged) == 1 else 'read'} "
                "indicator values from staging directly, so the rule is not applied there."
            )
    if not applying:
        sentences.append(
            f"Warning: no model in {sql_dir.name}/ reads the setting {DISCLOSURE_VARIABLE}, so the "
            "rule is not applied by the build."
        )
    checks = sorted(
        p
        for p in (sql_dir / "tests").glob("assert_*.sql")
        if DISCLOSURE_VARIABLE in sql_code(p.read_text(encoding="utf-8"))
    )
    if checks:
        tests = " or ".join(_relative(p, root) for p in checks)
        sentences.append(
            f"The build stops, keeping the previous warehouse, if {tests} finds a published value "
            "resting on such a count."
        )
    markers = tuple(getattr(config, "suppression_markers", ()) or ())
    if markers:
        quoted = ", ".join(f'"{m}"' for m in markers)
        sentences.append(
            f"Values the publisher suppressed (a blank cell, or one of the markers {quoted} of "
            "fsot.toml [validation] suppression_markers) are loaded as missing with a note, never as 0."
        )
    life_expectancy = importlib.import_module("pipeline.methods.life_expectancy")
    le_path = Path(inspect.getfile(life_expectancy))
    minimum = getattr(life_expectancy, "MIN_TOTAL_POPULATION", None)
    half_width = getattr(life_expectancy, "MAX_HALF_WIDTH_95", None)
    built = any(method.__module__ == life_expectancy.__name__ for m in models for method in m.methods)
    where = (
        f"The build computes life expectancy with {_relative(le_path, PACKAGE_ROOT)}:"
        if built
        else "Life expectancy is taken as published (the build does not compute it); when it is computed with "
        f'"fsot method life-expectancy" ({_relative(le_path, PACKAGE_ROOT)}),'
    )
    if minimum is not None and half_width is not None:
        sentences.append(
            f"{where} a group whose total population is "
            f"{_number(minimum)} or less gets no life expectancy, and the value at an age is "
            f"withheld (limits kept) where its 95 % confidence interval is wider than "
            f"{_number(2 * half_width)} years."
        )
    return " ".join(sentences)
