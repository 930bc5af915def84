"""Issue 15 items 4 and 5: honest statistics and a PDF that reads like a document.

- fct_gap_change never tests overlapping periods (a hand-made case, built from the model's own SQL);
- the docstrings' reStructuredText shows as markup, escaped;
- on the bundled demonstration run: every PDF page is numbered "Page n of N", the printed contents list
  gives each section's page, no page is more than half empty unless a section ends on it, the git
  revision and run id are on page one and in the footer, the limitations section counts the wards."""

from __future__ import annotations

import re
import shutil
import subprocess

import duckdb
import pytest

from pipeline.config import SQL_DIR
from pipeline.report.templating import rst_inline
from pipeline.warehouse.runner import create_macros

MEASURE_COLUMNS = """indicator_id varchar, indicator_name varchar, unit varchar, polarity varchar,
    ward_vintage varchar, imd_edition varchar, population_weights varchar, sex varchar, category varchar,
    period varchar, measure varchar, grouping varchar, value double, lower_ci double, upper_ci double,
    is_baseline boolean"""


def gap_change(periods: list[tuple[str, float, float, float]]) -> dict:
    """fct_gap_change for one absolute-gap series: periods (label, value, lower, upper), baseline first."""
    con = duckdb.connect()
    create_macros(con, SQL_DIR)
    con.execute("create schema marts; create schema intermediate")
    con.execute(f"create table marts.fct_gap_measure ({MEASURE_COLUMNS})")
    con.execute("""create table intermediate.int_indicator_value__configured
                   (indicator_id varchar, sex varchar, category varchar, period varchar, period_sort integer)""")
    for n, (period, value, lower, upper) in enumerate(periods):
        con.execute(
            "insert into marts.fct_gap_measure values ('le', 'Life expectancy', 'years', 'higher-is-better', "
            "'WD24', 'IoD2025', 'w', 'Persons', 'All', ?, 'absolute_gap', 'local_quintile', ?, ?, ?, ?)",
            [period, value, lower, upper, n == 0],
        )
        con.execute(
            "insert into intermediate.int_indicator_value__configured values ('le', 'Persons', 'All', ?, ?)",
            [period, n],
        )
    frame = con.execute((SQL_DIR / "marts" / "fct_gap_change.sql").read_text(encoding="utf-8")).df()
    con.close()
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def test_overlapping_periods_are_not_tested():
    row = gap_change([("2015 - 19", 8.0, 7.0, 9.0), ("2016 - 20", 9.0, 8.0, 10.0), ("2018 - 22", 12.0, 11.0, 13.0)])
    assert (row["baseline_period"], row["latest_period"]) == ("2015 - 19", "2018 - 22")
    assert row["verdict"] == "periods overlap: not tested"
    assert row["change"] == pytest.approx(4.0)
    assert pd_isna(row["change_lower_ci"]) and pd_isna(row["change_upper_ci"])
    assert row["method"].startswith("not tested")


def test_the_latest_period_sharing_no_year_with_the_baseline_is_compared():
    row = gap_change(
        [
            ("2015 - 17", 8.0, 7.0, 9.0),
            ("2016 - 18", 9.0, 8.0, 10.0),
            ("2017 - 19", 12.0, 11.0, 13.0),
            ("2018 - 20", 12.0, 11.0, 13.0),
        ]
    )
    assert (row["latest_period"], row["verdict"]) == ("2018 - 20", "widened")  # starts after 2015 - 17 ends
    row = gap_change([("2015 - 17", 8.0, 7.0, 9.0), ("2016 - 18", 9.0, 8.0, 10.0), ("2018 - 20", 8.5, 7.5, 9.5)])
    assert (row["latest_period"], row["verdict"]) == ("2018 - 20", "no significant change")


def test_consecutive_financial_years_share_no_day_and_are_tested_as_before():
    se = 1.0 / 1.959963984540054
    row = gap_change([("2018/19", 8.0, 7.0, 9.0), ("2019/20", 12.0, 11.0, 13.0)])
    assert (row["latest_period"], row["verdict"]) == ("2019/20", "widened")
    half = 1.959963984540054 * (2 * se**2) ** 0.5
    assert (row["change_lower_ci"], row["change_upper_ci"]) == pytest.approx((4 - half, 4 + half))
    assert gap_change([("2020", 8.0, 7.0, 9.0)])["verdict"] == "no period after the baseline yet"


def pd_isna(value) -> bool:
    import pandas as pd

    return value is None or pd.isna(value)


def test_rst_markup_becomes_html_and_everything_else_is_escaped():
    html = str(rst_inline("Uses ``x < y``, :math:`a*b`, *emphasis* and :func:`f` but not a*b*c <script>. Example::"))
    assert "<code>x &lt; y</code>" in html and '<span class="math">a*b</span>' in html
    assert "<em>emphasis</em>" in html and "<code>f</code>" in html and "a*b*c" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and html.endswith("Example:")
    assert "``" not in html and ":math:" not in html


# --- the bundled demonstration run ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document(bundled_run):
    config, result = bundled_run
    assert result.exit_code == 0, result.output
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF")
    folder = config.reports_dir / "2026-Q3"
    text = subprocess.run(
        ["pdftotext", "-layout", str(folder / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return config, folder, (folder / "report.html").read_text(encoding="utf-8"), pages


def test_every_page_is_numbered(document):
    _, _, _, pages = document
    assert len(pages) > 10
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page, f"page {n} has no page number"


def test_the_contents_list_gives_each_sections_page(document):
    _, _, html, pages = document
    sections = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', html)
    listed = re.findall(r'data-toc-target="([^"]+)"', html)
    assert [anchor for anchor, _ in sections] == listed  # every section, in order
    contents = pages[0][pages[0].index("Contents") :]
    numbers = {}
    for anchor, title in sections:
        title = re.sub(r"<[^>]+>", "", title).replace("&amp;", "&").strip()
        match = re.search(re.escape(title) + r"\s+(\d+)\b", contents)
        assert match, f"{title} has no page number in the printed contents"
        numbers[title] = int(match.group(1))
        if anchor != "summary":
            assert pages[numbers[title] - 1].lstrip().startswith(title), (title, numbers[title])
    assert list(numbers.values()) == sorted(numbers.values())


def test_no_page_is_more_than_half_empty_unless_a_section_ends_on_it(document):
    """Rough: a page's text lines (pdftotext -layout, footer excluded) against the fullest page's; a page
    holding a chart or map has few lines, so pages with little text are judged only when the next page
    does not start a section and the page has no figure (a PNG) — the image check is left to the eye."""
    _, folder, html, pages = document
    titles = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<h2 [^>]*>(.*?)</h2>", html)]
    lines = [len([line for line in page.splitlines() if line.strip() and "Page " not in line]) for page in pages]
    full = max(lines)
    starts = [any(page.lstrip().startswith(t) for t in titles) for page in pages]
    images = subprocess.run(["pdfimages", "-list", str(folder / "report.pdf")], capture_output=True, text=True)
    with_image = (
        {int(row.split()[0]) for row in images.stdout.splitlines()[2:] if row.split()}
        if images.returncode == 0
        else set(range(1, len(pages) + 1))
    )
    sparse = [
        n + 1
        for n, count in enumerate(lines[:-1])
        if count < full / 2 and not starts[n + 1] and (n + 1) not in with_image
    ]
    assert sparse == [], f"pages more than half empty in the middle of a section: {sparse}"


def test_page_one_and_the_footer_carry_the_git_revision_and_run_id(document):
    _, _, html, pages = document
    identity = re.search(
        r"Git revision <code>([0-9a-f]{40}|unknown)(\+uncommitted)?</code> · run id "
        r"<code>([0-9a-f]{12})</code>",
        html,
    )
    assert identity, "no git revision and run id on page one"
    run_id = identity.group(3)
    assert run_id in pages[0] and all(f"run {run_id}" in page for page in pages)
    assert f"run id <code>{run_id}</code>" in html[html.index("<footer") :]


def test_the_limitations_section_counts_the_wards_of_each_grouping(document):
    config, _, html, _ = document
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        counts = con.execute("""select ward_vintage, local_quintile, count(*) from marts.fct_ward_deprivation
                                group by all order by all""").fetchall()
    finally:
        con.close()
    for vintage in {v for v, _, _ in counts}:
        expected = " · ".join(str(n) for v, _, n in counts if v == vintage)
        row = re.search(rf'<tr data-ward-vintage="{vintage}" data-grouping="local_quintile">(.*?)</tr>', html).group(1)
        assert expected in row
    assert 'id="understatements"' in html and "within wards" in html and "not a Bayesian probability" in html


def test_the_on_track_score_is_not_called_a_chance(document):
    _, _, html, _ = document
    assert "chance on track" not in html and "chance of being on track" not in html
    assert 'id="on-track-score"' in html


def test_pdf_links_to_exports_are_absolute(document):
    _, folder, _, _ = document
    raw = (folder / "report.pdf").read_bytes()
    assert b"file://" in raw and b"/exports/" in raw
