"""Suites on the staged models: after quarantine, the typed staging views must hold what the models
downstream assume. A failure here means a check is missing at the raw level, so it stops the build
(the warehouse is not replaced) and names the model, the check and example rows."""

from __future__ import annotations

import duckdb

from pipeline.validate.context import expectations, validate
from pipeline.validate.suites import Check

SAMPLE_ROWS = 5


def staged_suites() -> dict[str, list[Check]]:
    gxe = expectations()
    return {
        "staging.stg_deprivation__lsoa": [
            Check("score_present", "every staged LSOA has a numeric IMD score",
                  gxe.ExpectColumnValuesToNotBeNull(column="imd_score")),
            Check("population_positive", "every staged LSOA population given is positive",
                  gxe.ExpectColumnValuesToBeBetween(column="population", min_value=1)),
            Check("lsoa_unique", "one row per LSOA and source",
                  gxe.ExpectCompoundColumnsToBeUnique(column_list=["_source", "lsoa_code"])),
        ],
        "staging.stg_ons__lsoa_ward": [
            Check("lsoa_unique", "each LSOA in one ward of each lookup",
                  gxe.ExpectCompoundColumnsToBeUnique(column_list=["_source", "lsoa_code"])),
            Check("ward_present", "every LSOA has a ward", gxe.ExpectColumnValuesToNotBeNull(column="ward_code")),
        ],
        "staging.stg_fingertips__indicator_value": [
            Check("period_sorts", "every period has a sortable form", gxe.ExpectColumnValuesToNotBeNull(column="period_sort")),
            Check("ci_contains_value", "lower ≤ value where both are published",
                  gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="value", column_B="lower_ci", or_equal=True,
                                                              ignore_row_if="either_value_is_missing")),
            Check("category_present", "every row names its category ('All' for the whole population)",
                  gxe.ExpectColumnValuesToNotBeNull(column="category")),
        ],
        "staging.stg_local__indicator_value": [
            Check("period_sorts", "every period has a sortable form", gxe.ExpectColumnValuesToNotBeNull(column="period_sort")),
            Check("category_present", "every row names its category ('All' for the whole population)",
                  gxe.ExpectColumnValuesToNotBeNull(column="category")),
        ],
    }


def validate_staged(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Run the staged-model suites; return one result per check (success, failing rows, examples)."""
    results = []
    for model, checks in staged_suites().items():
        frame = con.execute(f"select * from {model}").df()
        if frame.empty:
            continue
        for check, outcome in zip(checks, validate(frame, model.replace(".", "_"), [c.expectation for c in checks])):
            rows = list(outcome.result.get("unexpected_index_list") or [])
            sample = frame.iloc[rows[:SAMPLE_ROWS]][["_file", "_line"]].to_dict("records")
            results.append({"table": model, "check": check.name, "reason": check.reason, "success": bool(outcome.success),
                            "rows_checked": len(frame), "rows_failed": len(rows), "sample": sample})
    return results
