"""The validation page written by every build: each expectation, pass/fail, counts, offending rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import Config
from pipeline.report.templating import environment


def write_validation_report(
    config: Config, validation: dict, errors: list[str] | None = None, now: datetime | None = None
) -> Path:
    """Write reports/validation/<UTC time>.html and return its path."""
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H%M%SZ")
    out = config.reports_dir / "validation" / f"{stamp}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = environment()
    html = env.get_template("validation.html.j2").render(
        stamp=stamp,
        config_path=str(config.path),
        errors=errors or [],
        files=validation.get("files", []),
        checks=validation.get("checks", []) + validation.get("table_checks", []) + validation.get("model_tests", []),
    )
    out.write_text(html, encoding="utf-8")
    return out
