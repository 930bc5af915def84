"""Benchmark: life expectancy for 7,000 areas × 2 sexes × 20 age bands (methods.md §6).

Generates deterministic synthetic deaths and populations (seeded numpy Generator), warms up, then times
`life_expectancy_frame` (the DataFrame-level call the pipeline and `fsot method life-expectancy` use:
grouping, sorting, the suppression rules, the vectorised life table for every start age, cumulative
population/deaths) and, separately, the array-level `life_expectancy` on (14 000, 20) arrays. Reports
the best of several runs and writes benchmarks/results/life_expectancy.json.

Run: .venv/bin/python benchmarks/life_expectancy.py
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import stages  # noqa: E402

from pipeline.methods.life_expectancy import START_AGES, life_expectancy, life_expectancy_frame  # noqa: E402

AREAS = 7000
SEXES = ("Female", "Male")
TARGET_SECONDS = 0.3
RUNS = 7
# England-like mortality per band (deaths per person-year) and a population age profile.
MORTALITY = np.array(
    [
        0.0040,
        0.00015,
        0.0001,
        0.0001,
        0.0003,
        0.0005,
        0.0006,
        0.0008,
        0.0011,
        0.0016,
        0.0024,
        0.0035,
        0.0055,
        0.0085,
        0.013,
        0.021,
        0.036,
        0.062,
        0.11,
        0.22,
    ]
)
POPULATION_SHARE = (
    np.array([1.1, 4.6, 6.0, 6.0, 5.8, 6.2, 6.6, 6.6, 6.4, 6.2, 6.6, 6.8, 6.4, 5.6, 5.2, 4.8, 3.4, 2.4, 1.4, 0.9]) / 100
)


def make_data(seed: int = 20261122) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = AREAS * len(SEXES)
    size = rng.lognormal(np.log(9000), 0.5, groups)  # total population per area and sex
    population = np.maximum(1, np.round(size[:, None] * POPULATION_SHARE * rng.uniform(0.8, 1.2, (groups, 20))))
    deaths = rng.poisson(population * MORTALITY * rng.uniform(0.7, 1.3, (groups, 1)))
    deaths[:, -1] = np.maximum(deaths[:, -1], 1)
    area = np.repeat([f"E{i:08d}" for i in range(AREAS)], len(SEXES) * 20)
    sex = np.tile(np.repeat(SEXES, 20), AREAS)
    return pd.DataFrame(
        {
            "area": area,
            "sex": sex,
            "age_band": np.tile(START_AGES, groups),
            "deaths": deaths.ravel().astype(float),
            "population": population.ravel(),
        }
    )


def best_of(call, runs: int = RUNS) -> float:
    call()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> dict:
    df = make_data()
    deaths = df["deaths"].to_numpy().reshape(-1, 20)
    population = df["population"].to_numpy().reshape(-1, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame_seconds = best_of(lambda: life_expectancy_frame(df, ["area", "sex"], (0.95, 0.998)))
        array_seconds = best_of(lambda: life_expectancy(deaths, population, (0.95, 0.998)))
        result = life_expectancy_frame(df, ["area", "sex"], (0.95, 0.998))
    record = {
        "benchmark": "life_expectancy",
        "workload": f"{AREAS} areas x {len(SEXES)} sexes x 20 age bands = {len(df)} rows, all start ages, "
        "confidence 95% and 99.8%",
        "call": "pipeline.methods.life_expectancy.life_expectancy_frame(df, ['area', 'sex'], (0.95, 0.998))",
        "seconds": round(frame_seconds, 4),
        "array_level_seconds": round(array_seconds, 4),
        "array_level_call": "life_expectancy(deaths, population, (0.95, 0.998)) on (14000, 20) arrays",
        "target_seconds": TARGET_SECONDS,
        "meets_target": frame_seconds <= TARGET_SECONDS,
        "best_of_runs": RUNS,
        "output_rows": len(result),
        "published_values": int(result["value"].notna().sum()),
        "machine": stages.machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "benchmarks" / "results" / "life_expectancy.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(
        f"life expectancy, {len(df)} rows: {frame_seconds:.3f} s (frame), {array_seconds:.4f} s (arrays); "
        f"target {TARGET_SECONDS} s -> {out.relative_to(ROOT)}"
    )
    return record


if __name__ == "__main__":
    main()
