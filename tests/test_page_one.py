"""Page one of the report answers "are the gaps closing?" without contradicting itself: the target
count covers every configured target series, each theme's sentence names the gaps the marts say
widened or narrowed, the trend of a gap never reaches back before its baseline, and the "new this
quarter" box lists the periods a refresh added. Key facts only: the prose may change."""

from __future__ import annotations

import re

import duckdb
import pytest
from click.testing import CliRunner
from test_pull import FINGERTIPS, api_project, ingest, serve
from test_report import table_cells

import tiny_project
from pipeline.cli import cli
from replay_server import ReplayServer, Reply


@pytest.fixture(scope="module")
def page(bundled_run):
    config, result = bundled_run
    assert result.exit_code == 0, result.output
    html = (config.reports_dir / "2026-Q3" / "report.html").read_text(encoding="utf-8")
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    yield config, html, con
    con.close()


def test_the_headline_counts_every_configured_target_series(page):
    config, html, con = page
    configured = con.execute("select count(*) from config.indicator_target").fetchall()[0][0]
    assert configured == sum(len(t) * len(i.sexes) for i in config.indicators for t in [i.targets]) == 9
    latest = con.execute("""
        select status from marts.fct_target_progress where actual_value is not null
        qualify row_number() over (partition by target_id, sex order by period_year desc) = 1""").fetchall()
    assert len(latest) == configured
    expected = sum(1 for (status,) in latest if status == "on track")
    headline = re.search(r'id="headline">(.*?)</p>', html).group(1)
    assert f"{expected} of {configured} targets" in headline
    rows = table_cells(html, "targets-table")[1:]
    assert len(rows) == configured
    assert sorted(r[-1].split(" | ")[0] for r in rows) == sorted(s for (s,) in latest)


def test_a_target_with_no_data_yet_is_listed_and_counted(tmp_path):
    import test_category  # the tiny project, built

    config = test_category.build(tmp_path, with_breakdown=False)
    con = duckdb.connect(str(config.warehouse_path))
    try:  # a target on a measure the tiny project has no value of
        con.execute(
            "insert into config.indicator_target by name select 'LOCAL-TA-9' as target_id, indicator_id, "
            "sex, 'sii' as measure, 'national_decile' as grouping, 1.0 as target_value, null as reduction, "
            "'linear' as shape from config.indicator_target limit 1"
        )
        n = con.execute("select count(*) from config.indicator_target").fetchall()[0][0]
    finally:
        con.close()
    from pipeline.report.site import write_report

    html = write_report(config, "2026-Q3", pdf=False).read_text()
    rows = table_cells(html, "targets-table")[1:]
    assert len(rows) == n
    assert any(r[-1].startswith("no data yet") for r in rows)
    assert f"of {n} targets" in re.search(r'id="headline">(.*?)</p>', html).group(1)


def test_each_theme_sentence_names_the_gaps_the_marts_say_widened_or_narrowed(page):
    config, html, con = page
    verdicts = con.execute("""
        select indicator_id, sex, verdict from marts.fct_gap_change
        where category = 'All' and measure = 'absolute_gap' and grouping = 'local_quintile'""").fetchall()
    assert {"widened", "narrowed"} <= {v for _, _, v in verdicts}
    sentences = dict(re.findall(r'<li data-theme="([a-z]+)">(.*?)</li>', html))
    for indicator_id, sex, verdict in verdicts:
        indicator = next(i for i in config.indicators if i.id == indicator_id)
        name = indicator.short_name if sex == "Persons" else f"{indicator.short_name} ({sex.lower()})"
        sentence = sentences[indicator.theme]
        clause = next(c for c in sentence.split(";") if name in c)
        assert verdict in clause, (sentence, name, verdict)


def test_the_trend_of_a_gap_starts_no_earlier_than_its_baseline(page):
    _, _, con = page
    early = con.execute("""
        with sorts as (select distinct indicator_id, sex, category, period, period_sort
                       from intermediate.int_indicator_value__configured)
        select t.indicator_id, t.sex, t.series, t.subject, t.first_period, t.baseline_period
        from marts.fct_trend as t
        inner join sorts as f on f.indicator_id = t.indicator_id and f.sex = t.sex and f.category = t.category
            and f.period = t.first_period
        inner join sorts as b on b.indicator_id = t.indicator_id and b.sex = t.sex and b.category = t.category
            and b.period = t.baseline_period
        where t.series <> 'value' and f.period_sort < b.period_sort""").fetchall()
    assert early == []
    windows = dict(
        con.execute(
            "select trend_window, count(*) from marts.fct_trend where series <> 'value' group by all"
        ).fetchall()
    )
    assert windows.get("since baseline", 0) > 0


def test_the_summary_row_shows_an_arrow_words_and_the_age_of_its_latest_period(page):
    _, html, _ = page
    rows = table_cells(html, "summary-table")[1:]
    assert rows
    for row in rows:
        verdicts = "narrowed|widened|no significant change|cannot be assessed|periods overlap: not tested"
        assert re.match(rf"^[▲▼▶–] ({verdicts})", row[4]), row[4]
        assert re.search(r"\| (\d+ years? old|this year)$", row[1]), row[1]
        assert "χ²" not in row[5] and "99.8" not in row[5]  # the statistic is in the footnote, not the column


def test_the_at_a_glance_table_is_exported(page):
    config, _, _ = page
    import csv

    folder = config.reports_dir / "2026-Q3" / "exports"
    with (folder / "at_a_glance.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5 and {"gap", "verdict", "trend_window", "age_text", "target_status"} <= set(rows[0])
    with (folder / "targets.csv").open(encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == 9
    assert (folder / "at_a_glance.xlsx").stat().st_size > 0


def test_new_this_quarter_lists_a_period_added_by_the_second_ingest(tmp_path):
    full = tiny_project.fingertips()
    first = b"".join(line for line in full.splitlines(keepends=True) if b",2016 - 20," not in line)
    assert first != full
    with ReplayServer() as server:
        serve(server, fingertips=first)
        config = api_project(tmp_path, server.url)
        assert ingest(config).exit_code == 0
        server.route(FINGERTIPS, Reply(body=full, etag="v2"))
        result = ingest(config, "--source", "fingertips")
        assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, ["build", "--config", str(config)]).exit_code == 0
    report = CliRunner().invoke(cli, ["report", "--period", "2026-Q3", "--config", str(config)])
    assert report.exit_code == 0, report.output
    html = (tmp_path / "reports" / "2026-Q3" / "report.html").read_text(encoding="utf-8")
    box = re.search(r'<aside id="new-this-quarter".*?</aside>', html, re.S).group(0)
    assert "2016 - 20" in box and "Periods added: 2016 - 20" in box
