"""Benchmark: build the marts for every ward of England-sized data (generated).

About 7,000 wards (300 authorities of synthetic geography, ~34,000 LSOAs) × 10 indicators × 10
periods of ward values in the Fingertips export format, then `fsot ingest` + `fsot build` through the
Python API. Records wall time of each step and the process's peak memory (DuckDB runs in-process) to
benchmarks/results/warehouse_build.json. Targets: build ≤ 60 s, peak memory ≤ 2 GB.
"""

from __future__ import annotations

import json
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project's folder, for tools/ (not installed)

from pipeline.config import load_config  # noqa: E402
from pipeline.ingest.landing import land_source  # noqa: E402
from pipeline.warehouse.build import build_warehouse  # noqa: E402
from tools.demonstration_data import Shape, deprivation, geography  # noqa: E402
from tools.demonstration_data.indicators import wilson  # noqa: E402
from tools.demonstration_data.model import Z95  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "warehouse_build.json"
INDICATORS = 10
PERIODS = 10


def write_inputs(root: Path, seed: int = 7) -> int:
    shape = Shape(seed=seed, other_authorities=300, other_wards_per_authority=(20, 26), periods=PERIODS)
    names = geography.AUTHORITIES
    geography.AUTHORITIES = [f"Authority {n:03d}" for n in range(1, 301)]  # enough fictional authorities
    try:
        rng = np.random.default_rng(seed)
        geo = geography.geography(shape, rng)
        dep = deprivation.deprivation(shape, geo, rng)
        files = {**deprivation.deprivation_files(shape, geo, dep), **deprivation.lookup_file(geo)}
    finally:
        geography.AUTHORITIES = names
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    for name, data in files.items():
        if name.startswith(("File_7", "LSOA_")):
            (inbox / name).write_bytes(data)
    wards, index = np.unique(geo["ward_code"], return_inverse=True)
    la = pd.Series(geo["la_code"]).groupby(index).first().to_numpy()
    pop = np.bincount(index, weights=dep["population"])
    score = np.bincount(index, weights=dep["population"] * dep["scores"]["imd"]) / pop
    d = (np.log(score) - np.log(score).mean()) / np.log(score).std()
    n_w = len(wards)
    ind, per, w = np.meshgrid(np.arange(INDICATORS), np.arange(PERIODS), np.arange(n_w), indexing="ij")
    ind, per, w = ind.ravel(), per.ravel(), w.ravel()
    n = np.round(pop[w] * 0.6)
    p = 1 / (1 + np.exp(-(-2.5 + 0.1 * ind + 0.6 * d[w] - 0.01 * per + rng.normal(0, 0.05, len(w)))))
    count = rng.binomial(n.astype(int), p)
    low, up = wilson(count, n, Z95)
    frame = pd.DataFrame(
        {
            "Indicator ID": (900000 + ind).astype(str),
            "Indicator Name": [f"Indicator {i}" for i in ind],
            "Parent Code": la[w],
            "Parent Name": "",
            "Area Code": wards[w],
            "Area Name": wards[w],
            "Area Type": "Ward",
            "Sex": "Persons",
            "Age": "All ages",
            "Category Type": "",
            "Category": "",
            "Time period": (2014 + per).astype(str),
            "Value": np.round(100 * count / n, 6),
            "Lower CI 95.0 limit": np.round(100 * low, 6),
            "Upper CI 95.0 limit": np.round(100 * up, 6),
            "Lower CI 99.8 limit": "",
            "Upper CI 99.8 limit": "",
            "Count": count,
            "Denominator": n.astype(int),
            "Value note": "",
            "Recent Trend": "",
            "Compared to England value or percentiles": "",
            "Column not used": "",
            "Time period Sortable": ((2014 + per) * 10000).astype(str),
            "New data": "",
            "Compared to goal": "",
            "Time period range": "1y",
        }
    )
    frame.to_csv(inbox / "fingertips_all_wards.csv", index=False, lineterminator="\r\n")
    indicators = "\n".join(
        f'[[indicators]]\nid = "{900000 + i}"\nname = "Indicator {i}"\ntheme = "health"\nunit = "%"\n'
        f'polarity = "lower-is-better"\nsource = "fingertips"\nbaseline_period = "2016"\n'
        for i in range(INDICATORS)
    )
    (root / "fsot.toml").write_text(
        f"""
[local_authority]
code = "E06000004"
name = "Stockton-on-Tees"
[framework]
[validation.plausible_ranges]
"%" = [0, 100]
[[sources]]
id = "imd"
format = "english_indices_of_deprivation"
files = ["inbox/{next(n for n in files if n.startswith("File_7"))}"]
publisher = "synthetic"
release = "benchmark"
licence = "synthetic"
[[sources]]
id = "wards"
format = "ons_lsoa_ward_lookup"
files = ["inbox/{next(n for n in files if n.startswith("LSOA_"))}"]
publisher = "synthetic"
release = "benchmark"
licence = "synthetic"
[[sources]]
id = "fingertips"
format = "fingertips_csv"
files = ["inbox/fingertips_all_wards.csv"]
publisher = "synthetic"
release = "benchmark"
licence = "synthetic"
{indicators}
""",
        encoding="utf-8",
    )
    return n_w


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        wards = write_inputs(root)
        generated = time.perf_counter() - started
        config = load_config(root / "fsot.toml")
        started = time.perf_counter()
        for source in config.sources:
            land_source(config, source)
        landed = time.perf_counter() - started
        started = time.perf_counter()
        summary = build_warehouse(config)
        built = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "benchmark": "fsot build of the marts for every ward (generated England-sized data)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "wards": wards,
        "indicators": INDICATORS,
        "periods": PERIODS,
        "ward_values": wards * INDICATORS * PERIODS,
        "seconds": {"generate_inputs": round(generated, 2), "ingest": round(landed, 2), "build": round(built, 2)},
        "slowest_models": sorted(summary["models"], key=lambda m: -m["seconds"])[:5],
        "peak_memory_mb": round(peak_mb, 1),
        "targets": {"build_seconds": 60, "peak_memory_mb": 2048},
        "meets_targets": built <= 60 and peak_mb <= 2048,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
