"""The spine chart (matplotlib): one row per indicator, an area's difference from the comparator
(England by default) oriented so that right is better, with its 95 % confidence interval and the benchmark
comparison as the marker's colour and shape, against England's range of areas where it is loaded (as
Fingertips draws a spine). `chart_sections.area_sections` draws one per area. It draws what the marts
computed and computes nothing; the helpers it shares with the other charts (`_outside_legend`, `_save`)
and the house style are in `charts.py` and `style.py`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline.report import style
from pipeline.report.charts import _outside_legend, _save

_COMPARISON_COLOURS = {
    "better": style.BETTER,
    "similar": style.SIMILAR,
    "worse": style.WORSE,
    "not compared": style.NOT_COMPARED,
}
# print-safe: each comparison has its own marker shape as well as its colour (▲ better, ▼ worse)
_COMPARISON_MARKERS = {"better": "^", "similar": "o", "worse": "v", "not compared": "o"}


def spine_chart(
    rows: pd.DataFrame,
    scale: pd.Series,
    title: str,
    path: Path,
    sources: str,
    demonstration: bool,
    england_range: pd.DataFrame | None = None,
    comparator: str = "England",
) -> None:
    """One row per indicator: the area's difference from the comparator (fsot.toml [comparator], England
    by default; below, "England"), oriented so that right of the spine
    is better, with the area's 95 % CI as a whisker; the marker's colour and shape are the benchmark
    comparison at 95 % (fct_benchmark_comparison: ▲ better, ● similar, ▼ worse).

    Where England's range is loaded for an indicator (`england_range`, indexed by indicator_id and
    sex, with columns worst, q25, q75, best and areas: the spread of England's areas' values) the row
    is drawn as Fingertips draws a spine: a light band from England's worst to its best, a dark band
    from its 25th to its 75th percentile, England's value as the centre line, scaled so that the edge
    of the chart is the further of worst and best from England. Other rows are scaled so that ±1 is
    the borough ward furthest from England on that indicator (`scale`, by indicator and sex)."""
    rows = rows.reset_index(drop=True)
    y = np.arange(len(rows))[::-1]
    sign = np.where(rows["polarity"] == "higher-is-better", 1.0, -1.0)
    england = rows["benchmark_value"].astype(float).to_numpy()
    spread = np.array([scale.get((i, s), np.nan) for i, s in zip(rows["indicator_id"], rows["sex"])], dtype=float)
    ranged = np.zeros(len(rows), dtype=bool)
    bands = []
    for n, r in enumerate(rows.itertuples()):
        found = None
        if england_range is not None and (r.indicator_id, r.sex) in england_range.index:
            found = england_range.loc[(r.indicator_id, r.sex)]
        if found is not None and pd.notna(found["worst"]) and pd.notna(found["best"]) and pd.notna(england[n]):
            edge = max(abs(found["worst"] - england[n]), abs(found["best"] - england[n]))
            if edge > 0:
                spread[n], ranged[n] = edge, True
                bands.append((n, *(sign[n] * (found[k] - england[n]) / edge for k in ("worst", "q25", "q75", "best"))))
    spread = np.where(spread > 0, spread, np.nan)
    centre = sign * (rows["value"].astype(float).to_numpy() - england) / spread
    low = sign * (rows["lower_95"].astype(float).to_numpy() - england) / spread
    high = sign * (rows["upper_95"].astype(float).to_numpy() - england) / spread
    height = 2.4 + 0.42 * len(rows)
    fig, ax = plt.subplots(figsize=(style.FIGSIZE[0], height))
    fig.subplots_adjust(left=0.3, right=0.74, top=1 - 0.75 / height, bottom=1.1 / height)
    if not ranged.all():
        ax.axvspan(-1, 1, color="#F2F2F2", zorder=0)
    for n, worst, q25, q75, best in bands:
        ax.barh(
            y[n],
            best - worst,
            left=worst,
            height=0.6,
            color=style.ENGLAND_RANGE,
            zorder=1,
            label=f"{comparator}: worst to best" if n == bands[0][0] else None,
        )
        ax.barh(
            y[n],
            q75 - q25,
            left=q25,
            height=0.6,
            color=style.ENGLAND_IQR,
            zorder=1,
            label=f"{comparator}: 25th to 75th percentile" if n == bands[0][0] else None,
        )
    ax.axvline(0, color=style.BOROUGH, linewidth=1.5, zorder=2)
    ax.hlines(y, np.fmin(low, high), np.fmax(low, high), color="#555555", linewidth=1.2, zorder=3)
    for comparison, colour in _COMPARISON_COLOURS.items():
        chosen = (rows["comparison_95"] == comparison).to_numpy()
        if chosen.any():
            ax.plot(
                centre[chosen],
                y[chosen],
                _COMPARISON_MARKERS[comparison],
                color=colour,
                markersize=9,
                markeredgecolor="#333333",
                linestyle="none",
                zorder=4,
                label=(
                    "not compared"
                    if comparison == "not compared"
                    else f"{'similar to' if comparison == 'similar' else comparison + ' than'} {comparator} (95%)"
                ),
            )
    labels = [
        f"{r.short_name}{'' if r.sex == 'Persons' else ' (' + r.sex.lower() + ')'}, {r.period}"
        + ("" if ranged[n] else f"\n({comparator}'s range not loaded)" if england_range is not None else "")
        for n, r in enumerate(rows.itertuples())
    ]
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(-1.15, 1.15)
    if ranged.all():
        ax.set_xticks([-1, 0, 1], ["worse", comparator, "better"], fontsize=8)
        ax.set_xlabel(
            f"Difference from {comparator} (right = better), scaled so that the edge is {comparator}'s\n"
            f"worst or best area, whichever is further from {comparator}",
            fontsize=9,
        )
    else:
        ax.set_xticks([-1, 0, 1], ["edge\n(worse)", comparator, "edge\n(better)"], fontsize=8)
        ax.set_xlabel(
            f"Difference from {comparator} (right = better), scaled to {comparator}'s range where loaded,\n"
            f"otherwise to the borough ward furthest from {comparator} (shaded)",
            fontsize=9,
        )
    ax.set_title(title, wrap=True)
    _outside_legend(ax)
    if not ranged.any():
        ax.annotate(
            f"{comparator}'s range not loaded",
            (1.02, 0),
            xycoords="axes fraction",
            fontsize=8,
            color="#444444",
            ha="left",
            va="bottom",
        )
    style.footer(fig, sources, demonstration)
    _save(fig, path)
