"""The methods appendix is taken from the code: SQL header comments, model and method docstrings."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.config import SQL_DIR, load_config
from pipeline.report import methods_appendix as appendix

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def indicator(id_: str, name: str, baseline: str = "2021", sexes=("Persons",)) -> SimpleNamespace:
    return SimpleNamespace(
        id=id_, name=name, short_name=name, source="fingertips", baseline_period=baseline, sexes=sexes
    )


def fake_config(*indicators, max_count: int = 7) -> SimpleNamespace:
    return SimpleNamespace(
        disclosure_max_suppressed_count=max_count,
        suppression_markers=("*", "x"),
        indicators=tuple(indicators) or (indicator("93283", "Life expectancy at birth"),),
    )


def write_model(sql_dir: Path, layer: str, name: str, text: str) -> Path:
    path = sql_dir / layer / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def models():
    return appendix.model_entries()


@pytest.fixture(scope="module")
def methods():
    return appendix.method_entries()


# --------------------------------------------------------------------------------------------------
# models


def test_every_intermediate_and_marts_model_appears_exactly_once(models):
    expected = sorted(
        f"{layer}.{p.stem}" for layer in ("intermediate", "marts") for p in (SQL_DIR / layer).glob("*.sql")
    )
    sql_relations = [m.relation for m in models if m.kind == "sql"]
    assert sorted(sql_relations) == expected
    assert len(set(sql_relations)) == len(sql_relations)
    assert not any(m.layer == "staging" for m in models)
    # and the Python models registered in pipeline/warehouse/python_models.py, once each
    python = [m.relation for m in models if m.kind == "python"]
    assert sorted(python) == [
        "intermediate.int_indicator_value__from_counts",
        "intermediate.int_slope_index",
        "marts.fct_trend",
    ]
    for model in models:
        assert model.path == (
            f"sql/{model.layer}/{model.name}.sql" if model.kind == "sql" else "pipeline/warehouse/python_models.py"
        )


def test_fct_gap_measure_formula_is_taken_verbatim(models):
    entry = next(m for m in models if m.name == "fct_gap_measure")
    # the first sentence of the header comment, on one line (its wording is the SQL's to change)
    assert entry.definition.startswith("every gap measure") and entry.definition.endswith(".")
    assert "95 %" in entry.definition and "\n" not in entry.definition
    body_lines = [line.strip() for line in entry.body.splitlines()]
    assert "absolute_gap = s · (m_least − m_most)" in body_lines
    assert "95 % CI: absolute_gap ∓ 1.959963984540054 · √(SE_least² + SE_most²)" in body_lines
    # the author's line structure and indentation are kept, and the comment is the file's header verbatim
    header = [
        line[3:] if line.startswith("-- ") else line[2:]
        for line in (SQL_DIR / "marts" / "fct_gap_measure.sql").read_text(encoding="utf-8").splitlines()
        if line.startswith("--")
    ]
    assert entry.comment.splitlines() == [line.rstrip() for line in header]
    assert "\n    95 % CI: absolute_gap ∓" in entry.body


def test_python_model_definition_comes_from_its_docstring(models):
    entry = next(m for m in models if m.name == "int_slope_index")
    assert entry.definition.startswith("slope and relative index of inequality (SII, RII)")
    assert "Low & Low 2004" in entry.body
    assert entry.methods == ("pipeline.methods.slope_index.phe_sii",)
    assert entry.source.startswith("pipeline/warehouse/python_models.py:")


def test_header_comment_in_tmp_dir_is_split_into_definition_and_body(tmp_path):
    sql_dir = tmp_path / "sql"
    write_model(
        sql_dir,
        "intermediate",
        "int_example",
        "-- int_example: the mean of x per ward, weighted by population (e.g. a rate of 1.5 per\n"
        "-- 1 000). One row per ward.\n"
        "--\n"
        "--     m = Σ P·x / Σ P,   SE(m) = √(Σ P²·SE²) / Σ P\n"
        "-- Reference: Kirkwood & Sterne (2003), ch. 6.\n"
        "select 1 as x  -- not part of the header\n",
    )
    write_model(
        sql_dir,
        "marts",
        "fct_formula_block",
        "-- fct_formula_block: a mean with its standard error (same formulas as int_example):\n"
        "--     m = Σ P·v / Σ P\n"
        "--     (macro group_mean_standard_error)\n"
        "select 1\n",
    )
    write_model(sql_dir, "marts", "fct_uncommented", "select 1\n")
    write_model(sql_dir, "staging", "stg_ignored", "-- stg_ignored: renames only.\nselect 1\n")

    entries = {e.name: e for e in appendix.model_entries(sql_dir, python_models=())}
    assert sorted(entries) == ["fct_formula_block", "fct_uncommented", "int_example"]  # no staging, no Python models
    example = entries["int_example"]
    assert (example.layer, example.path, example.kind) == ("intermediate", "sql/intermediate/int_example.sql", "sql")
    assert example.definition == "the mean of x per ward, weighted by population (e.g. a rate of 1.5 per 1 000)."
    assert example.body.splitlines() == [
        "One row per ward.",
        "",
        "    m = Σ P·x / Σ P,   SE(m) = √(Σ P²·SE²) / Σ P",
        "Reference: Kirkwood & Sterne (2003), ch. 6.",
    ]
    block = entries["fct_formula_block"]
    assert block.definition == "a mean with its standard error (same formulas as int_example):"
    assert block.body.splitlines() == ["    m = Σ P·v / Σ P", "    (macro group_mean_standard_error)"]
    assert (entries["fct_uncommented"].definition, entries["fct_uncommented"].body) == ("", "")


def test_split_first_sentence_keeps_brackets_and_abbreviations_together():
    definition, body = appendix.split_first_sentence(
        ["value (see Altman et al. 2000, ch. 7. Not here.) per ward. Then", "more."]
    )
    assert definition == "value (see Altman et al. 2000, ch. 7. Not here.) per ward."
    assert body == ["Then", "more."]


# --------------------------------------------------------------------------------------------------
# methods


def test_phe_sii_docstring_is_picked_up(methods):
    entry = next(m for m in methods if m.qualname == "pipeline.methods.slope_index.phe_sii")
    assert entry.summary.startswith("SII (and RII)") and entry.summary.endswith(".")  # the first sentence
    assert "\n" not in entry.summary and entry.summary in " ".join(entry.docstring.split())
    assert "CI: Monte-Carlo with ``repetitions`` normal" in entry.body
    assert entry.reference.startswith("Low A & Low A (2004)")
    assert entry.reference_from == "function"
    assert (entry.role, entry.used_by, entry.command) == ("build", ("intermediate.int_slope_index",), "sii")
    source = (PROJECT_ROOT / entry.path).read_text(encoding="utf-8").splitlines()
    assert source[entry.line - 1].startswith("def phe_sii(")


def test_methods_used_by_the_build_come_from_the_python_models(methods):
    build = {m.qualname: m.used_by for m in methods if m.role == "build"}
    assert build["pipeline.methods.trend.proportion_trend"] == ("marts.fct_trend",)
    assert build["pipeline.methods.trend.weighted_trend"] == ("marts.fct_trend",)
    assert "pipeline.methods.trend.POINTS" not in build  # constants are not methods
    checks = [m.qualname for m in methods if m.role == "check"]
    assert build["pipeline.methods.proportion.proportion"] == ("intermediate.int_indicator_value__from_counts",)
    assert "pipeline.methods.rate.rate" in checks
    assert "pipeline.methods.life_expectancy.life_expectancy" in checks
    z = next(m for m in methods if m.qualname == "pipeline.methods.confidence.z_value")
    assert z.role == "constant"
    assert z.constants == ("1.959963984540054 (95 %)", "3.090232306167813 (99.8 %)")
    # the z-values are written once, in the macros z95 and z998 (sql/macros); the models call them
    assert z.used_by == ("macro z95", "macro z998")
    trend = next(m for m in methods if m.function == "weighted_trend")
    assert trend.reference_from == "module" and "Fingertips trend markers" in trend.reference
    assert len({m.qualname for m in methods}) == len(methods)


def test_reference_part_ends_at_the_paragraph():
    text = "Summary.\n\nFormula: x.\nReference: A (2001);\n  B (2002).\n\nReturns y."
    assert appendix.reference_part(text) == "A (2001); B (2002)."
    assert appendix.reference_part("no reference here") == ""


# --------------------------------------------------------------------------------------------------
# disclosure rule


def test_disclosure_rule_describes_the_configured_rule_and_cites_the_sql():
    text = appendix.disclosure_rule(fake_config(max_count=10))
    assert "A count from 1 to 10 is treated as disclosive" in text
    assert "sql/intermediate/int_indicator_value__configured.sql" in text
    assert "value, lower_ci, upper_ci and count are set to missing" in text
    assert '"Suppressed by the disclosure rule: count between 1 and 10"' in text
    assert "A count of 0 is not disclosive" in text
    assert "sql/tests/assert_no_value_from_disclosive_counts.sql" in text
    assert "marts.fct_gap_measure" in text and "marts.fct_trend" in text  # the models reading the suppressed values
    assert "5,000 or less" in text and "wider than 20 years" in text  # life-expectancy rules from the code
    assert "Warning" not in text


def test_disclosure_rule_warns_when_no_model_applies_it(tmp_path):
    sql_dir = tmp_path / "sql"
    write_model(sql_dir, "marts", "fct_x", "-- fct_x: x.\nselect 1\n")
    text = appendix.disclosure_rule(fake_config(), sql_dir, python_models=())
    assert "Warning: no model in sql/ reads the setting" in text


# --------------------------------------------------------------------------------------------------
# snapshot and changes


@pytest.fixture(scope="module")
def current(models, methods):
    config = fake_config(indicator("93283", "Life expectancy at birth"), indicator("93097", "Unemployment"))
    return appendix.snapshot(
        config, models, methods, periods={"93283": ["2019 - 21", "2020 - 22"], "93097": ["2022", "2023"]}
    )


def test_snapshot_holds_hashes_rule_and_indicators(current):
    assert current["schema"] == appendix.SNAPSHOT_SCHEMA
    assert len(current["models"]["marts.fct_gap_measure"]["comment_sha256"]) == 64
    assert "pipeline.methods.slope_index.phe_sii" in current["methods"]
    assert current["disclosure"]["max_suppressed_count"] == 7
    assert current["indicators"]["93097"] == {
        "name": "Unemployment",
        "sexes": ["Persons"],
        "baseline_period": "2021",
        "periods": ["2022", "2023"],
    }
    text = appendix.snapshot_json(current)
    assert json.loads(text) == current and text == appendix.snapshot_json(copy.deepcopy(current))


def test_changes_first_report_and_unchanged(current):
    assert appendix.changes_since(None, current) == ["First report: nothing to compare."]
    unchanged = appendix.changes_since(copy.deepcopy(current), current)
    assert len(unchanged) == 1 and unchanged[0].startswith("No change since the last report")


def test_changes_model_text_code_and_methods(current):
    previous = copy.deepcopy(current)
    previous["models"]["marts.fct_gap_measure"]["comment_sha256"] = "0" * 64
    previous["models"]["marts.fct_gap"]["code_sha256"] = "0" * 64
    previous["methods"]["pipeline.methods.slope_index.phe_sii"]["docstring_sha256"] = "0" * 64
    del previous["models"]["marts.fct_trend"]
    previous["models"]["marts.fct_old"] = {"path": "sql/marts/fct_old.sql", "comment_sha256": "1", "code_sha256": "1"}
    changes = appendix.changes_since(previous, current)
    assert "Model fct_gap_measure: method text changed." in changes
    assert "Model fct_gap: code changed, method text unchanged." in changes
    assert "Method pipeline.methods.slope_index.phe_sii: docstring changed." in changes
    assert "New model fct_trend." in changes
    assert "Model fct_old removed." in changes
    assert not any(c.startswith("No change") for c in changes)


def test_changes_indicators_periods_and_disclosure(current):
    previous = copy.deepcopy(current)
    del previous["indicators"]["93097"]
    previous["indicators"]["93759"] = {
        "name": "Fuel poverty",
        "sexes": ["Persons"],
        "baseline_period": "2021",
        "periods": ["2021"],
    }
    previous["indicators"]["93283"]["periods"] = ["2018 - 20", "2019 - 21"]
    previous["disclosure"]["max_suppressed_count"] = 5
    changes = appendix.changes_since(previous, current)
    assert "New indicator 93097 (Unemployment)." in changes
    assert "Indicator 93759 (Fuel poverty) is no longer reported." in changes
    assert "Indicator 93283 (Life expectancy at birth): new period 2020 - 22." in changes
    assert "Indicator 93283 (Life expectancy at birth): period 2018 - 20 no longer in the data." in changes
    assert "Disclosure rule changed: counts 1 to 5 were suppressed, now 1 to 7." in changes


def test_changes_with_a_path_to_the_previous_snapshot(tmp_path, current):
    assert appendix.changes_since(tmp_path / "missing.json", current) == ["First report: nothing to compare."]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert appendix.changes_since(broken, current)[0].startswith("The previous report's snapshot could not be read")
    good = tmp_path / "2026-Q2" / appendix.SNAPSHOT_FILE
    good.parent.mkdir()
    good.write_text(appendix.snapshot_json(current), encoding="utf-8")
    (tmp_path / "validation").mkdir()
    assert appendix.previous_snapshot_path(tmp_path, "2026-Q3") == good
    assert appendix.previous_snapshot_path(tmp_path, "2026-Q2") is None
    assert appendix.changes_since(appendix.load_snapshot(good), current)[0].startswith("No change")


# --------------------------------------------------------------------------------------------------
# the partial


def test_partial_escapes_comment_text(tmp_path):
    sql_dir = tmp_path / "sql"
    write_model(
        sql_dir,
        "marts",
        "fct_evil",
        "-- fct_evil: a value <script>alert(1)</script> & more.\n--     x < y & z > 0\nselect 1\n",
    )
    context = appendix.appendix_context(fake_config(), None, sql_dir=sql_dir, python_models=())
    html = appendix.render(context)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in html
    assert '<pre class="formula">    x &lt; y &amp; z &gt; 0</pre>' in html
    assert '<section id="appendix-model-fct_evil">' in html
    assert "First report: nothing to compare." in html


def test_partial_renders_the_project_appendix(tmp_path):
    config = load_config()
    previous = appendix.snapshot(config, appendix.model_entries(), appendix.method_entries())
    previous["indicators"].pop(next(iter(previous["indicators"])))
    context = appendix.appendix_context(config, previous)
    assert set(context) == {
        "title",
        "intro",
        "disclosure_rule",
        "changes",
        "models",
        "methods",
        "method_modules",
        "snapshot",
    }
    html = appendix.render(context)
    for model in context["models"]:
        assert f'<section id="{model["anchor"]}">' in html
    for method in context["methods"]:
        assert f'<section id="{method["anchor"]}">' in html
    assert "absolute_gap = s · (m_least − m_most)" in html
    assert "sql/marts/fct_gap_measure.sql" in html
    assert 'href="#appendix-method-pipeline-methods-slope_index-phe_sii"' in html  # int_slope_index → phe_sii
    assert any(c.startswith("New indicator") for c in context["changes"])
    assert json.loads(appendix.snapshot_json(context["snapshot"])) == context["snapshot"]


def test_building_the_appendix_imports_no_matplotlib():
    # the appendix reads the model registry, which imports the Python models and the methods they declare
    # (numpy, pandas, scipy), but never the charts
    code = (
        "import sys, pipeline.report.methods_appendix as m; m.model_entries(); m.method_entries(); "
        "assert 'matplotlib' not in sys.modules, sorted(k for k in sys.modules if k.startswith('matplotlib'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_disclosure_rule_warns_about_models_bypassing_it(tmp_path):
    sql_dir = tmp_path / "sql"
    write_model(
        sql_dir,
        "intermediate",
        "int_value",
        "-- int_value: values.\nselect case when not disclosive then v.value end as value\n"
        "from (select *, \"count\" between 1 and getvariable('disclosure_max_suppressed_count') as disclosive\n"
        "      from staging.stg_x__indicator_value) as v\n",
    )
    write_model(sql_dir, "marts", "fct_direct", "-- fct_direct: x.\nselect * from staging.stg_x__indicator_value\n")
    write_model(sql_dir, "marts", "fct_ok", "-- fct_ok: x.\nselect * from intermediate.int_value\n")
    write_model(sql_dir, "staging", "stg_x__indicator_value", "select 1 as value\n")  # the models' build order is valid
    text = appendix.disclosure_rule(fake_config(max_count=3), sql_dir, python_models=())
    assert "In sql/intermediate/int_value.sql (intermediate.int_value)" in text
    assert "its value is set to missing" in text
    assert "Every figure built on it (marts.fct_ok)" in text
    assert "Warning: marts.fct_direct reads indicator values from staging directly" in text


def test_periods_by_indicator_reads_the_warehouse_oldest_first():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.fct_ward_indicator as select * from (values
        ('93283', '2020 - 22', 20200000), ('93283', '2019 - 21', 20190000), ('93283', '2019 - 21', 20190000),
        ('93097', '2023', 20230000)) as t(indicator_id, period, period_sort)""")
    assert appendix.periods_by_indicator(con) == {"93097": ["2023"], "93283": ["2019 - 21", "2020 - 22"]}
