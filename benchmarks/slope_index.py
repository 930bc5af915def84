"""Benchmark: SII with simulated confidence limits for 300 areas × 10 deciles × 100 000 repetitions.

Target: ≤ 3 s on the project's 2-core machine for the default call (value_type 0 from 95 % limits, the
package's defaults: no RII, one 95 % interval). PHEindicatormethods 2.1.0 takes about 141 s for it.
Also timed: the RII on, log-transformed rates, and rates/proportions without transform (whose draws
must be back-transformed quantile by quantile, so they cost k normal draws per repetition).

Data are generated deterministically (fixed seed). Each case runs once to warm up, then the best of
``--runs`` timings is kept. Results go to benchmarks/results/slope_index.json.

    python benchmarks/slope_index.py [--runs 3] [--areas 300] [--repetitions 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import stages  # noqa: E402

from pipeline.methods.confidence import Z95  # noqa: E402
from pipeline.methods.slope_index import phe_sii  # noqa: E402

TARGET_SECONDS = 3.0
R_PACKAGE_SECONDS = 141.0  # PHEindicatormethods 2.1.0, same data size, as reported for this project
RESULTS = ROOT / "benchmarks" / "results" / "slope_index.json"


def make_data(areas: int, deciles: int = 10, seed: int = 20261122) -> dict[str, np.ndarray]:
    """Deterministic, realistic inputs shaped (areas, deciles): life expectancy, rates and proportions."""
    rng = np.random.default_rng(seed)
    b = (np.arange(deciles) + 0.5) / deciles
    population = rng.integers(4000, 30000, (areas, deciles)).astype(float)
    le = 76 + rng.uniform(2, 10, (areas, 1)) * b + rng.normal(0, 0.8, (areas, deciles))
    le_se = rng.uniform(0.3, 1.8, (areas, deciles))
    rate = np.exp(
        np.log(rng.uniform(300, 900, (areas, 1)))
        - rng.uniform(0.3, 1.2, (areas, 1)) * b
        + rng.normal(0, 0.08, (areas, deciles))
    )
    rate_se = rng.uniform(0.05, 0.25, (areas, deciles))  # on the log scale
    prop = 1 / (1 + np.exp(-(-1.2 - rng.uniform(0.2, 0.8, (areas, 1)) * b + rng.normal(0, 0.05, (areas, deciles)))))
    prop_se = rng.uniform(0.02, 0.08, (areas, deciles))  # on the logit scale
    logit = np.log(prop / (1 - prop))
    return {
        "population": population,
        "le": le,
        "le_lower": le - Z95 * le_se,
        "le_upper": le + Z95 * le_se,
        "rate": rate,
        "rate_lower": rate * np.exp(-Z95 * rate_se),
        "rate_upper": rate * np.exp(Z95 * rate_se),
        "prop": prop,
        "prop_lower": 1 / (1 + np.exp(-(logit - Z95 * prop_se))),
        "prop_upper": 1 / (1 + np.exp(-(logit + Z95 * prop_se))),
    }


def cases(d: dict[str, np.ndarray]) -> dict[str, dict]:
    pop = d["population"]
    le = dict(population=pop, value=d["le"], lower=d["le_lower"], upper=d["le_upper"], value_type=0)
    rate = dict(population=pop, value=d["rate"], lower=d["rate_lower"], upper=d["rate_upper"], value_type=1)
    prop = dict(population=pop, value=d["prop"], lower=d["prop_lower"], upper=d["prop_upper"], value_type=2)
    return {
        "value_type_0": dict(
            description="value_type 0 (e.g. life expectancy), 95 % limits in, SII only "
            "(package defaults) — the target case",
            **le,
        ),
        "value_type_0_rii": dict(description="value_type 0 with the RII", rii=True, **le),
        "value_type_1_transform_rii": dict(
            description="rates, log transform, with the RII", transform=True, rii=True, **rate
        ),
        "value_type_1_untransformed": dict(
            description="rates without transform: per-decile draws back-transformed with exp", **rate
        ),
        "value_type_2_untransformed_rii": dict(
            description="proportions without transform, with the RII: per-decile draws back-transformed with expit",
            rii=True,
            **prop,
        ),
    }


def time_call(kwargs: dict, repetitions: int, runs: int) -> tuple[float, list[float]]:
    phe_sii(repetitions=repetitions, seed=0, **kwargs)  # warm-up
    timings = []
    for run in range(runs):
        start = time.perf_counter()
        phe_sii(repetitions=repetitions, seed=run + 1, **kwargs)
        timings.append(time.perf_counter() - start)
    return min(timings), timings


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--areas", type=int, default=300)
    parser.add_argument("--repetitions", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    info = stages.machine()
    results = {}
    for name, spec in cases(make_data(args.areas)).items():
        spec = dict(spec)
        description = spec.pop("description")
        best, timings = time_call(spec, args.repetitions, args.runs)
        results[name] = {
            "description": description,
            "seconds": round(best, 3),
            "all_runs_seconds": [round(t, 3) for t in timings],
        }
        print(f"{name:34s} {best:7.3f} s   ({description})", flush=True)
    headline = results["value_type_0"]["seconds"]
    report = {
        "benchmark": "SII/RII with simulated confidence limits (pipeline.methods.slope_index.phe_sii)",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "areas": args.areas,
        "quantiles": 10,
        "repetitions": args.repetitions,
        "seconds": headline,
        "target_seconds": TARGET_SECONDS,
        "meets_target": headline <= TARGET_SECONDS,
        "r_package_seconds": R_PACKAGE_SECONDS,
        "speed_up_vs_r": round(R_PACKAGE_SECONDS / headline, 1) if headline else None,
        "timing": f"warm-up run, then best of {args.runs}",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": info,
        "cases": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"headline {headline:.3f} s (target {TARGET_SECONDS} s); written to {args.output}")
    return report


if __name__ == "__main__":
    main()
