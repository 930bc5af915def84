"""Page one's tables for Excel and Power BI: `write_at_a_glance` writes the at-a-glance summary
(`sections.summary_rows`) and every target series (`sections.target_rows`) as exports/at_a_glance.csv,
exports/targets.csv and exports/at_a_glance.xlsx (a sheet each, with a sheet of column meanings), by the
marts exports' own cell and file rules (`export_files.py`). `AT_A_GLANCE` and `TARGET_COLUMNS` name the
columns written and what each means; the values are the rows the page shows, unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

AT_A_GLANCE = [  # (column, meaning) of exports/at_a_glance.csv and the sheets of at_a_glance.xlsx
    ("indicator_id", "Indicator identifier"),
    ("sex", "Male, Female or Persons"),
    ("name", "Indicator as shown"),
    ("theme", "Theme"),
    ("unit", "Unit of the values; gaps of percentages are in percentage points"),
    ("period", "Latest period of the gap"),
    ("latest_year", "Last year the latest period covers"),
    ("age_text", "Age of the latest period at the report date"),
    ("gap", "Headline gap: most minus least deprived local quintile, oriented so that above 0 = deprived worse off"),
    ("gap_lower_ci", "Lower 95% limit of the gap"),
    ("gap_upper_ci", "Upper 95% limit of the gap"),
    ("baseline_period", "The indicator's baseline period"),
    ("change", "Change of the gap since the baseline"),
    ("verdict", "narrowed / widened / no significant change (95%), from marts.fct_gap_change"),
    ("direction", "Arrow of the verdict: ▲ widened, ▼ narrowed, ▶ no significant change"),
    ("trend", "Trend label of marts.fct_trend (gap series, periods from the baseline on)"),
    ("trend_plain", "The trend in plain words"),
    ("trend_detail", "Why it cannot be tested, where it cannot"),
    ("trend_window", "Periods the trend test used"),
    ("trend_statistic", "The trend test, its level and statistic"),
    ("target_status", "Status of the headline target (marts.fct_target_progress)"),
    ("target_text", "The headline target in words"),
]
TARGET_COLUMNS = [
    ("target_id", "Target identifier (indicator id - n)"),
    ("indicator_id", "Indicator identifier"),
    ("indicator", "Indicator as shown"),
    ("sex", "Male, Female or Persons"),
    ("measures", "What the target measures (the borough's value or a gap measure and its grouping)"),
    ("measure", "Measure code"),
    ("grouping", "Grouping code"),
    ("shape", "Trajectory shape"),
    ("baseline_period", "Baseline period"),
    ("baseline_text", "Baseline value"),
    ("target_text", "Target"),
    ("latest_period", "Latest period with a value"),
    ("actual_text", "Latest value"),
    ("expected_text", "Value expected on the trajectory"),
    ("status", "on track / off track / significantly off track / cannot be assessed / no data yet"),
    ("probability_on_track", "Probability of being on or better than the trajectory"),
    ("note", "Note"),
]


def _plain(value):
    """A cell as a plain Python value (numpy scalars as int/float; missing as None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def write_at_a_glance(folder: Path, summary: list[dict], targets: list[dict]) -> list[Path]:
    """Page one's tables for Excel and Power BI: exports/at_a_glance.csv (the at-a-glance table),
    exports/targets.csv (every target series) and exports/at_a_glance.xlsx (both, a sheet each, with a
    sheet of column meanings); cells are written by the marts exports' own rules (formula-like text
    neutralised, UTF-8 with BOM)."""
    from openpyxl import Workbook

    from pipeline.report.export_files import save_workbook, write_csv, xlsx_cell

    folder.mkdir(parents=True, exist_ok=True)
    tables = {"at_a_glance": (AT_A_GLANCE, summary), "targets": (TARGET_COLUMNS, targets)}
    written = []
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (columns, rows) in tables.items():
        header = [c for c, _ in columns]
        values = [[_plain(r.get(c)) for c in header] for r in rows]
        write_csv(folder / f"{name}.csv", header, values)
        written.append(folder / f"{name}.csv")
        sheet = workbook.create_sheet(name)
        sheet.append(header)
        for row in values:
            sheet.append([xlsx_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    meanings = workbook.create_sheet("columns")
    meanings.append(["sheet", "column", "meaning"])
    for name, (columns, _) in tables.items():
        for column, meaning in columns:
            meanings.append([name, column, meaning])
    save_workbook(workbook, folder / "at_a_glance.xlsx")
    written.append(folder / "at_a_glance.xlsx")
    return written
