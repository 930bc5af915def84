"""The Indices of Deprivation of the sample: every File 7 score, the population denominators, national
ranks and deciles, the ward table that drives the indicators, and the IoD files and the ONS lookup as
published."""

from __future__ import annotations

import numpy as np

from tools.demonstration_data.layouts import (
    AREA_HEADERS,
    DECILE,
    FILE7_DOMAINS,
    LOOKUP_HEADER,
    POPULATION_HEADERS,
    POPULATION_KEYS,
    RANK,
    SCORE_KEYS,
    SUFFIX,
    csv_bytes,
    fixed,
    thousands,
)
from tools.demonstration_data.model import Shape, logistic, standardised


def domain_scores(x: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every File 7 score (unrounded) from the LSOA latent x (see the module docstring)."""
    xs = standardised(x)

    def latent(r: float) -> np.ndarray:
        return r * xs + np.sqrt(1 - r * r) * rng.standard_normal(x.size)

    u = {
        "income": latent(0.95),
        "employment": latent(0.92),
        "health": latent(0.85),
        "crime": latent(0.65),
        "idaci": latent(0.93),
        "idaopi": latent(0.87),
        "young": latent(0.82),
        "adult": latent(0.80),
        "geographical": latent(-0.35),
        "wider": latent(0.55),
        "indoors": latent(0.45),
        "outdoors": latent(0.35),
    }
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
    working = (
        middle
        - np.round(children * rng.uniform(0.10, 0.13, n)).astype(np.int64)
        + np.round(older * rng.uniform(0.07, 0.12, n)).astype(np.int64)
    )
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
    score = (
        np.bincount(index, weights=dep["population"] * np.array(published_scores(dep)["imd"], dtype=float)) / population
    )
    rank = np.empty(code.size, dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, code.size + 1)
    return {
        "ward_code": code,
        "ward_name": geo["ward_name"][first],
        "la_code": geo["la_code"][first],
        "lsoas": np.bincount(index),
        "population": population,
        "children": np.bincount(index, weights=dep["children"]),
        "working": np.bincount(index, weights=dep["working"]),
        "score": score,
        "national_rank": rank,
        "deprivation": standardised(np.sqrt(score)),
    }


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
        triples = [
            cell for key in SCORE_KEYS for cell in (scores[key][i], str(ranked[key][0][i]), str(ranked[key][1][i]))
        ]
        file7.append(area + triples + [str(v) for v in population[i]])
        file1.append(area + [thousands(ranked["imd"][0][i]), str(ranked["imd"][1][i])])
        file5.append(area + [scores[key][i] for key in SCORE_KEYS[:8]])
        file6.append(area + [thousands(v) for v in population[i]])
    as_published = {"crlf": True, "bom": True, "final_line_break": False}
    return {
        f"File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3{SUFFIX}.csv": csv_bytes(
            file7_header(), file7, crlf=True
        ),
        f"File_1_-_IMD2019_Index_of_Multiple_Deprivation{SUFFIX}.csv": csv_bytes(
            AREA_HEADERS + ["Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"],
            file1,
            **as_published,
        ),
        f"File_5_-_IoD2019_Scores{SUFFIX}.csv": csv_bytes(
            AREA_HEADERS + [f"{name} {score}" for name, score in FILE7_DOMAINS[:8]], file5, **as_published
        ),
        f"File_6_-_IoD2019_Population_Denominators{SUFFIX}.csv": csv_bytes(
            AREA_HEADERS + POPULATION_HEADERS, file6, **as_published
        ),
    }


def lookup_file(geo: dict[str, np.ndarray]) -> dict[str, bytes]:
    """The ONS lookup: one row per LSOA with its ward and authority, FID 1..n (BOM, CRLF)."""
    keys = ("lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name")
    rows = [[str(geo[key][i]) for key in keys] + [str(i + 1)] for i in range(geo["lsoa_code"].size)]
    return {
        f"LSOA_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales{SUFFIX}.csv": csv_bytes(
            LOOKUP_HEADER, rows, crlf=True, bom=True
        )
    }
