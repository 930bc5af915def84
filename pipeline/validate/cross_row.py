"""The validation checks that are not cached: the cross-row checks of each raw table (`CROSS_ROW`:
duplicate keys, ward codes missing from the ward lookup), which compare rows with other rows or other
sources and run as SQL on the loaded raw tables at every build, and the table-level check that every
borough ward has a row for each configured indicator, sex and period (`completeness`, reported only).
`pipeline.validate.run` runs both; a cross-row check's failing rows are quarantined like a row check's.
The Great Expectations row checks, whose results are cached by their code, are in `suites.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.config import Config


@dataclass(frozen=True)
class CrossRowCheck:
    """A row check that compares rows with other rows or sources, in SQL on raw.<table>. `failing` is a
    query (parameters $la_code, $comparator_code) returning the failing rows' _source, _file, _line."""

    name: str
    reason: str
    failing: str
    needs_lookup: bool = False  # compares with raw.lsoa_ward_lookup: skipped when no lookup is known


def duplicates(table: str, key: list[str]) -> str:
    """Every row whose key occurs more than once (all copies, as Great Expectations' compound-unique
    check counts them)."""
    columns = ", ".join(f'"{c}"' for c in key)
    return (
        f"select _source, _file, _line from (select _source, _file, _line, count(*) over (partition by "
        f"{columns}) as copies from raw.{table}) where copies > 1"
    )


LOOKUP_WARDS = "select ward_code from raw.lsoa_ward_lookup where ward_code is not null"

CROSS_ROW: dict[str, list[CrossRowCheck]] = {
    "imd_lsoa": [
        CrossRowCheck(
            "lsoa_unique",
            "the LSOA appears more than once in this source",
            duplicates("imd_lsoa", ["_source", "lsoa_code"]),
        )
    ],
    "lsoa_ward_lookup": [
        CrossRowCheck(
            "lsoa_unique",
            "the LSOA is placed in more than one ward",
            duplicates("lsoa_ward_lookup", ["_source", "lsoa_code"]),
        )
    ],
    "fingertips_indicator_value": [
        CrossRowCheck(
            "no_duplicate_rows",
            "the same value (indicator, area, sex, period …) appears more than once",
            duplicates(
                "fingertips_indicator_value",
                ["_source", "indicator_id", "area_code", "sex", "age", "category_type", "category", "time_period"],
            ),
        ),
        CrossRowCheck(
            "ward_in_lookup",
            "the ward code is not in the ward lookup (another boundary vintage?); "
            "use a lookup of the same ward vintage as this file",
            "select _source, _file, _line from raw.fingertips_indicator_value where parent_code = $la_code "
            f"and lower(area_type) like 'ward%' and area_code not in ({LOOKUP_WARDS})",
        ),
    ],
    "local_indicator_value": [
        CrossRowCheck(
            "no_duplicate_rows",
            "the same value (indicator, area, sex, period …) appears more than once",
            duplicates(
                "local_indicator_value",
                ["_source", "_file", "indicator_id", "area_code", "sex", "category_type", "category", "period"],
            ),
        ),
        CrossRowCheck(
            "area_in_lookup",
            "the area code is not a ward of the lookup, the borough or England; "
            "use codes of the same ward vintage as the lookup",
            "select _source, _file, _line from raw.local_indicator_value where area_code not in "
            f"({LOOKUP_WARDS}) and area_code not in ($la_code, $comparator_code)",
            needs_lookup=True,
        ),
    ],
    "lsoa_population": [
        CrossRowCheck(
            "lsoa_unique",
            "the LSOA appears more than once in this source",
            duplicates("lsoa_population", ["_source", "lsoa_code"]),
        )
    ],
    "area_count": [
        CrossRowCheck(
            "no_duplicate_rows",
            "the same area and category appear more than once",
            duplicates("area_count", ["_source", "area_code", "category"]),
        )
    ],
    "nomis_observation": [
        CrossRowCheck(
            "no_duplicate_rows",
            "the same observation (date, geography, measure, dimensions) appears twice",
            duplicates(
                "nomis_observation",
                ["_source", "date", "geography_code", "measure_name", "measures_name", "dimensions"],
            ),
        )
    ],
}


def completeness(frame: pd.DataFrame, config: Config, ward_codes_in_borough: set[str]) -> list[dict]:
    """Borough wards with no row for a configured indicator, sex and period that other wards have."""
    missing = []
    rows = frame[frame["area_code"].isin(ward_codes_in_borough)]
    for indicator in config.indicators:
        for sex in indicator.sexes:
            series = rows[(rows["indicator_id"] == indicator.id) & (rows["sex"] == sex)]
            for period in sorted(series["time_period"].unique()):
                present = set(series.loc[series["time_period"] == period, "area_code"])
                for ward in sorted(ward_codes_in_borough - present):
                    missing.append({"indicator_id": indicator.id, "sex": sex, "period": period, "ward_code": ward})
    return missing
