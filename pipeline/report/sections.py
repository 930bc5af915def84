"""The report's sections that are tables and rows: the at-a-glance summary (one row per indicator × sex),
the targets, the deprivation headline, community breakdowns and ward profiles; page one's tables written
for Excel and Power BI (`write_at_a_glance`) are in `at_a_glance.py`, data freshness and the "new this
quarter" box in `freshness.py`.
Each takes the marts `queries.read_marts` returned (and the configuration) and returns the context the
template lays out; nothing is computed that the SQL models did not compute. The sections that draw
figures are in `chart_sections.py`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline.config import Config, ward_vintage_labels
from pipeline.report import style
from pipeline.report.queries import HEADLINE
from pipeline.report.text import (
    DIRECTION,
    _age_text,
    _ci,
    _edition_note,
    _level,
    _num,
    _ratio_text,
    _score_text,
    _slug,
    _target_subject,
    _target_text,
    _trend_plain,
    _trend_statistic,
    basis_text,
)


def _whole_population(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows for the whole population (community breakdowns carry another `category`)."""
    return frame[frame["category"] == "All"]


def deprivation_rows(config: Config, marts: dict) -> list[dict]:
    """The deprivation headline of each ward vintage: how many of the borough's wards are in England's
    most deprived 10 % of wards, and what that count rests on."""
    lookup = {v.id: v.lookup for v in config.ward_vintages}
    rows = []
    for r in marts["headline"].itertuples():
        rows.append(
            {
                "ward_vintage": r.ward_vintage,
                "imd_edition": r.imd_edition,
                "population_weights": r.population_weights,
                "wards": int(r.borough_wards),
                "national_wards": None if pd.isna(r.national_wards) else int(r.national_wards),
                "decile": int(r.wards_in_most_deprived_decile),
                "quintile": int(r.wards_in_most_deprived_quintile),
                "names": "" if pd.isna(r.most_deprived_decile_wards) else r.most_deprived_decile_wards,
                "partial": int(r.wards_with_partial_coverage),
                "edition_note": _edition_note(r.ward_vintage, r.imd_edition),
                "sentence": (
                    f"{int(r.wards_in_most_deprived_decile)} of the {int(r.borough_wards)} wards of {config.la_name} "
                    f"as drawn in {config.source(lookup[r.ward_vintage]).release} ({r.ward_vintage}) are among "
                    f"England's 10% most deprived wards by {r.imd_edition}."
                ),
            }
        )
    return rows


def unmeasured_entries(config: Config, marts: dict, theme: str, footer_of) -> list[dict]:
    """Indicators of the theme with no ward values: no gap between wards can be measured, but the
    borough's latest value against England and its recent trend are kept."""
    values = _whole_population(marts["wards"])
    bench = _whole_population(marts["benchmark"])
    trends = _whole_population(marts["trends"])
    out = []
    for indicator in (i for i in config.indicators if i.theme == theme):
        for sex in indicator.sexes:
            if len(_pick(values, indicator_id=indicator.id, sex=sex)):
                continue
            name = indicator.short_name if sex == "Persons" else f"{indicator.short_name} ({sex.lower()})"
            borough = _pick(
                bench, indicator_id=indicator.id, sex=sex, area_type="local authority", benchmark=config.comparator_name
            )
            latest = borough.sort_values("period").iloc[-1] if len(borough) else None
            trend = _one(trends, indicator_id=indicator.id, sex=sex, series="value", subject=config.la_code)
            out.append(
                {
                    "anchor": _slug(f"{indicator.id}-{indicator.short_name}-{sex}"),
                    "heading": name,
                    "figures": [],
                    "unmeasured": True,
                    "finding": "No ward-level values: gaps between wards cannot be measured.",
                    "borough": None
                    if latest is None
                    else (
                        f"{config.la_name} in {latest['period']}: {_level(latest['value'], indicator.unit)} against "
                        f"{config.comparator_name}'s {_level(latest['benchmark_value'], indicator.unit)} "
                        f"({latest['comparison_95']} at 95%)"
                        + ("" if trend is None else f"; recent trend: {trend['trend']}")
                        + "."
                    ),
                    "footer": footer_of(indicator),
                }
            )
    return out


def _pick(frame: pd.DataFrame, **equals) -> pd.DataFrame:
    chosen = frame
    for column, value in equals.items():
        chosen = chosen[chosen[column] == value]
    return chosen


def _one(frame: pd.DataFrame, **equals):
    chosen = _pick(frame, **equals)
    return chosen.iloc[0] if len(chosen) else None


def summary_rows(config: Config, marts: dict[str, pd.DataFrame], run_date: date | None = None) -> list[dict]:
    """One row per indicator × sex: the latest headline gap with its CI and its age at the report date,
    its change since baseline (with an arrow), its trend since baseline in plain words and its target
    status. Raw numbers beside the formatted text (for the exports and the snapshot test)."""
    run_date = run_date or date.today()
    gaps, measures = _whole_population(marts["gaps"]), _whole_population(marts["measures"])
    changes, trends = _whole_population(marts["changes"]), _whole_population(marts["trends"])
    progress = _whole_population(marts["progress"])
    rows = []
    for indicator in config.indicators:
        for sex in indicator.sexes:
            series = _pick(gaps, indicator_id=indicator.id, sex=sex).sort_values("period_sort")
            if series.empty:
                continue
            latest = series.iloc[-1]
            measure = _one(
                measures,
                indicator_id=indicator.id,
                sex=sex,
                period=latest["period"],
                measure=HEADLINE[0],
                grouping=HEADLINE[1],
            )
            change = _one(changes, indicator_id=indicator.id, sex=sex, measure=HEADLINE[0], grouping=HEADLINE[1])
            relative = _one(
                measures,
                indicator_id=indicator.id,
                sex=sex,
                period=latest["period"],
                measure="relative_gap",
                grouping=HEADLINE[1],
            )
            rii = _one(
                measures,
                indicator_id=indicator.id,
                sex=sex,
                period=latest["period"],
                measure="rii",
                grouping=HEADLINE[1],
            )
            trend = _one(trends, indicator_id=indicator.id, sex=sex, series="absolute gap", subject=HEADLINE[1])
            targets = _pick(progress, indicator_id=indicator.id, sex=sex).dropna(subset=["period"])
            headline = _pick(targets, measure=HEADLINE[0], grouping=HEADLINE[1])
            chosen = headline if len(headline) else targets[targets["target_id"] == targets["target_id"].min()]
            target = chosen.sort_values("period_year").iloc[-1] if len(chosen) else None
            name = indicator.short_name if sex == "Persons" else f"{indicator.short_name} ({sex.lower()})"
            value = None if measure is None else measure["value"]
            basis = ward_vintage_labels(config)[indicator.ward_vintage]
            rows.append(
                {
                    "indicator_id": indicator.id,
                    "sex": sex,
                    "name": name,
                    "theme": indicator.theme,
                    "ward_vintage": indicator.ward_vintage,
                    "imd_edition": basis["imd_edition"],
                    "population_weights": basis["population_weights"],
                    "unit": indicator.unit,
                    "period": latest["period"],
                    "gap": value,
                    "gap_lower_ci": None if measure is None else measure["lower_ci"],
                    "gap_upper_ci": None if measure is None else measure["upper_ci"],
                    "gap_text": _num(value, indicator.unit),
                    "gap_ci_text": "" if measure is None else _ci(measure["lower_ci"], measure["upper_ci"]),
                    "relative_gap": None if relative is None else relative["value"],
                    "relative_gap_text": _ratio_text(relative),
                    "rii": None if rii is None else rii["value"],
                    "rii_text": _ratio_text(rii),
                    "baseline_period": indicator.baseline_period,
                    "compared_period": "" if change is None else change["latest_period"],
                    "change": None if change is None else change["change"],
                    "change_text": "not available"
                    if change is None
                    else _num(change["change"], indicator.unit, signed=True),
                    "change_ci_text": ""
                    if change is None
                    else _ci(change["change_lower_ci"], change["change_upper_ci"]),
                    "verdict": "cannot be assessed" if change is None else change["verdict"],
                    "direction": DIRECTION.get(
                        "cannot be assessed" if change is None else change["verdict"], DIRECTION["cannot be assessed"]
                    )[0],
                    "trend": "cannot be calculated" if trend is None else trend["trend"],
                    "trend_reason": "" if trend is None or pd.isna(trend["reason"]) else trend["reason"],
                    "trend_plain": _trend_plain(trend, indicator.baseline_period)[0],
                    "trend_detail": _trend_plain(trend, indicator.baseline_period)[1],
                    "trend_window": "" if trend is None else f"{trend['first_period']} to {trend['last_period']}",
                    "trend_statistic": _trend_statistic(trend),
                    "latest_year": None if pd.isna(latest["period_year"]) else int(latest["period_year"]),
                    "age_text": _age_text(latest["period_year"], run_date),
                    "target_status": "no target set" if target is None else target["status"],
                    "target_probability": None if target is None else target["probability_on_track"],
                    "target_text": "" if target is None else _target_text(target, indicator.unit),
                    "anchor": _slug(f"{indicator.id}-{indicator.short_name}-{sex}"),
                }
            )
    return rows


def target_rows(config: Config, marts: dict[str, pd.DataFrame]) -> list[dict]:
    """Every configured target series (config.indicator_target: target × sex), with what it measures
    (borough value or gap measure, grouping, sex), its baseline, target and the latest status of
    fct_target_progress; a series with no value yet is 'no data yet'."""
    progress = _whole_population(marts["progress"])
    names = {i.id: i for i in config.indicators}
    rows = []
    order = {(i.id, sex): n for n, (i, sex) in enumerate((i, sex) for i in config.indicators for sex in i.sexes)}
    series = marts["target_series"].assign(
        order=[
            order.get((i, x), 999)
            for i, x in zip(marts["target_series"]["indicator_id"], marts["target_series"]["sex"])
        ]
    )
    for t in series.sort_values(["order", "target_id"], kind="stable").itertuples():
        indicator = names.get(t.indicator_id)
        unit = indicator.unit if indicator else ""
        chosen = _pick(progress, target_id=t.target_id, sex=t.sex)
        known = chosen.dropna(subset=["period"])
        valued = known.dropna(subset=["actual_value"])
        latest = valued.sort_values("period_year").iloc[-1] if len(valued) else None
        first = chosen.iloc[0] if len(chosen) else None

        def show(value, measure=t.measure, unit=unit):
            if value is None or pd.isna(value):
                return "not available"
            if measure == "value":
                return _level(value, unit)
            return _num(value, "" if measure in ("rii", "relative_gap") else unit)

        status = "no data yet" if latest is None else latest["status"]
        if latest is None and first is not None and pd.notna(first["note"]):
            note = first["note"]
        elif latest is None:
            note = "no value of this measure yet"
        else:
            note = "" if pd.isna(latest["note"]) else latest["note"]
        chance = None if latest is None else latest["probability_on_track"]
        rows.append(
            {
                "target_id": t.target_id,
                "indicator_id": t.indicator_id,
                "sex": t.sex,
                "indicator": indicator.short_name if indicator else t.indicator_id,
                "measures": _target_subject(t.measure, t.grouping, config.la_name),
                "measure": t.measure,
                "grouping": t.grouping,
                "shape": t.shape,
                "baseline_period": indicator.baseline_period if indicator else "",
                "baseline_text": "not available" if first is None else show(first["baseline_value"]),
                "target_text": (
                    "not available"
                    if first is None or pd.isna(first["target_value"])
                    else f"{show(first['target_value'])} by {int(first['target_year'])}"
                ),
                "latest_period": "" if latest is None else latest["period"],
                "actual_text": "" if latest is None else show(latest["actual_value"]),
                "expected_text": "" if latest is None else show(latest["expected_value"]),
                "status": status,
                "probability_on_track": chance,
                "chance_text": "" if chance is None or pd.isna(chance) else _score_text(chance),
                "note": note,
            }
        )
    return rows


def ward_profiles(config: Config, marts: dict) -> list[dict]:
    """For each ward vintage with ward values: every borough ward (most deprived first) × every
    indicator's latest value, with its comparison at 95 % with England (the comparator), or with the
    borough for an indicator England has no value of."""
    wards = _whole_population(marts["wards"])
    bench = _whole_population(marts["benchmark"])
    bench = bench[bench["area_type"] == "ward"].set_index(["indicator_id", "sex", "period", "area_code", "benchmark"])[
        "comparison_95"
    ]
    compared = set(zip(bench.index.get_level_values(0), bench.index.get_level_values(4)))
    profiles = []
    for vintage in config.ward_vintages:
        columns, cells = [], {}
        for indicator in (i for i in config.indicators if i.ward_vintage == vintage.id):
            against = config.comparator_name if (indicator.id, config.comparator_name) in compared else config.la_name
            for sex in indicator.sexes:
                chosen = _pick(wards, indicator_id=indicator.id, sex=sex)
                if chosen.empty:
                    continue
                period = chosen.sort_values("period_sort")["period"].iloc[-1]
                columns.append(
                    {
                        "label": indicator.short_name + ("" if sex == "Persons" else f" ({sex.lower()})"),
                        "period": period,
                        "unit": indicator.unit,
                        "against": against,
                    }
                )
                for r in _pick(chosen, period=period).itertuples():
                    comparison = bench.get((indicator.id, sex, period, r.ward_code, against), "not compared")
                    cells.setdefault(r.ward_code, {})[len(columns) - 1] = {
                        "value": "suppressed" if pd.isna(r.value) else style.number(r.value, indicator.unit),
                        "against": against,
                        "comparison": comparison,
                        "mark": style.COMPARISON_MARKS[comparison],
                        "word": _PROFILE_WORDS[comparison],
                    }
        if not columns:
            continue
        names = (
            wards[wards["ward_vintage"] == vintage.id]
            .drop_duplicates("ward_code")
            .sort_values(["local_rank", "ward_code"])
        )
        profiles.append(
            {
                "ward_vintage": vintage.id,
                "basis": basis_text(config, vintage.id),
                "columns": columns,
                "rows": [
                    {
                        "ward": r.ward_name,
                        "code": r.ward_code,
                        "quintile": "" if pd.isna(r.local_quintile) else int(r.local_quintile),
                        "cells": [
                            cells.get(r.ward_code, {}).get(
                                n,
                                {
                                    "value": "",
                                    "comparison": "not compared",
                                    "against": columns[n]["against"],
                                    "mark": "",
                                    "word": "",
                                },
                            )
                            for n in range(len(columns))
                        ],
                    }
                    for r in names.itertuples()
                ],
            }
        )
    return profiles


_PROFILE_WORDS = {"better": "better", "similar": "similar", "worse": "worse", "not compared": "not compared"}
PROFILE_KEY = [
    {"comparison": c, "mark": style.COMPARISON_MARKS[c], "tint": style.COMPARISON_TINTS[c]}
    for c in ("better", "similar", "worse", "not compared")
]


def community_rows(marts: dict) -> list[dict]:
    """Headline gap of every community breakdown (category other than 'All'), latest period."""
    measures = marts["measures"].sort_values("period_sort")
    chosen = measures[
        (measures["category"] != "All") & (measures["measure"] == HEADLINE[0]) & (measures["grouping"] == HEADLINE[1])
    ]
    rows = []
    for (indicator, sex, category), group in chosen.groupby(["indicator_id", "sex", "category"]):
        latest = group.iloc[-1]
        rows.append(
            {
                "indicator": latest.get("indicator_name", indicator),
                "sex": sex,
                "category": category,
                "period": latest["period"],
                "value": "" if pd.isna(latest["value"]) else f"{latest['value']:.2f}",
                "ci": _ci(latest["lower_ci"], latest["upper_ci"], 2),
            }
        )
    return rows
