"""The Fingertips "all data" exports: one CSV per indicator, with the published extras (compared to
England, the recent trend by the build's own methods, the England rows by deprivation decile)."""

from __future__ import annotations

import numpy as np

from tools.demonstration_data.indicators import (
    INDICATORS,
    Indicator,
    Series,
    life_expectancy,
    periods,
    proportion,
    withhold,
)
from tools.demonstration_data.layouts import (
    CANNOT_CALCULATE,
    CATEGORY_TYPE,
    DECILE_CATEGORIES,
    ENGLAND,
    FINGERTIPS_HEADER,
    NO_CHANGE,
    NOT_PUBLISHED,
    REGION,
    SUFFIX,
    csv_bytes,
    fingertips_number,
)
from tools.demonstration_data.model import Shape


def trend_for_counts(count: np.ndarray, n: np.ndarray, higher_is_better: bool) -> str:
    """Fingertips recent trend of the last five points of counts: the build's own chi-squared test for
    trend at 99.8 % (pipeline.methods.trend)."""
    from pipeline.methods.trend import proportion_trend

    return _fingertips_label(proportion_trend(count[None, -5:], n[None, -5:]), higher_is_better)


def trend_for_values(value: np.ndarray, se: np.ndarray, higher_is_better: bool) -> str:
    """Recent trend of the last five values with standard errors: the build's own weighted regression
    at 99.8 % (pipeline.methods.trend; the limits are value ± 1.96·SE, as published)."""
    from pipeline.methods.trend import weighted_trend

    value, se = value[None, -5:], se[None, -5:]
    return _fingertips_label(weighted_trend(value, value - 1.96 * se, value + 1.96 * se), higher_is_better)


def _fingertips_label(result: dict[str, np.ndarray], higher_is_better: bool) -> str:
    """pipeline.methods.trend's verdict in the words of a Fingertips export."""
    from pipeline.methods.trend import CANNOT, trend_label
    from pipeline.methods.trend import NO_CHANGE as NOT_SIGNIFICANT

    [label], _ = trend_label(result, np.array([higher_is_better]))
    if label == CANNOT:
        return CANNOT_CALCULATE
    if label == NOT_SIGNIFICANT:
        return NO_CHANGE
    direction = "Increasing" if result["slope_sign"][0] > 0 else "Decreasing"
    return f"{direction} and getting {'better' if label == 'improving' else 'worse'}"


def compared(lower: float, upper: float, england: float, higher_is_better: bool) -> str:
    """'Compared to England value or percentiles' as the export writes it (95 % limits vs England)."""
    if np.isnan(lower) or np.isnan(england):
        return "Not compared"
    if lower > england:
        return "Better" if higher_is_better else "Worse"
    if upper < england:
        return "Worse" if higher_is_better else "Better"
    return "Similar"


def fingertips_rows(
    p: Shape, ind: Indicator, sex: str, k: int, s: Series, ward_codes: list[str], ward_names: list[str]
) -> list[list[str]]:
    """The export's rows of one sex and period: England, (latest period) England by deprivation decile,
    the borough, its wards."""
    labels, sortable, period_range = periods(ind, p)
    latest = k == p.periods - 1
    wards = len(ward_codes)
    areas = [(*ENGLAND, "England", "", "", "", ""), (p.borough_code, p.borough_name, "UA", *REGION, "", "")]
    areas += [(c, n, "Ward", p.borough_code, p.borough_name, "", "") for c, n in zip(ward_codes, ward_names)]
    areas += [(*ENGLAND, "England", "", "", CATEGORY_TYPE, category) for category in DECILE_CATEGORIES]
    order = [0, *(range(2 + wards, len(areas)) if latest else ()), 1, *range(2, 2 + wards)]

    def number(array: np.ndarray | None, i: int, integer: bool = False) -> str:
        if array is None or np.isnan(array[i, k]):
            return ""
        return str(int(array[i, k])) if integer else fingertips_number(array[i, k])

    def trend(i: int) -> str:
        if s.count is not None:
            return trend_for_counts(s.count[i], s.denominator[i], ind.higher_is_better)
        return trend_for_values(s.value[i], s.se[i], ind.higher_is_better)

    rows = []
    for i in order:
        code, name, area_type, parent_code, parent_name, category_type, category = areas[i]
        published = not np.isnan(s.value[i, k])
        row = {
            "Indicator ID": ind.id,
            "Indicator Name": ind.name,
            "Parent Code": parent_code,
            "Parent Name": parent_name,
            "Area Code": code,
            "Area Name": name,
            "Area Type": area_type,
            "Sex": sex,
            "Age": ind.age,
            "Category Type": category_type,
            "Category": category,
            "Time period": labels[k],
            "Value": number(s.value, i),
            "Lower CI 95.0 limit": number(s.lower, i),
            "Upper CI 95.0 limit": number(s.upper, i),
            "Lower CI 99.8 limit": number(s.lower998, i) if latest else "",
            "Upper CI 99.8 limit": number(s.upper998, i) if latest else "",
            "Count": number(s.count, i, integer=True),
            "Denominator": number(s.denominator, i, integer=not ind.fractional_denominator),
            "Value note": s.notes.get((i, k), ""),
            "Recent Trend": trend(i) if latest and not category_type else "",
            "Compared to England value or percentiles": compared(
                s.lower[i, k], s.upper[i, k], s.value[0, k], ind.higher_is_better
            )
            if i != 0 and published
            else "Not compared",
            "Column not used": "Not compared",
            "Time period Sortable": sortable[k],
            "New data": "",
            "Compared to goal": "",
            "Time period range": period_range,
        }
        rows.append([row[h] for h in FINGERTIPS_HEADER])
    return rows


def fingertips_files(shape: Shape, wards: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, bytes]:
    """One export per indicator: rows by period, then sex (England, deciles, the borough, its wards)."""
    in_borough = wards["la_code"] == shape.borough_code
    borough = {key: values[in_borough] for key, values in wards.items()}
    codes, names = list(borough["ward_code"]), list(borough["ward_name"])
    files = {}
    for ind in INDICATORS:
        if ind.period_style == "5y":
            series = {sex: life_expectancy(shape, sex, borough, rng) for sex in ind.sexes}
            # one male value withheld by the publisher: the middle ward by deprivation, second period
            middle = int(np.argsort(borough["deprivation"], kind="stable")[in_borough.sum() // 2])
            withhold(series["Male"], 2 + middle, 1, NOT_PUBLISHED)
        else:
            series = {sex: proportion(shape, ind, borough, rng) for sex in ind.sexes}
        rows = [
            row
            for k in range(shape.periods)
            for sex in ind.sexes
            for row in fingertips_rows(shape, ind, sex, k, series[sex], codes, names)
        ]
        files[f"fingertips_{ind.id}_{ind.slug}{SUFFIX}.csv"] = csv_bytes(FINGERTIPS_HEADER, rows, crlf=True)
    return files
