"""`fsot report`: baseline and trend charts per indicator and sex, and an index.html that shows them.

Reads only the marts (fct_ward_indicator, fct_gap) and the raw manifest; writes
reports/<run date>/. Every sentence here describes numbers the SQL models computed.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from pipeline import __version__
from pipeline.config import Config
from pipeline.ingest.landing import read_manifest
from pipeline.warehouse.build import connect


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _num(value, unit: str = "", signed: bool = False) -> str:
    if value is None or pd.isna(value):
        return "not available"
    text = f"{value:+.1f}" if signed else f"{value:.1f}"
    return f"{text} {unit}".strip() if unit != "%" else f"{text} percentage points"


def _direction(gap: float) -> str:
    return "worse off than" if gap > 0 else "better off than" if gap < 0 else "the same as"


def sources_line(config: Config, source_ids: set[str], manifest: list[dict]) -> str:
    parts = []
    for source in config.sources:
        if source.id in source_ids:
            parts.append(f"{source.publisher}, {source.release} ({source.licence})")
    return "Source: " + "; ".join(parts) + ". Chart: fsot."


def write_report(config: Config, run_date: date | None = None, progress=None) -> Path:
    """Write the charts and index.html for the current warehouse; return the index path."""
    from pipeline.report import charts  # matplotlib is imported only when a report is made

    run_date = run_date or date.today()
    out_dir = config.reports_dir / run_date.isoformat()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    con = connect(config.warehouse_path)
    try:
        wards = con.execute("select * from marts.fct_ward_indicator where in_borough").df()
        gaps = con.execute("""
            select gap.*, period_end_year(gap.period) as period_year, m.lower_ci as gap_lower_ci, m.upper_ci as gap_upper_ci
            from marts.fct_gap as gap
            left join marts.fct_gap_measure as m
                on m.indicator_id = gap.indicator_id and m.sex = gap.sex and m.period = gap.period
                and m.measure = 'absolute_gap' and m.grouping = 'local_quintile'
        """).df()
        trajectories = con.execute("""
            select * from marts.fct_target_trajectory
            where measure = 'absolute_gap' and grouping = 'local_quintile'
            qualify target_id = min(target_id) over (partition by indicator_id, sex)
        """).df()
        changes = {(r["indicator_id"], r["sex"]): r for r in con.execute(
            "select * from marts.fct_gap_change where measure = 'absolute_gap' and grouping = 'local_quintile'"
        ).df().to_dict("records")}
    finally:
        con.close()
    manifest = read_manifest(config)
    demonstration = any(s.demonstration for s in config.sources)
    sections, summary = [], []
    for indicator in config.indicators:
        base_sources = {indicator.source} | {s.id for s in config.sources if s.format != "fingertips_csv"}
        footer = sources_line(config, base_sources, manifest)
        for sex in indicator.sexes:
            series = gaps[(gaps["indicator_id"] == indicator.id) & (gaps["sex"] == sex)].sort_values("period_sort")
            if series.empty:
                continue
            name = f"{indicator.short_name} ({sex.lower()})" if sex != "Persons" else indicator.short_name
            baseline_rows = series[series["is_baseline"]]
            baseline = baseline_rows.iloc[0] if len(baseline_rows) else series.iloc[0]
            latest = series.iloc[-1]
            since = series[series["period_sort"] >= baseline["period_sort"]]
            slug = _slug(f"{indicator.id}-{indicator.short_name}-{sex}")
            figures = []
            for label, row in (("baseline", baseline), ("latest", latest)):
                if label == "latest" and row["period"] == baseline["period"]:
                    continue
                period_wards = wards[(wards["indicator_id"] == indicator.id) & (wards["sex"] == sex)
                                     & (wards["period"] == row["period"])]
                gap = row["absolute_gap"]
                title = (f"{name}, {row['period']}: the most deprived fifth of wards is "
                         f"{_num(abs(gap), indicator.unit)} {_direction(gap)} the least deprived"
                         if pd.notna(gap) else f"{name}, {row['period']}: gap not available")
                file = f"{label}_{slug}.png"
                charts.baseline_chart(period_wards, row, title, indicator.unit, out_dir / file, footer,
                                      demonstration)
                alt = (f"Dot chart of {len(period_wards)} wards' {name} in {row['period']}, ordered from most to "
                       f"least deprived, each with a 95% confidence interval. Best ward {row['best_ward_name']} "
                       f"{_num(row['best_value'], indicator.unit)}, worst {row['worst_ward_name']} "
                       f"{_num(row['worst_value'], indicator.unit)}. Most deprived fifth averages "
                       f"{_num(row['most_deprived_mean'], indicator.unit)}, least deprived fifth "
                       f"{_num(row['least_deprived_mean'], indicator.unit)}.")
                figures.append({"file": file, "alt": alt, "caption":
                                f"{label.capitalize()} ({row['period']}): each ward's value with its 95% confidence "
                                "interval; bars mark the population-weighted means of the most and least deprived fifths."})
            change = latest["absolute_gap_change_since_baseline"]
            verdict = changes.get((indicator.id, sex))
            if verdict is not None and pd.notna(verdict["change"]):
                described = {"widened": "has widened", "narrowed": "has narrowed",
                             "no significant change": "shows no significant change"}.get(verdict["verdict"],
                                                                                         "cannot be assessed")
                trend_title = (f"{name}: the gap {described} since {baseline['period']} "
                               f"({_num(verdict['change'], indicator.unit, signed=True)}, 95% CI "
                               f"{verdict['change_lower_ci']:+.1f} to {verdict['change_upper_ci']:+.1f})")
            else:
                trend_title = f"{name}: gap over time"
            file = f"trend_{slug}.png"
            trajectory = trajectories[(trajectories["indicator_id"] == indicator.id) & (trajectories["sex"] == sex)]
            charts.trend_chart(since, trend_title, indicator.unit, out_dir / file, footer, demonstration,
                               trajectory if len(trajectory) else None)
            figures.append({"file": file, "caption": f"Gap between the most and least deprived fifths of wards, "
                            f"{baseline['period']} (baseline) to {latest['period']}; above zero means deprived wards are worse off.",
                            "alt": "Line chart of the gap by period: " + "; ".join(
                                f"{p} {_num(g, indicator.unit, signed=True)}" for p, g in zip(since["period"], since["absolute_gap"])) + "."})
            summary.append({"name": name, "sex": sex, "period": latest["period"],
                            "gap": _num(latest["absolute_gap"], indicator.unit),
                            "baseline_gap": _num(baseline["absolute_gap"], indicator.unit),
                            "change": _num(change, indicator.unit, signed=True),
                            "verdict": verdict["verdict"] if verdict is not None else "cannot be assessed",
                            "range": _num(latest["range_gap"], indicator.unit)})
            sections.append({"anchor": slug, "heading": f"{name} ({indicator.theme})", "figures": figures,
                             "summary": f"In {latest['period']} the most deprived fifth of {config.la_name}'s wards "
                                        f"was {_num(abs(latest['absolute_gap']), indicator.unit)} {_direction(latest['absolute_gap'])} "
                                        f"the least deprived fifth ({indicator.polarity.replace('-', ' ')})."
                                        if pd.notna(latest["absolute_gap"]) else "The gap is not available for the latest period."})
            if progress:
                progress(name)
    env = Environment(loader=PackageLoader("pipeline.report", "templates"), autoescape=select_autoescape(["html", "j2"]))
    html = env.get_template("index.html.j2").render(
        programme=config.programme, la_name=config.la_name, la_code=config.la_code, run_date=run_date.isoformat(),
        demonstration=demonstration, sections=sections, summary=summary, version=__version__,
        sources=[r for r in manifest if r["source"] in {s.id for s in config.sources}],
    )
    index = out_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    (out_dir / "figures.json").write_text(json.dumps(
        [{"section": s["heading"], **f} for s in sections for f in s["figures"]], indent=2) + "\n", encoding="utf-8")
    return index
