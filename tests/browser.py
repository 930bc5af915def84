"""Test helper: look at a report page and its PDF as a reader would, in headless Chromium.

    from browser import inspect_page, pdf_page_images, is_blank
    report = inspect_page(html_path)         # console errors, page errors, failed requests, images
    assert report.ok, report.problems
    pages = pdf_page_images(pdf_path, tmp_path)   # one PNG per PDF page (pdftoppm -r 50)
    assert not any(is_blank(page) for page in pages)

The page is driven by Playwright's Python package with the system's Chromium (Debian's, via
`pipeline.report.pdf.find_chromium`, so FSOT_CHROMIUM applies); Playwright downloads no browser.
Requests other than file:, data: and blob: URLs are blocked and reported as failed: a report must be
self-contained and the tests must not reach the network.

When Chromium, pdftoppm or Playwright is missing the calling test fails, saying what to install;
with FSOT_ALLOW_NO_BROWSER=1 in the environment it is skipped instead (CI must not skip silently).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.report.pdf import BrowserNotFoundError, find_chromium

ALLOW_MISSING_ENV = "FSOT_ALLOW_NO_BROWSER"
VIEWPORT = {"width": 1280, "height": 900}


def _missing(what: str) -> None:
    """Fail the calling test (or skip it when FSOT_ALLOW_NO_BROWSER=1) because `what` is missing."""
    if os.environ.get(ALLOW_MISSING_ENV) == "1":
        pytest.skip(f"{what} ({ALLOW_MISSING_ENV}=1)")
    pytest.fail(f"{what}; run `make install`, or set {ALLOW_MISSING_ENV}=1 to skip the browser tests", pytrace=False)


def require_chromium() -> str:
    """The Chromium executable, or fail/skip the test."""
    try:
        return find_chromium()
    except BrowserNotFoundError as exc:
        _missing(str(exc))
        raise  # not reached


def require_pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        _missing("pdftoppm (Debian package poppler-utils) is not installed")
    return found


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (it is in the `test` extra)")
    return sync_playwright


# ---------------------------------------------------------------------------------------------- page


@dataclass(frozen=True)
class ImageCheck:
    """One <img> as the reader gets it."""

    src: str  # shortened (data: URIs keep their media type and length only)
    alt: str | None  # None when the attribute is absent
    natural_width: int
    natural_height: int
    width: float  # rendered box, CSS pixels
    height: float
    visible: bool  # rendered with a non-zero box, not display:none / visibility:hidden / opacity:0

    @property
    def has_alt(self) -> bool:
        return bool(self.alt and self.alt.strip())

    @property
    def loaded(self) -> bool:
        return self.natural_width > 0 and self.natural_height > 0

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.has_alt:
            found.append("no alt text" if self.alt is None else "empty alt text")
        if not self.loaded:
            found.append("did not load")
        if not self.visible:
            found.append("not visible")
        return [f"<img src={self.src!r}>: {problem}" for problem in found]


@dataclass
class PageReport:
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    images: list[ImageCheck] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Everything a reader would notice, one line each; empty when the page is fine."""
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"uncaught error: {text}" for text in self.page_errors]
            + [f"failed request: {text}" for text in self.failed_requests]
            + [problem for image in self.images for problem in image.problems]
        )

    @property
    def ok(self) -> bool:
        return not self.problems


def shorten(url: str, base: str = "", limit: int = 80) -> str:
    """A URL short enough to read: data: URIs by media type and length, files relative to `base`
    (the page's folder), anything else cut in the middle."""
    match = re.match(r"data:([^,;]*)[^,]*,", url)
    if match:
        return f"data:{match.group(1) or 'text/plain'},…({len(url)} chars)"
    if base and url.startswith(base):
        url = url[len(base) :]
    return url if len(url) <= limit else url[: limit // 3] + "…" + url[-(limit - limit // 3 - 1) :]


# Runs in the page: bring each image into view (which also starts lazy ones), wait until it has
# loaded or failed, then measure it.
_IMAGES_JS = """
async (waitMs) => {
  const frame = () => new Promise(resolve => requestAnimationFrame(() => resolve()));
  const settled = img => img.complete ? Promise.resolve() : new Promise(resolve => {
    img.addEventListener("load", resolve, {once: true});
    img.addEventListener("error", resolve, {once: true});
    setTimeout(resolve, waitMs);
  });
  const out = [];
  for (const img of Array.from(document.images)) {
    img.scrollIntoView({block: "center", inline: "center"});
    await frame();
    await settled(img);
    const box = img.getBoundingClientRect();
    const style = getComputedStyle(img);
    const visible = box.width > 0 && box.height > 0
      && style.display !== "none" && style.visibility !== "hidden"
      && img.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
    out.push({
      src: img.currentSrc || img.getAttribute("src") || "",
      alt: img.getAttribute("alt"),
      naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
      width: box.width, height: box.height, visible,
    });
  }
  window.scrollTo(0, 0);
  return out;
}
"""


_session: list = []  # [playwright, browser] once started


def shared_browser():
    """The headless Chromium that `inspect_page` uses, started on first use (about a second) and
    closed when the process exits."""
    if _session and _session[1] is not None and _session[1].is_connected():
        return _session[1]
    executable = require_chromium()
    sync_playwright = _playwright()
    if not _session:
        _session.extend([sync_playwright().start(), None])
        atexit.register(_close_session)
    _session[1] = _session[0].chromium.launch(
        executable_path=executable,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions"],
    )
    return _session[1]


def _close_session() -> None:
    playwright, browser = _session
    try:
        if browser is not None:
            browser.close()
    finally:
        playwright.stop()
        _session.clear()


def inspect_page(html_path: Path, *, timeout_s: float = 30, image_wait_s: float = 5) -> PageReport:
    """Load a local HTML file in headless Chromium (a fresh browser context each time) and report
    what went wrong on it."""
    html_path = Path(html_path).resolve()
    assert html_path.is_file(), f"{html_path}: no such file"
    report = PageReport(url=html_path.as_uri())
    base = html_path.parent.as_uri() + "/"
    context = shared_browser().new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_s * 1000)

        def on_console(message) -> None:
            if message.type == "error":
                where = message.location or {}
                at = f" ({shorten(where['url'], base)}:{where.get('lineNumber', 0) + 1})" if where.get("url") else ""
                report.console_errors.append(f"{message.text}{at}")

        def on_request_failed(request) -> None:
            report.failed_requests.append(f"{shorten(request.url, base)} ({request.failure or 'failed'})")

        def on_route(route) -> None:
            if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
                route.continue_()
            else:
                route.abort("blockedbyclient")

        page.on("console", on_console)
        page.on("pageerror", lambda error: report.page_errors.append(str(error)))
        page.on("requestfailed", on_request_failed)
        page.route("**/*", on_route)
        page.goto(report.url, wait_until="load")
        for item in page.evaluate(_IMAGES_JS, image_wait_s * 1000):
            report.images.append(
                ImageCheck(
                    src=shorten(item["src"], base),
                    alt=item["alt"],
                    natural_width=int(item["naturalWidth"]),
                    natural_height=int(item["naturalHeight"]),
                    width=float(item["width"]),
                    height=float(item["height"]),
                    visible=bool(item["visible"]),
                )
            )
    finally:
        context.close()
    return report


# ----------------------------------------------------------------------------------------------- PDF


def pdf_page_images(pdf_path: Path, out_dir: Path, *, resolution: int = 50) -> list[Path]:
    """Render every page of the PDF to out_dir/page-N.png (pdftoppm -r 50 -png); in page order."""
    pdftoppm = require_pdftoppm()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / "page"
    done = subprocess.run(
        [pdftoppm, "-r", str(resolution), "-png", str(pdf_path), str(prefix)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"pdftoppm failed on {pdf_path} (exit {done.returncode}): {done.stderr.strip()}"
    pages = [
        (int(match.group(1)), path)
        for path in out_dir.glob("page-*.png")
        if (match := re.fullmatch(r"page-(\d+)\.png", path.name))
    ]
    return [path for _, path in sorted(pages)]


def ink_fraction(png_path: Path, tolerance: int = 12) -> float:
    """Share of pixels that differ from white by more than `tolerance` (0-255) in some channel."""
    with Image.open(png_path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    return float(((255 - pixels).max(axis=2) > tolerance).mean())


def is_blank(png_path: Path, tolerance: int = 12) -> bool:
    """True when every pixel of the page image is white or nearly so."""
    return ink_fraction(png_path, tolerance) == 0.0
