"""The report's ward maps, one set per ward vintage: a choropleth of the wards' local deprivation
quintiles and one per indicator on those wards (latest period, in quintile classes of the borough's wards,
target areas outlined), with the table of every ward's value and class that goes after them; or, for a
vintage that cannot be mapped (no wards, no boundaries configured, boundary files that cannot be used or
that lack some of its wards), a sentence saying why. `map_sections` takes the marts `queries.read_marts`
returned, reads the boundary files through `queries.ward_boundaries`, draws through the page's figure
registry (`site._Figures`) with `maps.py`, and returns the context the template lays out. The other
sections with figures are in `chart_sections.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from pipeline.config import Config, ward_vintage_labels
from pipeline.report.queries import ward_boundaries
from pipeline.report.sections import _pick, _whole_population
from pipeline.report.text import _slug, basis_text, sources_line

if TYPE_CHECKING:
    from pipeline.report.site import _Figures


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
