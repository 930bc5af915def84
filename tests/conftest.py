"""Shared fixtures. Reference data lives in ../shared/reference beside the project; tests that need it
skip cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """Path to ../shared/reference; skips the test when the folder is not there."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("../shared/reference is not present beside the project")
    return SHARED_REFERENCE


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory):
    """`fsot run --date 2026-11-22` (report for 2026-Q3) on a copy of the bundled demonstration data
    (demonstration.toml);
    returns (config, CLI result). Shared by the end-to-end and report tests: it takes ~20 s."""
    import shutil

    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.config import load_config

    sample = PROJECT_ROOT / "data" / "raw" / "sample"
    if not any(sample.glob("*.csv")):
        pytest.fail("data/raw/sample/ holds no files: run `make sample`")
    root = tmp_path_factory.mktemp("bundled")
    shutil.copy(PROJECT_ROOT / "demonstration.toml", root / "fsot.toml")
    (root / "data" / "raw").mkdir(parents=True)
    shutil.copytree(sample, root / "data" / "raw" / "sample")
    result = CliRunner().invoke(
        cli, ["run", "--date", "2026-11-22", "--config", str(root / "fsot.toml")], catch_exceptions=False
    )
    return load_config(root / "fsot.toml"), result


@pytest.fixture(scope="session")
def public_run(tmp_path_factory):
    """`fsot run --date 2026-11-22` on a copy of the real public-data profile (fsot.toml and the public
    files bundled in data/raw/public/); returns (config, CLI result). About 25 s."""
    import shutil

    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.config import load_config

    root = tmp_path_factory.mktemp("public")
    shutil.copy(PROJECT_ROOT / "fsot.toml", root / "fsot.toml")
    (root / "data" / "raw").mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / "public", root / "data" / "raw" / "public")
    result = CliRunner().invoke(
        cli, ["run", "--date", "2026-11-22", "--config", str(root / "fsot.toml")], catch_exceptions=False
    )
    return load_config(root / "fsot.toml"), result


def number_like_cell(words: list[str | None]):
    """A hypothesis strategy for one published number's cell: any double's repr (inf and nan too),
    numbers with thousands separators, long integers, strings of number characters, or one of `words`."""
    from hypothesis import strategies as st

    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:,.6f}"),
        st.integers(-(10**20), 10**20).map(str),
        st.from_regex(r"\A[ +\-0-9.eE,]{0,12}\Z"),
        st.sampled_from(words),
    )
