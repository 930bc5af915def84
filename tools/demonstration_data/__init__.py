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

The parts, by what they make: `model.py` (`Shape`, the sample's size and seed; the link functions),
`geography.py` (authorities, wards, LSOAs), `deprivation.py` (IoD scores, populations, ranks; the IoD files
and the lookup), `indicators.py` (the Fingertips indicators' values), `fingertips.py` (their exports),
`layouts.py` (the publishers' headers, names and number formats) and `readme.py` (the folder's README).

Run `python -m tools.demonstration_data [--out DIR] [--seed N]` from the project's folder (or `make sample`);
the output is byte-identical on every run for a given seed. This is a tool, not part of the installed
package: the pipeline reads the files it writes, never the generator.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tools.demonstration_data import deprivation, fingertips, geography, readme
from tools.demonstration_data.layouts import (
    AREA_HEADERS,
    CATEGORY_TYPE,
    FILE7_DOMAINS,
    FINGERTIPS_HEADER,
    NOT_PUBLISHED,
    POPULATION_HEADERS,
    SUPPRESSED,
)
from tools.demonstration_data.model import Shape

__all__ = [
    "AREA_HEADERS",
    "CATEGORY_TYPE",
    "DEFAULT_OUT",
    "FILE7_DOMAINS",
    "FINGERTIPS_HEADER",
    "NOT_PUBLISHED",
    "POPULATION_HEADERS",
    "SUPPRESSED",
    "Shape",
    "generate",
    "main",
    "write",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = PROJECT_ROOT / "data" / "raw" / "sample"


def generate(shape: Shape = Shape()) -> dict[str, bytes]:
    """All demonstration files as {file name: bytes}."""
    rng = np.random.default_rng(shape.seed)
    geo = geography.geography(shape, rng)
    dep = deprivation.deprivation(shape, geo, rng)
    wards = deprivation.ward_table(geo, dep)
    files = {
        **deprivation.deprivation_files(shape, geo, dep),
        **deprivation.lookup_file(geo),
        **fingertips.fingertips_files(shape, wards, rng),
    }
    files["README.md"] = readme.readme(shape, sorted(files), geo, wards)
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
