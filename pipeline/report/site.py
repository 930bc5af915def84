"""`fsot report`, the page: the quarterly outcome report, reports/<period>/report.html (one self-contained
file, charts embedded), report.pdf (the same page printed by headless Chromium) and exports/ (every mart
for Power BI and Excel, with a data dictionary).

`write_report` reads the warehouse's marts (and the provenance of the landed files the build loaded into
them) through `queries.py`, builds each section's context (`sections.py`, `chart_sections.py`,
`map_sections.py`, words from `text.py`), draws the figures into charts/ through the figure registry
(`_Figures`), writes page one's tables for Excel and Power BI (`at_a_glance.py`) and renders
templates/report.html.j2 with the report's one Jinja2 environment (`templating.py`). Every number and
sentence describes what the SQL models computed; nothing is computed here. Text from data (ward, area and
indicator names) reaches the page only through Jinja2's autoescaping.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from pipeline import __version__
from pipeline.config import Config
from pipeline.report.at_a_glance import write_at_a_glance
from pipeline.report.chart_sections import area_sections, indicator_sections, quintile_figure
from pipeline.report.freshness import freshness_rows, new_this_quarter
from pipeline.report.map_sections import map_sections
from pipeline.report.queries import landed_records, open_warehouse, read_marts, report_provenance
from pipeline.report.sections import (
    community_rows,
    deprivation_rows,
    summary_rows,
    target_rows,
    ward_profiles,
)
from pipeline.report.templating import environment
from pipeline.report.text import check_period, headline, latest_quarter, theme_sentences
from pipeline.safe_write import remove_partials


def run_identity(config: Config, period: str, run_date: date, manifest: list[dict]) -> dict:
    """The git revision of the code that made the report and a run id: the first 12 hex digits of the
    SHA-256 of the revision, the configuration file, the landed inputs' provenance (`manifest`: the records
    of data/raw/manifest.json the warehouse was built from, `queries.landed_records`), the period and the
    run date. The same inputs, code and date give the same id, so a report still regenerates byte for
    byte; any change to one of them gives another id."""
    import hashlib

    from pipeline.run_record import git_revision

    revision = git_revision()
    digest = hashlib.sha256()
    for part in (
        revision,
        config.path.read_bytes(),
        json.dumps(manifest, sort_keys=True, default=str),
        period,
        run_date.isoformat(),
    ):
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return {
        "git_revision": revision,
        "git_short": revision[:12] + ("+uncommitted" if revision.endswith("+uncommitted") else ""),
        "run_id": digest.hexdigest()[:12],
    }


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


def write_report(
    config: Config, period: str | None = None, run_date: date | None = None, progress=None, pdf: bool = True
) -> Path:
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


def _write_report_into(
    config: Config, out_dir: Path, period: str, run_date: date, previous_snapshot, progress, pdf: bool
) -> Path:
    from pipeline.report import methods_appendix
    from pipeline.report.exports import write_exports

    (out_dir / "charts").mkdir(parents=True)
    demonstration = any(s.demonstration for s in config.sources)
    con = open_warehouse(config)
    try:
        identity = run_identity(config, period, run_date, landed_records(con))
        marts = read_marts(con)
        limits = methods_appendix.limitations(con, config)
        appendix = methods_appendix.appendix_context(
            config, previous_snapshot, methods_appendix.periods_by_indicator(con)
        )
        provenance = report_provenance(con, period, run_date, identity)
        exports = write_exports(
            con,
            out_dir / "exports",
            notes=(
                ["DEMONSTRATION DATA: the bundled values are synthetic, not statistics about real places."]
                if demonstration
                else []
            ),
            provenance=provenance,
        )
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
    freshness = freshness_rows(config, marts["releases"])
    env = environment()
    html = env.get_template("report.html.j2").render(
        headline=headline(summary, config.target_year, targets),
        targets=targets,
        theme_sentences=theme_sentences(config, summary),
        new_box=new_this_quarter(freshness, period),
        programme=config.programme,
        la_name=config.la_name,
        la_code=config.la_code,
        period=period,
        run_date=run_date.isoformat(),
        demonstration=demonstration,
        summary=summary,
        themes=themes,
        quintiles=quintiles,
        areas=areas,
        maps=map_entries,
        profiles=ward_profiles(config, marts),
        communities=community_rows(marts),
        deprivation=deprivation_rows(config, marts),
        freshness=freshness,
        comparator=config.comparator_name,
        version=__version__,
        target_year=config.target_year,
        appendix=appendix,
        limits=limits,
        identity=identity,
        report_dir=(config.reports_dir / period).resolve().as_uri(),
        exports=sorted(p.relative_to(out_dir).as_posix() for p in exports),
    )
    page = out_dir / "report.html"
    page.write_text(html, encoding="utf-8")
    (out_dir / methods_appendix.SNAPSHOT_FILE).write_text(
        methods_appendix.snapshot_json(appendix["snapshot"]), encoding="utf-8"
    )
    (out_dir / "figures.json").write_text(
        json.dumps([{k: v for k, v in f.items() if k != "src"} for f in figures.drawn], indent=2) + "\n",
        encoding="utf-8",
    )
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    if pdf:
        from pipeline.report.pdf import html_to_pdf

        html_to_pdf(page, out_dir / "report.pdf", link_base=config.reports_dir / period)
    return page
