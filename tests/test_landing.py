"""Landing: files arrive in data/raw/<source>/<release>/ byte for byte, with provenance, and are never
overwritten."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import tiny_project
from pipeline.config import load_config
from pipeline.ingest.landing import LandingError, land_source, landed_files, sha256_of


@pytest.fixture()
def config(tmp_path):
    return load_config(tiny_project.write(tmp_path))


def test_landing_copies_unchanged_and_records_provenance(config):
    source = config.source("fingertips")
    when = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    [record] = land_source(config, source, now=when)
    landed = config.raw_dir / "fingertips" / "2026-11" / "fingertips_tiny.csv"
    original = config.root / "inbox" / "fingertips_tiny.csv"
    assert landed.read_bytes() == original.read_bytes()
    assert record.sha256 == sha256_of(original)
    manifest = json.loads(config.raw_manifest_path.read_text())["files"]
    assert manifest == [
        {
            "source": "fingertips",
            "format": "fingertips_csv",
            "title": "",
            "publisher": "OHID",
            "release": "2026-11",
            "licence": "Open Government Licence v3.0",
            "origin": "inbox/fingertips_tiny.csv",
            "path": "fingertips/2026-11/fingertips_tiny.csv",
            "retrieved_at": "2026-11-01T09:30:00+00:00",
            "bytes": original.stat().st_size,
            "sha256": record.sha256,
            "demonstration": False,
            "indicator": "",
        }
    ]
    assert landed_files(config, source) == [landed]


def test_landing_again_is_a_no_op(config):
    source = config.source("imd2019")
    assert len(land_source(config, source)) == 1
    assert land_source(config, source) == []
    assert len(json.loads(config.raw_manifest_path.read_text())["files"]) == 1


def test_new_bytes_under_the_same_release_are_refused(config):
    source = config.source("fingertips")
    land_source(config, source)
    (config.root / "inbox" / "fingertips_tiny.csv").write_bytes(b"changed")
    with pytest.raises(LandingError, match="already landed with different contents.*new 'release'"):
        land_source(config, source)


def test_a_landed_file_edited_afterwards_is_caught(config):
    source = config.source("wards")
    [record] = land_source(config, source)
    landed = config.raw_dir / record.path
    landed.chmod(0o644)
    landed.write_bytes(landed.read_bytes() + b"E01999999,x,E05999999,y,E06000004,z,99\n")
    with pytest.raises(LandingError, match="changed since it was landed"):
        landed_files(config, source)


def test_a_missing_source_file_names_the_setting(config, tmp_path):
    (config.root / "inbox" / "LSOA_to_Ward_tiny.csv").unlink()
    with pytest.raises(LandingError, match="file not found for source 'wards'"):
        land_source(config, config.source("wards"))
