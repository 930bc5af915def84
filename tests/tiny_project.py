"""A tiny project in the publishers' formats, small enough to compute every expected figure by hand.

Borough E06000004 has ten wards B01–B10 (two per local quintile); another authority has five
wards. The expected ward scores, ranks, deciles, quintiles and gaps are worked out in
tests/test_models.py next to the assertions.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tools.demonstration_data import AREA_HEADERS, FILE7_DOMAINS, FINGERTIPS_HEADER, POPULATION_HEADERS

BOROUGH = "E06000004"
OTHER = "E06000099"

# ward code, ward name, local authority, [(lsoa code, IMD score, population), ...]
WARDS = [
    ("E05000001", "B01", BOROUGH, [("E01000001", 60, 1000), ("E01000002", 40, 3000)]),
    ("E05000002", "B02", BOROUGH, [("E01000003", 50, 2000)]),
    ("E05000003", "B03", BOROUGH, [("E01000004", 30, 1000), ("E01000005", 34, 1000)]),
    ("E05000004", "B04", BOROUGH, [("E01000006", 28, 2000)]),
    ("E05000005", "B05", BOROUGH, [("E01000007", 20, 1500), ("E01000008", 24, 500)]),
    ("E05000006", "B06", BOROUGH, [("E01000009", 18, 2000)]),
    ("E05000007", "B07", BOROUGH, [("E01000010", 12, 1000)]),
    ("E05000008", "B08", BOROUGH, [("E01000011", 10, 3000)]),
    ("E05000009", "B09", BOROUGH, [("E01000012", 6, 1000), ("E01000013", 4, 1000)]),
    ("E05000010", "B10", BOROUGH, [("E01000014", 3, 2000)]),
    ("E05000011", "O01", OTHER, [("E01000015", 70, 1000)]),
    ("E05000012", "O02", OTHER, [("E01000016", 26, 1000)]),
    ("E05000013", "O03", OTHER, [("E01000017", 15, 1000)]),
    ("E05000014", "O04", OTHER, [("E01000018", 8, 1000)]),
    ("E05000015", "O05", OTHER, [("E01000019", 1, 1000)]),
]
LA_NAMES = {BOROUGH: "Stockton-on-Tees", OTHER: "Otherton"}

FILE7_HEADER = list(AREA_HEADERS)
for _domain, _score in FILE7_DOMAINS:
    FILE7_HEADER += [
        f"{_domain} {_score}",
        f"{_domain} Rank (where 1 is most deprived)",
        f"{_domain} Decile (where 1 is most deprived 10% of LSOAs)",
    ]
FILE7_HEADER += POPULATION_HEADERS

# Ward values by ward name: life expectancy (male, higher is better) and unemployment (%, lower is better)
LE_BASELINE = {
    "B02": 70,
    "B01": 72,
    "B03": 75,
    "B04": 76,
    "B05": 78,
    "B06": 79,
    "B07": 80,
    "B08": 81,
    "B09": 83,
    "B10": 85,
    "O01": 68,
}
LE_LATEST = {
    "B02": 69,
    "B01": None,
    "B03": 75,
    "B04": 77,
    "B05": 78,
    "B06": 79,
    "B07": 80,
    "B08": 82,
    "B09": 84,
    "B10": 85,
    "O01": 67,
}
UNEMPLOYMENT = {"B02": 10, "B01": 8, "B03": 7, "B04": 6, "B05": 5, "B06": 5, "B07": 4, "B08": 3, "B09": 2, "B10": 1}


def lsoas():
    for ward_code, ward_name, la, members in WARDS:
        for lsoa, score, population in members:
            yield lsoa, ward_code, ward_name, la, score, population


def _csv(rows, header, line_end="\n", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def file7() -> bytes:
    ordered = sorted(lsoas(), key=lambda r: -r[4])
    rank = {row[0]: n for n, row in enumerate(ordered, start=1)}
    rows = []
    for lsoa, _ward, _name, la, score, population in lsoas():
        cells = [lsoa, f"{LA_NAMES[la]} {lsoa[-3:]}A", la, LA_NAMES[la]]
        for _ in FILE7_DOMAINS:
            cells += [f"{score:.3f}", rank[lsoa], min(10, 1 + (rank[lsoa] - 1) * 10 // 19)]
        cells += [population, population // 5, population // 2, population // 5, population // 2]
        rows.append(cells)
    return _csv(rows, FILE7_HEADER)


def lookup() -> bytes:
    rows = [
        (lsoa, f"{LA_NAMES[la]} {lsoa[-3:]}A", ward, name, la, LA_NAMES[la], n)
        for n, (lsoa, ward, name, la, _s, _p) in enumerate(lsoas(), start=1)
    ]
    return _csv(rows, ["LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM", "FID"], bom=True)


def _ft_row(
    indicator,
    name,
    code,
    area,
    area_type,
    sex,
    period,
    sortable,
    value,
    count="",
    denominator="",
    note="",
    category_type="",
    category="",
):
    filled = value is not None
    return [
        indicator,
        name,
        BOROUGH if area_type == "Ward" else "",
        "Stockton-on-Tees" if area_type == "Ward" else "",
        code,
        area,
        area_type,
        sex,
        "All ages",
        category_type,
        category,
        period,
        f"{value}" if filled else "",
        f"{value - 1}" if filled else "",
        f"{value + 1}" if filled else "",
        "",
        "",
        count,
        denominator,
        note,
        "",
        "",
        "",
        sortable,
        "",
        "",
        "5y",
    ]


def fingertips() -> bytes:
    codes = {name: code for code, name, _la, _m in WARDS}
    rows = []
    le = "Life expectancy at birth"
    for period, sortable, values in (("2015 - 19", "20150000", LE_BASELINE), ("2016 - 20", "20160000", LE_LATEST)):
        rows.append(_ft_row("93283", le, "E92000001", "England", "England", "Male", period, sortable, 79.5))
        rows.append(_ft_row("93283", le, BOROUGH, "Stockton-on-Tees", "UA", "Male", period, sortable, 77.5))
        rows.append(
            _ft_row(
                "93283",
                le,
                "E92000001",
                "England",
                "England",
                "Male",
                period,
                sortable,
                74.1,
                category_type="County & UA deprivation deciles in England (IMD2019, 4/21 geography)",
                category="Most deprived decile (IMD2019)",
            )
        )
        for ward, value in values.items():
            note = "Value suppressed for disclosure control due to small count" if value is None else ""
            rows.append(_ft_row("93283", le, codes[ward], ward, "Ward", "Male", period, sortable, value, note=note))
    for ward, value in UNEMPLOYMENT.items():
        rows.append(
            _ft_row(
                "93097",
                "Unemployment",
                codes[ward],
                ward,
                "Ward",
                "Persons",
                "2019/20",
                "20190000",
                value,
                count=str(value * 10),
                denominator="1,000",
            )
        )
    return _csv(rows, FINGERTIPS_HEADER, line_end="\r\n")


CONFIG = """
programme = {{ name = "Tiny test programme" }}

[local_authority]
code = "E06000004"
name = "Stockton-on-Tees"

[framework]
target_year = 2031

[validation]
suppression_markers = ["*", "x", "..", "c", "-", ":"]

[validation.plausible_ranges]
"%" = [0, 100]
"years" = [20, 110]

[[sources]]
id = "imd2019"
format = "english_indices_of_deprivation"
files = ["inbox/File_7_tiny.csv"]
publisher = "MHCLG"
release = "IoD2019"
licence = "Open Government Licence v3.0"
demonstration = true

[[sources]]
id = "wards"
format = "ons_lsoa_ward_lookup"
files = ["inbox/LSOA_to_Ward_tiny.csv"]
publisher = "ONS"
release = "December 2019"
licence = "Open Government Licence v3.0"

[[sources]]
id = "fingertips"
format = "fingertips_csv"
files = ["inbox/fingertips_tiny.csv"]
publisher = "OHID"
release = "{release}"
licence = "Open Government Licence v3.0"

[[indicators]]
id = "93283"
name = "Life expectancy at birth"
short_name = "Life expectancy"
theme = "health"
unit = "years"
polarity = "higher-is-better"
source = "fingertips"
baseline_period = "2015 - 19"
sexes = ["Male"]

[[indicators]]
id = "93097"
name = "Unemployment"
theme = "employment"
unit = "%"
polarity = "lower-is-better"
source = "fingertips"
baseline_period = "2019/20"

[[target_areas]]
name = "Riverside"
wards = ["E05000003", "E05000004"]

[[indicators]]
id = "LOCAL-TA"
name = "Households in temporary accommodation"
theme = "housing"
unit = "%"
polarity = "lower-is-better"
source = "local"
baseline_period = "2021/22"
"""


def write(root: Path, release: str = "2026-11") -> Path:
    """Write the tiny project under root and return its fsot.toml."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "File_7_tiny.csv").write_bytes(file7())
    (inbox / "LSOA_to_Ward_tiny.csv").write_bytes(lookup())
    (inbox / "fingertips_tiny.csv").write_bytes(fingertips())
    config = root / "fsot.toml"
    config.write_text(CONFIG.format(release=release), encoding="utf-8")
    return config


def landed(root: Path, extra_config: str = "", replace: dict[str, str] | None = None):
    """Write the tiny project under root (with `extra_config` appended to its fsot.toml and each text
    of `replace` replaced), land every source, and return the loaded configuration."""
    from pipeline.config import load_config
    from pipeline.ingest.landing import land_source

    config_path = write(root)
    text = config_path.read_text()
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    config_path.write_text(text + ("\n" + extra_config + "\n" if extra_config else ""))
    config = load_config(config_path)
    for source in config.sources:
        land_source(config, source)
    return config
