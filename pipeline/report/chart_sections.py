"""The report's sections with figures: each theme's indicators (ward chart, gap trend, table of gap
measures), the small multiples by deprivation quintile, each area's spine chart against England and the
ward maps of each ward vintage. Each takes the marts `queries.read_marts` returned, draws through the
page's figure registry (`site._Figures`) with `charts.py` and `maps.py`, and returns the context the
template lays out. The sections that are only tables are in `sections.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from pipeline.config import THEMES, Config, ward_vintage_labels
from pipeline.report.queries import HEADLINE, ward_boundaries
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
    from pipeline.report import charts

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
            lambda p, rows=vs_england, a=area, w=worse: charts.spine_chart(
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


def _map_sex(indicator) -> str:
    """The sex a map shows: Persons, else the indicator's first configured sex."""
    return "Persons" if "Persons" in indicator.sexes else indicator.sexes[0]


def map_sections(config: Config, marts: dict, figures: _Figures, demonstration: bool) -> list[dict]:
    """Per ward vintage: a choropleth of the wards' local deprivation quintiles and one per indicator on
    those wards (latest period, Persons or the first sex), each in quintile classes of the borough's
    wards, with the target areas outlined; with a table of what each map shows. The boundary files are
    those of marts.dim_ward_boundary_file (`queries.ward_boundaries` checks each before reading it). A
    vintage without boundaries, whose boundary files cannot be used, or whose boundaries lack some of its
    wards' codes, gets a sentence saying so instead."""
    deprivation = marts["deprivation"]
    values = _whole_population(marts["wards"])
    out = []
    for vintage in config.ward_vintages:
        wards = (
            deprivation[deprivation["ward_vintage"] == vintage.id].drop_duplicates("ward_code").reset_index(drop=True)
        )
        lookup = config.source(vintage.lookup)
        entry = {
            "ward_vintage": vintage.id,
            "anchor": "maps-" + _slug(vintage.id),
            "figures": [],
            "note": "",
            "heading": f"{vintage.id}: the wards of {config.la_name} as drawn in {lookup.release}",
            "table": None,
        }
        out.append(entry)
        if wards.empty:
            entry["note"] = f"No wards of {vintage.id} are in the warehouse, so there is nothing to map."
            continue
        if not vintage.boundaries:
            entry["note"] = (
                f"No ward boundaries configured for {vintage.id}: no map. To draw one, add a source "
                "of format ward_boundaries and name it as boundaries = in the vintage's "
                "[[ward_vintages]] entry."
            )
            continue
        from pipeline.report import maps

        source = config.source(vintage.boundaries)
        try:
            shapes = ward_boundaries(config, vintage, marts["boundary_files"])
        except maps.BoundariesError as exc:
            entry["note"] = f"The boundaries of {vintage.id} ({source.id}) cannot be used: {exc}. No map."
            continue
        match = maps.code_match(shapes["ward_code"], wards["ward_code"])
        if not match["complete"]:
            entry["note"] = (
                f"The boundaries {source.title or source.id} ({source.release}) hold {match['matched']} "
                f"of the {match['wards']} ward codes of {vintage.id} (missing, e.g. "
                f"{', '.join(match['missing'][:3])}): they are of other wards, so no map is drawn."
            )
            continue
        entry.update(_vintage_maps(config, vintage, wards, shapes, values, figures, demonstration))
    return out


def _vintage_maps(
    config: Config, vintage, wards: pd.DataFrame, shapes, values: pd.DataFrame, figures: _Figures, demonstration: bool
) -> dict:
    """The maps of one ward vintage whose boundaries hold all its wards, and their data table."""
    from pipeline.report import maps

    geo = shapes.drop_duplicates("ward_code").merge(
        wards[["ward_code", "ward_name", "imd_score", "local_quintile"]], on="ward_code", how="inner"
    )
    numbers = maps.ward_numbers(dict(zip(geo["ward_code"], geo["ward_name"])))
    areas = [(a.name, a.wards) for a in config.target_areas if a.ward_vintage == vintage.id]
    used = {vintage.lookup, vintage.deprivation, *vintage.population, vintage.boundaries}
    basis = basis_text(config, vintage.id)
    labels = ward_vintage_labels(config)[vintage.id]
    outlined = (
        " Target areas are outlined with thick dashed lines (each its own dash, named in the legend)."
        if areas
        else " No target areas are configured for these wards."
    )
    outlined += f" Every ward's value and class is in the table after the maps of {vintage.id}."
    shown = []

    geo["cls"] = geo["local_quintile"].astype(float)
    ends = ("most deprived", "least deprived")
    ranges = maps.class_ranges(geo["imd_score"], geo["cls"])
    subject = (
        f"the wards of {config.la_name} ({vintage.id}) by local deprivation quintile of the ward IMD score "
        f"({labels['imd_edition']})"
    )
    shown.append(
        figures.add(
            lambda p, g=geo.copy(), r=ranges: maps.save(  # noqa: B008 (binds this vintage's copy)
                maps.draw_map(
                    g,
                    maps.legend_labels(r, "", ends),
                    f"Deprivation of the {len(g)} wards of {config.la_name} ({vintage.id}, {labels['imd_edition']}): "
                    "local quintiles",
                    "Local deprivation quintile\n(ward IMD score; darker = more deprived)",
                    areas,
                    basis + " " + sources_line(config, used),
                    demonstration,
                ),
                p,
            ),
            f"map_{_slug(vintage.id)}_deprivation.png",
            maps.alt_text(geo, subject, ranges, "", ends, "more deprived", areas),
            f"Wards of {vintage.id} shaded by local deprivation quintile (1 = the most deprived fifth of the borough's "
            f"wards by population-weighted IMD score, {labels['imd_edition']}); the legend gives each quintile's range "
            "of scores. Numbers on the map are the wards in the key beside it." + outlined,
            "Maps",
        )
    )

    columns, cells = [], {}
    for indicator in (i for i in config.indicators if i.ward_vintage == vintage.id):
        sex = _map_sex(indicator)
        chosen = _pick(values, indicator_id=indicator.id, sex=sex)
        chosen = chosen[chosen["ward_code"].isin(set(geo["ward_code"]))]
        if chosen.empty:
            continue
        period = chosen.sort_values("period_sort")["period"].iloc[-1]
        latest = _pick(chosen, period=period).drop_duplicates("ward_code").set_index("ward_code")["value"]
        name = indicator.short_name if sex == "Persons" else f"{indicator.short_name} ({sex.lower()})"
        worse_high = not indicator.higher_is_better
        frame = geo.drop(columns=["cls"]).assign(value=geo["ward_code"].map(latest).astype(float))
        frame["cls"] = maps.quintile_classes(frame["value"], higher_is_worse=worse_high)
        ranges = maps.class_ranges(frame["value"], frame["cls"])
        ends = ("worst fifth", "best fifth")
        polarity = "lower is better" if worse_high else "higher is better"
        anchor = _slug(f"{indicator.id}-{indicator.short_name}-{sex}")
        shown.append(
            figures.add(
                lambda p, g=frame, r=ranges, n=name, per=period, u=indicator.unit, pol=polarity, ind=indicator: (
                    maps.save(
                        maps.draw_map(
                            g,
                            maps.legend_labels(r, u, ends),
                            f"{n}, {per}: the wards of {config.la_name} in quintile classes",
                            f"{n}{f' ({u})' if u else ''}, {per}\nquintile classes of the wards\n"
                            f"darker = worse ({pol})",
                            areas,
                            basis + " " + sources_line(config, used | {ind.source}),
                            demonstration,
                        ),
                        p,
                    )
                ),
                f"map_{_slug(vintage.id)}_{anchor}.png",
                maps.alt_text(
                    frame,
                    f"the wards of {config.la_name} ({vintage.id}) by {name} in {period}"
                    + (f" ({indicator.unit})" if indicator.unit else ""),
                    ranges,
                    indicator.unit,
                    ends,
                    f"worse ({polarity})",
                    areas,
                ),
                f"{name}, {period}: each ward's value in one of five quintile classes of the borough's wards "
                f"(class 1 = the worst fifth, {polarity}; ties share a class, by the rule of the deprivation "
                "quintiles); the legend "
                "gives each class's range. Hatched: no value (suppressed or not published)." + outlined,
                "Maps",
            )
        )
        columns.append({"label": name, "period": period, "unit": indicator.unit})
        for row in frame.itertuples():
            cells.setdefault(row.ward_code, []).append(
                {
                    "value": "" if pd.isna(row.value) else maps.format_value(row.value, indicator.unit),
                    "cls": "" if pd.isna(row.cls) else int(row.cls),
                }
            )
    rows = [
        {
            "number": numbers[r.ward_code],
            "ward": r.ward_name,
            "code": r.ward_code,
            "score": "" if pd.isna(r.imd_score) else f"{r.imd_score:.1f}",
            "quintile": "" if pd.isna(r.local_quintile) else int(r.local_quintile),
            "cells": cells.get(r.ward_code, [{"value": "", "cls": ""}] * len(columns)),
        }
        for r in geo.sort_values("ward_code").itertuples()
    ]
    rows.sort(key=lambda r: r["number"])
    return {
        "figures": shown,
        "basis": basis,
        "table": {"columns": columns, "rows": rows, "imd_edition": labels["imd_edition"]},
    }
