"""Baseline and trend charts (matplotlib). They draw what the marts computed; they compute nothing."""

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
    if value is None or pd.isna(value):
        return "n/a"
    return f"{value:.1f} {unit}".replace("% %", "%").strip()


def _quintile_label(quintile, quantiles: int) -> str:
    if pd.isna(quintile):
        return "No quintile"
    extra = " (most deprived)" if quintile == 1 else " (least deprived)" if quintile == quantiles else ""
    return f"Quintile {int(quintile)}{extra}"


def _save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=style.DPI, metadata={"Software": None})
    plt.close(fig)


def baseline_chart(wards: pd.DataFrame, gap: pd.Series, title: str, unit: str, path: Path,
                   sources: str, demonstration: bool, quantiles: int = 5) -> None:
    """Borough wards ordered from most to least deprived: value with 95 % CI whiskers, coloured by
    local deprivation quintile; the borough value as a line; the most and least deprived quintiles'
    population-weighted means as bars over their wards."""
    wards = wards.sort_values(["local_rank", "ward_code"]).reset_index(drop=True)
    x = np.arange(len(wards))
    fig, ax = plt.subplots(figsize=style.FIGSIZE)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.3)
    for quintile, group in wards.groupby("local_quintile", dropna=False):
        colour = style.QUINTILE_COLOURS.get(int(quintile), style.NO_QUINTILE) if pd.notna(quintile) else style.NO_QUINTILE
        has = group["value"].notna()
        lower = (group["value"] - group["lower_ci"]).where(has & group["lower_ci"].notna(), 0)
        upper = (group["upper_ci"] - group["value"]).where(has & group["upper_ci"].notna(), 0)
        ax.errorbar(x[group.index[has]], group.loc[has, "value"], yerr=[lower[has], upper[has]], fmt="o",
                    color=colour, ecolor=colour, elinewidth=1.2, capsize=2.5, markersize=5,
                    label=_quintile_label(quintile, quantiles))
        for i in group.index[~has]:
            ax.annotate("suppressed", (x[i], 0), xycoords=("data", "axes fraction"), rotation=90,
                        fontsize=7, color="#666666", ha="center", va="bottom")
    if pd.notna(gap.get("borough_value")):
        ax.axhline(gap["borough_value"], color=style.BOROUGH, linewidth=1, linestyle="--")
        ax.annotate(f"Borough {_fmt(gap['borough_value'], unit)}", (len(wards) - 0.5, gap["borough_value"]),
                    fontsize=8, ha="right", va="bottom")
    for quintile, column, label in ((1, "most_deprived_mean", "most deprived fifth"),
                                    (quantiles, "least_deprived_mean", "least deprived fifth")):
        members = x[(wards["local_quintile"] == quintile).to_numpy()]
        if len(members) and pd.notna(gap.get(column)):
            ax.hlines(gap[column], members.min() - 0.4, members.max() + 0.4,
                      color=style.QUINTILE_COLOURS.get(quintile, style.GAP), linewidth=3, alpha=0.6)
            ax.annotate(f"{label}: {_fmt(gap[column], unit)}", (members.mean(), gap[column]), fontsize=8,
                        ha="center", va="bottom", xytext=(0, 4), textcoords="offset points")
    if pd.notna(gap.get("sii")) and pd.notna(gap.get("sii_intercept")):
        # the fitted SII line at each ward's position on the population rank scale (0 = most deprived)
        sign = 1 if gap["polarity"] == "higher-is-better" else -1
        fitted = gap["sii_intercept"] + sign * gap["sii"] * wards["local_population_midpoint"].to_numpy()
        ax.plot(x, fitted, color=style.GAP, linewidth=1.6, linestyle="-.",
                label=f"SII {gap['sii']:.1f} {unit} (95% CI {gap['sii_lower_ci']:.1f} to {gap['sii_upper_ci']:.1f})"
                .replace("% %", "%"))
    ax.set_xticks(x, wards["ward_name"], rotation=60, ha="right", fontsize=8)
    ax.set_xlim(-0.7, len(wards) - 0.3)
    ax.set_ylabel(unit)
    ax.set_xlabel("Wards, most deprived (left) to least deprived (right), by population-weighted IMD score")
    ax.set_title(title, wrap=True)
    ax.legend(fontsize=8, ncols=3, loc="upper left", frameon=False, bbox_to_anchor=(0, 1.0))
    ax.grid(axis="y", color="#EEEEEE")
    style.footer(fig, sources, demonstration)
    _save(fig, path)


def trend_chart(gaps: pd.DataFrame, title: str, unit: str, path: Path, sources: str,
                demonstration: bool, trajectory: pd.DataFrame | None = None) -> None:
    """The most-vs-least-deprived quintile gap with its 95 % CI band (and the ward range gap) for each
    period from the baseline on, placed at each period's end year; positive = deprived wards worse off.
    With `trajectory` (rows of marts.fct_target_trajectory), the path from the baseline to the target."""
    gaps = gaps.sort_values("period_sort").reset_index(drop=True)
    x = gaps["period_year"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=style.FIGSIZE)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.22)
    if "gap_lower_ci" in gaps:
        ax.fill_between(x, gaps["gap_lower_ci"].astype(float), gaps["gap_upper_ci"].astype(float), color=style.GAP,
                        alpha=0.18, linewidth=0, label="95% confidence interval of the gap")
    ax.plot(x, gaps["absolute_gap"], marker="o", color=style.GAP, linewidth=2,
            label="Gap: most vs least deprived fifth of wards")
    ax.plot(x, gaps["range_gap"], marker="s", color=style.RANGE, linewidth=1.2, linestyle=":",
            label="Range: best ward vs worst ward")
    for i, value in enumerate(gaps["absolute_gap"]):
        if pd.notna(value):
            ax.annotate(f"{value:.1f}", (x[i], value), xytext=(0, 6), textcoords="offset points",
                        ha="center", fontsize=8, color=style.GAP)
    baseline = gaps.index[gaps["is_baseline"].fillna(False).astype(bool)]
    if len(baseline):
        ax.axvline(x[baseline[0]], color="#666666", linewidth=1, linestyle="--")
        ax.annotate("baseline", (x[baseline[0]], 1), xycoords=("data", "axes fraction"), fontsize=8,
                    ha="left", va="top", xytext=(3, -2), textcoords="offset points")
    ticks, labels = list(x), list(gaps["period"])
    if trajectory is not None and trajectory["expected_value"].notna().any():
        steps = trajectory.sort_values("year")
        end = steps.iloc[-1]
        ax.plot(steps["year"], steps["expected_value"], color=style.TARGET, linewidth=1.5, linestyle="--",
                label=f"Trajectory to the {int(end['target_year'])} target ({end['shape']})")
        ax.plot([end["year"]], [end["expected_value"]], marker="*", markersize=12, color=style.TARGET,
                linestyle="none")
        ax.annotate(f"target {_fmt(end['expected_value'], unit)}", (end["year"], end["expected_value"]),
                    xytext=(0, 8), textcoords="offset points", ha="center", fontsize=8, color=style.TARGET)
        ticks.append(float(end["year"]))
        labels.append(str(int(end["year"])))
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_xticks(ticks, labels, fontsize=9, rotation=30 if len(ticks) > 8 else 0)
    ax.set_xlabel("Period (placed at the last year it covers)")
    ax.set_ylabel(f"Gap ({unit}); above 0 = deprived wards worse off")
    ax.set_title(title, wrap=True)
    ax.margins(y=0.15)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2)
    ax.grid(axis="y", color="#EEEEEE")
    style.footer(fig, sources, demonstration)
    _save(fig, path)
