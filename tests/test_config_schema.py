"""fsot.toml is checked against a schema (pipeline/config/schema.py, pydantic): each wrong type, range,
enumeration or unsafe id is one line with the key path and what was written; paths stay inside the
project unless allowed. Through the CLI: exit code 2, no traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.config import ConfigError, load_config

CASES = [
    (
        "target_year = 2031",
        'target_year = "twenty31"',
        "framework → target_year: Input should be a valid integer (you wrote 'twenty31')",
    ),
    (
        "target_year = 2031",
        "target_year = 2031\nbaseline_year = 2021",
        "baseline_year is no longer read: each indicator's baseline_period is its baseline; delete the line",
    ),
    ("target_year = 2031", 'target_year = "2031"', "framework → target_year: Input should be a valid integer"),
    ('"%" = [0, 100]', '"%" = [0]', "validation → plausible_ranges → %: List should have at least 2 items"),
    ('"%" = [0, 100]', '"%" = [100, 0]', "the range of '%' must be [low, high] with low < high"),
    (
        'sexes = ["Male"]',
        'sexes = "Male"',
        "[[indicators]] 1 (93283, Life expectancy at birth) → sexes: Input should be a valid list (you wrote 'Male')",
    ),
    (
        'files = ["inbox/File_7_tiny.csv"]',
        'files = "inbox/File_7_tiny.csv"',
        "[[sources]] 1 (imd2019) → files: Input should be a valid list",
    ),
    (
        'id = "imd2019"',
        'id = "../../../escape"',
        "[[sources]] 1 (../../../escape) → id: must be letters, digits, _ and - only",
    ),
    ('code = "E06000004"', 'code = "Stockton"', "local_authority → code: String should match pattern"),
    (
        'theme = "health"',
        'theme = "wellbeing"',
        "theme: Input should be 'health', 'employment', 'housing' or 'deprivation'",
    ),
    ('release = "December 2019"', 'release = "../up"', "[[sources]] 2 (wards) → release: String should match pattern"),
]


@pytest.mark.parametrize("old, new, message", CASES)
def test_each_wrong_setting_is_one_line_with_its_key_path(tmp_path, old, new, message):
    path = tiny_project.write(tmp_path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = str(caught.value).splitlines()
    assert any(message in line for line in lines), lines
    assert all(line.startswith(str(path)) for line in lines)
    result = CliRunner().invoke(cli, ["build", "--config", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_configuration_without_indicators_is_refused(tmp_path):
    path = tiny_project.write(tmp_path)
    text = path.read_text()
    path.write_text(text[: text.index("[[indicators]]")])
    with pytest.raises(ConfigError, match="indicators: Field required"):
        load_config(path)


def test_an_unknown_setting_is_named(tmp_path):
    path = tiny_project.write(tmp_path)
    path.write_text(path.read_text().replace("target_year = 2031", "target_year = 2031\ntarget_yaer = 2030"))
    with pytest.raises(ConfigError, match="framework → target_yaer: Extra inputs are not permitted"):
        load_config(path)


def test_paths_stay_inside_the_project_unless_allowed(tmp_path):
    path = tiny_project.write(tmp_path / "project")
    text = path.read_text()
    path.write_text(text + '\n[paths]\nraw = "../elsewhere"\n')
    with pytest.raises(ConfigError, match=r"\[paths\] raw .* outside the project's folder .* allow_outside_project"):
        load_config(path)
    path.write_text(text + '\n[paths]\nraw = "../elsewhere"\nallow_outside_project = true\n')
    assert load_config(path).raw_dir.resolve() == (tmp_path / "elsewhere").resolve()


def test_a_misspelt_source_setting_is_named(tmp_path):
    path = tiny_project.write(tmp_path)
    path.write_text(
        path.read_text().replace(
            'files = ["inbox/File_7_tiny.csv"]', 'files = ["inbox/File_7_tiny.csv"]\nfiels = ["x.csv"]'
        )
    )
    with pytest.raises(
        ConfigError,
        match=r"\[\[sources\]\] 1 \(imd2019\): unknown setting\(s\) fiels for a source of "
        "format 'english_indices_of_deprivation'",
    ):
        load_config(path)
