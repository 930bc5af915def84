"""The browser harness (tests/browser.py) and html_to_pdf catch what a reader would see go wrong."""

from __future__ import annotations

import base64
import io
import os
import stat
import sys
from pathlib import Path

import pytest
from PIL import Image

import browser
from browser import inspect_page, is_blank, pdf_page_images
from pipeline.report.pdf import BrowserNotFoundError, PdfError, html_to_pdf


def _png_data_uri(width: int = 24, height: int = 12) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _page(tmp_path: Path, body: str, name: str = "page.html", head: str = "") -> Path:
    path = tmp_path / name
    path.write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>fixture</title>{head}'
        f"</head><body>{body}</body></html>\n",
        encoding="utf-8",
    )
    return path


# ------------------------------------------------------------------------------------------ the page


@pytest.mark.browser
def test_good_page_passes(tmp_path):
    path = _page(
        tmp_path,
        f'<h1>Report</h1><p style="height:1500px">text</p>'
        f'<img src="{_png_data_uri()}" alt="A red rectangle" width="240" height="120">',
    )
    report = inspect_page(path)
    assert report.ok, report.problems
    [image] = report.images
    assert image.has_alt and image.loaded and image.visible  # below the fold: scrolled into view
    assert (image.natural_width, image.natural_height) == (24, 12)
    assert image.src.startswith("data:image/png,…(") and len(image.src) < 40


@pytest.mark.browser
def test_sibling_image_file_loads(tmp_path):
    Image.new("RGB", (10, 10), (0, 0, 255)).save(tmp_path / "chart.png")
    report = inspect_page(_page(tmp_path, '<img src="chart.png" alt="A chart">'))
    assert report.ok, report.problems


@pytest.mark.browser
def test_console_error_and_uncaught_error_are_caught(tmp_path):
    path = _page(
        tmp_path, "<p>hi</p><script>console.error('chart data missing');throw new Error('boom from the page');</script>"
    )
    report = inspect_page(path)
    assert any("chart data missing" in text for text in report.console_errors), report.console_errors
    assert any("boom from the page" in text for text in report.page_errors), report.page_errors
    assert not report.ok


@pytest.mark.browser
def test_late_error_from_a_timer_is_caught(tmp_path):
    report = inspect_page(
        _page(tmp_path, f'<script>setTimeout(() => {{ null.x; }}, 0);</script><img src="{_png_data_uri()}" alt="x">')
    )
    assert report.page_errors, report


@pytest.mark.parametrize(
    ("img", "expected"),
    [
        ('<img src="{png}">', "no alt text"),
        ('<img src="{png}" alt=" ">', "empty alt text"),
        ('<img src="missing-chart.png" alt="A chart">', "did not load"),
        ('<img src="data:image/png;base64,bm90IGEgcG5n" alt="A chart">', "did not load"),
        ('<img src="{png}" alt="A chart" style="display:none">', "not visible"),
        ('<div style="display:none"><img src="{png}" alt="A chart"></div>', "not visible"),
        ('<img src="{png}" alt="A chart" style="visibility:hidden">', "not visible"),
        ('<img src="{png}" alt="A chart" style="width:0">', "not visible"),
    ],
    ids=[
        "no-alt",
        "blank-alt",
        "missing-file",
        "corrupt-data",
        "display-none",
        "hidden-parent",
        "visibility-hidden",
        "zero-width",
    ],
)
@pytest.mark.browser
def test_image_problems_are_flagged(tmp_path, img, expected):
    report = inspect_page(_page(tmp_path, "<p>text</p>" + img.format(png=_png_data_uri())))
    [image] = report.images
    assert [problem.split(": ", 1)[1] for problem in image.problems] == [expected]
    assert not report.ok


@pytest.mark.browser
def test_missing_file_is_a_failed_request(tmp_path):
    report = inspect_page(_page(tmp_path, '<img src="missing-chart.png" alt="A chart">'))
    assert any("missing-chart.png" in text and "ERR_FILE_NOT_FOUND" in text for text in report.failed_requests)


@pytest.mark.browser
def test_network_requests_are_blocked_and_reported(tmp_path):
    report = inspect_page(_page(tmp_path, "<p>x</p>", head='<link rel="stylesheet" href="https://cdn.example/x.css">'))
    assert any(text.startswith("https://cdn.example/x.css") for text in report.failed_requests), report


@pytest.mark.browser
def test_long_file_names_keep_their_end(tmp_path):
    name = "a-very-long-folder-name-" * 5
    (tmp_path / name).mkdir()
    report = inspect_page(_page(tmp_path / name, f'<img src="{name}/missing.png" alt="x">'))
    [image] = report.images
    assert image.src.endswith("/missing.png") and len(image.src) <= 80 and "…" in image.src


# ------------------------------------------------------------------------------------------- the PDF

A4_AT_50_DPI = (413, 585)  # 210 x 297 mm


@pytest.fixture
def real_browser():
    """Fail (or skip with FSOT_ALLOW_NO_BROWSER=1) when Chromium or pdftoppm is missing."""
    browser.require_chromium()
    browser.require_pdftoppm()


@pytest.mark.browser
def test_two_page_pdf_has_two_non_blank_a4_pages(tmp_path, real_browser):
    html = _page(
        tmp_path,
        f'<section style="page-break-after:always"><h1>Page one</h1>'
        f'<img src="{_png_data_uri()}" alt="chart" width="300" height="150"></section>'
        f"<section><h1>Page two</h1><p>The gap narrowed.</p></section>",
        name="report.html",
    )
    pdf = html_to_pdf(html, tmp_path / "out" / "report.pdf")
    assert pdf == (tmp_path / "out" / "report.pdf").resolve() and pdf.read_bytes().startswith(b"%PDF-")
    pages = pdf_page_images(pdf, tmp_path / "pages")
    assert [page.name for page in pages] == ["page-1.png", "page-2.png"]
    assert [is_blank(page) for page in pages] == [False, False]
    for page in pages:
        with Image.open(page) as image:
            assert abs(image.width - A4_AT_50_DPI[0]) <= 2 and abs(image.height - A4_AT_50_DPI[1]) <= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pages", "report.html"]  # no temp files left
    assert list((tmp_path / "out").iterdir()) == [pdf]


@pytest.mark.browser
def test_blank_page_is_detected(tmp_path, real_browser):
    html = _page(
        tmp_path,
        '<div style="page-break-after:always"><h1>One</h1></div>'
        '<div style="page-break-after:always"></div><div><h1>Three</h1></div>',
    )
    pages = pdf_page_images(html_to_pdf(html, tmp_path / "blank.pdf"), tmp_path / "pages")
    assert [is_blank(page) for page in pages] == [False, True, False]


@pytest.mark.browser
def test_document_page_size_wins_and_late_script_output_is_printed(tmp_path, real_browser):
    html = _page(
        tmp_path,
        "<script>setTimeout(() => document.body.insertAdjacentHTML("
        "'beforeend', '<h1>drawn late</h1>'), 2000);</script>",
        head="<style>@page { size: 148mm 105mm; }</style>",
    )
    pages = pdf_page_images(html_to_pdf(html, tmp_path / "a6.pdf"), tmp_path / "pages")
    [page] = pages
    with Image.open(page) as image:
        assert abs(image.width - 291) <= 2 and abs(image.height - 207) <= 2  # 148 x 105 mm at 50 dpi
    assert not is_blank(page)  # the timer ran (in virtual time) before printing


# ------------------------------------------------------------------------------------ failure modes


def _fake_browser(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-chromium"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_no_browser_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("FSOT_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(BrowserNotFoundError, match=r"FSOT_CHROMIUM=.*make install"):
        html_to_pdf(_page(tmp_path, "x"), tmp_path / "x.pdf")
    monkeypatch.delenv("FSOT_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrowserNotFoundError, match=r"none was found.*apt-get install chromium"):
        html_to_pdf(_page(tmp_path, "x"), tmp_path / "x.pdf")


def test_browser_failure_carries_stderr_and_keeps_old_pdf(tmp_path, monkeypatch):
    old = tmp_path / "x.pdf"
    old.write_bytes(b"%PDF-old")
    monkeypatch.setenv("FSOT_CHROMIUM", _fake_browser(tmp_path, "echo 'renderer crashed' >&2; exit 3"))
    with pytest.raises(PdfError, match=r"exit code 3.*renderer crashed"):
        html_to_pdf(_page(tmp_path, "x"), old)
    assert old.read_bytes() == b"%PDF-old"
    monkeypatch.setenv("FSOT_CHROMIUM", _fake_browser(tmp_path, "exit 0"))
    with pytest.raises(PdfError, match="without writing a PDF"):
        html_to_pdf(_page(tmp_path, "x"), old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-chromium", "page.html", "x.pdf"]


def test_browser_timeout(tmp_path, monkeypatch):
    hangs = f"echo starting >&2; exec {sys.executable} -c 'import time; time.sleep(30)'"
    monkeypatch.setenv("FSOT_CHROMIUM", _fake_browser(tmp_path, hangs))
    with pytest.raises(PdfError, match=r"did not finish .* within 1 s.*starting"):
        html_to_pdf(_page(tmp_path, "x"), tmp_path / "x.pdf", timeout=1)


def test_missing_html_is_a_clear_error(tmp_path):
    with pytest.raises(PdfError, match="file not found"):
        html_to_pdf(tmp_path / "nope.html", tmp_path / "x.pdf")


@pytest.mark.browser
def test_missing_tools_fail_unless_skipping_is_allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("FSOT_CHROMIUM", str(tmp_path / "no-such-browser"))
    monkeypatch.delenv(browser.ALLOW_MISSING_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match="make install"):
        browser.require_chromium()
    monkeypatch.setenv(browser.ALLOW_MISSING_ENV, "1")
    with pytest.raises(pytest.skip.Exception):
        browser.require_chromium()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.skip.Exception, match="poppler-utils"):
        browser.require_pdftoppm()
    assert os.environ[browser.ALLOW_MISSING_ENV] == "1"
