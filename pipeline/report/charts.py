"""Baseline, trend and quintile-trend charts (matplotlib), and the helpers every chart shares (rounding
by unit, the legend outside the axes, the footer below them, saving); the spine chart is in
`spine_chart.py`. They draw what the marts computed; they compute nothing."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.report import style  # noqa: E402

style.apply(plt)


def _fmt(value: float, unit: str) -> str:
    """A value rounded by its unit's rule (style.DECIMALS), with the unit."""
    return style.level(None if value is None or pd.isna(value) else float(value), unit)


_difference_unit = style.difference_unit

# Every legend sits outside the axes, to the right of the plot area (LEGEND_ANCHOR, in axes
# coordinates), so that no legend covers a point, line or bar; the figure is saved with a tight
# bounding box so that the legend is never cut off.
LEGEND_ANCHOR = (1.02, 1.0)


def _outside_legend(ax, **options):
    """The axes' legend to the right of the plot area (never over data)."""
    return ax.legend(
        fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=LEGEND_ANCHOR, borderaxespad=0, **options
    )


def _quintile_label(quintile, quantiles: int) -> str:
    if pd.isna(quintile):
        return "No quintile"
    extra = " (most deprived)" if quintile == 1 else " (least deprived)" if quintile == quantiles else ""
    return f"Quintile {int(quintile)}{extra}"


def _footer_below_axes(fig) -> None:
    """Move the source footer just below the lowest axis decoration (tick labels, axis label), so
    that it never overprints them; the tight bounding box of the saved figure then takes it in."""
    footer = getattr(fig, "_fsot_footer", None)
    if footer is None:
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    lowest = min((ax.get_tightbbox(renderer).y0 for ax in fig.axes if ax.get_visible()), default=None)
    if lowest is not None:
        footer.set_verticalalignment("top")
        footer.set_y(min(0.01, (lowest - 8) / fig.bbox.height))


def _save(fig, path: Path) -> None:
    _footer_below_axes(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=style.DPI, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)


def baseline_chart(
    wards: pd.DataFrame,
    gap: pd.Series,
    title: str,
    unit: str,
    path: Path,
    sources: str,
    demonstration: bool,
    quantiles: int = 5,
) -> None:
    """Borough wards ordered from most to least deprived: value with 95 % CI whiskers, coloured by
    local deprivation quintile; the borough value as a line; the most and least deprived quintiles'
    population-weighted means as bars over their wards."""
    wards = wards.sort_values(["local_rank", "ward_code"]).reset_index(drop=True)
    x = np.arange(len(wards))
    fig, ax = plt.subplots(figsize=style.FIGSIZE)
    fig.subplots_adjust(left=0.08, right=0.74, top=0.86, bottom=0.3)
    for quintile, group in wards.groupby("local_quintile", dropna=False):
        colour = (
            style.QUINTILE_COLOURS.get(int(quintile), style.NO_QUINTILE) if pd.notna(quintile) else style.NO_QUINTILE
        )
        has = group["value"].notna()
        lower = (group["value"] - group["lower_ci"]).where(has & group["lower_ci"].notna(), 0)
        upper = (group["upper_ci"] - group["value"]).where(has & group["upper_ci"].notna(), 0)
        ax.errorbar(
            x[group.index[has]],
            group.loc[has, "value"],
            yerr=[lower[has], upper[has]],
            fmt="o",
            color=colour,
            ecolor=colour,
            elinewidth=1.2,
            capsize=2.5,
            markersize=5,
            label=_quintile_label(quintile, quantiles),
        )
        for i in group.index[~has]:
            ax.annotate(
                "suppressed",
                (x[i], 0),
                xycoords=("data", "axes fraction"),
                rotation=90,
                fontsize=7,
                color="#666666",
                ha="center",
                va="bottom",
            )
    if pd.notna(gap.get("borough_value")):
        # named in the legend (outside the axes), not on the line, so that no label covers a point
        ax.axhline(
            gap["borough_value"],
            color=style.BOROUGH,
            linewidth=1,
            linestyle="--",
            label=f"Borough: {_fmt(gap['borough_value'], unit)}",
        )
    for quintile, column, label in (
        (1, "most_deprived_mean", "Most deprived fifth"),
        (quantiles, "least_deprived_mean", "Least deprived fifth"),
    ):
        members = x[(wards["local_quintile"] == quintile).to_numpy()]
        if len(members) and pd.notna(gap.get(column)):
            ax.hlines(
                gap[column],
                members.min() - 0.4,
                members.max() + 0.4,
                color=style.QUINTILE_COLOURS.get(quintile, style.GAP),
                linewidth=3,
                alpha=0.6,
                label=f"{label} (mean): {_fmt(gap[column], unit)}",
            )
    if pd.notna(gap.get("sii")) and pd.notna(gap.get("sii_intercept")):
        # the fitted SII line at each ward's position on the population rank scale (0 = most deprived)
        sign = 1 if gap["polarity"] == "higher-is-better" else -1
        fitted = gap["sii_intercept"] + sign * gap["sii"] * wards["local_population_midpoint"].to_numpy()
        ax.plot(
            x,
            fitted,
            color=style.GAP,
            linewidth=1.6,
            linestyle="-.",
            label=f"SII {style.difference(gap['sii'], unit, signed=False)}\n(95% CI "
            f"{style.number(gap['sii_lower_ci'], unit)} to {style.number(gap['sii_upper_ci'], unit)})",
        )
    ax.set_xticks(x, wards["ward_name"], rotation=60, ha="right", fontsize=8)
    ax.set_xlim(-0.7, len(wards) - 0.3)
    ax.set_ylabel(unit)
    ax.set_xlabel("Wards, most deprived (left) to least deprived (right), by population-weighted IMD score")
    ax.set_title(title, wrap=True)
    _outside_legend(ax)
    ax.grid(axis="y", color="#EEEEEE")
    style.footer(fig, sources, demonstration)
    _save(fig, path)


def trend_chart(
    gaps: pd.DataFrame,
    title: str,
    unit: str,
    path: Path,
    sources: str,
    demonstration: bool,
    trajectory: pd.DataFrame | None = None,
) -> None:
    """The most-vs-least-deprived quintile gap with its 95 % CI band (and the ward range gap) for each
    period from the baseline on, placed at each period's end year; positive = deprived wards worse off.
    With `trajectory` (rows of marts.fct_target_trajectory), the path from the baseline to the target."""
    gaps = gaps.sort_values("period_sort").reset_index(drop=True)
    x = gaps["period_year"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=style.FIGSIZE)
    fig.subplots_adjust(left=0.08, right=0.74, top=0.86, bottom=0.22)
    if "gap_lower_ci" in gaps:
        ax.fill_between(
            x,
            gaps["gap_lower_ci"].astype(float),
            gaps["gap_upper_ci"].astype(float),
            color=style.GAP,
            alpha=0.18,
            linewidth=0,
            label="95% confidence interval\nof the gap",
        )
    ax.plot(
        x,
        gaps["absolute_gap"],
        marker="o",
        color=style.GAP,
        linewidth=2,
        label="Gap: most vs least\ndeprived fifth of wards",
    )
    ax.plot(
        x,
        gaps["range_gap"],
        marker="s",
        color=style.RANGE,
        linewidth=1.2,
        linestyle=":",
        label="Range: best ward\nvs worst ward",
    )
    for i, value in enumerate(gaps["absolute_gap"]):
        if pd.notna(value):
            ax.annotate(
                style.number(value, unit),
                (x[i], value),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color=style.GAP,
            )
    baseline = gaps.index[gaps["is_baseline"].fillna(False).astype(bool)]
    if len(baseline):
        ax.axvline(x[baseline[0]], color="#666666", linewidth=1, linestyle="--")
        ax.annotate(
            "baseline",
            (x[baseline[0]], 1),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            ha="left",
            va="top",
            xytext=(3, -2),
            textcoords="offset points",
        )
    ticks, labels = list(x), list(gaps["period"])
    if trajectory is not None and trajectory["expected_value"].notna().any():
        steps = trajectory.sort_values("year")
        end = steps.iloc[-1]
        ax.plot(
            steps["year"],
            steps["expected_value"],
            color=style.TARGET,
            linewidth=1.5,
            linestyle="--",
            label=f"Trajectory to the {int(end['target_year'])}\ntarget ({end['shape']})",
        )
        ax.plot([end["year"]], [end["expected_value"]], marker="*", markersize=12, color=style.TARGET, linestyle="none")
        ax.annotate(
            f"target {_fmt(end['expected_value'], _difference_unit(unit))}",
            (end["year"], end["expected_value"]),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            color=style.TARGET,
        )
        ticks.append(float(end["year"]))
        labels.append(str(int(end["year"])))
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_xticks(ticks, labels, fontsize=9, rotation=30 if len(ticks) > 8 else 0)
    ax.set_xlabel("Period (placed at the last year it covers)")
    ax.set_ylabel(f"Gap ({_difference_unit(unit)}); above 0 = deprived wards worse off")
    ax.set_title(title, wrap=True)
    ax.margins(y=0.15)
    _outside_legend(ax)
    ax.grid(axis="y", color="#EEEEEE")
    style.footer(fig, sources, demonstration)
    _save(fig, path)


def quintile_trends_chart(
    groups: pd.DataFrame, panels: list[dict], title: str, path: Path, sources: str, demonstration: bool
) -> None:
    """Small multiples: one panel per indicator and sex, the population-weighted mean of each local
    deprivation quintile over time (marts.fct_deprivation_group_mean), most deprived in the warm colour."""
    columns = 3
    rows_n = max(1, -(-len(panels) // columns))
    fig, axes = plt.subplots(rows_n, columns, figsize=(style.FIGSIZE[0], 1.0 + 2.6 * rows_n), squeeze=False)
    fig.subplots_adjust(
        left=0.06,
        right=0.98,
        top=1 - 1.15 / (1.0 + 2.6 * rows_n),
        bottom=0.75 / (1.0 + 2.6 * rows_n) + 0.03,
        hspace=0.55,
        wspace=0.25,
    )
    for ax, panel in zip(axes.flat, panels):
        chosen = groups[(groups["indicator_id"] == panel["indicator_id"]) & (groups["sex"] == panel["sex"])]
        periods = chosen.drop_duplicates("period").sort_values("period_sort")["period"].tolist()
        x = {p: i for i, p in enumerate(periods)}
        for quintile, line in chosen.groupby("deprivation_group"):
            line = line.sort_values("period_sort")
            ax.plot(
                [x[p] for p in line["period"]],
                line["mean"],
                marker="o",
                markersize=3,
                linewidth=1.5,
                color=style.QUINTILE_COLOURS.get(int(quintile), style.NO_QUINTILE),
                label=_quintile_label(quintile, 5),
            )
        ax.set_title(panel["label"], fontsize=9.5, loc="left")
        ax.set_xticks(range(len(periods)), periods, fontsize=7, rotation=45, ha="right")
        ax.tick_params(axis="y", labelsize=8)
        ax.set_ylabel(panel["unit"], fontsize=8)
        ax.grid(axis="y", color="#EEEEEE")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        fontsize=8,
        frameon=False,
        ncols=5,
        loc="upper left",
        bbox_to_anchor=(0.06, 1 - 0.62 / (1.0 + 2.6 * rows_n)),
    )
    fig.suptitle(
        title, x=0.06, y=1 - 0.3 / (1.0 + 2.6 * rows_n), ha="left", va="top", fontsize=12, fontweight="bold", wrap=True
    )
    style.footer(fig, sources, demonstration)
    _save(fig, path)
