"""The publishers' layouts the sample mimics: column headers, the names Fingertips uses for areas,
categories and notes, and numbers and CSV bytes written as each publisher writes them."""

from __future__ import annotations

import csv
import io

import numpy as np

SUFFIX = "_DEMONSTRATION"

AREA_HEADERS = [
    "LSOA code (2011)",
    "LSOA name (2011)",
    "Local Authority District code (2019)",
    "Local Authority District name (2019)",
]
RANK = "Rank (where 1 is most deprived)"
DECILE = "Decile (where 1 is most deprived 10% of LSOAs)"
# File 7's sixteen score/rank/decile triples in order: (published name, score label); scores have 3 d.p.
FILE7_DOMAINS = [
    ("Index of Multiple Deprivation (IMD)", "Score"),
    ("Income", "Score (rate)"),
    ("Employment", "Score (rate)"),
    ("Education, Skills and Training", "Score"),
    ("Health Deprivation and Disability", "Score"),
    ("Crime", "Score"),
    ("Barriers to Housing and Services", "Score"),
    ("Living Environment", "Score"),
    ("Income Deprivation Affecting Children Index (IDACI)", "Score (rate)"),
    ("Income Deprivation Affecting Older People (IDAOPI)", "Score (rate)"),
    ("Children and Young People Sub-domain", "Score"),
    ("Adult Skills Sub-domain", "Score"),
    ("Geographical Barriers Sub-domain", "Score"),
    ("Wider Barriers Sub-domain", "Score"),
    ("Indoors Sub-domain", "Score"),
    ("Outdoors Sub-domain", "Score"),
]
SCORE_KEYS = [
    "imd",
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers",
    "environment",
    "idaci",
    "idaopi",
    "young",
    "adult",
    "geographical",
    "wider",
    "indoors",
    "outdoors",
]  # FILE7_DOMAINS order
POPULATION_HEADERS = [
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)",
]
POPULATION_KEYS = ["population", "children", "middle", "older", "working"]  # POPULATION_HEADERS order
LOOKUP_HEADER = ["LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM", "FID"]
FINGERTIPS_HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Column not used",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
]
ENGLAND = ("E92000001", "England")
REGION = ("E12000001", "North East region (statistical)")
CATEGORY_TYPE = "County & UA deprivation deciles in England (IMD2019, 4/21 geography)"
DECILE_CATEGORIES = [
    "Most deprived decile (IMD2019)",
    "Second most deprived decile (IMD2019)",
    "Third more deprived decile (IMD2019)",
    "Fourth more deprived decile (IMD2019)",
    "Fifth more deprived decile (IMD2019)",
    "Fifth less deprived decile (IMD2019)",
    "Fourth less deprived decile (IMD2019)",
    "Third less deprived decile (IMD2019)",
    "Second least deprived decile (IMD2019)",
    "Least deprived decile (IMD2019)",
]
SUPPRESSED = "Value suppressed for disclosure control due to small count"
NOT_PUBLISHED = "Value not published for data quality reasons"
AGGREGATED = "Aggregated from all known lower geography values"
NO_CHANGE = "No significant change"
CANNOT_CALCULATE = "Cannot be calculated"


def fingertips_number(value: float) -> str:
    """A number as the Fingertips export writes it: 10 significant digits, trailing zeros stripped."""
    return np.format_float_positional(float(value), precision=10, unique=False, fractional=False, trim="-")


def fixed(value: float, places: int = 3) -> str:
    """A score as the IoD files write it: fixed decimals, never '-0.000'."""
    return f"{round(float(value), places) + 0.0:.{places}f}"


def thousands(value: int) -> str:
    return f"{int(value):,}"


def csv_bytes(
    header: list[str], rows: list[list], *, crlf: bool, bom: bool = False, final_line_break: bool = True
) -> bytes:
    """Header and rows as CSV (minimal quoting, as csv writes it), UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    text = buffer.getvalue()
    if not final_line_break:
        text = text.rstrip("\r\n")
    return (("\ufeff" if bom else "") + text).encode("utf-8")
