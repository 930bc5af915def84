"""The SQL models on the tiny project, whose every figure is worked out by hand below, and the
runner's ordering and failure rules."""

from __future__ import annotations

import duckdb
import pytest

import tiny_project
from pipeline.config import SQL_DIR
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.python_models import PYTHON_MODELS
from pipeline.warehouse.registry import LAYERS, ModelError, build_order, discover
from pipeline.warehouse.runner import run_models, run_tests

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    config = tiny_project.landed(tmp_path_factory.mktemp("tiny"))
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    yield con
    con.close()


def rows(con, sql):
    frame = con.execute(sql).df()
    return frame.to_dict("records")


def test_ward_score_is_the_population_weighted_mean_of_its_lsoas(warehouse):
    wards = {r["ward_name"]: r for r in rows(warehouse, "select * from intermediate.int_ward_deprivation")}
    # B01: LSOAs (60, 1000 people) and (40, 3000): (60·1000 + 40·3000) / 4000 = 45
    assert wards["B01"]["imd_score"] == pytest.approx(45.0)
    assert wards["B01"]["population"] == 4000 and wards["B01"]["lsoa_count"] == 2
    # B05: (20, 1500) and (24, 500): (30000 + 12000) / 2000 = 21
    assert wards["B05"]["imd_score"] == pytest.approx(21.0)
    # B09: (6, 1000) and (4, 1000) = 5
    assert wards["B09"]["imd_score"] == pytest.approx(5.0)


def test_national_rank_and_decile_follow_the_phe_quantile_rule(warehouse):
    wards = {r["ward_name"]: r for r in rows(warehouse, "select * from intermediate.int_ward_deprivation")}
    # 15 wards by score: O01 70, B02 50, B01 45, B03 32, B04 28, O02 26, B05 21, B06 18, O03 15, B07 12,
    # B08 10, O04 8, B09 5, B10 3, O05 1.  decile = floor(11 − ceil((16 − rank) / 1.5)), 0 → 1.
    expected = {
        "O01": (1, 1),
        "B02": (2, 1),
        "B01": (3, 2),
        "B03": (4, 3),
        "B04": (5, 3),
        "O02": (6, 4),
        "B05": (7, 5),
        "B06": (8, 5),
        "O03": (9, 6),
        "B07": (10, 7),
        "B08": (11, 7),
        "O04": (12, 8),
        "B09": (13, 9),
        "B10": (14, 9),
        "O05": (15, 10),
    }
    assert {name: (w["national_rank"], w["national_decile"]) for name, w in wards.items()} == expected


def test_local_quintiles_are_within_the_borough_most_deprived_first(warehouse):
    wards = {r["ward_name"]: r for r in rows(warehouse, "select * from intermediate.int_ward_deprivation")}
    # ten borough wards, two per quintile: q = floor(6 − ceil((11 − rank) / 2))
    expected = {"B02": 1, "B01": 1, "B03": 2, "B04": 2, "B05": 3, "B06": 3, "B07": 4, "B08": 4, "B09": 5, "B10": 5}
    assert {n: wards[n]["local_quintile"] for n in expected} == expected
    assert all(wards[n]["in_borough"] for n in expected)
    assert not wards["O01"]["in_borough"]


def test_fct_ward_indicator_is_one_row_per_ward_indicator_sex_period(warehouse):
    count, distinct = warehouse.execute(
        "select count(*), count(distinct (indicator_id, sex, period, ward_code)) from marts.fct_ward_indicator"
    ).fetchall()[0]
    assert count == distinct == 11 + 11 + 10  # LE two periods (10 borough + O01), unemployment 10
    suppressed = rows(
        warehouse, "select * from marts.fct_ward_indicator where ward_name = 'B01' and period = '2016 - 20'"
    )[0]
    assert suppressed["value"] is None or suppressed["value"] != suppressed["value"]
    assert suppressed["value_note"] == "Value suppressed for disclosure control due to small count"
    assert suppressed["local_quintile"] == 1 and suppressed["national_decile"] == 2
    outside = rows(
        warehouse, "select * from marts.fct_ward_indicator where ward_name = 'O01' and period = '2015 - 19'"
    )[0]
    assert not outside["in_borough"] and outside["value"] == 68


def gap(con, indicator, period):
    return rows(con, f"select * from marts.fct_gap where indicator_id = '{indicator}' and period = '{period}'")[0]


def test_gap_higher_is_better(warehouse):
    g = gap(warehouse, "93283", "2015 - 19")
    # Q1 = B02 (70, 2000 people), B01 (72, 4000): (140000 + 288000) / 6000 = 71.3333
    # Q5 = B09 (83, 2000), B10 (85, 2000): 84
    assert g["most_deprived_mean"] == pytest.approx(428000 / 6000)
    assert g["least_deprived_mean"] == pytest.approx(84.0)
    assert g["absolute_gap"] == pytest.approx(84 - 428000 / 6000)  # +12.667: deprived worse off
    assert g["relative_gap"] == pytest.approx(84 / (428000 / 6000))  # 1.178
    assert (g["best_ward_name"], g["best_value"], g["worst_ward_name"], g["worst_value"]) == ("B10", 85, "B02", 70)
    assert g["range_gap"] == pytest.approx(15)
    assert g["is_baseline"] and g["absolute_gap_change_since_baseline"] == pytest.approx(0)
    assert (g["borough_value"], g["england_value"]) == (77.5, 79.5)  # the category row is not England's value


def test_gap_leaves_out_a_suppressed_ward_and_measures_change_since_baseline(warehouse):
    g = gap(warehouse, "93283", "2016 - 20")
    # B01 suppressed: Q1 = B02 alone = 69; Q5 = (84 + 85) / 2 = 84.5; gap 15.5
    assert (g["wards"], g["wards_with_value"], g["most_deprived_wards_with_value"]) == (10, 9, 1)
    assert g["absolute_gap"] == pytest.approx(15.5)
    assert g["absolute_gap_change_since_baseline"] == pytest.approx(15.5 - (84 - 428000 / 6000))
    assert g["range_gap"] == pytest.approx(85 - 69)


def test_gap_lower_is_better_is_oriented_so_positive_means_deprived_worse_off(warehouse):
    g = gap(warehouse, "93097", "2019/20")
    # unemployment %: Q1 = (10·2000 + 8·4000) / 6000 = 8.6667; Q5 = (2 + 1) / 2 = 1.5
    assert g["most_deprived_mean"] == pytest.approx(52000 / 6000)
    assert g["least_deprived_mean"] == pytest.approx(1.5)
    assert g["absolute_gap"] == pytest.approx(52000 / 6000 - 1.5)  # −1 · (1.5 − 8.667) = +7.167
    assert g["relative_gap"] == pytest.approx((52000 / 6000) / 1.5)  # 5.78
    assert (g["best_ward_name"], g["best_value"], g["worst_ward_name"], g["worst_value"]) == ("B10", 1, "B02", 10)
    assert g["range_gap"] == pytest.approx(9)


# --- the runner ---------------------------------------------------------------------------------


def test_build_order_puts_every_model_after_what_it_reads():
    models = discover(SQL_DIR, PYTHON_MODELS)
    order = [m.relation for m in build_order(SQL_DIR, PYTHON_MODELS)]
    assert sorted(order) == sorted(models)
    for position, relation in enumerate(order):
        assert models[relation].depends_on <= set(order[:position])
    layers = [LAYERS.index(models[r].layer) for r in order]
    assert layers == sorted(layers)


def test_runner_builds_from_an_empty_database_in_that_order(tmp_path):
    config = tiny_project.landed(tmp_path)
    summary = build_warehouse(config)
    assert [m["model"] for m in summary["models"]] == [m.relation for m in build_order(SQL_DIR, PYTHON_MODELS)]
    # the tiny project has no local drops, no population or counts sources and declares no targets; it has
    # no ward boundaries and not the 30 local authorities of England's range
    empty = {
        "staging.stg_local__indicator_value",
        "marts.fct_target_progress",
        "marts.fct_target_trajectory",
        "staging.stg_population__lsoa",
        "staging.stg_counts__area",
        "intermediate.int_indicator_value__from_counts",
        "staging.stg_nomis__observation",
        "marts.dim_ward_boundary_file",
        "marts.fct_local_authority_range",
    }
    assert all(m["rows"] > 0 for m in summary["models"] if m["model"] not in empty and m["kind"] == "table")
    # a view's rows are not counted by the runner (counting computes it): counted here
    views = [m["model"] for m in summary["models"] if m["kind"] == "view"]
    assert views and all(m["rows"] is None for m in summary["models"] if m["kind"] == "view")
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        counts = {v: con.execute(f"select count(*) from {v}").fetchone()[0] for v in views}
    assert all(rows > 0 for view, rows in counts.items() if view not in empty), counts


def write_models(root, files):
    for relative, sql in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    for layer in (*LAYERS, "tests"):
        (root / layer).mkdir(exist_ok=True)
    return root


def test_runner_refuses_cycles_unknown_references_and_backward_layers(tmp_path):
    cyclic = write_models(
        tmp_path / "a", {"marts/x.sql": "select * from marts.y", "marts/y.sql": "select * from marts.x"}
    )
    with pytest.raises(ModelError, match="cycle"):
        build_order(cyclic)
    unknown = write_models(tmp_path / "b", {"marts/x.sql": "select * from intermediate.nowhere"})
    with pytest.raises(ModelError, match="intermediate.nowhere, which is not a model"):
        build_order(unknown)
    backwards = write_models(tmp_path / "c", {"staging/s.sql": "select * from marts.m", "marts/m.sql": "select 1 as a"})
    with pytest.raises(ModelError, match="may not read the later layer marts.m"):
        build_order(backwards)


def test_a_reference_in_a_comment_is_not_a_dependency(tmp_path):
    root = write_models(tmp_path, {"marts/x.sql": "-- formerly read marts.gone\nselect 1 as a"})
    assert build_order(root)[0].depends_on == frozenset()


def test_singular_test_rows_fail_the_build_and_are_shown(tmp_path):
    root = write_models(
        tmp_path,
        {
            "marts/m.sql": "select 1 as a union all select -1",
            "tests/assert_positive.sql": "select * from marts.m where a < 0",
        },
    )
    con = duckdb.connect()
    for layer in LAYERS:
        con.execute(f"create schema {layer}")
    run_models(con, root)
    with pytest.raises(ModelError, match=r"assert_positive.sql returned 1 row\(s\)"):
        run_tests(con, root)


def test_a_failed_build_leaves_the_previous_warehouse(tmp_path, monkeypatch):
    config = tiny_project.landed(tmp_path)
    build_warehouse(config)
    before = config.warehouse_path.read_bytes()
    broken = write_models(tmp_path / "sql", {"marts/m.sql": "select * from no_such_table"})
    with pytest.raises(ModelError, match="m.sql"):
        build_warehouse(config, sql_dir=broken, python_models=())
    assert config.warehouse_path.read_bytes() == before
    assert not config.warehouse_path.with_name("fsot.duckdb.building").exists()


def test_a_target_area_naming_an_unknown_ward_fails_the_build(tmp_path):
    config = tiny_project.landed(tmp_path, '[[target_areas]]\nname = "North"\nwards = ["E05000001", "E05999999"]')
    with pytest.raises(ModelError, match=r"assert_target_area_wards_exist.sql returned 1 row\(s\)(.|\n)*E05999999"):
        build_warehouse(config)


def test_group_standard_errors_come_from_the_wards_published_limits(warehouse):
    rows = {r["deprivation_group"]: r for r in rows_of(warehouse, "93283", "2015 - 19", "local_quintile")}
    se = 1 / 1.959963984540054  # tiny wards publish value ± 1
    # Q1: B02 (2000 people) and B01 (4000): √(2000² + 4000²)·SE / 6000
    assert rows[1]["standard_error"] == pytest.approx((2000**2 + 4000**2) ** 0.5 * se / 6000)
    assert rows[1]["mean"] == pytest.approx(428000 / 6000) and rows[5]["mean"] == pytest.approx(84)


def rows_of(con, indicator, period, grouping):
    return rows(
        con,
        f"select * from intermediate.int_deprivation_group where indicator_id = '{indicator}' "
        f"and period = '{period}' and grouping = '{grouping}' order by deprivation_group",
    )


def measure(con, indicator, period, name, grouping="local_quintile"):
    return rows(
        con,
        f"select * from marts.fct_gap_measure where indicator_id = '{indicator}' and period = '{period}' "
        f"and measure = '{name}' and grouping = '{grouping}'",
    )[0]


def test_absolute_gap_ci_combines_the_two_groups_standard_errors(warehouse):
    se = 1 / 1.959963984540054
    se_most, se_least = (2000**2 + 4000**2) ** 0.5 * se / 6000, (2 * 2000**2) ** 0.5 * se / 4000
    half = 1.959963984540054 * (se_most**2 + se_least**2) ** 0.5
    g = measure(warehouse, "93283", "2015 - 19", "absolute_gap")
    gap = 84 - 428000 / 6000
    assert (g["value"], g["lower_ci"], g["upper_ci"]) == pytest.approx((gap, gap - half, gap + half))
    assert g["group_compared"] == "most deprived local quintile (1)" and g["wards_compared"] == 2


def test_relative_gap_ci_is_symmetric_on_the_log_scale_and_oriented_by_polarity(warehouse):
    g = measure(warehouse, "93097", "2019/20", "relative_gap")  # lower is better: most / least deprived
    assert g["value"] == pytest.approx((52000 / 6000) / 1.5)
    assert g["lower_ci"] * g["upper_ci"] == pytest.approx(g["value"] ** 2)
    assert g["lower_ci"] < g["value"] < g["upper_ci"]


def test_a_grouping_without_wards_at_one_end_gives_no_gap_and_says_why(warehouse):
    # the tiny borough's wards reach national decile 9 at best: no ward in national decile 10
    g = measure(warehouse, "93283", "2015 - 19", "absolute_gap", grouping="national_decile")
    assert g["value"] is None or g["value"] != g["value"]
    assert g["note"] == "no borough ward with a value in the least deprived group"


def test_benchmark_comparison_at_95_and_998_is_polarity_aware(tmp_path):
    config = tiny_project.landed(tmp_path, '[[target_areas]]\nname = "North"\nwards = ["E05000001", "E05000002"]')
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    found = {
        (r["area_name"], r["benchmark"]): r
        for r in rows(
            con, "select * from marts.fct_benchmark_comparison where indicator_id = '93283' and period = '2015 - 19'"
        )
    }
    con.close()
    # England 79.5; wards publish value ± 1 at 95 %, so ± 1·3.0902/1.96 = ± 1.577 at 99.8 %
    assert found[("B05", "England")]["comparison_95"] == "worse"  # 77–79 below 79.5
    assert found[("B05", "England")]["comparison_998"] == "similar"  # 76.42–79.58 includes it
    assert found[("B07", "England")]["comparison_95"] == "similar"
    assert found[("B10", "England")]["comparison_998"] == "better"
    assert found[("Stockton-on-Tees", "England")]["area_type"] == "local authority"
    north = found[("North", "rest of borough")]
    # North = B01, B02: 71.333; rest: (2000·(75+76+78+79+83+85) + 1000·80 + 3000·81) / 16000
    rest = (2000 * (75 + 76 + 78 + 79 + 83 + 85) + 1000 * 80 + 3000 * 81) / 16000
    assert north["difference"] == pytest.approx(428000 / 6000 - rest)
    assert north["comparison_95"] == "worse" and north["upper_95"] < 0


def test_trends_are_not_tested_on_overlapping_or_short_series(warehouse):
    trends = {
        (r["indicator_id"], r["series"], r["subject"]): r for r in rows(warehouse, "select * from marts.fct_trend")
    }
    le = trends[("93283", "value", "E05000001")]
    assert (le["trend"], le["points"]) == ("cannot be calculated", 2)
    assert le["reason"] == "periods overlap (rolling multi-year periods are not tested)"  # 5-year pooled periods
    unemployment = trends[("93097", "value", "E05000001")]
    assert unemployment["trend"] == "cannot be calculated" and unemployment["method"].startswith("chi-squared") is False
    assert ("93097", "absolute gap", "local_quintile") in trends


def test_sii_is_the_weighted_slope_across_the_groups_and_oriented_by_polarity(warehouse):
    import numpy as np

    groups = rows_of(warehouse, "93283", "2015 - 19", "local_quintile")
    population = np.array([g["population"] for g in groups])
    mean = np.array([g["mean"] for g in groups])
    a = population / population.sum()
    b = np.cumsum(a) - a / 2  # midpoints of the cumulative population ranks
    slope, intercept = np.polyfit(b, mean, 1, w=np.sqrt(a))
    sii = measure(warehouse, "93283", "2015 - 19", "sii")
    assert sii["value"] == pytest.approx(slope)  # higher is better: least minus most deprived end
    assert sii["lower_ci"] < sii["value"] < sii["upper_ci"]
    rii = measure(warehouse, "93283", "2015 - 19", "rii")
    assert rii["value"] == pytest.approx((intercept + slope) / intercept)
    unemployment = measure(warehouse, "93097", "2019/20", "sii")
    assert unemployment["value"] > 0  # lower is better: deprived wards have more unemployment


def test_change_since_baseline_tests_the_difference_of_two_estimates(warehouse):
    change = rows(
        warehouse,
        "select * from marts.fct_gap_change where indicator_id = '93283' "
        "and measure = 'absolute_gap' and grouping = 'local_quintile'",
    )[0]
    base = measure(warehouse, "93283", "2015 - 19", "absolute_gap")
    late = measure(warehouse, "93283", "2016 - 20", "absolute_gap")
    se = lambda m: (m["upper_ci"] - m["lower_ci"]) / (2 * 1.959963984540054)  # noqa: E731
    assert se(base) > 0 and se(late) > 0
    assert (change["baseline_period"], change["latest_period"]) == ("2015 - 19", "2016 - 20")
    assert change["change"] == pytest.approx(15.5 - (84 - 428000 / 6000))  # +2.83 years
    # the pooled periods share 2016 - 19: not tested (tests/test_report_document.py tests the rule)
    assert all(change[k] is None or change[k] != change[k] for k in ("change_lower_ci", "change_upper_ci"))
    assert change["verdict"] == "periods overlap: not tested"
    ratio = rows(
        warehouse,
        "select * from marts.fct_gap_change where indicator_id = '93283' "
        "and measure = 'relative_gap' and grouping = 'local_quintile'",
    )[0]
    rel_base = measure(warehouse, "93283", "2015 - 19", "relative_gap")
    rel_late = measure(warehouse, "93283", "2016 - 20", "relative_gap")
    assert ratio["change"] == pytest.approx(rel_late["value"] / rel_base["value"])


def test_the_disclosure_rule_suppresses_small_counts_and_everything_computed_from_them(tmp_path):
    config = tiny_project.landed(tmp_path, "[disclosure]\nmax_suppressed_count = 30")
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    wards = {
        r["ward_name"]: r for r in rows(con, "select * from marts.fct_ward_indicator where indicator_id = '93097'")
    }
    gap = rows(con, "select * from marts.fct_gap where indicator_id = '93097'")[0]
    con.close()
    # unemployment counts are 10 × the value: B08 (30), B09 (20), B10 (10) fall under the rule
    for name in ("B08", "B09", "B10"):
        assert wards[name]["value"] is None or wards[name]["value"] != wards[name]["value"]
        assert wards[name]["value_note"] == "Suppressed by the disclosure rule: count between 1 and 30"
    assert wards["B07"]["value"] == 4
    assert gap["least_deprived_wards_with_value"] == 0 and gap["wards_with_value"] == 7


def test_range_gap_ci_comes_from_the_best_and_worst_wards_limits(warehouse):
    g = measure(warehouse, "93283", "2015 - 19", "range_gap", grouping="ward")
    half = 1.959963984540054 * 2**0.5 / 1.959963984540054  # both wards publish value ± 1
    assert (g["value"], g["lower_ci"], g["upper_ci"]) == pytest.approx((15, 15 - half, 15 + half))
    assert (g["group_compared"], g["group_reference"]) == ("worst ward: B02", "best ward: B10")


def test_python_models_join_the_registry_only_when_passed(tmp_path):
    # no folder check: the project's own sql/ without its Python models is just its SQL models
    sql_only = discover(SQL_DIR)
    assert not any(m.kind == "python" for m in sql_only.values())
    both = discover(SQL_DIR, PYTHON_MODELS)
    python = {r: m for r, m in both.items() if m.kind == "python"}
    assert sorted(python) == [
        "intermediate.int_indicator_value__from_counts",
        "intermediate.int_slope_index",
        "marts.fct_trend",
    ]
    slope = python["intermediate.int_slope_index"]
    assert [f.__name__ for f in slope.methods] == ["phe_sii"]
    assert slope.doc.startswith("int_slope_index:") and slope.path.name == "python_models.py"
    assert slope.depends_on == frozenset({"intermediate.int_deprivation_group"})
    root = write_models(tmp_path, {"marts/x.sql": "-- x: one row.\nselect 1 as a"})
    assert [(m.relation, m.kind, m.doc) for m in build_order(root)] == [("marts.x", "sql", "x: one row.")]
