"""Print a self-contained local HTML file to an A4 PDF with headless Chromium.

Chromium is run as a plain subprocess (`--headless --print-to-pdf`), so the report room needs no
Python browser driver. Chromium prints US Letter unless the page's CSS says otherwise, so the page
is printed from a temporary copy, beside the original (relative links, images and `#anchors` resolve
as in the original), with `@page { size: A4 }` inserted first in its <head>: the document's own
`@page` rules come later and win. `--virtual-time-budget` lets timers and late scripts run (in
virtual time, so quickly) before printing; a throwaway profile keeps concurrent runs apart.

Page numbers are the document's own: CSS `@page` margin boxes (`counter(page)`, `counter(pages)`),
which Chromium prints from version 131 on. A printed contents list gets its page numbers in a second
pass: each `<span class="toc-page" data-toc-target="ID">` is filled with the page on which the `<h2
id="ID">` heading was printed the first time (read back with poppler's pdftotext; every such heading but
the first starts a page in print, so the numbers do not move), and the page is printed again. Links
that are not `#anchors` or absolute URLs are made absolute (`file://` under `link_base`) in the printed
copy, so that the PDF's links reach the report's folder rather than the temporary copy's.

The browser is the first of chromium, chromium-browser, google-chrome on PATH, or the program named
by the environment variable FSOT_CHROMIUM. `make install` installs Debian's chromium.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from html import escape
from pathlib import Path

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
ENV_VAR = "FSOT_CHROMIUM"
INSTALL_HINT = "run `make install` (or, as root, `apt-get install chromium`)"

# Inserted first so that the document's own @page rules override it.
_A4_STYLE = b"<style>@page { size: A4; }</style>"
_TITLE_TAG = re.compile(rb"<title[\s>]", re.IGNORECASE)
_HEAD_TAG = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<!doctype[^>]*>", re.IGNORECASE)
# Lines Chromium prints on every headless run here (no D-Bus, Debian's launcher script); they say
# nothing about the page, so they are left out of error messages.
_NOISE = re.compile(r"dbus|unexpected operator|Fontconfig|^\s*$", re.IGNORECASE)


class PdfError(RuntimeError):
    """The PDF could not be made; the message names the file and says what to do."""


class BrowserNotFoundError(PdfError):
    """No headless Chromium to print with."""


def find_chromium() -> str:
    """Path of the Chromium to use: $FSOT_CHROMIUM if set, else the first browser name on PATH."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        found = shutil.which(override)
        if found is None:
            raise BrowserNotFoundError(
                f"{ENV_VAR}={override}: no such executable; point {ENV_VAR} at a Chromium or Chrome "
                f"binary, or unset it and {INSTALL_HINT}"
            )
        return found
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFoundError(
        f"headless Chromium is needed to make the PDF and none was found on PATH "
        f"(looked for {', '.join(BROWSER_NAMES)}); {INSTALL_HINT}, or set {ENV_VAR} to the browser's path"
    )


def _with_a4(html: bytes, name: str) -> bytes:
    """The page with `@page { size: A4 }` first in its head (and a <title>, so that the PDF's title
    is not the temporary copy's name)."""
    insert = _A4_STYLE
    if not _TITLE_TAG.search(html):
        insert += b"<title>" + escape(name).encode("utf-8") + b"</title>"
    head = _HEAD_TAG.search(html)
    if head:
        return html[: head.end()] + insert + html[head.end() :]
    doctype = _DOCTYPE.match(html)
    at = doctype.end() if doctype else 0
    return html[:at] + insert + html[at:]


def _stderr_tail(stderr: bytes, lines: int = 8) -> str:
    text = stderr.decode("utf-8", errors="replace").splitlines()
    useful = [line.strip() for line in text if not _NOISE.search(line)]
    return " | ".join(useful[-lines:]) or "(nothing on stderr)"


_H2 = re.compile(r"<h2\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h2>", re.IGNORECASE | re.DOTALL)
_TOC_SPAN = re.compile(rb'(<span class="toc-page" data-toc-target="([^"]+)">)[^<]*(</span>)')
_RELATIVE_HREF = re.compile(rb'(\shref=")(?![#/]|[a-zA-Z][a-zA-Z0-9+.-]*:)([^"]+)(")')


def _absolute_links(html: bytes, base: Path) -> bytes:
    """Every relative href made an absolute file:// URL under `base` (anchors and URLs untouched)."""
    root = Path(base).resolve().as_uri().rstrip("/") + "/"
    return _RELATIVE_HREF.sub(lambda m: m.group(1) + root.encode("utf-8") + m.group(2) + m.group(3), html)


def _plain(text: str) -> str:
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def pdf_page_texts(pdf_path: Path) -> list[str] | None:
    """The text of each page (poppler's pdftotext), or None when pdftotext is not installed."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    out = subprocess.run([tool, "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, timeout=60)
    if out.returncode != 0:
        return None
    pages = out.stdout.decode("utf-8", errors="replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def heading_pages(html: str, pages: list[str]) -> dict[str, int]:
    """The page (1-based) on which each `<h2 id=...>` heading of `html` was printed: the first page,
    from the previous heading's page on, that starts with the heading's text (or, failing that, has a
    line reading as it)."""
    found: dict[str, int] = {}
    at = 0
    lines = [[_plain(line) for line in page.splitlines() if line.strip()] for page in pages]
    for anchor, inner in _H2.findall(html):
        title = _plain(inner)
        if not title:
            continue
        match = next(
            (
                n
                for n in range(at, len(lines))
                if lines[n] and (lines[n][0] == title or (len(lines[n][0]) >= 8 and title.startswith(lines[n][0])))
            ),
            None,
        )
        if match is None:
            match = next((n for n in range(at, len(lines)) if title in lines[n]), None)
        if match is not None:
            found[anchor] = match + 1
            at = match
    return found


def _fill_contents(html: bytes, pages: dict[str, int]) -> bytes:
    return _TOC_SPAN.sub(lambda m: m.group(1) + str(pages.get(m.group(2).decode(), "")).encode() + m.group(3), html)


def html_to_pdf(
    html_path: Path,
    pdf_path: Path,
    *,
    timeout: float = 120,
    virtual_time_budget_ms: int = 10_000,
    link_base: Path | None = None,
) -> Path:
    """Print `html_path` (a local, self-contained HTML file) to `pdf_path` as an A4 PDF.

    The PDF is written to a temporary file and moved into place only when Chromium succeeded and the
    result is a non-empty PDF, so a failure leaves any earlier PDF untouched. Raises PdfError
    (BrowserNotFoundError when there is no browser) with Chromium's stderr on failure or timeout.
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    if not html_path.is_file():
        raise PdfError(f"{html_path}: file not found; make the HTML report before its PDF")
    browser = find_chromium()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)

    fd, print_copy = tempfile.mkstemp(prefix=f".{html_path.stem}.print-", suffix=".html", dir=html_path.parent)
    printed = _with_a4(html_path.read_bytes(), html_path.name)
    if link_base is not None:
        printed = _absolute_links(printed, link_base)
    with os.fdopen(fd, "wb") as out:
        out.write(printed)
    print_copy = Path(print_copy)
    fd, partial = tempfile.mkstemp(prefix=f".{pdf_path.stem}.", suffix=".pdf.partial", dir=pdf_path.parent)
    os.close(fd)
    partial = Path(partial)
    try:
        _print(browser, html_path, print_copy, partial, pdf_path, timeout, virtual_time_budget_ms)
        if _TOC_SPAN.search(printed):
            texts = pdf_page_texts(partial)
            if texts:
                pages = heading_pages(printed.decode("utf-8", errors="replace"), texts)
                print_copy.write_bytes(_fill_contents(printed, pages))
                _print(browser, html_path, print_copy, partial, pdf_path, timeout, virtual_time_budget_ms)
        os.replace(partial, pdf_path)
        return pdf_path
    finally:
        print_copy.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def _print(
    browser: str,
    html_path: Path,
    print_copy: Path,
    partial: Path,
    pdf_path: Path,
    timeout: float,
    virtual_time_budget_ms: int,
) -> None:
    """One headless Chromium print of `print_copy` into `partial`; PdfError unless it is a PDF."""
    with tempfile.TemporaryDirectory(prefix="fsot-chromium-", ignore_cleanup_errors=True) as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={virtual_time_budget_ms}",
            f"--print-to-pdf={partial}",
            print_copy.as_uri(),
        ]
        # A session of its own, so that a timeout ends Chromium's helper processes too.
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
            raise PdfError(
                f"{html_path}: Chromium did not finish printing the PDF within {timeout:g} s "
                f"({browser}; stderr: {_stderr_tail(stderr)})"
            ) from None
        finally:
            with contextlib.suppress(ProcessLookupError):  # the launcher may exit before its helpers; kill all
                os.killpg(process.pid, signal.SIGKILL)
    if process.returncode != 0:
        raise PdfError(
            f"{html_path}: Chromium failed to print the PDF (exit code {process.returncode}; "
            f"{browser}; stderr: {_stderr_tail(stderr)})"
        )
    with open(partial, "rb") as written:
        start = written.read(5)
    if start != b"%PDF-":
        raise PdfError(
            f"{html_path}: Chromium exited without writing a PDF to {pdf_path} "
            f"({'empty file' if not start else 'not a PDF'}; stderr: {_stderr_tail(stderr)})"
        )
