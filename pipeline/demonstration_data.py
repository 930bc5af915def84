"""Generate the bundled demonstration data: SYNTHETIC values in the publishers' exact file formats.

`make run` must work offline, so the project ships a small, deterministic sample in
data/raw/sample/. Every value is made up; only the formats are real, so that the readers that take
these files take the publishers' downloads unchanged:

- MHCLG English Indices of Deprivation 2019: File 7 (57 columns, UTF-8 without BOM, CRLF) and Files 1, 5
  and 6 (UTF-8 with BOM, CRLF, no line break after the last row, ranks and populations of 1,000 or
  more quoted with thousands separators: "29,199");
- the ONS Open Geography LSOA (2011) to ward (2019) lookup (LSOA11CD … FID, UTF-8 with BOM, CRLF);
- OHID Fingertips "all data" CSV exports (27 columns including the literal `Column not used`, CRLF).

Model used to synthesise values (all draws from one numpy `default_rng(seed)`)
- Geography. The borough (its real code and name, 26 wards with fictional names and codes
  E05900001–E05900026, LSOAs E01900001…) and 11 fictional authorities (E06900001…, E08900001…),
  each with 19–25 wards of 4–8 LSOAs, so that wards can be ranked "nationally" within the sample.
- Deprivation. Each ward has a latent deprivation z: elsewhere its authority's mean (spread evenly
  from −0.8 to 0.8, + N(0, 0.15²)) plus a ward effect ~ N(0, 0.6²); in the borough, wards
  E05900001–E05900009 are drawn deep in the deprived tail (z ~ N(1.7, 0.15²)) and the rest spread
  evenly from z = 0.8 down to −1.4, in shuffled order. An LSOA's latent is
  x = z + N(0, 0.5²) and its IMD score = 100 · logistic(−1.54 + 0.98 x), clipped to 0.5–92: a
  logit-normal curve that has the real index's right skew (median ~17, 99th percentile ~68).
- Domains. Each domain (and sub-domain) has its own latent u = r·x̃ + √(1−r²)·ε (x̃ = standardised x,
  r from 0.95 for income down to −0.35 for geographical barriers); Education, Barriers and Living
  Environment are built from their two sub-domains. Rates (income, employment, IDACI, IDAOPI) are
  logistic in u, Education is 0–100, Barriers and Living Environment are log-normal, Health, Crime
  and the sub-domains are z-score-like, as published.
- Ranks. Every score is ranked on the national scale of 32,844 LSOAs (1 = most deprived) from the
  LSOA's percentile in the sample, rank = ⌊(position + ½)·32,844 / n⌋ + 1; deciles from ranks by the
  published rule (decile = ⌈10·rank / 32,844⌉, so decile 1 holds ranks 1–3,284).
- Population (mid-2015, excluding prisoners). Total ~ 1,600·exp(N(0, 0.22²)) within 1,000–3,000;
  children's share rises and older people's share falls with deprivation; 16–59 is the remainder;
  the working-age (18–59/64) denominator is 16–59 less the 16–17s plus men of 60–64.
- Indicators, per ward w and period t, driven by the ward's deprivation d = standardised square root
  of its population-weighted IMD score (over all sample wards, so England sits near d = 0; the root
  makes the gradient steepest among the most deprived wards, as in real ward data):
  life expectancy = England(t) − β(t)·d + ward effect + noise, with β(t) set so that the borough's
  most and least deprived wards are `male_le_gap` years apart in the first period, widening by
  `le_gap_widening` years a period (women: `female_le_gap_ratio` of that), and a standard error of
  3.8/√(population in thousands) (1–2.5 years) for the 95 % and 99.8 % limits;
  proportions: logit p = logit(England first period) + β·d + trend·t + period shock + ward effect +
  noise, with counts drawn Binomial(denominator, p) and Wilson score limits (z = 1.959963984540054
  and 3.090232306167813), as Fingertips publishes them.
- Published extras, as in the real export: "Compared to England" (Better/Similar/Worse from the 95 %
  limits, "Not compared" for England and missing values), the recent trend for the latest period
  (chi-squared test for trend, or a weighted regression for life expectancy, on the last five
  periods at 99.8 %), 10 England rows by County & UA deprivation decile for the latest period, a few
  ward values suppressed or not published with the publisher's note, non-integer fuel-poverty
  denominators. Numbers are written with 10 significant digits, trailing zeros stripped.

Run `python -m pipeline.demonstration_data [--out DIR] [--seed N]` (or `make sample`); the output is
byte-identical on every run for a given seed.
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT_ROOT / "data" / "raw" / "sample"


@dataclass(frozen=True)
class Shape:
    """The shape of the synthetic sample. Changing one changes the files: regenerate and commit them."""

    seed: int = 20210401                                     # numpy default_rng seed
    borough_code: str = "E06000004"                          # the borough the sample stands in for
    borough_name: str = "Stockton-on-Tees"
    borough_wards: int = 26                                  # codes E05900001–E05900026
    borough_lsoas: int = 120                                 # spread over the borough's wards …
    borough_lsoas_per_ward: tuple[int, int] = (3, 7)         # … within these bounds (inclusive)
    borough_deprived_wards: int = 9                          # E05900001–09, drawn into the most deprived tenth
    other_authorities: int = 11                              # fictional "rest of England"
    other_wards_per_authority: tuple[int, int] = (19, 25)    # inclusive
    other_lsoas_per_ward: tuple[int, int] = (4, 8)           # inclusive
    england_lsoas: int = 32844                               # national scale of the IoD2019 ranks
    periods: int = 7                                         # periods per Fingertips indicator
    first_year: int = 2016                                   # first financial/calendar year (2016/17, 2016)
    le_first_year: int = 2012                                # first life-expectancy period (2012 - 16)
    male_le_gap: float = 18.0                                # years, most vs least deprived borough ward, first period
    female_le_gap_ratio: float = 0.8                         # women's gap as a share of men's
    le_gap_widening: float = 0.3                             # years added to the gap each period


SUFFIX = "_DEMONSTRATION"
Z95 = 1.959963984540054
Z998 = 3.090232306167813

# --- names (fictional; checked against the real ward and authority names of England and Wales) ---

# Borough wards in code order. E05900001–03 are town-centre wards, 04, 05 and 08 riverside wards,
# 06, 07 and 09 northern estates: the most deprived nine.
BOROUGH_WARD_NAMES = [
    "Tollbridge Central", "Priorsgate", "Ropewalk", "Wharfside", "Quayfield", "Brackenhurst North",
    "Thornleigh Park", "Keelham Riverside", "Brackenhurst South", "Coldwell", "Ashgrove", "Marlbeck",
    "Ravensholme", "Elmridge", "Larchfield", "Sedgewater", "Foxcombe Vale", "Brindlemoor", "Cotswick",
    "Harrowdene", "Stanmere", "Whinholme", "Ludmoor", "Kestonbury", "Aldenby", "Hawksmere Village",
]
# The other authorities: the first six unitary authorities (E06900001…), the rest metropolitan
# districts (E08900001…).
AUTHORITIES = ["Northmoor", "Westvale", "Eastbridge", "Southholm", "Highcastle", "Lowmarsh",
               "Greyford", "Riverton", "Millbank", "Seacliff", "Oakhampton"]
UNITARY_AUTHORITIES = 6
WARD_STEMS = ["Aspen", "Thistle", "Cald", "Dunster", "Elder", "Fennel", "Gorse", "Heron", "Ivel", "Kestrel",
              "Lapwing", "Mallow", "Sallow", "Osier", "Plover", "Quern", "Rook", "Sorrel", "Teasel", "Umber",
              "Vetch", "Wyn", "Yarrow", "Bramble", "Coppice", "Dunlin"]
WARD_ENDINGS = ["by", "field", "ton", "ham", "well", "wood", "ford", "ley", "stead", "thorpe", "brook", "mere",
                "side"]
WARD_QUALIFIERS = ["", " North", " South", " East", " West", " Central"]

# --- published layouts ----------------------------------------------------------------------------

AREA_HEADERS = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
                "Local Authority District name (2019)"]
RANK = "Rank (where 1 is most deprived)"
DECILE = "Decile (where 1 is most deprived 10% of LSOAs)"
# File 7's sixteen score/rank/decile triples in order: (published name, score label); scores have 3 d.p.
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
SCORE_KEYS = ["imd", "income", "employment", "education", "health", "crime", "barriers", "environment", "idaci",
              "idaopi", "young", "adult", "geographical", "wider", "indoors", "outdoors"]  # FILE7_DOMAINS order
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
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
    "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
    "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Column not used", "Time period Sortable", "New data",
    "Compared to goal", "Time period range",
]
ENGLAND = ("E92000001", "England")
REGION = ("E12000001", "North East region (statistical)")
CATEGORY_TYPE = "County & UA deprivation deciles in England (IMD2019, 4/21 geography)"
DECILE_CATEGORIES = [
    "Most deprived decile (IMD2019)", "Second most deprived decile (IMD2019)", "Third more deprived decile (IMD2019)",
    "Fourth more deprived decile (IMD2019)", "Fifth more deprived decile (IMD2019)",
    "Fifth less deprived decile (IMD2019)", "Fourth less deprived decile (IMD2019)",
    "Third less deprived decile (IMD2019)", "Second least deprived decile (IMD2019)", "Least deprived decile (IMD2019)",
]
SUPPRESSED = "Value suppressed for disclosure control due to small count"
NOT_PUBLISHED = "Value not published for data quality reasons"
AGGREGATED = "Aggregated from all known lower geography values"
NO_CHANGE = "No significant change"
CANNOT_CALCULATE = "Cannot be calculated"


# --- number formats and CSV writing ---------------------------------------------------------------

def fingertips_number(value: float) -> str:
    """A number as the Fingertips export writes it: 10 significant digits, trailing zeros stripped."""
    return np.format_float_positional(float(value), precision=10, unique=False, fractional=False, trim="-")


def fixed(value: float, places: int = 3) -> str:
    """A score as the IoD files write it: fixed decimals, never '-0.000'."""
    return f"{round(float(value), places) + 0.0:.{places}f}"


def thousands(value: int) -> str:
    return f"{int(value):,}"


def csv_bytes(header: list[str], rows: list[list], *, crlf: bool, bom: bool = False,
              final_line_break: bool = True) -> bytes:
    """Header and rows as CSV (minimal quoting, as csv writes it), UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    text = buffer.getvalue()
    if not final_line_break:
        text = text.rstrip("\r\n")
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def standardised(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


# --- geography -----------------------------------------------------------------------------------

def other_ward_names(count: int) -> list[str]:
    """Fictional ward names (stem + ending, then with a qualifier) in a fixed scrambled order, the
    same for every seed; they repeat (in other authorities, as real ward names do) only past 2,028."""
    combos = [s + e for e in WARD_ENDINGS for s in WARD_STEMS]
    step = 97  # coprime with len(combos): visits every combination once
    names = [combos[(i * step) % len(combos)] + q for q in WARD_QUALIFIERS for i in range(len(combos))]
    return [names[i % len(names)] for i in range(count)]


def borough_ward_latents(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """Latent deprivation of the borough's wards in code order: the first `borough_deprived_wards`
    deep in the deprived tail, the others spread evenly towards the affluent end, order shuffled."""
    deprived = rng.normal(1.7, 0.15, shape.borough_deprived_wards)
    rest = np.linspace(0.8, -1.4, shape.borough_wards - shape.borough_deprived_wards)
    return np.concatenate([deprived, rng.permutation(rest + rng.normal(0, 0.12, rest.size))])


def lsoas_per_ward(total: int, wards: int, bounds: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """`total` LSOAs over `wards` wards, each within `bounds`: start at the minimum, add one at a time."""
    low, high = bounds
    if not low * wards <= total <= high * wards:
        raise ValueError(f"{total} LSOAs cannot be spread over {wards} wards of {low}–{high}")
    counts = np.full(wards, low)
    while counts.sum() < total:
        counts[rng.choice(np.flatnonzero(counts < high))] += 1
    return counts


def geography(shape: Shape, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One entry per LSOA, sorted by code: lsoa_code, lsoa_name, ward_code, ward_name, la_code,
    la_name and `latent`, the latent deprivation of the LSOA's ward."""
    if len(BOROUGH_WARD_NAMES) < shape.borough_wards or len(AUTHORITIES) < shape.other_authorities:
        raise ValueError("not enough fictional names for the requested shape")
    authorities = [(shape.borough_code, shape.borough_name)] + [
        (f"E069{n + 1:05d}" if n < UNITARY_AUTHORITIES else f"E089{n - UNITARY_AUTHORITIES + 1:05d}", name)
        for n, name in enumerate(AUTHORITIES[: shape.other_authorities])]
    low, high = shape.other_wards_per_authority
    wards_per_la = np.concatenate([[shape.borough_wards], rng.integers(low, high + 1, shape.other_authorities)])
    la_means = rng.permutation(np.linspace(-0.8, 0.8, shape.other_authorities)) \
        + rng.normal(0, 0.15, shape.other_authorities)
    ward_latent = np.concatenate([borough_ward_latents(shape, rng)]
                                 + [m + rng.normal(0, 0.6, k) for m, k in zip(la_means, wards_per_la[1:])])
    ward_la = np.repeat(np.arange(len(authorities)), wards_per_la)
    ward_code = np.array([f"E059{n + 1:05d}" for n in range(ward_la.size)])
    ward_name = np.array(BOROUGH_WARD_NAMES[: shape.borough_wards]
                         + other_ward_names(ward_la.size - shape.borough_wards))

    lsoas = np.concatenate([
        lsoas_per_ward(shape.borough_lsoas, shape.borough_wards, shape.borough_lsoas_per_ward, rng),
        rng.integers(shape.other_lsoas_per_ward[0], shape.other_lsoas_per_ward[1] + 1,
                     ward_la.size - shape.borough_wards),
    ])
    ward = np.repeat(np.arange(ward_la.size), lsoas)
    la = ward_la[ward]
    la_code = np.array([code for code, _ in authorities])[la]
    la_name = np.array([name for _, name in authorities])[la]
    # "<authority> 001A": a number per ward within its authority (standing in for the MSOA), a letter per LSOA
    ward_in_la = ward - np.searchsorted(ward_la, ward_la[ward]) + 1
    letter = np.arange(ward.size) - np.repeat(np.cumsum(lsoas) - lsoas, lsoas)
    return {
        "lsoa_code": np.array([f"E019{n + 1:05d}" for n in range(ward.size)]),
        "lsoa_name": np.array([f"{n} {m:03d}{chr(65 + k)}" for n, m, k in zip(la_name, ward_in_la, letter)]),
        "ward_code": ward_code[ward], "ward_name": ward_name[ward],
        "la_code": la_code, "la_name": la_name, "latent": ward_latent[ward],
    }


# --- deprivation scores and populations -----------------------------------------------------------

def domain_scores(x: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every File 7 score (unrounded) from the LSOA latent x (see the module docstring)."""
    xs = standardised(x)

    def latent(r: float) -> np.ndarray:
        return r * xs + np.sqrt(1 - r * r) * rng.standard_normal(x.size)

    u = {"income": latent(0.95), "employment": latent(0.92), "health": latent(0.85), "crime": latent(0.65),
         "idaci": latent(0.93), "idaopi": latent(0.87), "young": latent(0.82), "adult": latent(0.80),
         "geographical": latent(-0.35), "wider": latent(0.55), "indoors": latent(0.45), "outdoors": latent(0.35)}
    education = standardised(u["young"] + u["adult"])
    barriers = standardised(u["geographical"] + u["wider"])
    environment = standardised(u["indoors"] + u["outdoors"])
    return {
        "imd": np.clip(100 * logistic(-1.54 + 0.98 * x), 0.5, 92.0),
        "income": logistic(-2.09 + 0.86 * u["income"]),
        "employment": logistic(-2.37 + 0.66 * u["employment"]),
        "education": 100 * logistic(-1.5 + 1.05 * education),
        "health": 0.9 * u["health"],
        "crime": 0.8 * u["crime"],
        "barriers": np.clip(21 * np.exp(0.45 * barriers), 0.5, 80.0),
        "environment": np.clip(17 * np.exp(0.6 * environment), 0.5, 95.0),
        "idaci": logistic(-1.9 + 0.9 * u["idaci"]),
        "idaopi": logistic(-1.9 + 0.75 * u["idaopi"]),
        "young": 0.95 * u["young"],
        "adult": 0.95 * u["adult"],
        "geographical": 0.9 * u["geographical"],
        "wider": 0.9 * u["wider"],
        "indoors": 0.9 * u["indoors"],
        "outdoors": 0.9 * u["outdoors"],
    }


def populations(x: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Mid-2015 denominators (integers): population = children + middle (16-59) + older (60+);
    working (18-59/64) = middle − the 16-17s + the men of 60-64."""
    n, xs = x.size, standardised(x)
    total = np.clip(np.round(1600 * np.exp(rng.normal(0, 0.22, n))), 1000, 3000).astype(np.int64)
    child_share = np.clip(0.18 + 0.03 * xs + rng.normal(0, 0.03, n), 0.08, 0.32)
    older_share = np.clip(0.23 - 0.05 * xs + rng.normal(0, 0.05, n), 0.05, 0.42)
    children = np.round(total * child_share).astype(np.int64)
    older = np.round(total * older_share).astype(np.int64)
    middle = total - children - older
    working = middle - np.round(children * rng.uniform(0.10, 0.13, n)).astype(np.int64) \
        + np.round(older * rng.uniform(0.07, 0.12, n)).astype(np.int64)
    return {"population": total, "children": children, "middle": middle, "older": older, "working": working}


def deprivation(shape: Shape, geo: dict[str, np.ndarray], rng: np.random.Generator) -> dict:
    """Per LSOA: "scores" (dict of unrounded scores, SCORE_KEYS) and the population denominators
    (POPULATION_KEYS). The LSOA latent is its ward's latent + N(0, 0.5²)."""
    x = geo["latent"] + rng.normal(0, 0.5, geo["latent"].size)
    return {"scores": domain_scores(x, rng), **populations(x, rng)}


def national_ranks(values: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank (1 = most deprived = highest score) on the national scale of `total` LSOAs from each value's
    percentile in the sample, and the decile by the published rule (decile 1 = ranks 1..⌊total/10⌋)."""
    order = np.argsort(-values, kind="stable")
    position = np.empty(values.size, dtype=np.int64)
    position[order] = np.arange(values.size)
    rank = np.minimum((2 * position + 1) * total // (2 * values.size) + 1, total)
    decile = -(-10 * rank // total)
    return rank, decile


def published_scores(dep: dict) -> dict[str, list[str]]:
    """Scores as File 7 writes them (3 d.p.)."""
    return {key: [fixed(v) for v in dep["scores"][key]] for key in SCORE_KEYS}


def ward_table(geo: dict[str, np.ndarray], dep: dict) -> dict[str, np.ndarray]:
    """One entry per ward (sorted by code), computed from the files as the pipeline computes it:
    population-weighted IMD score, national rank among the sample's wards (1 = most deprived), and
    d, the standardised √score that drives the indicators (+ = more deprived)."""
    code, first, index = np.unique(geo["ward_code"], return_index=True, return_inverse=True)
    population = np.bincount(index, weights=dep["population"])
    score = np.bincount(index, weights=dep["population"] * np.array(published_scores(dep)["imd"], dtype=float)) \
        / population
    rank = np.empty(code.size, dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, code.size + 1)
    return {
        "ward_code": code, "ward_name": geo["ward_name"][first], "la_code": geo["la_code"][first],
        "lsoas": np.bincount(index), "population": population,
        "children": np.bincount(index, weights=dep["children"]),
        "working": np.bincount(index, weights=dep["working"]),
        "score": score, "national_rank": rank, "deprivation": standardised(np.sqrt(score)),
    }


# --- indicator values -----------------------------------------------------------------------------

def wilson(count: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for count/n (proportions, 0–1) at Z95 or Z998: the build's own method
    (pipeline.methods.proportion), so the demonstration publishes what fsot would compute."""
    from pipeline.methods.proportion import proportion

    out = proportion(count, n, {Z95: 0.95, Z998: 0.998}[z])
    return out["lower_ci"], out["upper_ci"]


def trend_for_counts(count: np.ndarray, n: np.ndarray, higher_is_better: bool) -> str:
    """Fingertips recent trend of the last five points of counts: the build's own chi-squared test for
    trend at 99.8 % (pipeline.methods.trend)."""
    from pipeline.methods.trend import proportion_trend

    return _fingertips_label(proportion_trend(count[None, -5:], n[None, -5:]), higher_is_better)


def trend_for_values(value: np.ndarray, se: np.ndarray, higher_is_better: bool) -> str:
    """Recent trend of the last five values with standard errors: the build's own weighted regression
    at 99.8 % (pipeline.methods.trend; the limits are value ± 1.96·SE, as published)."""
    from pipeline.methods.trend import weighted_trend

    value, se = value[None, -5:], se[None, -5:]
    return _fingertips_label(weighted_trend(value, value - 1.96 * se, value + 1.96 * se), higher_is_better)


def _fingertips_label(result: dict[str, np.ndarray], higher_is_better: bool) -> str:
    """pipeline.methods.trend's verdict in the words of a Fingertips export."""
    from pipeline.methods.trend import CANNOT, trend_label
    from pipeline.methods.trend import NO_CHANGE as NOT_SIGNIFICANT

    [label], _ = trend_label(result, np.array([higher_is_better]))
    if label == CANNOT:
        return CANNOT_CALCULATE
    if label == NOT_SIGNIFICANT:
        return NO_CHANGE
    direction = "Increasing" if result["slope_sign"][0] > 0 else "Decreasing"
    return f"{direction} and getting {'better' if label == 'improving' else 'worse'}"


def compared(lower: float, upper: float, england: float, higher_is_better: bool) -> str:
    """'Compared to England value or percentiles' as the export writes it (95 % limits vs England)."""
    if np.isnan(lower) or np.isnan(england):
        return "Not compared"
    if lower > england:
        return "Better" if higher_is_better else "Worse"
    if upper < england:
        return "Worse" if higher_is_better else "Better"
    return "Similar"


@dataclass(frozen=True)
class Indicator:
    """One Fingertips indicator and the coefficients of its synthetic model."""

    id: str
    name: str
    slug: str
    age: str
    sexes: tuple[str, ...]
    period_style: str                    # "5y" pooled, "financial" or "calendar"
    higher_is_better: bool
    # proportions: logit p = logit(england_first) + slope·d + trend·t + shocks[t] + ward effect + noise
    england_first: float = 0.0
    slope: float = 0.0
    trend: float = 0.0
    shocks: tuple[float, ...] = ()
    denominator: str = ""                # ward "working", "children" or "households"
    england_denominator: float = 0.0
    fractional_denominator: bool = False
    suppress_periods: tuple[int, ...] = ()   # periods (0-based) whose smallest ward count is suppressed
    borough_note: str = ""


INDICATORS = [
    Indicator("93283", "Life expectancy at birth, (upper age band 90+)", "life_expectancy_at_birth", "All ages",
              ("Male", "Female"), "5y", True),
    Indicator("93097", "Unemployment: out-of-work benefit claimants (% of working age population)", "unemployment",
              "16-64 yrs", ("Persons",), "financial", False, england_first=0.02, slope=0.6, trend=-0.02,
              shocks=(0, -0.05, 0.0, 0.1, 0.45, 0.35, 0.3), denominator="working", england_denominator=35_000_000,
              suppress_periods=(1, 3)),
    Indicator("93759", "Fuel poverty (low income, low energy efficiency methodology)", "fuel_poverty",
              "Not applicable", ("Persons",), "calendar", False, england_first=0.111, slope=0.3, trend=0.03,
              shocks=(0, 0, 0.02, 0, -0.02, 0.03, 0.05), denominator="households", england_denominator=23_400_000,
              fractional_denominator=True, suppress_periods=(2,), borough_note=AGGREGATED),
    Indicator("93701", "Children in relative low income families (under 16s)", "children_in_low_income_families",
              "<16 yrs", ("Persons",), "financial", False, england_first=0.151, slope=0.5, trend=0.05,
              shocks=(0, 0, 0.02, 0.04, -0.05, 0.02, 0.04), denominator="children", england_denominator=10_800_000,
              suppress_periods=(0,)),
]

# England life expectancy by period (2012 - 16 …) before the deprivation gradient
ENGLAND_LE = {"Male": (79.4, 79.5, 79.6, 79.6, 79.4, 79.1, 78.9), "Female": (83.1, 83.2, 83.2, 83.2, 83.1, 82.9, 82.8)}
# County & UA deprivation deciles of England, on the ward deprivation scale d (most deprived first)
DECILE_DEPRIVATION = np.linspace(0.65, -0.55, 10)


def per_period(values: tuple[float, ...], periods: int) -> np.ndarray:
    """The first `periods` values, the last one repeated if there are fewer."""
    return np.array([values[min(k, len(values) - 1)] for k in range(periods)], dtype=float)


def periods(indicator: Indicator, p: Shape) -> tuple[list[str], list[str], str]:
    """Period labels, 'Time period Sortable' values and 'Time period range'."""
    if indicator.period_style == "5y":
        years = range(p.le_first_year, p.le_first_year + p.periods)
        return [f"{y} - {(y + 4) % 100:02d}" for y in years], [f"{y}0000" for y in years], "5y"
    years = range(p.first_year, p.first_year + p.periods)
    if indicator.period_style == "financial":
        return [f"{y}/{(y + 1) % 100:02d}" for y in years], [f"{y}0000" for y in years], "1y"
    return [str(y) for y in years], [f"{y}0000" for y in years], "1y"


@dataclass
class Series:
    """One indicator × sex: arrays (areas × periods). Areas: England, the borough, the borough's wards,
    then the England deprivation-decile categories. NaN = not published."""

    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower998: np.ndarray
    upper998: np.ndarray
    count: np.ndarray | None = None
    denominator: np.ndarray | None = None
    se: np.ndarray | None = None
    notes: dict[tuple[int, int], str] = field(default_factory=dict)


def life_expectancy(p: Shape, sex: str, wards: dict[str, np.ndarray], rng: np.random.Generator) -> Series:
    """Life expectancy at birth of England, the borough, its wards and the England deprivation
    deciles (rows) by period (columns)."""
    d, population = wards["deprivation"], wards["population"]
    t = np.arange(p.periods)
    gap = (p.male_le_gap + p.le_gap_widening * t) * (1.0 if sex == "Male" else p.female_le_gap_ratio)
    slope = gap / (d.max() - d.min())                                     # years per unit of d, by period
    england = per_period(ENGLAND_LE[sex], p.periods) + rng.normal(0, 0.02, t.size)
    ward = england - slope * d[:, None] + rng.normal(0, 0.9, (d.size, 1)) + rng.normal(0, 0.45, (d.size, t.size))
    ward_se = np.clip(3.8 / np.sqrt(population / 1000)[:, None] * rng.uniform(0.95, 1.05, ward.shape), 1.0, 2.5)
    borough = np.average(ward, axis=0, weights=population) - 0.2
    deciles = england - slope * DECILE_DEPRIVATION[:, None] + rng.normal(0, 0.1, (DECILE_DEPRIVATION.size, t.size))
    value = np.vstack([england, borough, ward, deciles])
    se = np.vstack([np.full(t.size, 0.03), np.full(t.size, 0.22), ward_se,
                    np.full((DECILE_DEPRIVATION.size, t.size), 0.05)])
    return Series(value=value, lower=value - Z95 * se, upper=value + Z95 * se, lower998=value - Z998 * se,
                  upper998=value + Z998 * se, se=se)


def as_published(values: np.ndarray, fractional: bool) -> np.ndarray:
    """Denominators as the export writes them: whole numbers, or 10 significant digits."""
    if not fractional:
        return np.round(values)
    return np.vectorize(lambda v: float(fingertips_number(v)), otypes=[float])(values)


def proportion(p: Shape, ind: Indicator, wards: dict[str, np.ndarray], rng: np.random.Generator) -> Series:
    """Counts, denominators, percentages and Wilson limits of England, the borough, its wards and the
    England deprivation deciles (rows) by period (columns)."""
    t, d = np.arange(p.periods), wards["deprivation"]
    base = {"working": wards["working"] * 1.04, "children": wards["children"],
            "households": wards["population"] / 2.25}[ind.denominator]
    growth = 1 + 0.004 * t
    n = as_published(base[:, None] * growth * rng.normal(1, 0.01, (base.size, t.size)), ind.fractional_denominator)
    period_effect = ind.trend * t + per_period(ind.shocks, p.periods)
    eta = logit(ind.england_first) + ind.slope * d[:, None] + period_effect \
        + rng.normal(0, 0.12, (d.size, 1)) + rng.normal(0, 0.05, n.shape)
    count = rng.binomial(np.floor(n).astype(np.int64), logistic(eta)).astype(float)

    england_n = as_published(ind.england_denominator * growth * rng.normal(1, 0.001, t.size),
                             ind.fractional_denominator)
    england_count = rng.binomial(np.floor(england_n).astype(np.int64),
                                 logistic(logit(ind.england_first) + period_effect)).astype(float)
    decile_n = as_published(np.outer(rng.uniform(0.08, 0.12, 10), england_n), ind.fractional_denominator)
    decile_eta = logit(ind.england_first) + ind.slope * DECILE_DEPRIVATION[:, None] + period_effect
    decile_count = rng.binomial(np.floor(decile_n).astype(np.int64), logistic(decile_eta)).astype(float)

    all_count = np.vstack([england_count, count.sum(axis=0), count, decile_count])
    all_n = np.vstack([england_n, as_published(n.sum(axis=0), ind.fractional_denominator), n, decile_n])
    lower, upper = wilson(all_count, all_n, Z95)
    lower998, upper998 = wilson(all_count, all_n, Z998)
    s = Series(value=100 * all_count / all_n, lower=100 * lower, upper=100 * upper, lower998=100 * lower998,
               upper998=100 * upper998, count=all_count, denominator=all_n)
    if ind.borough_note:
        s.notes.update({(1, k): ind.borough_note for k in t})
    for k in ind.suppress_periods:  # the smallest ward count of the period, suppressed by the publisher
        withhold(s, 2 + int(np.argmin(count[:, k])), k, SUPPRESSED)
    return s


def fingertips_rows(p: Shape, ind: Indicator, sex: str, k: int, s: Series, ward_codes: list[str],
                    ward_names: list[str]) -> list[list[str]]:
    """The export's rows of one sex and period: England, (latest period) England by deprivation decile,
    the borough, its wards."""
    labels, sortable, period_range = periods(ind, p)
    latest = k == p.periods - 1
    wards = len(ward_codes)
    areas = [(*ENGLAND, "England", "", "", "", ""), (p.borough_code, p.borough_name, "UA", *REGION, "", "")]
    areas += [(c, n, "Ward", p.borough_code, p.borough_name, "", "") for c, n in zip(ward_codes, ward_names)]
    areas += [(*ENGLAND, "England", "", "", CATEGORY_TYPE, category) for category in DECILE_CATEGORIES]
    order = [0, *(range(2 + wards, len(areas)) if latest else ()), 1, *range(2, 2 + wards)]

    def number(array: np.ndarray | None, i: int, integer: bool = False) -> str:
        if array is None or np.isnan(array[i, k]):
            return ""
        return str(int(array[i, k])) if integer else fingertips_number(array[i, k])

    def trend(i: int) -> str:
        if s.count is not None:
            return trend_for_counts(s.count[i], s.denominator[i], ind.higher_is_better)
        return trend_for_values(s.value[i], s.se[i], ind.higher_is_better)

    rows = []
    for i in order:
        code, name, area_type, parent_code, parent_name, category_type, category = areas[i]
        published = not np.isnan(s.value[i, k])
        row = {
            "Indicator ID": ind.id, "Indicator Name": ind.name, "Parent Code": parent_code, "Parent Name": parent_name,
            "Area Code": code, "Area Name": name, "Area Type": area_type, "Sex": sex, "Age": ind.age,
            "Category Type": category_type, "Category": category, "Time period": labels[k],
            "Value": number(s.value, i), "Lower CI 95.0 limit": number(s.lower, i),
            "Upper CI 95.0 limit": number(s.upper, i),
            "Lower CI 99.8 limit": number(s.lower998, i) if latest else "",
            "Upper CI 99.8 limit": number(s.upper998, i) if latest else "",
            "Count": number(s.count, i, integer=True),
            "Denominator": number(s.denominator, i, integer=not ind.fractional_denominator),
            "Value note": s.notes.get((i, k), ""),
            "Recent Trend": trend(i) if latest and not category_type else "",
            "Compared to England value or percentiles": compared(s.lower[i, k], s.upper[i, k], s.value[0, k],
                                                                 ind.higher_is_better)
            if i != 0 and published else "Not compared",
            "Column not used": "Not compared", "Time period Sortable": sortable[k], "New data": "",
            "Compared to goal": "", "Time period range": period_range,
        }
        rows.append([row[h] for h in FINGERTIPS_HEADER])
    return rows


def withhold(s: Series, i: int, k: int, note: str) -> None:
    """Leave one value unpublished (empty value, limits and count; the denominator stays) with a note."""
    for array in (s.value, s.lower, s.upper, s.lower998, s.upper998, s.count):
        if array is not None:
            array[i, k] = np.nan
    s.notes[(i, k)] = note


def fingertips_files(shape: Shape, wards: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, bytes]:
    """One export per indicator: rows by period, then sex (England, deciles, the borough, its wards)."""
    in_borough = wards["la_code"] == shape.borough_code
    borough = {key: values[in_borough] for key, values in wards.items()}
    codes, names = list(borough["ward_code"]), list(borough["ward_name"])
    files = {}
    for ind in INDICATORS:
        if ind.period_style == "5y":
            series = {sex: life_expectancy(shape, sex, borough, rng) for sex in ind.sexes}
            # one male value withheld by the publisher: the middle ward by deprivation, second period
            middle = int(np.argsort(borough["deprivation"], kind="stable")[in_borough.sum() // 2])
            withhold(series["Male"], 2 + middle, 1, NOT_PUBLISHED)
        else:
            series = {sex: proportion(shape, ind, borough, rng) for sex in ind.sexes}
        rows = [row for k in range(shape.periods) for sex in ind.sexes
                for row in fingertips_rows(shape, ind, sex, k, series[sex], codes, names)]
        files[f"fingertips_{ind.id}_{ind.slug}{SUFFIX}.csv"] = csv_bytes(FINGERTIPS_HEADER, rows, crlf=True)
    return files


# --- the IoD and lookup files --------------------------------------------------------------------

def file7_header() -> list[str]:
    header = list(AREA_HEADERS)
    for name, score in FILE7_DOMAINS:
        header += [f"{name} {score}", f"{name} {RANK}", f"{name} {DECILE}"]
    return header + POPULATION_HEADERS


def deprivation_files(shape: Shape, geo: dict[str, np.ndarray], dep: dict) -> dict[str, bytes]:
    """File 7 (no BOM) and Files 1, 5, 6 (BOM, CRLF, no final line break, thousands separators)."""
    scores = published_scores(dep)
    ranked = {key: national_ranks(dep["scores"][key], shape.england_lsoas) for key in SCORE_KEYS}
    population = np.stack([dep[key] for key in POPULATION_KEYS], axis=1)
    file7, file1, file5, file6 = [], [], [], []
    for i in range(geo["lsoa_code"].size):
        area = [str(geo[key][i]) for key in ("lsoa_code", "lsoa_name", "la_code", "la_name")]
        triples = [cell for key in SCORE_KEYS for cell in (scores[key][i], str(ranked[key][0][i]),
                                                            str(ranked[key][1][i]))]
        file7.append(area + triples + [str(v) for v in population[i]])
        file1.append(area + [thousands(ranked["imd"][0][i]), str(ranked["imd"][1][i])])
        file5.append(area + [scores[key][i] for key in SCORE_KEYS[:8]])
        file6.append(area + [thousands(v) for v in population[i]])
    as_published = {"crlf": True, "bom": True, "final_line_break": False}
    return {
        f"File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3{SUFFIX}.csv":
            csv_bytes(file7_header(), file7, crlf=True),
        f"File_1_-_IMD2019_Index_of_Multiple_Deprivation{SUFFIX}.csv": csv_bytes(
            AREA_HEADERS + ["Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"],
            file1, **as_published),
        f"File_5_-_IoD2019_Scores{SUFFIX}.csv": csv_bytes(
            AREA_HEADERS + [f"{name} {score}" for name, score in FILE7_DOMAINS[:8]], file5, **as_published),
        f"File_6_-_IoD2019_Population_Denominators{SUFFIX}.csv": csv_bytes(
            AREA_HEADERS + POPULATION_HEADERS, file6, **as_published),
    }


def lookup_file(geo: dict[str, np.ndarray]) -> dict[str, bytes]:
    """The ONS lookup: one row per LSOA with its ward and authority, FID 1..n (BOM, CRLF)."""
    keys = ("lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name")
    rows = [[str(geo[key][i]) for key in keys] + [str(i + 1)] for i in range(geo["lsoa_code"].size)]
    return {f"LSOA_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales{SUFFIX}.csv":
            csv_bytes(LOOKUP_HEADER, rows, crlf=True, bom=True)}


# --- README ----------------------------------------------------------------------------------------

FORMATS = {
    "File_7": "MHCLG English Indices of Deprivation 2019, File 7: all 16 scores, ranks and deciles and the five "
              "population denominators (57 columns). UTF-8 without BOM, CRLF, plain numbers",
    "File_1": "IoD2019 File 1: IMD rank and decile. UTF-8 with BOM, CRLF, no line break after the last row, "
              "ranks quoted with thousands separators (\"29,199\")",
    "File_5": "IoD2019 File 5: the eight scores. UTF-8 with BOM, CRLF, no line break after the last row",
    "File_6": "IoD2019 File 6: population denominators (mid-2015, excluding prisoners). UTF-8 with BOM, CRLF, no "
              "line break after the last row, numbers of 1,000 or more quoted with thousands separators",
    "LSOA_": "ONS Open Geography Portal: LSOA (2011) to Ward (2019) lookup, LSOA11CD, LSOA11NM, WD19CD, WD19NM, "
             "LAD19CD, LAD19NM, FID. UTF-8 with BOM, CRLF",
    "fingertips": "OHID Fingertips \"all data\" CSV export of one indicator: the 27-column header including "
                  "`Column not used`, CRLF, no BOM",
}


def readme(shape: Shape, names: list[str], geo: dict[str, np.ndarray], wards: dict[str, np.ndarray]) -> bytes:
    borough = np.flatnonzero(wards["la_code"] == shape.borough_code)
    n_wards, tenth = wards["ward_code"].size, wards["ward_code"].size / 10
    p = shape
    lines = [
        "# Demonstration data: SYNTHETIC",
        "",
        "**Every value in this folder is SYNTHETIC DEMONSTRATION DATA, made up by `pipeline/demonstration_data.py`.",
        "None of it is a statistic about a real place.** Ward, LSOA and authority names and codes are fictional",
        "(codes E019…, E059…, E069…, E089…, which the ONS does not use); only the borough's own code",
        f"({p.borough_code}) and name ({p.borough_name}), England (E92000001) and the North East region",
        "(E12000001) are real.",
        "The file formats are real: each file is laid out exactly as its publisher issues it, so the readers that",
        "take these files take the publishers' downloads too.",
        "",
        "| file | format it mimics |",
        "|---|---|",
    ]
    for name in names:
        lines.append(f"| `{name}` | {next(v for k, v in FORMATS.items() if name.startswith(k))} |")
    lines += [
        "",
        "## How the values were made",
        "",
        f"Seed {p.seed} (`numpy.random.default_rng`). {p.borough_wards} borough wards with "
        f"{p.borough_lsoas} LSOAs, and",
        f"{p.other_authorities} fictional authorities with {n_wards - p.borough_wards:,} wards and "
        f"{geo['lsoa_code'].size - p.borough_lsoas:,} LSOAs standing in for the rest of England.",
        "LSOA ranks and deciles are on the national scale of 32,844 LSOAs (1 = most deprived), placed by each",
        "LSOA's percentile in this sample; \"national\" below means among the sample's wards. Fingertips values",
        "depend on the ward's population-weighted IMD score, with noise and slow trends; proportions have",
        "binomial counts and Wilson 95 % / 99.8 % limits. The model is described in the generator's docstring.",
        "",
        "Quirks kept on purpose, as in the real files: byte-order marks, quoted thousands separators, CRLF line",
        "endings, no line break after the last row of Files 1, 5 and 6; in the Fingertips exports, suppressed or",
        "unpublished ward values (empty Value and limits, with a `Value note`), a note on values that are",
        "published (fuel poverty, the borough), non-integer denominators (fuel poverty), 99.8 % limits and",
        "`Recent Trend` for the latest period only, and England rows by deprivation decile (`Category Type`).",
        "",
        "## The borough's wards",
        "",
        "| ward code | ward name | LSOAs | population (mid-2015) | IMD score (population-weighted) | national rank "
        "| national tenth |",
        "|---|---|---|---|---|---|---|",
    ]
    for w in borough:
        rank = int(wards["national_rank"][w])
        lines.append(f"| {wards['ward_code'][w]} | {wards['ward_name'][w]} | {wards['lsoas'][w]} | "
                     f"{int(wards['population'][w]):,} | {wards['score'][w]:.3f} | {rank} of {n_wards} | "
                     f"{'most deprived 10 %' if rank <= tenth else ''} |")
    lines += [
        "",
        "## Regenerate",
        "",
        "```",
        "make sample",
        f"python -m pipeline.demonstration_data            # --seed {p.seed} --out data/raw/sample",
        "```",
        "",
        "The output is byte-identical on every run; `tests/test_demonstration_data.py` checks the committed files.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


# --- entry points ----------------------------------------------------------------------------------

def generate(shape: Shape = Shape()) -> dict[str, bytes]:
    """All demonstration files as {file name: bytes}."""
    rng = np.random.default_rng(shape.seed)
    geo = geography(shape, rng)
    dep = deprivation(shape, geo, rng)
    wards = ward_table(geo, dep)
    files = {**deprivation_files(shape, geo, dep), **lookup_file(geo), **fingertips_files(shape, wards, rng)}
    files["README.md"] = readme(shape, sorted(files), geo, wards)
    return dict(sorted(files.items()))


def write(out: Path = DEFAULT_OUT, shape: Shape = Shape()) -> list[Path]:
    """Write every file into `out` (created if needed); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in generate(shape).items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the SYNTHETIC demonstration data in the publishers' formats.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder to write to (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=Shape.seed, help=f"random seed (default {Shape.seed})")
    args = parser.parse_args(argv)
    for path in write(args.out, Shape(seed=args.seed)):
        print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
