"""The report's words: periods (a quarter, its first day, the last quarter ended), numbers and confidence
intervals as text (one rounding rule per unit, `style.DECIMALS`), and the sentences built from the
section rows (the headline, each theme's sentence, a target, a trend, the age of a period, the basis and
sources under a chart). Strings in, strings out: nothing here reads the warehouse or draws.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from pipeline.config import THEMES, Config, ward_vintage_labels
from pipeline.report import style

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class ReportError(ValueError):
    """The report cannot be made as asked (e.g. a period that is not a quarter)."""


def latest_quarter(today: date) -> str:
    """The last quarter that has ended by `today` (30 Nov 2026 → 2026-Q3)."""
    quarter = (today.month - 1) // 3  # quarters completed this year
    return f"{today.year - 1}-Q4" if quarter == 0 else f"{today.year}-Q{quarter}"


def check_period(period: str) -> str:
    if not QUARTER.match(period):
        raise ReportError(f"{period!r} is not a quarter: give YYYY-Qn, e.g. 2026-Q3")
    return period


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _num(value, unit: str = "", signed: bool = False, digits: int | None = None) -> str:
    """A difference: '+1.5 percentage points' (a difference of percentages), '2.3 years'; decimals by the
    unit's rule (style.DECIMALS: one rounding rule per unit, shared with the charts and the workbook)."""
    if value is None or pd.isna(value):
        return "not available"
    digits = style.decimals(unit) if digits is None else digits
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return f"{text} {unit}".strip() if unit != "%" else f"{text} percentage points"


def _level(value, unit: str) -> str:
    """A value (not a difference): 7.5% or 78.9 years."""
    if value is None or pd.isna(value):
        return "not available"
    return style.level(float(value), unit)


def _ci(lower, upper, digits: int = 1) -> str:
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return ""
    return f"{lower:.{digits}f} to {upper:.{digits}f}"


def _direction(gap: float) -> str:
    return "worse off than" if gap > 0 else "better off than" if gap < 0 else "the same as"


def sources_line(config: Config, source_ids: set[str]) -> str:
    parts = [f"{s.publisher}, {s.release} ({s.licence})" for s in config.sources if s.id in source_ids]
    return "Source: " + "; ".join(parts) + ". Chart: fsot."


def basis_text(config: Config, vintage_id: str) -> str:
    """What a ward figure rests on: the ward vintage, the IMD edition and the population weights."""
    labels = ward_vintage_labels(config)[vintage_id]
    return f"Wards: {vintage_id}; deprivation: {labels['imd_edition']}; weights: {labels['population_weights']}."


def indicator_footer(config: Config, indicator) -> str:
    """A chart's foot for one indicator: its basis (wards, IMD edition, weights) and its sources."""
    vintage = config.ward_vintage(indicator.ward_vintage)
    used = {indicator.source, vintage.lookup, vintage.deprivation, *vintage.population}
    return basis_text(config, vintage.id) + " " + sources_line(config, used)


def _edition_note(ward_vintage: str, imd_edition: str) -> str:
    """Why a ward vintage uses its IMD edition: IoD2019 scores 2011 LSOAs, the LSOAs of the pre-2023
    wards (the council's WD17 configuration); IoD2025 scores 2021 LSOAs, those of the current wards."""
    if "2019" in str(imd_edition):
        return (
            f"{ward_vintage} uses IoD2019 although IoD2025 is out: {ward_vintage} is the council's published "
            "configuration, built from 2011 LSOAs, and IoD2019 is the edition scored on 2011 LSOAs "
            "(IoD2025 is scored on 2021 LSOAs, those of the current wards)."
        )
    if "2025" in str(imd_edition):
        return f"{ward_vintage} uses IoD2025, the latest edition, scored on the 2021 LSOAs of its wards."
    return ""


TARGET_SUBJECTS = {
    "value": "borough value",
    "absolute_gap": "gap",
    "relative_gap": "gap ratio",
    "range_gap": "range",
    "sii": "SII",
    "rii": "RII",
}


def _target_text(target: pd.Series, unit: str) -> str:
    """'gap 11.3 years by 2031; expected now 14.1 years; 1% chance on track'."""

    def show(value):
        if target["measure"] == "value":
            return _level(value, unit)
        return _num(value, "" if target["measure"] in ("rii", "relative_gap") else unit)

    text = (
        f"{TARGET_SUBJECTS.get(target['measure'], target['measure'])} {show(target['target_value'])} by "
        f"{int(target['target_year'])}; expected now {show(target['expected_value'])}"
    )
    chance = target["probability_on_track"]
    if pd.notna(chance):
        text += "; on-track score " + _score_text(chance)
    return text


def _score_text(chance) -> str:
    """fct_target_progress.probability_on_track in words. It is Φ(d·(A − E)/SE): a normal approximation,
    the share of the latest value's sampling distribution on the target side of the trajectory; not a
    Bayesian probability that the target is being met, so it is never called a chance."""
    return "under 1%" if chance < 0.005 else "over 99%" if chance > 0.995 else f"{chance:.0%}"


# Direction of a gap since its baseline (fct_gap_change.verdict): an arrow AND the words, never colour alone.
# ▲ the gap grew (deprived wards further behind), ▼ it shrank, ▶ no significant change.
DIRECTION = {
    "narrowed": ("▼", "narrowed"),
    "widened": ("▲", "widened"),
    "no significant change": ("▶", "no significant change"),
    "no period after the baseline yet": ("–", "no period after the baseline yet"),
    "periods overlap: not tested": ("–", "periods overlap: not tested"),
    "cannot be assessed": ("–", "cannot be assessed"),
}
# fct_trend labels of a gap series in plain words (a widening gap is "worsening").
TREND_WORDS = {
    "improving": "gap steadily narrowing",
    "worsening": "gap steadily widening",
    "no significant change": "no steady trend either way",
    "cannot be calculated": "not testable yet",
}


def _trend_plain(trend, baseline_period: str) -> tuple[str, str]:
    """The trend of a gap in plain words, and (where it cannot be tested) why, in plain words too."""
    if trend is None:
        return "not testable", "no gap series"
    words = TREND_WORDS.get(trend["trend"], trend["trend"])
    if trend["trend"] != "cannot be calculated":
        return words, ""
    reason = "" if pd.isna(trend["reason"]) else trend["reason"]
    if reason.startswith("periods overlap"):
        return words, "the periods overlap (rolling averages)"
    if trend.get("trend_window") == "since baseline" and int(trend["points"]) < 5:
        return words, f"{int(trend['points'])} of the 5 periods it needs since {baseline_period}"
    return words, "some periods lack the values the test needs"


def _trend_statistic(trend) -> str:
    """The technical statement of the trend test, for the tooltip and the footnote."""
    if trend is None:
        return ""
    text = f"{trend['method']}, {trend['confidence']}, {int(trend['points'])} point(s)"
    if pd.notna(trend["chi_squared"]):
        text += f", χ² = {trend['chi_squared']:.2f}"
    if pd.notna(trend["reason"]) and trend["reason"]:
        text += f": {trend['reason']}"
    return text


def _age_text(period_year, run_date: date) -> str:
    """How old the latest period is at the report date: the years from the end of the period."""
    if period_year is None or pd.isna(period_year):
        return "age not known"
    years = run_date.year - int(period_year)
    return "this year" if years <= 0 else f"{years} year{'s' if years != 1 else ''} old"


def _ratio_text(measure) -> str:
    """A ratio measure of fct_gap_measure (relative gap, RII) with its 95% CI: '1.35 (1.20 to 1.52)'."""
    if measure is None or pd.isna(measure["value"]):
        return ""
    ci = _ci(measure["lower_ci"], measure["upper_ci"], digits=2)
    return f"{measure['value']:.2f}" + (f" ({ci})" if ci else "")


def headline(rows: list[dict], target_year: int, targets: list[dict] | None = None) -> str:
    """One sentence counting the verdicts of the summary table and the status of every configured
    target series (target_rows: each target × sex of config.indicator_target, with or without data)."""

    def count(items, key, value):
        return sum(1 for r in items if r[key] == value)

    text = (
        f"Of {len(rows)} headline gaps, {count(rows, 'verdict', 'narrowed')} narrowed and "
        f"{count(rows, 'verdict', 'widened')} widened significantly since baseline; "
        f"{count(rows, 'verdict', 'no significant change')} show no significant change."
    )
    pending = len(rows) - sum(count(rows, "verdict", v) for v in ("narrowed", "widened", "no significant change"))
    if pending:
        overlap = count(rows, "verdict", "periods overlap: not tested")
        text += (
            f" {pending} cannot yet be compared with their baseline (no later period, "
            + ("only later periods that share years with it, " if overlap else "")
            + "or no confidence interval)."
        )
    if targets:
        parts = [
            f"{count(targets, 'status', s)} {s}"
            for s in ("off track", "significantly off track", "cannot be assessed", "no data yet")
            if count(targets, "status", s)
        ]
        text += (
            f" {count(targets, 'status', 'on track')} of {len(targets)} targets for {target_year} are on track"
            + (" (" + ", ".join(parts) + ")" if parts else "")
            + "."
        )
    return text


MEASURE_WORDS = {
    "absolute_gap": "gap",
    "relative_gap": "gap ratio",
    "sii": "slope index of inequality (SII)",
    "rii": "relative index of inequality (RII)",
    "range_gap": "range between the best and worst ward",
}
GROUPING_WORDS = {
    "local_quintile": "most vs least deprived fifth of the borough's wards",
    "local_decile": "across tenths of the borough's wards",
    "national_quintile": "most vs least deprived national fifth",
    "national_decile": "across national tenths of deprivation",
}


def _target_subject(measure: str, grouping: str, la_name: str) -> str:
    """What a target measures, in words: 'borough value (Stockton-on-Tees)' or 'gap: most vs least …'."""
    if measure == "value":
        return f"{la_name}'s own value"
    if measure in ("sii", "rii") and grouping in ("local_quintile", "national_quintile"):
        where = "across fifths of the borough's wards" if grouping == "local_quintile" else "across national fifths"
    else:
        where = GROUPING_WORDS.get(grouping, grouping)
    return (
        f"{MEASURE_WORDS.get(measure, measure)}, {where}"
        if grouping and grouping != "range"
        else MEASURE_WORDS.get(measure, measure)
    )


def theme_sentences(config: Config, rows: list[dict]) -> list[dict]:
    """One plain sentence per theme naming the headline gaps that narrowed, widened or showed no
    significant change since their baseline (fct_gap_change verdicts, as the summary rows carry them),
    and the indicators whose gaps between wards cannot be measured."""
    out = []
    for theme in THEMES:
        mine = [r for r in rows if r["theme"] == theme]
        measured = {r["indicator_id"] for r in mine}
        unmeasured = [i.short_name for i in config.indicators if i.theme == theme and i.id not in measured]
        if not mine and not unmeasured:
            continue
        clauses = []
        for verdict, words in (
            ("narrowed", "narrowed"),
            ("widened", "widened"),
            ("no significant change", "showed no significant change"),
        ):
            names = [r["name"] for r in mine if r["verdict"] == verdict]
            if names:
                clauses.append(f"the gap{'s' if len(names) > 1 else ''} in {_and(names)} {words}")
        overlap = [r["name"] for r in mine if r["verdict"] == "periods overlap: not tested"]
        if overlap:
            clauses.append(
                f"the gap{'s' if len(overlap) > 1 else ''} in {_and(overlap)} cannot be compared with the "
                "baseline yet (periods overlap: not tested, as pooled periods sharing years are not "
                "independent)"
            )
        rest = [
            r["name"]
            for r in mine
            if r["verdict"] not in ("narrowed", "widened", "no significant change", "periods overlap: not tested")
        ]
        if rest:
            clauses.append(
                f"the gap{'s' if len(rest) > 1 else ''} in {_and(rest)} cannot yet be compared with the baseline"
            )
        if unmeasured:
            clauses.append(f"gaps between wards cannot be measured for {_and(unmeasured)} (no ward values)")
        compared = any(r["verdict"] in ("narrowed", "widened", "no significant change") for r in mine)
        lead = f"{theme.capitalize()}, since the baseline" if compared else theme.capitalize()
        out.append(
            {
                "theme": theme,
                "sentence": f"{lead}: {'; '.join(clauses)}.",
                "narrowed": [r["name"] for r in mine if r["verdict"] == "narrowed"],
                "widened": [r["name"] for r in mine if r["verdict"] == "widened"],
                "unchanged": [r["name"] for r in mine if r["verdict"] == "no significant change"],
            }
        )
    return out


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def quarter_start(period: str) -> date:
    year, quarter = QUARTER.match(period).groups()
    return date(int(year), 3 * int(quarter) - 2, 1)
