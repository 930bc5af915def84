"""The sample's README.md: what each file mimics, how the values were made, the borough's wards, and how to
regenerate the files."""

from __future__ import annotations

import numpy as np

from tools.demonstration_data.model import Shape

FORMATS = {
    "File_7": "MHCLG English Indices of Deprivation 2019, File 7: all 16 scores, ranks and deciles and the five "
    "population denominators (57 columns). UTF-8 without BOM, CRLF, plain numbers",
    "File_1": "IoD2019 File 1: IMD rank and decile. UTF-8 with BOM, CRLF, no line break after the last row, "
    'ranks quoted with thousands separators ("29,199")',
    "File_5": "IoD2019 File 5: the eight scores. UTF-8 with BOM, CRLF, no line break after the last row",
    "File_6": "IoD2019 File 6: population denominators (mid-2015, excluding prisoners). UTF-8 with BOM, CRLF, no "
    "line break after the last row, numbers of 1,000 or more quoted with thousands separators",
    "LSOA_": "ONS Open Geography Portal: LSOA (2011) to Ward (2019) lookup, LSOA11CD, LSOA11NM, WD19CD, WD19NM, "
    "LAD19CD, LAD19NM, FID. UTF-8 with BOM, CRLF",
    "fingertips": 'OHID Fingertips "all data" CSV export of one indicator: the 27-column header including '
    "`Column not used`, CRLF, no BOM",
}


def readme(shape: Shape, names: list[str], geo: dict[str, np.ndarray], wards: dict[str, np.ndarray]) -> bytes:
    borough = np.flatnonzero(wards["la_code"] == shape.borough_code)
    n_wards, tenth = wards["ward_code"].size, wards["ward_code"].size / 10
    p = shape
    lines = [
        "# Demonstration data: SYNTHETIC",
        "",
        "**Every value in this folder is SYNTHETIC DEMONSTRATION DATA, made up by `tools/demonstration_data/`.",
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
        lines.append(
            f"| {wards['ward_code'][w]} | {wards['ward_name'][w]} | {wards['lsoas'][w]} | "
            f"{int(wards['population'][w]):,} | {wards['score'][w]:.3f} | {rank} of {n_wards} | "
            f"{'most deprived 10 %' if rank <= tenth else ''} |"
        )
    lines += [
        "",
        "## Regenerate",
        "",
        "```",
        "make sample",
        f"python -m tools.demonstration_data               # --seed {p.seed} --out data/raw/sample",
        "```",
        "",
        "The output is byte-identical on every run; `tests/test_demonstration_data.py` checks the committed files.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
