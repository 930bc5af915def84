"""The expectation suites, one per source format, as code.

Each suite is a list of checks. A check's failing rows are quarantined (kept in quarantine.<table> with the
check's name and reason, never dropped); the completeness of the borough's wards is a table-level check,
reported only (`cross_row.completeness`).

Two kinds of row check:
- Great Expectations checks (here) look at one row at a time. They run on a DataFrame of the raw rows (strings
  as delivered) with parsed helper columns added by `prepare_*` (numbers with thousands separators removed;
  suppression markers and blanks as missing), a chunk of a file at a time, and their result depends only on
  the file's bytes, the settings in `settings_of` and this code, so it is cached by those (pipeline.validate.run).
- Cross-row checks (`cross_row.CROSS_ROW`: duplicates, wards in the lookup) compare rows with other rows or
  sources. They run as SQL on the loaded raw tables at every build, uncached, so they are in `cross_row.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.config import Config

GSS_CODE = r"^[EWSNLMJK]\d{8}$"
# Fingertips also publishes NHS organisations (GP practices A81001, sub-ICB 00L, ICB QHM, …)
# and exports some ICB codes with a leading "n" (nE54000027), kept as published
AREA_CODE = r"^n?(?:[EWSNLMJK]\d{8}|[A-Z]\d{5}|[A-Z0-9]{3,5})$"
# Python's `\S` (any character but those str.isspace() calls whitespace), spelt as a class of the characters
# themselves: pandas matches a pattern with `\s` or `\S` by Python's re a row at a time (RE2 reads them
# differently), and one without by Arrow's RE2, the same matches in a fraction of the time. A test checks
# the class against every code point.
NOT_WHITESPACE = "[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# The period grammar: the forms Fingertips and Nomis label periods with (README, "Periods").
_YEAR = r"(?:19|20)\d{2}"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:tember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
PERIOD = (
    rf"^(?:{_YEAR}"  # 2021 (calendar year)
    rf"|{_YEAR}/\d{{2}}"  # 2021/22 (financial or academic year)
    rf"|{_YEAR} ?- ?(?:\d{{2}}|{_YEAR})"  # 2019 - 21, 2019-2021 (pooled years)
    rf"|{_YEAR}/\d{{2}} - \d{{2}}/\d{{2}}"  # 2018/19 - 20/21 (pooled financial years)
    rf"|{_YEAR}(?:/\d{{2}})? Q[1-4]"  # 2021 Q3, 2021/22 Q1 (quarters)
    rf"|{_MONTH} {_YEAR})$"
)  # Jan 2024, October 2026 (months)


@dataclass(frozen=True)
class Check:
    name: str
    reason: str  # what a failing row is told, and what to do
    expectation: object  # a great_expectations Expectation


@dataclass
class Prepared:
    frame: pd.DataFrame
    checks: list[Check] = field(default_factory=list)


# A plain decimal number (ASCII digits, optional sign, point and exponent): Arrow's cast parses these,
# correctly rounded as pandas' to_numeric and Python's float() are, at a fraction of to_numeric's cost.
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def number(series: pd.Series, markers: set[str]) -> tuple[pd.Series, pd.Series]:
    """Parse published numbers: '29,199' → 29199; blank or a suppression marker → NaN.

    Returns (numbers, is_text): is_text marks cells that are neither a number, blank nor a marker.
    Plain decimal numbers are parsed by Arrow and anything else by pandas' to_numeric, which gives the
    same doubles (tests/test_validation_numbers.py). Arrow's parser takes decimal numbers and, of anything
    else, only the words for infinity and not-a-number, so a column of cells that Arrow reads whole, to
    finite numbers, is all plain numbers and needs no pattern matched first (the usual case)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = series.fillna("").astype(str).str.strip()
    cleaned = text.str.replace(",", "", regex=False)
    usable = (~text.isin(markers) & (text != "")).to_numpy(dtype=bool)
    parsed = np.full(len(text), np.nan)
    # the cells stay Arrow strings (pandas' str methods keep them so): filtered, never made Python objects
    cells = pa.array(cleaned)
    try:
        every = pc.cast(pc.filter(cells, pa.array(usable)), pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a cell that is not a number (or out of Arrow's range): cell by cell below
        every = None
    if every is not None and np.isfinite(every).all():
        parsed[usable] = every
        return pd.Series(parsed, index=series.index), pd.Series(np.zeros(len(text), dtype=bool), index=series.index)
    plain = usable & cleaned.str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool, na_value=False)
    rest = usable & ~plain
    if plain.any():
        try:
            parsed[plain] = pc.cast(pc.filter(cells, pa.array(plain)), pa.float64())
        except pa.ArrowInvalid:  # out of Arrow's range (e.g. 1e999): pandas decides, as it always did
            rest = usable
    if rest.any():
        parsed[rest] = pd.to_numeric(cleaned[rest], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    numbers = pd.Series(parsed, index=series.index, dtype="float64")
    return numbers, pd.Series(usable & np.isnan(parsed), index=series.index)


def columns_read(checks: list[Check], columns: list[str]) -> list[str]:
    """The columns (of `columns`, in their order) that the checks' expectations read: their column
    arguments and the names in their row conditions."""
    named: set[str] = set()
    for check in checks:
        expectation = check.expectation
        named.update(filter(None, (getattr(expectation, a, None) for a in ("column", "column_A", "column_B"))))
        named.update(getattr(expectation, "column_list", None) or [])
        condition = getattr(expectation, "row_condition", None)
        if condition:
            named.update(c for c in columns if re.search(rf"(?<![\w.]){re.escape(c)}(?!\w)", str(condition)))
    return [c for c in columns if c in named]


def _gx():
    from pipeline.validate.context import expectations

    return expectations()


def fields_check(gxe) -> Check:
    return Check(
        "fields_match_header",
        "the row has a different number of fields from the header; check for an unquoted comma in this line",
        gxe.ExpectColumnValuesToBeInSet(column="_fields_ok", value_set=[True]),
    )


def numeric_checks(gxe, frame: pd.DataFrame, columns: list[str], markers: set[str]) -> list[Check]:
    checks = []
    for column in columns:
        frame[f"{column}_num"], frame[f"{column}_is_text"] = number(frame[column], markers)
        checks.append(
            Check(
                f"{column}_is_a_number",
                f"'{column}' holds text that is not a number or a suppression marker; correct the cell",
                gxe.ExpectColumnValuesToBeInSet(column=f"{column}_is_text", value_set=[False]),
            )
        )
    return checks


def indicator_value_checks(gxe, frame: pd.DataFrame, config: Config, columns: dict[str, str]) -> list[Check]:
    """Checks shared by every source of indicator values (Fingertips exports and local drops).

    `columns` names the frame's value, lower, upper, count, denominator, indicator, area and period
    columns."""
    markers = set(config.suppression_markers)
    frame["_fields_ok"] = frame["_fields"] == frame["_width"]
    checks = [fields_check(gxe)]
    numeric = [columns[k] for k in ("value", "lower", "upper", "count", "denominator")]
    checks += numeric_checks(gxe, frame, numeric, markers)
    value, lower, upper = (f"{columns[k]}_num" for k in ("value", "lower", "upper"))
    count, denominator = f"{columns['count']}_num", f"{columns['denominator']}_num"
    units = {i.id: i.unit for i in config.indicators}
    frame["_unit"] = frame[columns["indicator"]].map(units).fillna("")
    frame["_proportion_count"] = frame[count].where(frame["_unit"] == "%")
    numbers = frame[[f"{c}_num" for c in numeric]].to_numpy(dtype=float)
    frame["_finite"] = ~np.isinf(numbers).any(axis=1)
    frame["_count_ok"] = frame[count].isna() | ((frame[count] >= 0) & (frame[count] % 1 == 0))
    checks += [
        Check(
            "indicator_id_present",
            "the row has no indicator id; it cannot be matched to an indicator",
            gxe.ExpectColumnValuesToMatchRegex(column=columns["indicator"], regex=f"^{NOT_WHITESPACE}+$"),
        ),
        Check(
            "area_code_valid",
            "the area code is not a GSS or NHS organisation code; correct the code",
            gxe.ExpectColumnValuesToMatchRegex(column=columns["area"], regex=AREA_CODE),
        ),
        Check(
            "period_parses",
            "the period is not one of the forms 2021, 2021/22, 2019 - 21, 2018/19 - 20/21, "
            "2021 Q3 or Jan 2024; correct it",
            gxe.ExpectColumnValuesToMatchRegex(column=columns["period"], regex=PERIOD),
        ),
        Check(
            "numbers_finite",
            "a number is infinite (inf); give a finite value or leave the cell empty",
            gxe.ExpectColumnValuesToBeInSet(column="_finite", value_set=[True]),
        ),
        Check(
            "count_whole_not_negative",
            "the count is negative or not a whole number; correct it",
            gxe.ExpectColumnValuesToBeInSet(column="_count_ok", value_set=[True]),
        ),
        Check(
            "denominator_not_negative",
            "the denominator is negative; correct it",
            gxe.ExpectColumnValuesToBeBetween(column=denominator, min_value=0, max_value=None),
        ),
        Check(
            "limits_ordered",
            "the lower 95% limit is above the upper one; correct the limits",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=upper, column_B=lower, or_equal=True, ignore_row_if="either_value_is_missing"
            ),
        ),
        Check(
            "ci_contains_value_lower",
            "the lower 95% limit is above the value; correct the limits",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=value, column_B=lower, or_equal=True, ignore_row_if="either_value_is_missing"
            ),
        ),
        Check(
            "ci_contains_value_upper",
            "the upper 95% limit is below the value; correct the limits",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=upper, column_B=value, or_equal=True, ignore_row_if="either_value_is_missing"
            ),
        ),
        Check(
            "count_within_denominator",
            "the count exceeds the denominator for a proportion; correct one of them",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=denominator,
                column_B="_proportion_count",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ),
    ]
    for unit, (low, high) in sorted(config.plausible_ranges.items()):
        checks.append(
            Check(
                f"value_plausible_{re.sub(r'[^a-z0-9]+', '_', unit.lower()) or 'unit'}",
                f"the value is outside the plausible range {low:g}–{high:g} for unit '{unit}'; check the figure",
                gxe.ExpectColumnValuesToBeBetween(
                    column=value,
                    min_value=low,
                    max_value=high,
                    row_condition=f"_unit=={unit!r}",
                    condition_parser="pandas",
                ),
            )
        )
    return checks


def prepare_fingertips(frame: pd.DataFrame, config: Config) -> Prepared:
    gxe = _gx()
    frame = frame.copy()
    columns = {
        "value": "value",
        "lower": "lower_ci_95_limit",
        "upper": "upper_ci_95_limit",
        "count": "count",
        "denominator": "denominator",
        "indicator": "indicator_id",
        "area": "area_code",
        "period": "time_period",
    }
    return Prepared(frame, indicator_value_checks(gxe, frame, config, columns))


def prepare_local(frame: pd.DataFrame, config: Config) -> Prepared:
    gxe = _gx()
    frame = frame.copy()
    columns = {
        "value": "value",
        "lower": "lower_ci",
        "upper": "upper_ci",
        "count": "count",
        "denominator": "denominator",
        "indicator": "indicator_id",
        "area": "area_code",
        "period": "period",
    }
    checks = indicator_value_checks(gxe, frame, config, columns)
    checks += [
        Check(
            "sex_known",
            "sex must be Male, Female or Persons",
            gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=["Male", "Female", "Persons"]),
        ),
        Check(
            "formulas_calculated",
            "a cell of the row holds an Excel formula with no saved result; open the file "
            "in Excel, save it, and send it again",
            gxe.ExpectColumnValuesToBeInSet(column="_uncalculated", value_set=[""]),
        ),
    ]
    return Prepared(frame, checks)


def prepare_deprivation(frame: pd.DataFrame, config: Config) -> Prepared:
    frame, gxe, checks = _numbers_and_fields(frame, config, ["imd_score", "imd_rank", "imd_decile", "population"])
    checks += [
        Check(
            "lsoa_code_valid",
            "the LSOA code is not a GSS LSOA code (E01…/W01…); correct it",
            gxe.ExpectColumnValuesToMatchRegex(column="lsoa_code", regex=r"^[EW]01\d{6}$"),
        ),
        Check(
            "score_present",
            "the LSOA has no IMD score; the ward score would leave its population out",
            gxe.ExpectColumnValuesToNotBeNull(column="imd_score_num"),
        ),
        Check(
            "score_in_range",
            "the IMD score is outside 0–100; check the figure",
            gxe.ExpectColumnValuesToBeBetween(column="imd_score_num", min_value=0, max_value=100),
        ),
        Check(
            "population_positive",
            "the population denominator is missing or not positive",
            gxe.ExpectColumnValuesToBeBetween(column="population_num", min_value=1, max_value=None),
        ),
        Check(
            "decile_in_range",
            "the IMD decile is not 1–10",
            gxe.ExpectColumnValuesToBeBetween(column="imd_decile_num", min_value=1, max_value=10),
        ),
    ]
    return Prepared(frame, checks)


def prepare_lookup(frame: pd.DataFrame, config: Config) -> Prepared:
    gxe = _gx()
    frame = frame.copy()
    frame["_fields_ok"] = frame["_fields"] == frame["_width"]
    return Prepared(
        frame,
        [
            fields_check(gxe),
            Check(
                "lsoa_code_valid",
                "the LSOA code is not a GSS LSOA code (E01…/W01…); correct it",
                gxe.ExpectColumnValuesToMatchRegex(column="lsoa_code", regex=r"^[EW]01\d{6}$"),
            ),
            Check(
                "ward_code_valid",
                "the ward code is not a GSS ward code (E05…/W05…); correct it",
                gxe.ExpectColumnValuesToMatchRegex(column="ward_code", regex=r"^[EWSN]05\d{6}$"),
            ),
            Check(
                "la_code_valid",
                "the local authority code is not a GSS district/unitary code",
                gxe.ExpectColumnValuesToMatchRegex(column="la_code", regex=r"^[EWSN]0[6-9]\d{6}$"),
            ),
        ],
    )


def _numbers_and_fields(frame: pd.DataFrame, config: Config, numeric: list[str]) -> tuple:
    """The start of a suite: a copy of the frame, Great Expectations' expectations, and the checks that
    every row has the header's number of fields and that the numeric columns hold numbers."""
    gxe = _gx()
    frame = frame.copy()
    frame["_fields_ok"] = frame["_fields"] == frame["_width"]
    return frame, gxe, [fields_check(gxe)] + numeric_checks(gxe, frame, numeric, set(config.suppression_markers))


def prepare_population(frame: pd.DataFrame, config: Config) -> Prepared:
    frame, gxe, checks = _numbers_and_fields(frame, config, ["population"])
    checks += [
        Check(
            "lsoa_code_valid",
            "the LSOA code is not a GSS LSOA code (E01…/W01…); correct it",
            gxe.ExpectColumnValuesToMatchRegex(column="lsoa_code", regex=r"^[EW]01\d{6}$"),
        ),
        Check(
            "population_positive",
            "the population is missing or not positive",
            gxe.ExpectColumnValuesToBeBetween(column="population_num", min_value=1, max_value=None),
        ),
    ]
    return Prepared(frame, checks)


def prepare_area_counts(frame: pd.DataFrame, config: Config) -> Prepared:
    frame, gxe, checks = _numbers_and_fields(frame, config, ["count", "denominator"])
    checks += [
        Check(
            "area_code_valid",
            "the area code is not a GSS LSOA or OA code (E01…/E00…); correct it",
            gxe.ExpectColumnValuesToMatchRegex(column="area_code", regex=r"^[EW]0[01]\d{6}$"),
        ),
        Check(
            "count_present",
            "the count is missing or suppressed; a ward sum would leave it out",
            gxe.ExpectColumnValuesToNotBeNull(column="count_num"),
        ),
        Check(
            "count_not_negative",
            "the count is negative; correct the figure",
            gxe.ExpectColumnValuesToBeBetween(column="count_num", min_value=0, max_value=None),
        ),
        Check(
            "count_within_denominator",
            "the count exceeds the area's total; correct one of them",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="denominator_num", column_B="count_num", or_equal=True, ignore_row_if="either_value_is_missing"
            ),
        ),
    ]
    return Prepared(frame, checks)


def prepare_nomis(frame: pd.DataFrame, config: Config) -> Prepared:
    frame, gxe, checks = _numbers_and_fields(frame, config, ["obs_value"])
    checks += [
        Check(
            "area_code_valid",
            "the geography code is not a GSS code; correct it",
            gxe.ExpectColumnValuesToMatchRegex(column="geography_code", regex=GSS_CODE),
        ),
    ]
    return Prepared(frame, checks)


PREPARE = {
    "imd_lsoa": prepare_deprivation,
    "lsoa_ward_lookup": prepare_lookup,
    "fingertips_indicator_value": prepare_fingertips,
    "local_indicator_value": prepare_local,
    "lsoa_population": prepare_population,
    "area_count": prepare_area_counts,
    "nomis_observation": prepare_nomis,
}


def settings_of(config: Config) -> dict:
    """The settings that the row checks and their helper columns read: with a file's bytes and this
    module's code, all that a file's row-check result depends on (the validation cache's key)."""
    return {
        "suppression_markers": sorted(config.suppression_markers),
        "plausible_ranges": {unit: list(r) for unit, r in sorted(config.plausible_ranges.items())},
        "units": {i.id: i.unit for i in config.indicators},
    }
