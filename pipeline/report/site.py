"""`fsot report`: the quarterly outcome report, reports/<period>/report.html (one self-contained file,
charts embedded), report.pdf (the same page printed by headless Chromium) and exports/ (every mart
for Power BI and Excel, with a data dictionary).

Reads the marts (and intermediate.int_deprivation_group for the quintile panels), the raw manifest and
fsot.toml; every number and sentence describes what the SQL models computed; nothing is computed here. Text from data (ward, area and indicator names) reaches the page only through
Jinja2's autoescaping.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline.config import THEMES, Config
from pipeline.ingest.landing import read_manifest
from pipeline.report import style
from pipeline.safe_write import remove_partials
from pipeline.warehouse.build import connect
from pipeline.warehouse.load import ward_vintage_labels

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
HEADLINE = ("absolute_gap", "local_quintile")  # the gap the summary and trend charts follow


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


def _whole_population(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows for the whole population (community breakdowns carry another `category`)."""
    return frame[frame["category"] == "All"]


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


def deprivation_rows(config: Config, marts: dict) -> list[dict]:
    """The deprivation headline of each ward vintage: how many of the borough's wards are in England's
    most deprived 10 % of wards, and what that count rests on."""
    lookup = {v.id: v.lookup for v in config.ward_vintages}
    rows = []
    for r in marts["headline"].itertuples():
        rows.append({
            "ward_vintage": r.ward_vintage, "imd_edition": r.imd_edition, "population_weights": r.population_weights,
            "wards": int(r.borough_wards), "national_wards": None if pd.isna(r.national_wards) else int(r.national_wards),
            "decile": int(r.wards_in_most_deprived_decile), "quintile": int(r.wards_in_most_deprived_quintile),
            "names": "" if pd.isna(r.most_deprived_decile_wards) else r.most_deprived_decile_wards,
            "partial": int(r.wards_with_partial_coverage),
            "edition_note": _edition_note(r.ward_vintage, r.imd_edition),
            "sentence": (f"{int(r.wards_in_most_deprived_decile)} of the {int(r.borough_wards)} wards of {config.la_name} "
                         f"as drawn in {config.source(lookup[r.ward_vintage]).release} ({r.ward_vintage}) are among "
                         f"England's 10% most deprived wards by {r.imd_edition}."),
        })
    return rows


def _edition_note(ward_vintage: str, imd_edition: str) -> str:
    """Why a ward vintage uses its IMD edition: IoD2019 scores 2011 LSOAs, the LSOAs of the pre-2023
    wards (the council's WD17 configuration); IoD2025 scores 2021 LSOAs, those of the current wards."""
    if "2019" in str(imd_edition):
        return (f"{ward_vintage} uses IoD2019 although IoD2025 is out: {ward_vintage} is the council's published "
                "configuration, built from 2011 LSOAs, and IoD2019 is the edition scored on 2011 LSOAs "
                "(IoD2025 is scored on 2021 LSOAs, those of the current wards).")
    if "2025" in str(imd_edition):
        return f"{ward_vintage} uses IoD2025, the latest edition, scored on the 2021 LSOAs of its wards."
    return ""


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
            borough = _pick(bench, indicator_id=indicator.id, sex=sex, area_type="local authority",
                            benchmark=config.comparator_name)
            latest = borough.sort_values("period").iloc[-1] if len(borough) else None
            trend = _one(trends, indicator_id=indicator.id, sex=sex, series="value", subject=config.la_code)
            out.append({
                "anchor": _slug(f"{indicator.id}-{indicator.short_name}-{sex}"), "heading": name, "figures": [],
                "unmeasured": True,
                "finding": "No ward-level values: gaps between wards cannot be measured.",
                "borough": None if latest is None else (
                    f"{config.la_name} in {latest['period']}: {_level(latest['value'], indicator.unit)} against "
                    f"{config.comparator_name}'s {_level(latest['benchmark_value'], indicator.unit)} "
                    f"({latest['comparison_95']} at 95%)"
                    + ("" if trend is None else f"; recent trend: {trend['trend']}") + "."),
                "footer": footer_of(indicator),
            })
    return out


ENGLAND_RANGE_AREA_TYPES = ("UA", "District", "Unitary authority", "Lower tier local authority")


def read_marts(con) -> dict[str, pd.DataFrame]:
    """The marts the report shows (every category; the sections pick the whole population)."""
    queries = {
        "wards": "select * from marts.fct_ward_indicator where in_borough",
        "gaps": f"""
            select gap.*, period_end_year(gap.period) as period_year, m.lower_ci as gap_lower_ci,
                   m.upper_ci as gap_upper_ci
            from marts.fct_gap as gap
            left join marts.fct_gap_measure as m
                on m.indicator_id = gap.indicator_id and m.sex = gap.sex and m.category = gap.category
                and m.period = gap.period and m.measure = '{HEADLINE[0]}' and m.grouping = '{HEADLINE[1]}'""",
        "measures": """
            select m.*, v.period_sort from marts.fct_gap_measure as m
            inner join (select distinct indicator_id, sex, period, period_sort
                        from intermediate.int_indicator_value__configured) as v using (indicator_id, sex, period)""",
        "changes": "select * from marts.fct_gap_change",
        "trends": "select * from marts.fct_trend",
        "progress": "select * from marts.fct_target_progress",
        "target_series": """
            select t.target_id, t.indicator_id, t.sex, t.measure, t.grouping, t.target_value, t.reduction, t.shape
            from config.indicator_target as t order by t.target_id, t.sex""",
        "trajectories": "select * from marts.fct_target_trajectory",
        "benchmark": "select * from marts.fct_benchmark_comparison",
        "headline": "select * from marts.fct_deprivation_headline",
        "deprivation": "select * from marts.fct_ward_deprivation",
        "quintiles": """
            select g.*, v.period_sort from intermediate.int_deprivation_group as g
            inner join (select distinct indicator_id, sex, period, period_sort
                        from intermediate.int_indicator_value__configured) as v using (indicator_id, sex, period)
            where g.grouping = 'local_quintile'""",
        # England's range for the spine charts: the spread of England's lower-tier local authorities'
        # values (Fingertips' "Districts & UAs"), when a source delivered them (at least 30 areas)
        "england_range": f"""
            select indicator_id, sex, period, count(*) as areas,
                case when any_value(polarity_sign) = 1 then min(value) else max(value) end as worst,
                quantile_cont(value, 0.25) as q25, quantile_cont(value, 0.75) as q75,
                case when any_value(polarity_sign) = 1 then max(value) else min(value) end as best
            from intermediate.int_indicator_value__configured
            where category = 'All' and value is not null and area_type in {ENGLAND_RANGE_AREA_TYPES}
            group by indicator_id, sex, period having count(*) >= 30""",
    }
    return {name: con.execute(sql).df() for name, sql in queries.items()}


def _pick(frame: pd.DataFrame, **equals) -> pd.DataFrame:
    chosen = frame
    for column, value in equals.items():
        chosen = chosen[chosen[column] == value]
    return chosen


def _one(frame: pd.DataFrame, **equals):
    chosen = _pick(frame, **equals)
    return chosen.iloc[0] if len(chosen) else None


TARGET_SUBJECTS = {"value": "borough value", "absolute_gap": "gap", "relative_gap": "gap ratio", "range_gap": "range",
                   "sii": "SII", "rii": "RII"}


def _target_text(target: pd.Series, unit: str) -> str:
    """'gap 11.3 years by 2031; expected now 14.1 years; 1% chance on track'."""
    def show(value):
        if target["measure"] == "value":
            return _level(value, unit)
        return _num(value, "" if target["measure"] in ("rii", "relative_gap") else unit)

    text = (f"{TARGET_SUBJECTS.get(target['measure'], target['measure'])} {show(target['target_value'])} by "
            f"{int(target['target_year'])}; expected now {show(target['expected_value'])}")
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
DIRECTION = {"narrowed": ("▼", "narrowed"), "widened": ("▲", "widened"),
             "no significant change": ("▶", "no significant change"),
             "no period after the baseline yet": ("–", "no period after the baseline yet"),
             "periods overlap: not tested": ("–", "periods overlap: not tested"),
             "cannot be assessed": ("–", "cannot be assessed")}
# fct_trend labels of a gap series in plain words (a widening gap is "worsening").
TREND_WORDS = {"improving": "gap steadily narrowing", "worsening": "gap steadily widening",
               "no significant change": "no steady trend either way", "cannot be calculated": "not testable yet"}


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
            measure = _one(measures, indicator_id=indicator.id, sex=sex, period=latest["period"],
                           measure=HEADLINE[0], grouping=HEADLINE[1])
            change = _one(changes, indicator_id=indicator.id, sex=sex, measure=HEADLINE[0], grouping=HEADLINE[1])
            relative = _one(measures, indicator_id=indicator.id, sex=sex, period=latest["period"],
                            measure="relative_gap", grouping=HEADLINE[1])
            rii = _one(measures, indicator_id=indicator.id, sex=sex, period=latest["period"],
                       measure="rii", grouping=HEADLINE[1])
            trend = _one(trends, indicator_id=indicator.id, sex=sex, series="absolute gap", subject=HEADLINE[1])
            targets = _pick(progress, indicator_id=indicator.id, sex=sex).dropna(subset=["period"])
            headline = _pick(targets, measure=HEADLINE[0], grouping=HEADLINE[1])
            chosen = headline if len(headline) else targets[targets["target_id"] == targets["target_id"].min()]
            target = chosen.sort_values("period_year").iloc[-1] if len(chosen) else None
            name = indicator.short_name if sex == "Persons" else f"{indicator.short_name} ({sex.lower()})"
            value = None if measure is None else measure["value"]
            basis = ward_vintage_labels(config)[indicator.ward_vintage]
            rows.append({
                "indicator_id": indicator.id, "sex": sex, "name": name, "theme": indicator.theme,
                "ward_vintage": indicator.ward_vintage, "imd_edition": basis["imd_edition"],
                "population_weights": basis["population_weights"],
                "unit": indicator.unit, "period": latest["period"],
                "gap": value, "gap_lower_ci": None if measure is None else measure["lower_ci"],
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
                "change_text": "not available" if change is None else _num(change["change"], indicator.unit, signed=True),
                "change_ci_text": "" if change is None else _ci(change["change_lower_ci"], change["change_upper_ci"]),
                "verdict": "cannot be assessed" if change is None else change["verdict"],
                "direction": DIRECTION.get("cannot be assessed" if change is None else change["verdict"],
                                           DIRECTION["cannot be assessed"])[0],
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
            })
    return rows


def _ratio_text(measure) -> str:
    """A ratio measure of fct_gap_measure (relative gap, RII) with its 95% CI: '1.35 (1.20 to 1.52)'."""
    if measure is None or pd.isna(measure["value"]):
        return ""
    ci = _ci(measure["lower_ci"], measure["upper_ci"], digits=2)
    return f"{measure['value']:.2f}" + (f" ({ci})" if ci else "")


def run_identity(config: Config, period: str, run_date: date, manifest: list[dict]) -> dict:
    """The git revision of the code that made the report and a run id: the first 12 hex digits of the
    SHA-256 of the revision, the configuration file, the landed inputs' provenance, the period and the
    run date. The same inputs, code and date give the same id, so a report still regenerates byte for
    byte; any change to one of them gives another id."""
    import hashlib

    from pipeline.run_record import git_revision

    revision = git_revision()
    digest = hashlib.sha256()
    for part in (revision, config.path.read_bytes(), json.dumps(manifest, sort_keys=True, default=str),
                 period, run_date.isoformat()):
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return {"git_revision": revision, "git_short": revision[:12] + ("+uncommitted" if revision.endswith(
        "+uncommitted") else ""), "run_id": digest.hexdigest()[:12]}


def headline(rows: list[dict], target_year: int, targets: list[dict] | None = None) -> str:
    """One sentence counting the verdicts of the summary table and the status of every configured
    target series (target_rows: each target × sex of config.indicator_target, with or without data)."""
    def count(items, key, value):
        return sum(1 for r in items if r[key] == value)

    text = (f"Of {len(rows)} headline gaps, {count(rows, 'verdict', 'narrowed')} narrowed and "
            f"{count(rows, 'verdict', 'widened')} widened significantly since baseline; "
            f"{count(rows, 'verdict', 'no significant change')} show no significant change.")
    pending = len(rows) - sum(count(rows, "verdict", v) for v in ("narrowed", "widened", "no significant change"))
    if pending:
        overlap = count(rows, "verdict", "periods overlap: not tested")
        text += (f" {pending} cannot yet be compared with their baseline (no later period, "
                 + ("only later periods that share years with it, " if overlap else "")
                 + "or no confidence interval).")
    if targets:
        parts = [f"{count(targets, 'status', s)} {s}" for s in ("off track", "significantly off track",
                                                                 "cannot be assessed", "no data yet")
                 if count(targets, "status", s)]
        text += (f" {count(targets, 'status', 'on track')} of {len(targets)} targets for {target_year} are on track"
                 + (" (" + ", ".join(parts) + ")" if parts else "") + ".")
    return text


MEASURE_WORDS = {"absolute_gap": "gap", "relative_gap": "gap ratio", "sii": "slope index of inequality (SII)",
                 "rii": "relative index of inequality (RII)", "range_gap": "range between the best and worst ward"}
GROUPING_WORDS = {"local_quintile": "most vs least deprived fifth of the borough's wards",
                  "local_decile": "across tenths of the borough's wards",
                  "national_quintile": "most vs least deprived national fifth",
                  "national_decile": "across national tenths of deprivation"}


def _target_subject(measure: str, grouping: str, la_name: str) -> str:
    """What a target measures, in words: 'borough value (Stockton-on-Tees)' or 'gap: most vs least …'."""
    if measure == "value":
        return f"{la_name}'s own value"
    if measure in ("sii", "rii") and grouping in ("local_quintile", "national_quintile"):
        where = "across fifths of the borough's wards" if grouping == "local_quintile" else "across national fifths"
    else:
        where = GROUPING_WORDS.get(grouping, grouping)
    return f"{MEASURE_WORDS.get(measure, measure)}, {where}" if grouping and grouping != "range" else \
        MEASURE_WORDS.get(measure, measure)


def target_rows(config: Config, marts: dict[str, pd.DataFrame]) -> list[dict]:
    """Every configured target series (config.indicator_target: target × sex), with what it measures
    (borough value or gap measure, grouping, sex), its baseline, target and the latest status of
    fct_target_progress; a series with no value yet is 'no data yet'."""
    progress = _whole_population(marts["progress"])
    names = {i.id: i for i in config.indicators}
    rows = []
    order = {(i.id, sex): n for n, (i, sex) in enumerate((i, sex) for i in config.indicators for sex in i.sexes)}
    series = marts["target_series"].assign(order=[order.get((i, x), 999) for i, x in zip(
        marts["target_series"]["indicator_id"], marts["target_series"]["sex"])])
    for t in series.sort_values(["order", "target_id"], kind="stable").itertuples():
        indicator = names.get(t.indicator_id)
        unit = indicator.unit if indicator else ""
        chosen = _pick(progress, target_id=t.target_id, sex=t.sex)
        known = chosen.dropna(subset=["period"])
        valued = known.dropna(subset=["actual_value"])
        latest = valued.sort_values("period_year").iloc[-1] if len(valued) else None
        first = chosen.iloc[0] if len(chosen) else None

        def show(value, measure=t.measure):
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
        rows.append({
            "target_id": t.target_id, "indicator_id": t.indicator_id, "sex": t.sex,
            "indicator": indicator.short_name if indicator else t.indicator_id,
            "measures": _target_subject(t.measure, t.grouping, config.la_name),
            "measure": t.measure, "grouping": t.grouping, "shape": t.shape,
            "baseline_period": indicator.baseline_period if indicator else "",
            "baseline_text": "not available" if first is None else show(first["baseline_value"]),
            "target_text": ("not available" if first is None or pd.isna(first["target_value"]) else
                            f"{show(first['target_value'])} by {int(first['target_year'])}"),
            "latest_period": "" if latest is None else latest["period"],
            "actual_text": "" if latest is None else show(latest["actual_value"]),
            "expected_text": "" if latest is None else show(latest["expected_value"]),
            "status": status, "probability_on_track": chance,
            "chance_text": "" if chance is None or pd.isna(chance) else _score_text(chance),
            "note": note,
        })
    return rows


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
        for verdict, words in (("narrowed", "narrowed"), ("widened", "widened"),
                               ("no significant change", "showed no significant change")):
            names = [r["name"] for r in mine if r["verdict"] == verdict]
            if names:
                clauses.append(f"the gap{'s' if len(names) > 1 else ''} in {_and(names)} {words}")
        overlap = [r["name"] for r in mine if r["verdict"] == "periods overlap: not tested"]
        if overlap:
            clauses.append(f"the gap{'s' if len(overlap) > 1 else ''} in {_and(overlap)} cannot be compared with the "
                           "baseline yet (periods overlap: not tested, as pooled periods sharing years are not "
                           "independent)")
        rest = [r["name"] for r in mine if r["verdict"] not in ("narrowed", "widened", "no significant change",
                                                                 "periods overlap: not tested")]
        if rest:
            clauses.append(f"the gap{'s' if len(rest) > 1 else ''} in {_and(rest)} cannot yet be compared with "
                           "the baseline")
        if unmeasured:
            clauses.append(f"gaps between wards cannot be measured for {_and(unmeasured)} (no ward values)")
        compared = any(r["verdict"] in ("narrowed", "widened", "no significant change") for r in mine)
        lead = f"{theme.capitalize()}, since the baseline" if compared else theme.capitalize()
        out.append({"theme": theme, "sentence": f"{lead}: {'; '.join(clauses)}.",
                    "narrowed": [r["name"] for r in mine if r["verdict"] == "narrowed"],
                    "widened": [r["name"] for r in mine if r["verdict"] == "widened"],
                    "unchanged": [r["name"] for r in mine if r["verdict"] == "no significant change"]})
    return out


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


AT_A_GLANCE = [  # (column, meaning) of exports/at_a_glance.csv and the sheets of at_a_glance.xlsx
    ("indicator_id", "Indicator identifier"), ("sex", "Male, Female or Persons"), ("name", "Indicator as shown"),
    ("theme", "Theme"), ("unit", "Unit of the values; gaps of percentages are in percentage points"),
    ("period", "Latest period of the gap"), ("latest_year", "Last year the latest period covers"),
    ("age_text", "Age of the latest period at the report date"),
    ("gap", "Headline gap: most minus least deprived local quintile, oriented so that above 0 = deprived worse off"),
    ("gap_lower_ci", "Lower 95% limit of the gap"), ("gap_upper_ci", "Upper 95% limit of the gap"),
    ("baseline_period", "The indicator's baseline period"), ("change", "Change of the gap since the baseline"),
    ("verdict", "narrowed / widened / no significant change (95%), from marts.fct_gap_change"),
    ("direction", "Arrow of the verdict: ▲ widened, ▼ narrowed, ▶ no significant change"),
    ("trend", "Trend label of marts.fct_trend (gap series, periods from the baseline on)"),
    ("trend_plain", "The trend in plain words"), ("trend_detail", "Why it cannot be tested, where it cannot"),
    ("trend_window", "Periods the trend test used"),
    ("trend_statistic", "The trend test, its level and statistic"),
    ("target_status", "Status of the headline target (marts.fct_target_progress)"),
    ("target_text", "The headline target in words"),
]
TARGET_COLUMNS = [
    ("target_id", "Target identifier (indicator id - n)"), ("indicator_id", "Indicator identifier"),
    ("indicator", "Indicator as shown"), ("sex", "Male, Female or Persons"),
    ("measures", "What the target measures (the borough's value or a gap measure and its grouping)"),
    ("measure", "Measure code"), ("grouping", "Grouping code"), ("shape", "Trajectory shape"),
    ("baseline_period", "Baseline period"), ("baseline_text", "Baseline value"), ("target_text", "Target"),
    ("latest_period", "Latest period with a value"), ("actual_text", "Latest value"),
    ("expected_text", "Value expected on the trajectory"),
    ("status", "on track / off track / significantly off track / cannot be assessed / no data yet"),
    ("probability_on_track", "Probability of being on or better than the trajectory"), ("note", "Note"),
]


def _plain(value):
    """A cell as a plain Python value (numpy scalars as int/float; missing as None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def write_at_a_glance(folder: Path, summary: list[dict], targets: list[dict]) -> list[Path]:
    """Page one's tables for Excel and Power BI: exports/at_a_glance.csv (the at-a-glance table),
    exports/targets.csv (every target series) and exports/at_a_glance.xlsx (both, a sheet each, with a
    sheet of column meanings); cells are written by the marts exports' own rules (formula-like text
    neutralised, UTF-8 with BOM)."""
    from openpyxl import Workbook

    from pipeline.report.exports import _save, _write_csv, _xlsx_cell

    folder.mkdir(parents=True, exist_ok=True)
    tables = {"at_a_glance": (AT_A_GLANCE, summary), "targets": (TARGET_COLUMNS, targets)}
    written = []
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (columns, rows) in tables.items():
        header = [c for c, _ in columns]
        values = [[_plain(r.get(c)) for c in header] for r in rows]
        _write_csv(folder / f"{name}.csv", header, values)
        written.append(folder / f"{name}.csv")
        sheet = workbook.create_sheet(name)
        sheet.append(header)
        for row in values:
            sheet.append([_xlsx_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    meanings = workbook.create_sheet("columns")
    meanings.append(["sheet", "column", "meaning"])
    for name, (columns, _) in tables.items():
        for column, meaning in columns:
            meanings.append([name, column, meaning])
    _save(workbook, folder / "at_a_glance.xlsx")
    written.append(folder / "at_a_glance.xlsx")
    return written


class _Figures:
    """Draws charts into charts/ and keeps each as an embedded data URI with its alt text."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.drawn: list[dict] = []

    def add(self, draw, file: str, alt: str, caption: str, section: str) -> dict:
        path = self.folder / file
        draw(path)
        uri = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        figure = {"file": f"charts/{file}", "src": uri, "alt": alt, "caption": caption, "section": section}
        self.drawn.append(figure)
        return figure


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
                title = (f"{name}, {latest['period']}: the most deprived fifth of wards is "
                         f"{_num(abs(gap), indicator.unit)} {_direction(gap)} the least deprived"
                         if pd.notna(gap) else f"{name}, {latest['period']}: gap not available")
                shown.append(figures.add(
                    lambda p: charts.baseline_chart(period_wards, latest, title, indicator.unit, p, footer,
                                                    demonstration),
                    f"wards_{anchor}.png",
                    f"Dot chart of {len(period_wards)} wards' {name} in {latest['period']}, ordered from most to "
                    f"least deprived, each with a 95% confidence interval. Best ward {latest['best_ward_name']} "
                    f"{_level(latest['best_value'], indicator.unit)}, worst {latest['worst_ward_name']} "
                    f"{_level(latest['worst_value'], indicator.unit)}; most deprived fifth "
                    f"{_level(latest['most_deprived_mean'], indicator.unit)}, least deprived fifth "
                    f"{_level(latest['least_deprived_mean'], indicator.unit)}; SII {_num(latest['sii'], indicator.unit)}.",
                    f"{latest['period']}: each ward's value with its 95% confidence interval, wards ordered by "
                    "deprivation; bars mark the population-weighted means of the most and least deprived fifths; "
                    "the dash-dot line is the slope index of inequality (SII).", name))
                change = _one(changes, indicator_id=indicator.id, sex=sex, measure=HEADLINE[0], grouping=HEADLINE[1])
                if change is not None and pd.notna(change["change"]) and pd.notna(change["change_lower_ci"]):
                    described = {"widened": "has widened", "narrowed": "has narrowed",
                                 "no significant change": "shows no significant change"}.get(change["verdict"],
                                                                                             "cannot be assessed")
                    trend_title = (f"{name}: the gap {described} since {baseline['period']} "
                                   f"({_num(change['change'], indicator.unit, signed=True)}, 95% CI "
                                   f"{change['change_lower_ci']:+.1f} to {change['change_upper_ci']:+.1f})")
                else:
                    trend_title = f"{name}: gap over time"
                path = _pick(trajectories, indicator_id=indicator.id, sex=sex)
                path = path[path["target_id"] == path["target_id"].min()] if len(path) else path
                shown.append(figures.add(
                    lambda p: charts.trend_chart(since, trend_title, indicator.unit, p, footer, demonstration,
                                                 path if len(path) else None),
                    f"trend_{anchor}.png",
                    "Line chart of the gap between the most and least deprived fifths by period: " + "; ".join(
                        f"{p} {_num(g, indicator.unit, signed=True)}" for p, g in zip(since["period"], since["absolute_gap"]))
                    + (f". Dashed line: trajectory to the {int(path['target_year'].iloc[0])} target of "
                       f"{_num(path['target_value'].iloc[0], indicator.unit)}." if len(path) else "."),
                    f"Gap between the most and least deprived fifths of wards with its 95% confidence band, "
                    f"{baseline['period']} (baseline) to {latest['period']}"
                    + ("; the dashed line is the trajectory to the target" if len(path) else "")
                    + ". The change since baseline, the trend test and the target status use these same periods.",
                    name))
                entries.append({
                    "anchor": anchor, "heading": name, "figures": shown, "basis": basis_text(config, indicator.ward_vintage),
                    "finding": (f"In {latest['period']} the most deprived fifth of {config.la_name}'s wards was "
                                f"{_num(abs(gap), indicator.unit)} {_direction(gap)} the least deprived fifth."
                                if pd.notna(gap) else "The gap is not available for the latest period."),
                    "measures": measure_grid(_pick(measures, indicator_id=indicator.id, sex=sex,
                                                   period=latest["period"])),
                })
                if progress:
                    progress(name)
        entries += unmeasured_entries(config, marts, theme, lambda i: indicator_footer(config, i))
        if entries:
            themes.append({"theme": theme, "anchor": f"theme-{theme}", "entries": entries})
    return themes


MEASURE_LABELS = {"absolute_gap": "Absolute gap", "relative_gap": "Relative gap (ratio)",
                  "sii": "Slope index of inequality (SII)", "rii": "Relative index of inequality (RII)"}
GROUPING_LABELS = {"local_quintile": "local quintiles", "local_decile": "local deciles",
                   "national_quintile": "national quintiles", "national_decile": "national deciles"}


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
    return {"groupings": list(GROUPING_LABELS.values()), "rows": grid, "notes": notes,
            "range": None if best is None or pd.isna(best["value"]) else
            f"{best['value']:.2f} ({_ci(best['lower_ci'], best['upper_ci'], 2)})"}


def quintile_figure(config: Config, marts: dict, figures: _Figures, demonstration: bool,
                    summary: list[dict]) -> dict | None:
    """Small multiples of every indicator by local deprivation quintile; the title counts the headline
    gaps (summary rows) in which the most deprived fifth is worse off."""
    from pipeline.report import charts

    groups = _whole_population(marts["quintiles"])
    panels = [{"indicator_id": i.id, "sex": s, "unit": i.unit,
               "label": i.short_name if s == "Persons" else f"{i.short_name} ({s.lower()})"}
              for i in config.indicators for s in i.sexes
              if len(_pick(groups, indicator_id=i.id, sex=s))]
    if not panels:
        return None
    shown = {i.ward_vintage for i in config.indicators if any(p["indicator_id"] == i.id for p in panels)}
    footer = " ".join(basis_text(config, v.id) for v in config.ward_vintages if v.id in shown) + " " + \
        sources_line(config, {s.id for s in config.sources})
    known = [r for r in summary if r["gap"] is not None and pd.notna(r["gap"])]
    worse = sum(1 for r in known if r["gap"] > 0)
    title = (f"The most deprived fifth of wards is worse off than the least deprived on {worse} of "
             f"{len(known)} measures")
    return figures.add(
        lambda p: charts.quintile_trends_chart(groups, panels, title, p, footer, demonstration),
        "quintile_trends.png",
        "Small multiples, one panel per indicator: " + "; ".join(p["label"] for p in panels)
        + ". Each panel has five lines, the population-weighted mean of each local deprivation quintile by period.",
        "Population-weighted mean of each local deprivation quintile of wards, by period.", "Trends by quintile")


def area_sections(config: Config, marts: dict, figures: _Figures, demonstration: bool) -> list[dict]:
    """Each target area (and the borough) against England, and each target area against the rest of the
    borough, in the latest period of every indicator; a spine chart per area."""
    from pipeline.report import charts

    bench = _whole_population(marts["benchmark"])
    latest_period = (_whole_population(marts["wards"]).sort_values("period_sort")
                     .groupby(["indicator_id", "sex"])["period"].last())
    # an indicator with no ward values (e.g. a Fingertips indicator published for local authorities
    # only) still has the borough against England: its latest period is the latest the borough has
    borough_only = bench[bench["area_type"] == "local authority"].sort_values("period").groupby(
        ["indicator_id", "sex"])["period"].last()
    latest_period = pd.concat([latest_period, borough_only[~borough_only.index.isin(latest_period.index)]])
    bench = bench[[latest_period.get((i, s)) == p for i, s, p in zip(bench["indicator_id"], bench["sex"],
                                                                       bench["period"])]]
    national = marts.get("england_range")
    if national is not None and len(national):
        national = national.merge(latest_period.rename("period").reset_index(), on=["indicator_id", "sex", "period"])
        national = national.set_index(["indicator_id", "sex"])
    else:
        national = None
    short = {i.id: i.short_name for i in config.indicators}
    order = {(i.id, s): n for n, (i, s) in enumerate((i, s) for i in config.indicators for s in i.sexes)}
    bench = bench.assign(short_name=bench["indicator_id"].map(short),
                         order=[order.get((i, s), 999) for i, s in zip(bench["indicator_id"], bench["sex"])])
    footer = sources_line(config, {s.id for s in config.sources})
    ward_rows = bench[(bench["area_type"] == "ward") & (bench["benchmark"] == config.comparator_name)]
    spread = ward_rows.assign(distance=ward_rows["difference"].abs()).groupby(["indicator_id", "sex"])["distance"].max()
    areas = [(config.la_name, "local authority")] + [(a.name, "target area") for a in config.target_areas]
    ward_names = (marts["wards"].drop_duplicates("ward_code").set_index("ward_code")["ward_name"].to_dict()
                  if len(marts["wards"]) else {})
    members = {a.name: [f"{ward_names.get(code, code)} ({code})" for code in a.wards] for a in config.target_areas}
    vintages = {a.name: a.ward_vintage for a in config.target_areas}
    out = []
    for area, kind in areas:
        vs_england = bench[(bench["area_name"] == area) & (bench["area_type"] == kind)
                           & (bench["benchmark"] == config.comparator_name)].sort_values("order")
        if vs_england.empty:
            continue
        vs_rest = bench[(bench["area_name"] == area) & (bench["benchmark"] == "rest of borough")]
        anchor = "area-" + _slug(area)
        worse = int((vs_england["comparison_95"] == "worse").sum())
        figure = figures.add(
            lambda p, rows=vs_england, a=area, w=worse: charts.spine_chart(
                rows, spread, f"{a}: worse than {config.comparator_name} on {w} of {len(rows)} measures (95%)", p, footer,
                demonstration, national),
            f"spine_{_slug(area)}.png",
            f"Spine chart for {area}: " + "; ".join(
                f"{r.short_name} ({r.sex}) {r.comparison_95} than {config.comparator_name}"
                for r in vs_england.itertuples()) + ".",
            f"{area} against {config.comparator_name}, latest period of each indicator: the difference, oriented so "
            "that right is better, with the 95% confidence interval; marker shape and colour = the comparison at 95% "
            "(▲ better, ● similar, ▼ worse). "
            + ("Where England's range of local authorities is loaded, the light band runs from England's worst to "
               "its best area and the dark band from its 25th to its 75th percentile (as Fingertips draws a spine); "
               "other rows are scaled so that the shaded band reaches the borough ward furthest from England."
               if national is not None else
               "England's range not loaded (no national area values in the warehouse): rows are scaled so that "
               f"the shaded band reaches the borough ward furthest from {config.comparator_name}."),
            area)
        rows = []
        for r in vs_england.itertuples():
            rest = vs_rest[(vs_rest["indicator_id"] == r.indicator_id) & (vs_rest["sex"] == r.sex)]
            rows.append({"indicator": r.short_name, "sex": r.sex, "period": r.period, "unit": r.unit,
                         "value": _level(r.value, r.unit), "england": _level(r.benchmark_value, r.unit),
                         "vs_england": r.comparison_95, "vs_england_998": r.comparison_998,
                         "vs_rest": rest["comparison_95"].iloc[0] if len(rest) else "",
                         # oriented as every gap of the report: positive = the target area worse off
                         "rest_difference": (_num(_worse_off(rest["difference"].iloc[0], r.polarity), r.unit, signed=True)
                                             if len(rest) else "")})
        out.append({"name": area, "kind": kind, "anchor": anchor, "figure": figure, "rows": rows,
                    "wards": members.get(area, []), "ward_vintage": vintages.get(area, ""),
                    "orientation": ("Differences from the rest of the borough are oriented as every gap in this "
                                    "report: positive = the target area worse off than the rest of the borough "
                                    "(target area minus rest of borough, sign reversed where lower is better)."
                                    if kind == "target area" else "")})
    return out


def _worse_off(difference, polarity: str):
    """A difference (area minus its comparator) oriented so that positive = the area worse off, as the
    report orients every gap (fct_gap: positive = deprived wards worse off)."""
    if difference is None or pd.isna(difference):
        return difference
    return -difference if polarity == "higher-is-better" else difference


def ward_profiles(config: Config, marts: dict) -> list[dict]:
    """For each ward vintage with ward values: every borough ward (most deprived first) × every
    indicator's latest value, with its comparison at 95 % with England (the comparator), or with the
    borough for an indicator England has no value of."""
    wards = _whole_population(marts["wards"])
    bench = _whole_population(marts["benchmark"])
    bench = bench[bench["area_type"] == "ward"].set_index(
        ["indicator_id", "sex", "period", "area_code", "benchmark"])["comparison_95"]
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
                columns.append({"label": indicator.short_name + ("" if sex == "Persons" else f" ({sex.lower()})"),
                                "period": period, "unit": indicator.unit, "against": against})
                for r in _pick(chosen, period=period).itertuples():
                    comparison = bench.get((indicator.id, sex, period, r.ward_code, against), "not compared")
                    cells.setdefault(r.ward_code, {})[len(columns) - 1] = {
                        "value": "suppressed" if pd.isna(r.value) else style.number(r.value, indicator.unit),
                        "against": against, "comparison": comparison,
                        "mark": style.COMPARISON_MARKS[comparison], "word": _PROFILE_WORDS[comparison]}
        if not columns:
            continue
        names = (wards[wards["ward_vintage"] == vintage.id].drop_duplicates("ward_code")
                 .sort_values(["local_rank", "ward_code"]))
        profiles.append({"ward_vintage": vintage.id, "basis": basis_text(config, vintage.id), "columns": columns,
                         "rows": [{"ward": r.ward_name, "code": r.ward_code,
                                   "quintile": "" if pd.isna(r.local_quintile) else int(r.local_quintile),
                                   "cells": [cells.get(r.ward_code, {}).get(n, {"value": "", "comparison": "not compared",
                                                                                 "against": columns[n]["against"],
                                                                                 "mark": "", "word": ""})
                                             for n in range(len(columns))]} for r in names.itertuples()]})
    return profiles


_PROFILE_WORDS = {"better": "better", "similar": "similar", "worse": "worse", "not compared": "not compared"}
PROFILE_KEY = [{"comparison": c, "mark": style.COMPARISON_MARKS[c], "tint": style.COMPARISON_TINTS[c]}
               for c in ("better", "similar", "worse", "not compared")]


def _map_sex(indicator) -> str:
    """The sex a map shows: Persons, else the indicator's first configured sex."""
    return "Persons" if "Persons" in indicator.sexes else indicator.sexes[0]


def _boundaries(config: Config, vintage):
    """The landed boundaries of the vintage (checked against their recorded sha256) as ward polygons."""
    from pipeline.ingest.landing import landed_files
    from pipeline.report import maps

    source = config.source(vintage.boundaries)
    frames = [maps.read_boundaries(path, source.column("code")) for path in landed_files(config, source)]
    return frames[0] if len(frames) == 1 else maps.gpd.GeoDataFrame(pd.concat(frames, ignore_index=True),
                                                                      crs=frames[0].crs)


def map_sections(config: Config, marts: dict, figures: _Figures, demonstration: bool) -> list[dict]:
    """Per ward vintage: a choropleth of the wards' local deprivation quintiles and one per indicator on
    those wards (latest period, Persons or the first sex), each in quintile classes of the borough's
    wards, with the target areas outlined; with a table of what each map shows. A vintage without
    boundaries, or whose boundaries lack some of its wards' codes, gets a sentence saying so instead."""
    deprivation = marts["deprivation"]
    values = _whole_population(marts["wards"])
    out = []
    for vintage in config.ward_vintages:
        wards = (deprivation[deprivation["ward_vintage"] == vintage.id].drop_duplicates("ward_code")
                 .reset_index(drop=True))
        lookup = config.source(vintage.lookup)
        entry = {"ward_vintage": vintage.id, "anchor": "maps-" + _slug(vintage.id), "figures": [], "note": "",
                 "heading": f"{vintage.id}: the wards of {config.la_name} as drawn in {lookup.release}",
                 "table": None}
        out.append(entry)
        if wards.empty:
            entry["note"] = f"No wards of {vintage.id} are in the warehouse, so there is nothing to map."
            continue
        if not vintage.boundaries:
            entry["note"] = (f"No ward boundaries configured for {vintage.id}: no map. To draw one, add a source "
                             "of format ward_boundaries and name it as boundaries = in the vintage's "
                             "[[ward_vintages]] entry.")
            continue
        from pipeline.ingest.landing import LandingError
        from pipeline.report import maps

        source = config.source(vintage.boundaries)
        try:
            shapes = _boundaries(config, vintage)
        except (LandingError, maps.BoundariesError) as exc:
            entry["note"] = f"The boundaries of {vintage.id} ({source.id}) cannot be used: {exc}. No map."
            continue
        match = maps.code_match(shapes["ward_code"], wards["ward_code"])
        if not match["complete"]:
            entry["note"] = (f"The boundaries {source.title or source.id} ({source.release}) hold {match['matched']} "
                             f"of the {match['wards']} ward codes of {vintage.id} (missing, e.g. "
                             f"{', '.join(match['missing'][:3])}): they are of other wards, so no map is drawn.")
            continue
        entry.update(_vintage_maps(config, vintage, wards, shapes, values, figures, demonstration))
    return out


def _vintage_maps(config: Config, vintage, wards: pd.DataFrame, shapes, values: pd.DataFrame,
                  figures: _Figures, demonstration: bool) -> dict:
    """The maps of one ward vintage whose boundaries hold all its wards, and their data table."""
    from pipeline.report import maps

    geo = shapes.drop_duplicates("ward_code").merge(
        wards[["ward_code", "ward_name", "imd_score", "local_quintile"]], on="ward_code", how="inner")
    numbers = maps.ward_numbers(dict(zip(geo["ward_code"], geo["ward_name"])))
    areas = [(a.name, a.wards) for a in config.target_areas if a.ward_vintage == vintage.id]
    used = {vintage.lookup, vintage.deprivation, *vintage.population, vintage.boundaries}
    basis = basis_text(config, vintage.id)
    labels = ward_vintage_labels(config)[vintage.id]
    outlined = (" Target areas are outlined with thick dashed lines (each its own dash, named in the legend)."
                if areas else " No target areas are configured for these wards.")
    outlined += f" Every ward's value and class is in the table after the maps of {vintage.id}."
    shown = []

    geo["cls"] = geo["local_quintile"].astype(float)
    ends = ("most deprived", "least deprived")
    ranges = maps.class_ranges(geo["imd_score"], geo["cls"])
    subject = (f"the wards of {config.la_name} ({vintage.id}) by local deprivation quintile of the ward IMD score "
               f"({labels['imd_edition']})")
    shown.append(figures.add(
        lambda p, g=geo.copy(), r=ranges: maps.save(maps.draw_map(  # noqa: B008 (binds this vintage's copy)
            g, maps.legend_labels(r, "", ends),
            f"Deprivation of the {len(g)} wards of {config.la_name} ({vintage.id}, {labels['imd_edition']}): "
            "local quintiles",
            "Local deprivation quintile\n(ward IMD score; darker = more deprived)", areas,
            basis + " " + sources_line(config, used), demonstration), p),
        f"map_{_slug(vintage.id)}_deprivation.png",
        maps.alt_text(geo, subject, ranges, "", ends, "more deprived", areas),
        f"Wards of {vintage.id} shaded by local deprivation quintile (1 = the most deprived fifth of the borough's "
        f"wards by population-weighted IMD score, {labels['imd_edition']}); the legend gives each quintile's range "
        "of scores. Numbers on the map are the wards in the key beside it." + outlined, "Maps"))

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
        shown.append(figures.add(
            lambda p, g=frame, r=ranges, n=name, per=period, u=indicator.unit, pol=polarity, ind=indicator:
            maps.save(maps.draw_map(
                g, maps.legend_labels(r, u, ends), f"{n}, {per}: the wards of {config.la_name} in quintile classes",
                f"{n}{f' ({u})' if u else ''}, {per}\nquintile classes of the wards\ndarker = worse ({pol})", areas,
                basis + " " + sources_line(config, used | {ind.source}), demonstration), p),
            f"map_{_slug(vintage.id)}_{anchor}.png",
            maps.alt_text(frame, f"the wards of {config.la_name} ({vintage.id}) by {name} in {period}"
                          + (f" ({indicator.unit})" if indicator.unit else ""), ranges, indicator.unit, ends,
                          f"worse ({polarity})", areas),
            f"{name}, {period}: each ward's value in one of five quintile classes of the borough's wards (class 1 = "
            f"the worst fifth, {polarity}; ties share a class, by the rule of the deprivation quintiles); the legend "
            "gives each class's range. Hatched: no value (suppressed or not published)." + outlined, "Maps"))
        columns.append({"label": name, "period": period, "unit": indicator.unit})
        for row in frame.itertuples():
            cells.setdefault(row.ward_code, []).append({
                "value": "" if pd.isna(row.value) else maps.format_value(row.value, indicator.unit),
                "cls": "" if pd.isna(row.cls) else int(row.cls)})
    rows = [{"number": numbers[r.ward_code], "ward": r.ward_name, "code": r.ward_code,
             "score": "" if pd.isna(r.imd_score) else f"{r.imd_score:.1f}",
             "quintile": "" if pd.isna(r.local_quintile) else int(r.local_quintile),
             "cells": cells.get(r.ward_code, [{"value": "", "cls": ""}] * len(columns))}
            for r in geo.sort_values("ward_code").itertuples()]
    rows.sort(key=lambda r: r["number"])
    return {"figures": shown, "basis": basis,
            "table": {"columns": columns, "rows": rows, "imd_edition": labels["imd_edition"]}}


def community_rows(marts: dict) -> list[dict]:
    """Headline gap of every community breakdown (category other than 'All'), latest period."""
    measures = marts["measures"].sort_values("period_sort")
    chosen = measures[(measures["category"] != "All") & (measures["measure"] == HEADLINE[0])
                      & (measures["grouping"] == HEADLINE[1])]
    rows = []
    for (indicator, sex, category), group in chosen.groupby(["indicator_id", "sex", "category"]):
        latest = group.iloc[-1]
        rows.append({"indicator": latest.get("indicator_name", indicator), "sex": sex, "category": category,
                     "period": latest["period"], "value": "" if pd.isna(latest["value"]) else f"{latest['value']:.2f}",
                     "ci": _ci(latest["lower_ci"], latest["upper_ci"], 2)})
    return rows


def freshness_rows(config: Config, manifest: list[dict]) -> list[dict]:
    """Each source's release, when its files were retrieved, what changed with it (pulled sources: new
    periods, revised values, indicators gone, against the release before) and the next expected release."""
    from pipeline.ingest.changes import change_text

    rows = []
    for source in config.sources:
        landed = [r for r in manifest if r["source"] == source.id]
        release, changes = source.release, ""
        if source.pulled:
            pulled = [r for r in landed if r.get("release_sha256")]
            release = pulled[-1]["release"] if pulled else "not pulled"
            landed = [r for r in pulled if r["release"] == release]
            changes = change_text(next((r["changes"] for r in landed if r.get("changes")), {}))
        detail = next((r["changes"] for r in landed if r.get("changes")), {}) if source.pulled else {}
        rows.append({"source": source.title or source.id, "publisher": source.publisher, "release": release,
                     "retrieved": max((r["retrieved_at"] for r in landed), default="not landed")[:10],
                     "changes": changes, "next_release": source.next_release or "not stated in fsot.toml",
                     "licence": source.licence, "files": len(landed), "demonstration": source.demonstration,
                     "new_periods": list(detail.get("new_periods", [])), "revised": int(detail.get("revised", 0)),
                     "first_release": bool(detail.get("first_release"))})
    return rows


def quarter_start(period: str) -> date:
    year, quarter = QUARTER.match(period).groups()
    return date(int(year), 3 * int(quarter) - 2, 1)


def new_this_quarter(freshness: list[dict], period: str) -> dict:
    """The 'new this quarter' box: the sources whose latest release landed on or after the first day of
    the report's quarter, with the periods added and values revised that the ingest recorded for it
    (the same records as the data-freshness table's "What changed")."""
    since = quarter_start(period)
    refreshed = [r for r in freshness if r["retrieved"] != "not landed" and r["retrieved"] >= since.isoformat()]
    items = []
    for r in refreshed:
        if r["changes"]:
            what = r["changes"]
        elif r["files"]:
            what = "new release (a file source: its values are not compared with the release before)"
        else:
            what = ""
        items.append({"source": r["source"], "release": r["release"], "retrieved": r["retrieved"], "what": what,
                      "new_periods": r["new_periods"], "revised": r["revised"]})
    return {"since": since.isoformat(), "sources": items,
            "new_periods": sorted({p for r in refreshed for p in r["new_periods"]}),
            "revised": sum(r["revised"] for r in refreshed)}


def write_report(config: Config, period: str | None = None, run_date: date | None = None, progress=None,
                 pdf: bool = True) -> Path:
    """Write reports/<period>/report.html, report.pdf and exports/; return the HTML path.

    The report is written into a hidden folder beside it and swapped in only when complete, so a failed
    or killed report leaves the last good one (and its leftovers are removed the next time)."""
    from pipeline.report import methods_appendix

    run_date = run_date or date.today()
    period = check_period(period) if period else latest_quarter(run_date)
    final_dir = config.reports_dir / period
    previous = methods_appendix.previous_snapshot_path(config.reports_dir, period)
    previous_snapshot = methods_appendix.load_snapshot(previous) if previous else None
    config.reports_dir.mkdir(parents=True, exist_ok=True)
    for leftover in [*config.reports_dir.glob(".*.building-*"), *config.reports_dir.glob(".*.replaced-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    remove_partials(config.reports_dir, "*/.*.partial")  # a run manifest copy a killed run left
    out_dir = Path(tempfile.mkdtemp(dir=config.reports_dir, prefix=f".{period}.building-"))
    try:
        page = _write_report_into(config, out_dir, period, run_date, previous_snapshot, progress, pdf)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    os.chmod(out_dir, 0o755)  # mkdtemp's folder is private; a report folder is not
    _swap_in(out_dir, final_dir)
    return final_dir / page.name


def _swap_in(new: Path, final: Path) -> None:
    """Put a finished report folder in place of the last one: the last good report stays until the new
    one is complete, and is removed only once the new one is in place."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.replaced-{os.getpid()}")
        os.replace(final, old)
    os.replace(new, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def report_provenance(con, period: str, run_date: date, identity: dict) -> dict:
    """What made this report and its exports: fsot version, git revision, the run id (`run_identity`,
    the one printed on every page of the report) and the fingerprint of the warehouse build it reads."""
    try:
        fingerprint, built_at = con.execute("select fingerprint, built_at from config.build_inputs").fetchone()
    except Exception:  # a warehouse built without the record (e.g. in tests)
        fingerprint, built_at = "", ""
    return {"fsot_version": __version__, "git_revision": identity["git_revision"], "run_id": identity["run_id"],
            "warehouse_fingerprint": str(fingerprint), "warehouse_built_at": str(built_at),
            "report_period": period, "report_date": run_date.isoformat()}


def _write_report_into(config: Config, out_dir: Path, period: str, run_date: date, previous_snapshot, progress,
                       pdf: bool) -> Path:
    from pipeline.report import methods_appendix
    from pipeline.report.exports import write_exports

    (out_dir / "charts").mkdir(parents=True)
    demonstration = any(s.demonstration for s in config.sources)
    manifest = read_manifest(config)
    identity = run_identity(config, period, run_date, manifest)
    con = connect(config.warehouse_path)
    try:
        marts = read_marts(con)
        limits = methods_appendix.limitations(con, config)
        appendix = methods_appendix.appendix_context(config, previous_snapshot,
                                                     methods_appendix.periods_by_indicator(con))
        provenance = report_provenance(con, period, run_date, identity)
        exports = write_exports(con, out_dir / "exports", notes=(
            ["DEMONSTRATION DATA: the bundled values are synthetic, not statistics about real places."]
            if demonstration else []), provenance=provenance)
    finally:
        con.close()
    figures = _Figures(out_dir / "charts")
    summary = summary_rows(config, marts, run_date)
    targets = target_rows(config, marts)
    exports = [*exports, *write_at_a_glance(out_dir / "exports", summary, targets)]
    themes = indicator_sections(config, marts, figures, demonstration, progress)
    quintiles = quintile_figure(config, marts, figures, demonstration, summary)
    areas = area_sections(config, marts, figures, demonstration)
    map_entries = map_sections(config, marts, figures, demonstration)
    freshness = freshness_rows(config, manifest)
    env = methods_appendix.environment()
    html = env.get_template("report.html.j2").render(
        headline=headline(summary, config.target_year, targets), targets=targets,
        theme_sentences=theme_sentences(config, summary), new_box=new_this_quarter(freshness, period),
        programme=config.programme, la_name=config.la_name, la_code=config.la_code, period=period,
        run_date=run_date.isoformat(), demonstration=demonstration, summary=summary, themes=themes,
        quintiles=quintiles, areas=areas, maps=map_entries, profiles=ward_profiles(config, marts),
        communities=community_rows(marts),
        deprivation=deprivation_rows(config, marts),
        freshness=freshness, comparator=config.comparator_name, version=__version__,
        target_year=config.target_year, appendix=appendix, limits=limits, identity=identity,
        report_dir=(config.reports_dir / period).resolve().as_uri(),
        exports=sorted(p.relative_to(out_dir).as_posix() for p in exports),
    )
    page = out_dir / "report.html"
    page.write_text(html, encoding="utf-8")
    (out_dir / methods_appendix.SNAPSHOT_FILE).write_text(methods_appendix.snapshot_json(appendix["snapshot"]),
                                                          encoding="utf-8")
    (out_dir / "figures.json").write_text(json.dumps(
        [{k: v for k, v in f.items() if k != "src"} for f in figures.drawn], indent=2) + "\n", encoding="utf-8")
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    if pdf:
        from pipeline.report.pdf import html_to_pdf

        html_to_pdf(page, out_dir / "report.pdf", link_base=config.reports_dir / period)
    return page
