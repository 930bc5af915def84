"""Generate the bundled demonstration data: SYNTHETIC values in the publishers' exact file formats.

`make run` must work offline, so the project ships a small, deterministic sample in
data/raw/sample/. Every value is made up; only the formats are real (IoD2019 Files 1, 5, 6 and 7, an
ONS LSOA→ward lookup, OHID Fingertips "all data" exports).

Model used to synthesise values
- Geography: the borough (E06000004, 26 wards with fictional names, ~120 LSOAs) and 11 fictional
  authorities (~1,400 LSOAs) so that wards can be ranked "nationally" within the sample.
- Deprivation: each ward has a latent deprivation z (borough: spread so that about 9 wards fall in
  the most deprived national tenth; elsewhere: authority mean + ward noise). LSOA IMD score =
  exp(2.83 + 0.75·z + noise), clipped to 0.5–90, which gives the real index's right skew (median ~17).
  Ranks are placed on the national scale of 32,844 LSOAs by each LSOA's percentile in the sample.
- Indicators depend on the ward's standardised log IMD score d with noise and slow trends; the
  life-expectancy gap widens a little over time. Proportions are drawn as binomial counts and get
  Wilson 95 % limits (z = 1.959963984540054), as Fingertips publishes them.

Run `python -m pipeline.demonstration_data` (or `make sample`); the output is byte-identical on
every run for a given seed.
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT_ROOT / "data" / "raw" / "sample"
Z95 = 1.959963984540054
Z998 = 3.090232306167813


@dataclass(frozen=True)
class Shape:
    """Parameters of the synthetic geography and indicators."""

    seed: int = 20210401
    borough_code: str = "E06000004"
    borough_name: str = "Stockton-on-Tees"
    borough_wards: int = 26
    other_authorities: int = 11
    other_wards_per_authority: tuple[int, int] = (18, 26)
    lsoas_per_ward: tuple[int, int] = (3, 7)
    england_lsoas: int = 32844
    periods: int = 7


SUFFIX = "_DEMONSTRATION"
STEMS = ["Ash", "Brack", "Cold", "Dun", "Elm", "Fen", "Glen", "Hart", "Ivy", "Kirk", "Lang", "Marl", "Nev",
         "Oak", "Pen", "Quar", "Red", "Stan", "Thorn", "Ulls", "Wick", "Yarr", "Bram", "Crag", "Dale", "Hol"]
ENDINGS = ["by", "field", "ton", "ham", "well", "wood", "ford", "ley", "stead", "thorpe", "brook", "mere", "side"]
QUALIFIERS = ["", " North", " South", " East", " West", " Central", " Park", " Village"]
AUTHORITIES = ["Northmoor", "Westvale", "Eastbridge", "Southholm", "Highcastle", "Lowmarsh", "Riverton",
               "Greyford", "Millbank", "Seacliff", "Oakhampton"]

FILE7_DOMAINS = [
    ("Index of Multiple Deprivation (IMD)", "Score"), ("Income", "Score (rate)"), ("Employment", "Score (rate)"),
    ("Education, Skills and Training", "Score"), ("Health Deprivation and Disability", "Score"), ("Crime", "Score"),
    ("Barriers to Housing and Services", "Score"), ("Living Environment", "Score"),
    ("Income Deprivation Affecting Children Index (IDACI)", "Score (rate)"),
    ("Income Deprivation Affecting Older People (IDAOPI)", "Score (rate)"),
    ("Children and Young People Sub-domain", "Score"), ("Adult Skills Sub-domain", "Score"),
    ("Geographical Barriers Sub-domain", "Score"), ("Wider Barriers Sub-domain", "Score"),
    ("Indoors Sub-domain", "Score"), ("Outdoors Sub-domain", "Score"),
]
AREA_HEADERS = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
                "Local Authority District name (2019)"]
POPULATION_HEADERS = [
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)",
]
FINGERTIPS_HEADER = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
    "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
    "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Column not used", "Time period Sortable", "New data",
    "Compared to goal", "Time period range",
]
CATEGORY_TYPE = "County & UA deprivation deciles in England (IMD2019, 4/21 geography)"
SUPPRESSED = "Value suppressed for disclosure control due to small count"
NOT_PUBLISHED = "Value not published for data quality reasons"


def fmt(value: float, places: int = 8) -> str:
    """A number as Fingertips writes it: up to `places` decimals, trailing zeros stripped."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def thousands(value: int) -> str:
    return f"{value:,}"


def csv_bytes(header: list[str], rows: list[list], line_end: str = "\n", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


# --- geography and deprivation -------------------------------------------------------------------

def ward_names(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < count:
        name = rng.choice(STEMS) + rng.choice(ENDINGS) + rng.choice(QUALIFIERS)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def geography(shape: Shape, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One entry per LSOA: codes, names, ward, authority, latent ward deprivation."""
    authorities = [(shape.borough_code, shape.borough_name, shape.borough_wards)]
    lo, hi = shape.other_wards_per_authority
    for n, name in enumerate(AUTHORITIES[: shape.other_authorities], start=1):
        code = f"E06900{n:03d}" if n % 2 else f"E08900{n:03d}"
        authorities.append((code, name, int(rng.integers(lo, hi + 1))))
    taken: set[str] = set()
    ward_rows = []
    ward_serial = 0
    for la_code, la_name, n_wards in authorities:
        if la_code == shape.borough_code:
            # spread from very deprived to affluent: about a third of the wards in the most deprived tail
            latent = np.sort(np.concatenate([rng.normal(1.9, 0.25, 9), rng.normal(-0.2, 0.75, n_wards - 9)]))[::-1]
        else:
            latent = rng.normal(rng.normal(0, 0.6), 0.8, n_wards)
        for name, z in zip(ward_names(rng, n_wards, taken), latent):
            ward_serial += 1
            code = f"E059{ward_serial:05d}" if la_code != shape.borough_code else f"E05900{ward_serial:03d}"
            ward_rows.append((code, name, la_code, la_name, float(z)))
    lsoa = {k: [] for k in ("lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name", "latent")}
    serial = 0
    per_la: dict[str, int] = {}
    lo, hi = shape.lsoas_per_ward
    for code, name, la_code, la_name, z in ward_rows:
        for _ in range(int(rng.integers(lo, hi + 1))):
            serial += 1
            per_la[la_code] = per_la.get(la_code, 0) + 1
            index = per_la[la_code]
            lsoa["lsoa_code"].append(f"E0190{serial:04d}")
            lsoa["lsoa_name"].append(f"{la_name} {(index - 1) // 4 + 1:03d}{'ABCD'[(index - 1) % 4]}")
            lsoa["ward_code"].append(code)
            lsoa["ward_name"].append(name)
            lsoa["la_code"].append(la_code)
            lsoa["la_name"].append(la_name)
            lsoa["latent"].append(z)
    return {k: np.array(v) for k, v in lsoa.items()}


def deprivation(shape: Shape, geo: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(geo["lsoa_code"])
    z = geo["latent"] + rng.normal(0, 0.35, n)
    scores = {"imd": np.clip(np.exp(2.83 + 0.75 * z), 0.5, 90.0)}
    # domains: correlated with the IMD score, each on a plausible scale
    for key, scale, offset in (("income", 0.012, 0.0), ("employment", 0.009, 0.0), ("education", 0.9, 0.0),
                               ("health", 0.035, -1.2), ("crime", 0.03, -0.9), ("barriers", 0.45, 10.0),
                               ("environment", 0.5, 12.0), ("idaci", 0.016, 0.0), ("idaopi", 0.014, 0.0),
                               ("children", 0.02, -0.6), ("adult", 0.02, -0.6), ("geographical", 0.01, -0.3),
                               ("wider", 0.02, -0.5), ("indoors", 0.02, -0.4), ("outdoors", 0.02, -0.4)):
        noise = rng.normal(0, 0.15, n)
        scores[key] = np.clip(offset + scale * scores["imd"] * np.exp(noise), 0.001 if offset == 0 else -3.5, None)
    population = rng.integers(1000, 3001, n)
    children = np.round(population * rng.uniform(0.14, 0.26, n)).astype(int)
    older = np.round(population * rng.uniform(0.12, 0.32, n)).astype(int)
    middle = population - children - older
    working = np.round(middle * rng.uniform(1.02, 1.10, n)).astype(int)
    return {"scores": scores, "population": population, "children": children, "middle": middle,
            "older": older, "working": working}


def national_ranks(values: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank 1 = most deprived on the national scale of `total` LSOAs, from the sample percentile."""
    order = np.argsort(-values, kind="stable")
    position = np.empty(len(values))
    position[order] = np.arange(len(values))
    rank = np.floor(position / len(values) * total).astype(int) + 1
    decile = (rank - 1) * 10 // total + 1
    return rank, decile


# --- indicator values ----------------------------------------------------------------------------

def wilson(count: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    p = count / n
    centre = 2 * count + z * z
    spread = z * np.sqrt(z * z + 4 * count * (1 - p))
    denom = 2 * (n + z * z)
    return (centre - spread) / denom, (centre + spread) / denom


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    file_slug: str
    age: str
    periods: list[str]
    sortable: list[int]
    period_range: str


def indicators(shape: Shape) -> list[Indicator]:
    five_year = [f"{y} - {str(y + 4)[2:]}" for y in range(2012, 2012 + shape.periods)]
    financial = [f"{y}/{str(y + 1)[2:]}" for y in range(2016, 2016 + shape.periods)]
    calendar = [str(y) for y in range(2016, 2016 + shape.periods)]
    return [
        Indicator("93283", "Life expectancy at birth, (upper age band 90+)", "life_expectancy_at_birth", "All ages",
                  five_year, [y * 10000 for y in range(2012, 2012 + shape.periods)], "5y"),
        Indicator("93097", "Unemployment: out-of-work benefit claimants (% of working age population)", "unemployment",
                  "16-64 yrs", financial, [y * 10000 for y in range(2016, 2016 + shape.periods)], "1y"),
        Indicator("93759", "Fuel poverty (low income, low energy efficiency methodology)", "fuel_poverty",
                  "Not applicable", calendar, [y * 10000 for y in range(2016, 2016 + shape.periods)], "1y"),
        Indicator("93701", "Children in relative low income families (under 16s)", "children_in_low_income_families",
                  "<16 yrs", financial, [y * 10000 for y in range(2016, 2016 + shape.periods)], "1y"),
    ]


def ft_row(ind: Indicator, t: int, area: tuple[str, str, str, str, str], sex: str, value, lower, upper,
           count="", denominator="", note="", low998="", up998="", trend="", compared="", category=("", "")):
    code, name, area_type, parent_code, parent_name = area
    return [ind.id, ind.name, parent_code, parent_name, code, name, area_type, sex, ind.age, category[0], category[1],
            ind.periods[t], value, lower, upper, low998, up998, count, denominator, note, trend, compared, "",
            str(ind.sortable[t]), "New data" if t == len(ind.periods) - 1 else "", "", ind.period_range]


def compared_to(lower: float, upper: float, england: float, higher_better: bool) -> str:
    if lower > england:
        return "Better than England" if higher_better else "Worse than England"
    if upper < england:
        return "Worse than England" if higher_better else "Better than England"
    return "Similar"


def fingertips_files(shape: Shape, geo, dep, rng: np.random.Generator) -> dict[str, bytes]:
    borough = geo["la_code"] == shape.borough_code
    wards, index = np.unique(geo["ward_code"][borough], return_inverse=True)
    names = {c: n for c, n in zip(geo["ward_code"], geo["ward_name"])}
    pop = np.bincount(index, weights=dep["population"][borough])
    working = np.bincount(index, weights=dep["working"][borough])
    kids = np.bincount(index, weights=dep["children"][borough])
    score = np.bincount(index, weights=(dep["population"] * dep["scores"]["imd"])[borough]) / pop
    d = (np.log(score) - np.log(score).mean()) / np.log(score).std()   # standardised deprivation, + = deprived
    t = np.arange(shape.periods)
    england = ("E92000001", "England", "England", "", "")
    la = (shape.borough_code, shape.borough_name, "UA", "E12000001", "North East region (statistical)")
    ward_areas = [(c, names[c], "Ward", shape.borough_code, shape.borough_name) for c in wards]
    files = {}
    for ind in indicators(shape):
        rows = []
        if ind.id == "93283":
            for sex, base, slope, eng in (("Male", 77.6, 4.4, 79.4), ("Female", 81.6, 3.2, 83.1)):
                widen = 1 + 0.02 * t[:, None]                                   # the gap widens slowly
                value = base - slope * d[None, :] * widen + 0.05 * t[:, None] + rng.normal(0, 0.5, (len(t), len(d)))
                se = 1.0 + 9000 / pop[None, :] * rng.uniform(0.8, 1.2, (len(t), len(d)))
                for k in t:
                    e = eng - 0.05 * k
                    rows.append(ft_row(ind, k, england, sex, fmt(e), fmt(e - 0.08), fmt(e + 0.08)))
                    borough_value = np.average(value[k], weights=pop)
                    rows.append(ft_row(ind, k, la, sex, fmt(borough_value), fmt(borough_value - 0.45),
                                       fmt(borough_value + 0.45)))
                    for j, area in enumerate(ward_areas):
                        v, s = value[k, j], se[k, j]
                        if sex == "Male" and k == 3 and j == len(ward_areas) // 2:
                            rows.append(ft_row(ind, k, area, sex, "", "", "", note=NOT_PUBLISHED))
                            continue
                        latest = k == t[-1]
                        rows.append(ft_row(ind, k, area, sex, fmt(v), fmt(v - Z95 * s), fmt(v + Z95 * s),
                                           low998=fmt(v - Z998 * s) if latest else "",
                                           up998=fmt(v + Z998 * s) if latest else "",
                                           trend="No significant change" if latest else "",
                                           compared=compared_to(v - Z95 * s, v + Z95 * s, e, True) if latest else ""))
                for decile, shift in (("Most deprived decile (IMD2019)", -4.8), ("Least deprived decile (IMD2019)", 4.6)):
                    rows.append(ft_row(ind, t[-1], england, sex, fmt(eng - 0.3 + shift), "", "",
                                       category=(CATEGORY_TYPE, decile)))
        else:
            base, slope, drift, denominator, fractional = {
                "93097": (-3.3, 0.75, -0.03, working, False),
                "93759": (-1.95, 0.35, 0.015, pop / 2.2, True),
                "93701": (-1.6, 0.8, 0.02, kids, False),
            }[ind.id]
            n = denominator * (1 + 0.004 * t[:, None]) + rng.normal(0, 5, (len(t), len(d)))
            n = np.round(n, 4) if fractional else np.round(n)
            p = 1 / (1 + np.exp(-(base + slope * d[None, :] + drift * t[:, None] + rng.normal(0, 0.06, n.shape))))
            count = rng.binomial(np.floor(n).astype(int), p)
            low, up = wilson(count, n, Z95)
            low3, up3 = wilson(count, n, Z998)
            suppress = (0, int(np.argmin(count[0]))) if ind.id == "93097" else None
            eng_p = 1 / (1 + np.exp(-(base - 0.25 + drift * t)))
            for k in t:
                e_count = int(round(eng_p[k] * 33_500_000 * (0.2 if ind.id == "93701" else 1)))
                e_n = 33_500_000 * (0.2 if ind.id == "93701" else 1)
                el, eu = wilson(np.array([e_count]), np.array([e_n]), Z95)
                rows.append(ft_row(ind, k, england, "Persons", fmt(100 * e_count / e_n), fmt(100 * el[0]),
                                   fmt(100 * eu[0]), count=str(e_count), denominator=str(int(e_n))))
                lc, ln = count[k].sum(), n[k].sum()
                ll, lu = wilson(np.array([lc]), np.array([ln]), Z95)
                rows.append(ft_row(ind, k, la, "Persons", fmt(100 * lc / ln), fmt(100 * ll[0]), fmt(100 * lu[0]),
                                   count=str(lc), denominator=fmt(ln, 4)))
                latest = k == t[-1]
                for j, area in enumerate(ward_areas):
                    if suppress == (k, j):
                        rows.append(ft_row(ind, k, area, "Persons", "", "", "", denominator=fmt(n[k, j], 4),
                                           note=SUPPRESSED))
                        continue
                    v = 100 * count[k, j] / n[k, j]
                    rows.append(ft_row(ind, k, area, "Persons", fmt(v), fmt(100 * low[k, j]), fmt(100 * up[k, j]),
                                       count=str(count[k, j]), denominator=fmt(n[k, j], 4),
                                       low998=fmt(100 * low3[k, j]) if latest else "",
                                       up998=fmt(100 * up3[k, j]) if latest else "",
                                       trend="No significant change" if latest else "",
                                       compared=compared_to(100 * low[k, j], 100 * up[k, j], 100 * e_count / e_n,
                                                            False) if latest else ""))
            for decile, factor in (("Most deprived decile (IMD2019)", 1.8), ("Least deprived decile (IMD2019)", 0.45)):
                e = 100 * eng_p[-1] * factor
                rows.append(ft_row(ind, t[-1], england, "Persons", fmt(e), "", "", category=(CATEGORY_TYPE, decile)))
        files[f"fingertips_{ind.id}_{ind.file_slug}{SUFFIX}.csv"] = csv_bytes(FINGERTIPS_HEADER, rows, "\r\n")
    return files


# --- writers -------------------------------------------------------------------------------------

def deprivation_files(shape: Shape, geo, dep) -> dict[str, bytes]:
    n = len(geo["lsoa_code"])
    ranked = {}
    for key, values in dep["scores"].items():
        ranked[key] = national_ranks(values, shape.england_lsoas)
    keys = list(dep["scores"])
    places = {"imd": 3, "income": 3, "employment": 3, "idaci": 3, "idaopi": 3}
    area = [[geo["lsoa_code"][i], geo["lsoa_name"][i], geo["la_code"][i], geo["la_name"][i]] for i in range(n)]
    pops = np.stack([dep["population"], dep["children"], dep["middle"], dep["older"], dep["working"]], axis=1)

    file7_header = list(AREA_HEADERS)
    for domain, score in FILE7_DOMAINS:
        file7_header += [f"{domain} {score}", f"{domain} Rank (where 1 is most deprived)",
                         f"{domain} Decile (where 1 is most deprived 10% of LSOAs)"]
    file7_header += POPULATION_HEADERS
    file7 = []
    for i in range(n):
        row = list(area[i])
        for key in keys:
            row += [f"{dep['scores'][key][i]:.{places.get(key, 3)}f}", int(ranked[key][0][i]), int(ranked[key][1][i])]
        row += [int(v) for v in pops[i]]
        file7.append(row)

    file1 = [area[i] + [thousands(int(ranked["imd"][0][i])), int(ranked["imd"][1][i])] for i in range(n)]
    file5_header = AREA_HEADERS + [f"{d} {s}" for d, s in FILE7_DOMAINS[:8]]
    file5 = [area[i] + [f"{dep['scores'][k][i]:.3f}" for k in keys[:8]] for i in range(n)]
    file6 = [area[i] + [thousands(int(v)) for v in pops[i]] for i in range(n)]
    return {
        f"File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3{SUFFIX}.csv":
            csv_bytes(file7_header, file7),
        f"File_1_-_IMD2019_Index_of_Multiple_Deprivation{SUFFIX}.csv": csv_bytes(
            AREA_HEADERS + ["Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"],
            file1, bom=True),
        f"File_5_-_IoD2019_Scores{SUFFIX}.csv": csv_bytes(file5_header, file5, bom=True),
        f"File_6_-_IoD2019_Population_Denominators{SUFFIX}.csv": csv_bytes(AREA_HEADERS + POPULATION_HEADERS,
                                                                           file6, bom=True),
    }


def lookup_file(geo) -> dict[str, bytes]:
    rows = [[geo["lsoa_code"][i], geo["lsoa_name"][i], geo["ward_code"][i], geo["ward_name"][i],
             geo["la_code"][i], geo["la_name"][i], i + 1] for i in range(len(geo["lsoa_code"]))]
    header = ["LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM", "FID"]
    return {f"LSOA_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales{SUFFIX}.csv": csv_bytes(header, rows, bom=True)}


def readme(shape: Shape, names: list[str]) -> bytes:
    lines = [
        "# Demonstration data: SYNTHETIC",
        "",
        "Every value in this folder is **synthetic demonstration data** made by `pipeline/demonstration_data.py`.",
        "They are not statistics about real places. Ward, LSOA and authority names and codes are fictional",
        f"(codes in the unused ranges E0190…, E059…, E069…, E089…), except the borough's own code {shape.borough_code}.",
        "Only the file formats are real, so that the readers that take these files take the publishers' downloads too.",
        "",
        "| file | format it mimics |",
        "|---|---|",
    ]
    formats = {
        "File_7": "MHCLG English Indices of Deprivation 2019, File 7 (57 columns, all LSOAs' scores, ranks, deciles, population denominators)",
        "File_1": "IoD2019 File 1 (ranks and deciles; UTF-8 with BOM, quoted thousands separators)",
        "File_5": "IoD2019 File 5 (scores; UTF-8 with BOM)",
        "File_6": "IoD2019 File 6 (population denominators; UTF-8 with BOM, quoted thousands separators)",
        "LSOA_": "ONS Open Geography LSOA (2011) to Ward (2019) lookup (LSOA11CD, WD19CD, LAD19CD, …; BOM)",
        "fingertips": "OHID Fingertips 'all data' CSV export (27 columns incl. 'Column not used', CRLF)",
    }
    for name in names:
        lines.append(f"| `{name}` | {next(v for k, v in formats.items() if name.startswith(k))} |")
    lines += [
        "",
        f"Seed {shape.seed}; {shape.borough_wards} borough wards and {shape.other_authorities} other authorities.",
        "Ranks are on the national scale of 32,844 LSOAs, placed by each LSOA's percentile in this sample.",
        "",
        "Regenerate with `make sample` or `python -m pipeline.demonstration_data` (byte-identical output).",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def generate(shape: Shape = Shape()) -> dict[str, bytes]:
    """All demonstration files as {file name: bytes}."""
    rng = np.random.default_rng(shape.seed)
    geo = geography(shape, rng)
    dep = deprivation(shape, geo, rng)
    files = {**deprivation_files(shape, geo, dep), **lookup_file(geo), **fingertips_files(shape, geo, dep, rng)}
    files["README.md"] = readme(shape, sorted(files))
    return dict(sorted(files.items()))


def write(out: Path = DEFAULT_OUT, shape: Shape = Shape()) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in generate(shape).items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic demonstration data (publishers' formats).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write to (default data/raw/sample)")
    parser.add_argument("--seed", type=int, default=Shape.seed, help="random seed")
    args = parser.parse_args()
    for path in write(args.out, Shape(seed=args.seed)):
        print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
