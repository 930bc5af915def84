"""The report's sections with figures: each theme's indicators (ward chart, gap trend, table of gap
measures), the small multiples by deprivation quintile and each area's spine chart against England. Each
takes the marts `queries.read_marts` returned, draws through the page's figure registry (`site._Figures`)
with `charts.py` and `spine_chart.py`, and returns the context the template lays out. The ward maps of
each ward vintage are in `map_sections.py`; the sections that are only tables are in `sections.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from pipeline.config import THEMES, Config
from pipeline.report.queries import HEADLINE
from pipeline.report.sections import _one, _pick, _whole_population, unmeasured_entries
from pipeline.report.text import _ci, _direction, _level, _num, _slug, basis_text, indicator_footer, sources_line

if TYPE_CHECKING:
    from pipeline.report.site import _Figures


def indicator_sections(config: Config, marts: dict, figures: _Figures, demonstration: bool, progress=None):
    """Theme sections: per indicator × sex, the latest ward chart with the SII line, the gap trend
    with its CI band and target trajectory, and the table of gap measures in the latest period."""
    from pipeline.report import charts

    wards, gaps = _whole_population(marts["wards"]), _whole_population(marts["gaps"])
    measures, changes = _whole_population(marts["measures"]), _whole_population(marts["changes"])
    trajectories = _whole_population(marts["trajectories"])
    trajectories = trajectories[(trajectories["measure"] == HEADLINE[0]) & (trajectories["grouping"] == HEADLINE[1])]
    themes = []
    for theme in THEMES:
        entries = []
        for indicator in (i for i in config.indicators if i.theme == theme):
            footer = indicator_footer(config, indicator)
            for sex in indicator.sexes:
                series = _pick(gaps, indicator_id=indicator.id, sex=sex).sort_values("period_sort")
                if series.empty:
                    continue
                name = indicator.short_name if sex == "Persons" else f"{indicator.short_name} ({sex.lower()})"
                anchor = _slug(f"{indicator.id}-{indicator.short_name}-{sex}")
                baseline_rows = series[series["is_baseline"]]
                baseline = baseline_rows.iloc[0] if len(baseline_rows) else series.iloc[0]
                latest = series.iloc[-1]
                since = series[series["period_sort"] >= baseline["period_sort"]]
                shown = []
                period_wards = _pick(wards, indicator_id=indicator.id, sex=sex, period=latest["period"])
                gap = latest["absolute_gap"]
                title = (
                    f"{name}, {latest['period']}: the most deprived fifth of wards is "
                    f"{_num(abs(gap), indicator.unit)} {_direction(gap)} the least deprived"
                    if pd.notna(gap)
                    else f"{name}, {latest['period']}: gap not available"
                )
                shown.append(
                    figures.add(
                        lambda p: charts.baseline_chart(
                            period_wards,
                            latest,
                            title,
                            indicator.unit,
                            p,
                            footer,
                            demonstration,
                        ),
                        f"wards_{anchor}.png",
                        f"Dot chart of {len(period_wards)} wards' {name} in {latest['period']}, ordered from most to "
                        f"least deprived, each with a 95% confidence interval. Best ward {latest['best_ward_name']} "
                        f"{_level(latest['best_value'], indicator.unit)}, worst {latest['worst_ward_name']} "
                        f"{_level(latest['worst_value'], indicator.unit)}; most deprived fifth "
                        f"{_level(latest['most_deprived_mean'], indicator.unit)}, least deprived fifth "
                        f"{_level(latest['least_deprived_mean'], indicator.unit)}; "
                        f"SII {_num(latest['sii'], indicator.unit)}.",
                        f"{latest['period']}: each ward's value with its 95% confidence interval, wards ordered by "
                        "deprivation; bars mark the population-weighted means of the most and least deprived fifths; "
                        "the dash-dot line is the slope index of inequality (SII).",
                        name,
                    )
                )
                change = _one(changes, indicator_id=indicator.id, sex=sex, measure=HEADLINE[0], grouping=HEADLINE[1])
                if change is not None and pd.notna(change["change"]) and pd.notna(change["change_lower_ci"]):
                    described = {
                        "widened": "has widened",
                        "narrowed": "has narrowed",
                        "no significant change": "shows no significant change",
                    }.get(change["verdict"], "cannot be assessed")
                    trend_title = (
                        f"{name}: the gap {described} since {baseline['period']} "
                        f"({_num(change['change'], indicator.unit, signed=True)}, 95% CI "
                        f"{change['change_lower_ci']:+.1f} to {change['change_upper_ci']:+.1f})"
                    )
                else:
                    trend_title = f"{name}: gap over time"
                path = _pick(trajectories, indicator_id=indicator.id, sex=sex)
                path = path[path["target_id"] == path["target_id"].min()] if len(path) else path
                shown.append(
                    figures.add(
                        lambda p: charts.trend_chart(
                            since,
                            trend_title,
                            indicator.unit,
                            p,
                            footer,
                            demonstration,
                            path if len(path) else None,
                        ),
                        f"trend_{anchor}.png",
                        "Line chart of the gap between the most and least deprived fifths by period: "
                        + "; ".join(
                            f"{p} {_num(g, indicator.unit, signed=True)}"
                            for p, g in zip(since["period"], since["absolute_gap"])
                        )
                        + (
                            f". Dashed line: trajectory to the {int(path['target_year'].iloc[0])} target of "
                            f"{_num(path['target_value'].iloc[0], indicator.unit)}."
                            if len(path)
                            else "."
                        ),
                        f"Gap between the most and least deprived fifths of wards with its 95% confidence band, "
                        f"{baseline['period']} (baseline) to {latest['period']}"
                        + ("; the dashed line is the trajectory to the target" if len(path) else "")
                        + ". The change since baseline, the trend test and the target status use these same periods.",
                        name,
                    )
                )
                entries.append(
                    {
                        "anchor": anchor,
                        "heading": name,
                        "figures": shown,
                        "basis": basis_text(config, indicator.ward_vintage),
                        "finding": (
                            f"In {latest['period']} the most deprived fifth of {config.la_name}'s wards was "
                            f"{_num(abs(gap), indicator.unit)} {_direction(gap)} the least deprived fifth."
                            if pd.notna(gap)
                            else "The gap is not available for the latest period."
                        ),
                        "measures": measure_grid(
                            _pick(measures, indicator_id=indicator.id, sex=sex, period=latest["period"])
                        ),
                    }
                )
                if progress:
                    progress(name)
        entries += unmeasured_entries(config, marts, theme, lambda i: indicator_footer(config, i))
        if entries:
            themes.append({"theme": theme, "anchor": f"theme-{theme}", "entries": entries})
    return themes


MEASURE_LABELS = {
    "absolute_gap": "Absolute gap",
    "relative_gap": "Relative gap (ratio)",
    "sii": "Slope index of inequality (SII)",
    "rii": "Relative index of inequality (RII)",
}
GROUPING_LABELS = {
    "local_quintile": "local quintiles",
    "local_decile": "local deciles",
    "national_quintile": "national quintiles",
    "national_decile": "national deciles",
}


def measure_grid(rows: pd.DataFrame) -> dict:
    """The gap measures of one indicator × sex × period as a grid: measure × deprivation grouping,
    each cell 'value (95 % CI)', with the notes of empty cells listed below it."""
    grid, notes = [], []
    for measure, label in MEASURE_LABELS.items():
        cells = []
        for grouping in GROUPING_LABELS:
            row = _one(rows, measure=measure, grouping=grouping)
            if row is None or pd.isna(row["value"]):
                cells.append({"value": "—", "ci": ""})
                if row is not None and pd.notna(row["note"]) and row["note"] not in notes:
                    notes.append(row["note"])
            else:
                cells.append({"value": f"{row['value']:.2f}", "ci": _ci(row["lower_ci"], row["upper_ci"], 2)})
        grid.append({"label": label, "cells": cells})
    best = _one(rows, measure="range_gap")
    return {
        "groupings": list(GROUPING_LABELS.values()),
        "rows": grid,
        "notes": notes,
        "range": None
        if best is None or pd.isna(best["value"])
        else f"{best['value']:.2f} ({_ci(best['lower_ci'], best['upper_ci'], 2)})",
    }


def quintile_figure(
    config: Config, marts: dict, figures: _Figures, demonstration: bool, summary: list[dict]
) -> dict | None:
    """Small multiples of every indicator by local deprivation quintile; the title counts the headline
    gaps (summary rows) in which the most deprived fifth is worse off."""
    from pipeline.report import charts

    groups = _whole_population(marts["quintiles"])
    panels = [
        {
            "indicator_id": i.id,
            "sex": s,
            "unit": i.unit,
            "label": i.short_name if s == "Persons" else f"{i.short_name} ({s.lower()})",
        }
        for i in config.indicators
        for s in i.sexes
        if len(_pick(groups, indicator_id=i.id, sex=s))
    ]
    if not panels:
        return None
    shown = {i.ward_vintage for i in config.indicators if any(p["indicator_id"] == i.id for p in panels)}
    footer = (
        " ".join(basis_text(config, v.id) for v in config.ward_vintages if v.id in shown)
        + " "
        + sources_line(config, {s.id for s in config.sources})
    )
    known = [r for r in summary if r["gap"] is not None and pd.notna(r["gap"])]
    worse = sum(1 for r in known if r["gap"] > 0)
    title = f"The most deprived fifth of wards is worse off than the least deprived on {worse} of {len(known)} measures"
    return figures.add(
        lambda p: charts.quintile_trends_chart(groups, panels, title, p, footer, demonstration),
        "quintile_trends.png",
        "Small multiples, one panel per indicator: "
        + "; ".join(p["label"] for p in panels)
        + ". Each panel has five lines, the population-weighted mean of each local deprivation quintile by period.",
        "Population-weighted mean of each local deprivation quintile of wards, by period.",
        "Trends by quintile",
    )


def area_sections(config: Config, marts: dict, figures: _Figures, demonstration: bool) -> list[dict]:
    """Each target area (and the borough) against England, and each target area against the rest of the
    borough, in the latest period of every indicator; a spine chart per area."""
    from pipeline.report.spine_chart import spine_chart

    bench = _whole_population(marts["benchmark"])
    latest_period = (
        _whole_population(marts["wards"]).sort_values("period_sort").groupby(["indicator_id", "sex"])["period"].last()
    )
    # an indicator with no ward values (e.g. a Fingertips indicator published for local authorities
    # only) still has the borough against England: its latest period is the latest the borough has
    borough_only = (
        bench[bench["area_type"] == "local authority"]
        .sort_values("period")
        .groupby(["indicator_id", "sex"])["period"]
        .last()
    )
    latest_period = pd.concat([latest_period, borough_only[~borough_only.index.isin(latest_period.index)]])
    bench = bench[
        [latest_period.get((i, s)) == p for i, s, p in zip(bench["indicator_id"], bench["sex"], bench["period"])]
    ]
    national = marts.get("england_range")
    if national is not None and len(national):
        national = national.merge(latest_period.rename("period").reset_index(), on=["indicator_id", "sex", "period"])
        national = national.set_index(["indicator_id", "sex"])
    else:
        national = None
    short = {i.id: i.short_name for i in config.indicators}
    order = {(i.id, s): n for n, (i, s) in enumerate((i, s) for i in config.indicators for s in i.sexes)}
    bench = bench.assign(
        short_name=bench["indicator_id"].map(short),
        order=[order.get((i, s), 999) for i, s in zip(bench["indicator_id"], bench["sex"])],
    )
    footer = sources_line(config, {s.id for s in config.sources})
    ward_rows = bench[(bench["area_type"] == "ward") & (bench["benchmark"] == config.comparator_name)]
    spread = ward_rows.assign(distance=ward_rows["difference"].abs()).groupby(["indicator_id", "sex"])["distance"].max()
    areas = [(config.la_name, "local authority")] + [(a.name, "target area") for a in config.target_areas]
    ward_names = (
        marts["wards"].drop_duplicates("ward_code").set_index("ward_code")["ward_name"].to_dict()
        if len(marts["wards"])
        else {}
    )
    members = {a.name: [f"{ward_names.get(code, code)} ({code})" for code in a.wards] for a in config.target_areas}
    vintages = {a.name: a.ward_vintage for a in config.target_areas}
    out = []
    for area, kind in areas:
        vs_england = bench[
            (bench["area_name"] == area) & (bench["area_type"] == kind) & (bench["benchmark"] == config.comparator_name)
        ].sort_values("order")
        if vs_england.empty:
            continue
        vs_rest = bench[(bench["area_name"] == area) & (bench["benchmark"] == "rest of borough")]
        anchor = "area-" + _slug(area)
        worse = int((vs_england["comparison_95"] == "worse").sum())
        figure = figures.add(
            lambda p, rows=vs_england, a=area, w=worse: spine_chart(
                rows,
                spread,
                f"{a}: worse than {config.comparator_name} on {w} of {len(rows)} measures (95%)",
                p,
                footer,
                demonstration,
                national,
                comparator=config.comparator_name,
            ),
            f"spine_{_slug(area)}.png",
            f"Spine chart for {area}: "
            + "; ".join(
                f"{r.short_name} ({r.sex}) {r.comparison_95} than {config.comparator_name}"
                for r in vs_england.itertuples()
            )
            + ".",
            f"{area} against {config.comparator_name}, latest period of each indicator: the difference, oriented so "
            "that right is better, with the 95% confidence interval; marker shape and colour = the comparison at 95% "
            "(▲ better, ● similar, ▼ worse). "
            + (
                "Where England's range of local authorities is loaded, the light band runs from England's worst to "
                "its best area and the dark band from its 25th to its 75th percentile (as Fingertips draws a spine); "
                "other rows are scaled so that the shaded band reaches the borough ward furthest from England."
                if national is not None
                else "England's range not loaded (no national area values in the warehouse): rows are scaled so that "
                f"the shaded band reaches the borough ward furthest from {config.comparator_name}."
            ),
            area,
        )
        rows = []
        for r in vs_england.itertuples():
            rest = vs_rest[(vs_rest["indicator_id"] == r.indicator_id) & (vs_rest["sex"] == r.sex)]
            rows.append(
                {
                    "indicator": r.short_name,
                    "sex": r.sex,
                    "period": r.period,
                    "unit": r.unit,
                    "value": _level(r.value, r.unit),
                    "england": _level(r.benchmark_value, r.unit),
                    "vs_england": r.comparison_95,
                    "vs_england_998": r.comparison_998,
                    "vs_rest": rest["comparison_95"].iloc[0] if len(rest) else "",
                    # oriented as every gap of the report: positive = the target area worse off
                    "rest_difference": (
                        _num(_worse_off(rest["difference"].iloc[0], r.polarity), r.unit, signed=True)
                        if len(rest)
                        else ""
                    ),
                }
            )
        out.append(
            {
                "name": area,
                "kind": kind,
                "anchor": anchor,
                "figure": figure,
                "rows": rows,
                "wards": members.get(area, []),
                "ward_vintage": vintages.get(area, ""),
                "orientation": (
                    "Differences from the rest of the borough are oriented as every gap in this "
                    "report: positive = the target area worse off than the rest of the borough "
                    "(target area minus rest of borough, sign reversed where lower is better)."
                    if kind == "target area"
                    else ""
                ),
            }
        )
    return out


def _worse_off(difference, polarity: str):
    """A difference (area minus its comparator) oriented so that positive = the area worse off, as the
    report orients every gap (fct_gap: positive = deprived wards worse off)."""
    if difference is None or pd.isna(difference):
        return difference
    return -difference if polarity == "higher-is-better" else difference
