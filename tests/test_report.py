"""The quarterly outcome report on the bundled demonstration data: it loads in headless Chromium with
no console errors and every chart visible with alt text; the PDF's pages are rendered and none is
blank; the summary table's numbers are the marts' numbers; text from data is escaped and exported
text cannot run as a spreadsheet formula."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

import browser
import tiny_project
from pipeline.report.site import write_report
from pipeline.report.text import TREND_WORDS, latest_quarter
from pipeline.warehouse.build import build_warehouse

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

SNAPSHOT = Path(__file__).parent / "snapshots" / "summary_table_2026-Q3.json"


class _Table(HTMLParser):
    """Text of every cell of the table with the given id, row by row."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []
        elif self.inside and tag == "br" and self.cell is not None:
            self.cell.append(" | ")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_cells(html: str, table_id: str) -> list[list[str]]:
    parser = _Table(table_id)
    parser.feed(html)
    return [row for row in parser.rows if row]


@pytest.fixture(scope="module")
def report(bundled_run):
    config, result = bundled_run
    assert result.exit_code == 0, result.output
    return config, config.reports_dir / "2026-Q3"


@pytest.mark.browser
def test_the_report_loads_in_headless_chromium_with_every_chart_visible_and_described(report):
    browser.require_chromium()
    _, folder = report
    page = browser.inspect_page(folder / "report.html")
    assert page.console_errors == [] and page.page_errors == [] and page.failed_requests == []
    figures = json.loads((folder / "figures.json").read_text())
    assert len(page.images) == len(figures) >= 15  # 5 series × 2 charts, quintiles, 4 spine charts
    for image in page.images:
        assert image.has_alt and image.loaded and image.visible, image.problems
        assert image.src.startswith("data:image/png")  # self-contained: nothing fetched
    assert page.ok, page.problems


@pytest.mark.browser
def test_the_pdf_has_a_page_per_section_and_no_blank_page(report, tmp_path):
    browser.require_pdftoppm()
    _, folder = report
    pdf = folder / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    images = browser.pdf_page_images(pdf, tmp_path)
    assert len(images) == pages
    sections = (folder / "report.html").read_text().count("<h2 ")
    assert pages >= sections >= 9  # every h2 after the first starts a new page in print
    assert [p.name for p in images if browser.is_blank(p)] == []
    assert "A4" in info or "595.92 x 842.88" in info or "595 x 842" in info


def expected_summary(con, config) -> list[list[str]]:
    """The summary table worked out from the marts directly, formatted as the report formats it."""
    whole = "and m.category = 'All'"  # the whole population, not a community breakdown

    def number(value, unit, signed=False):
        text = f"{value:+.1f}" if signed else f"{value:.1f}"
        return f"{text} percentage points" if unit == "%" else f"{text} {unit}"

    rows = []
    for indicator in config.indicators:
        for sex in indicator.sexes:
            latest, value, lower, upper = con.execute(
                f"""
                select period, value, lower_ci, upper_ci from marts.fct_gap_measure as m
                inner join (select distinct indicator_id, sex, period, period_sort
                            from intermediate.int_indicator_value__configured) using (indicator_id, sex, period)
                where indicator_id = ? and sex = ? and measure = 'absolute_gap' and grouping = 'local_quintile'
                  {whole}
                order by period_sort desc limit 1""",
                [indicator.id, sex],
            ).fetchall()[0]
            change, change_lower, change_upper, verdict = con.execute(
                f"""
                select change, change_lower_ci, change_upper_ci, verdict from marts.fct_gap_change as m
                where indicator_id = ? and sex = ? and measure = 'absolute_gap' and grouping = 'local_quintile'
                  {whole}""",
                [indicator.id, sex],
            ).fetchall()[0]
            trend = con.execute(
                f"""
                select trend from marts.fct_trend as m where indicator_id = ? and sex = ?
                  and series = 'absolute gap' and subject = 'local_quintile' {whole}""",
                [indicator.id, sex],
            ).fetchall()[0][0]
            name = indicator.short_name if sex == "Persons" else f"{indicator.short_name} ({sex.lower()})"
            ci = "" if change_lower is None else f" ({change_lower:.1f} to {change_upper:.1f})"  # none: overlap
            rows.append(
                [
                    name,
                    latest,
                    f"{number(value, indicator.unit)} | {lower:.1f} to {upper:.1f}",
                    f"{verdict} | {number(change, indicator.unit, True)} since {indicator.baseline_period}{ci}",
                    trend,
                ]
            )
    return rows


def test_the_summary_table_shows_the_marts_numbers(report):
    config, folder = report
    html = (folder / "report.html").read_text()
    shown = table_cells(html, "summary-table")
    assert shown[0][:6] == [
        "Indicator",
        "Latest period",
        "Gap (95% CI)",
        "Relative gap · RII (95% CI)",
        "Since baseline",
        "Trend since baseline",
    ]
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        expected = expected_summary(con, config)
    finally:
        con.close()
    assert [[row[0], row[1].split(" | ")[0], row[2]] for row in shown[1:]] == [row[:3] for row in expected]
    assert [row[4].split(" ", 1)[1].split("; compared:")[0] for row in shown[1:]] == [row[3] for row in expected]
    assert [row[5].split(" | ")[0] for row in shown[1:]] == [TREND_WORDS[row[4]] for row in expected]


def test_the_summary_table_matches_its_snapshot(report):
    """The bundled data's summary table, cell by cell. After a deliberate change to the demonstration
    data or a method, rewrite the snapshot with FSOT_UPDATE_SNAPSHOTS=1 and review the diff."""
    _, folder = report
    shown = table_cells((folder / "report.html").read_text(), "summary-table")
    if os.environ.get("FSOT_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(shown, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert shown == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


HOSTILE_AREA = '=HYPERLINK("http://example.invalid")<script>alert(1)</script>'


def test_names_from_data_are_escaped_in_html_and_neutralised_in_exports(tmp_path):
    config = tiny_project.landed(
        tmp_path,
        replace={
            'name = "Riverside"': f"name = '{HOSTILE_AREA}'",
            'short_name = "Life expectancy"': 'short_name = "Life <b>expectancy</b> & more"',
        },
    )
    build_warehouse(config)
    page = write_report(config, "2026-Q3", pdf=False)
    html = page.read_text()
    assert "<script>alert(1)</script>" not in html and "<b>expectancy</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Life &lt;b&gt;expectancy&lt;/b&gt; &amp; more" in html
    with open(page.parent / "exports" / "fct_benchmark_comparison.csv", encoding="utf-8-sig", newline="") as f:
        names = {row["area_name"] for row in csv.DictReader(f)}
    assert "'" + HOSTILE_AREA in names and HOSTILE_AREA not in names


@pytest.mark.parametrize(
    "today, quarter",
    [("2026-11-30", "2026-Q3"), ("2026-10-01", "2026-Q3"), ("2026-09-30", "2026-Q2"), ("2026-02-14", "2025-Q4")],
)
def test_the_default_period_is_the_last_quarter_that_has_ended(today, quarter):
    from datetime import date

    assert latest_quarter(date.fromisoformat(today)) == quarter


def test_the_headline_counts_the_summary_tables_verdicts(report):
    _, folder = report
    html = (folder / "report.html").read_text()
    verdicts = [row[4].split(" | ")[0].split(" ", 1)[1] for row in table_cells(html, "summary-table")[1:]]
    sentence = re.search(r'<p class="finding" id="headline">(.*?)</p>', html).group(1)
    # the counts are the facts; the sentence around them may be reworded
    assert f"Of {len(verdicts)} headline gaps" in sentence
    assert f"{verdicts.count('narrowed')} narrowed" in sentence
    assert f"{verdicts.count('widened')} widened" in sentence
    assert f"{verdicts.count('no significant change')} show no significant change" in sentence


def test_community_breakdowns_get_their_own_rows_and_leave_the_headlines_alone(tmp_path):
    import test_category  # the tiny project with an Asian breakdown of unemployment, worked by hand there

    config = test_category.build(tmp_path / "with", with_breakdown=True)
    html = write_report(config, "2026-Q3", pdf=False).read_text()
    communities = table_cells(html, "communities-table")
    assert communities[1][:5] == ["Unemployment", "Persons", "Ethnic groups: Asian", "2019/20", "10.00"]
    plain = test_category.build(tmp_path / "without", with_breakdown=False)
    plain_html = write_report(plain, "2026-Q3", pdf=False).read_text()
    assert table_cells(html, "summary-table") == table_cells(plain_html, "summary-table")
