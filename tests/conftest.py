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
