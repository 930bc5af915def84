"""Benchmark: a 200 MB council drop through `fsot ingest local` (issue 13): target < 2 minutes, < 1 GB.

Generates a valid local-drop CSV of 3,300,000 rows (about 200 MB): every ward of the demonstration
lookup × 3 sexes × 120 months (Jan 2015 – Dec 2024) × as many `category` groups as the rows need, with
value, 95 % limits (Wilson), count and denominator that pass every check. Then, in the demonstration
project with a `source = "local"` indicator and its sources landed, runs `fsot ingest local FILE
--indicator ID` in a new process and records its stages (startup, read, lookup, validate, land,
other, exit) with seconds and peak memory (benchmarks/stages.py).

With --rows smaller than the full size, the 8-line drop of pipeline_build.py is timed too, and the
full size is extrapolated linearly through the two points (seconds and peak memory); the
extrapolation is labelled as such in the results, not reported as a measurement.

Run: .venv/bin/python benchmarks/large_local_drop.py [--rows N] [--quick] [--output PATH]
Results: benchmarks/results/large_local_drop.json (with the git revision) and a table on stdout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import pipeline_build  # noqa: E402
import stages  # noqa: E402

from tools.demonstration_data.indicators import wilson  # noqa: E402
from tools.demonstration_data.model import Z95  # noqa: E402

FULL_ROWS = 3_300_000
QUICK_ROWS = 33_000
TARGET_SECONDS = 120
TARGET_MB = 1024
LOOKUP = ROOT / "data" / "raw" / "sample" / "LSOA_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales_DEMONSTRATION.csv"
MONTHS = [
    f"{m} {y}"
    for y in range(2015, 2025)
    for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
]
SEXES = ["Male", "Female", "Persons"]
CHUNK = 500_000


def write_drop(path: Path, rows: int, seed: int = 13) -> None:
    """A valid drop of `rows` distinct (ward, sex, period, category) values, written in chunks."""
    wards = np.array(sorted(pd.read_csv(LOOKUP, dtype=str, encoding="utf-8-sig")["WD19CD"].unique()))
    months, sexes = np.array(MONTHS), np.array(SEXES)
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("area_code,period,sex,category,value,lower_ci,upper_ci,count,denominator\n")
        for start in range(0, rows, CHUNK):
            i = np.arange(start, min(rows, start + CHUNK))
            ward, rest = i % len(wards), i // len(wards)
            sex, rest = rest % len(sexes), rest // len(sexes)
            month, group = rest % len(months), rest // len(months)
            denominator = rng.integers(500, 5000, len(i))
            count = rng.binomial(denominator, rng.uniform(0.02, 0.4, len(i)))
            low, up = wilson(count, denominator, Z95)
            pd.DataFrame(
                {
                    "area_code": wards[ward],
                    "period": months[month],
                    "sex": sexes[sex],
                    "category": np.char.add("Group ", np.char.zfill((group + 1).astype(str), 2)),
                    "value": np.round(100 * count / denominator, 2),
                    "lower_ci": np.floor(10000 * low) / 100,
                    "upper_ci": np.ceil(10000 * up) / 100,
                    "count": count,
                    "denominator": denominator,
                }
            ).to_csv(f, header=False, index=False, float_format="%.2f", lineterminator="\n")


def run_drop(config: Path, drop: Path, rows: int, timeout: float) -> dict:
    run = stages.fsot_command(
        ["ingest", "local", str(drop), "--indicator", pipeline_build.LOCAL_ID, "--config", str(config)], timeout=timeout
    )
    result = pipeline_build.case(
        f"ingest_local_{rows}_rows",
        f"`fsot ingest local` of a {rows:,}-row drop ({drop.stat().st_size / 1e6:.0f} MB)",
        [run],
    )
    result.update(rows=rows, megabytes=round(drop.stat().st_size / 1e6, 1), timed_out=run["timed_out"])
    return result


def extrapolate(small: dict, large: dict, rows: int = FULL_ROWS) -> dict:
    """Two readings at `rows`, neither measured: `linear`, the straight line through (8 lines, small) and
    (N rows, large), its slope at least 0 (a noisy machine can make the small run the slower); and
    `proportional`, the large run scaled by rows (an upper bound when the cost grows at most linearly)."""

    def line(key: str) -> float:
        slope = max(0.0, (large[key] - small[key]) / (large["rows"] - small["rows"]))
        return round(small[key] + slope * (rows - small["rows"]), 1)

    factor = rows / large["rows"]
    linear = {"seconds": line("seconds"), "peak_mb": line("peak_mb")}
    proportional = {"seconds": round(large["seconds"] * factor, 1), "peak_mb": round(large["peak_mb"] * factor, 1)}
    return {
        "rows": rows,
        "measured": False,
        "linear": {**linear, "method": f"straight line through the {small['rows']}-row and {large['rows']:,}-row runs"},
        "proportional": {**proportional, "method": f"the {large['rows']:,}-row run × {factor:g}"},
        "meets_target": linear["seconds"] <= TARGET_SECONDS and linear["peak_mb"] <= TARGET_MB,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=None, help=f"rows of the drop (default {FULL_ROWS:,}, ~200 MB)")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, written only with --output (a smoke test)"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="stop the ingest after this many seconds")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the JSON (default benchmarks/results/large_local_drop.json)",
    )
    args = parser.parse_args(argv)
    rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    extra: dict = {"rows": rows, "full_size_rows": FULL_ROWS}
    with tempfile.TemporaryDirectory(prefix="fsot-bench-") as tmp:
        config, setup = pipeline_build.local_project(Path(tmp) / "project")
        drop = Path(tmp) / "council_drop.csv"
        started = time.perf_counter()
        write_drop(drop, rows)
        extra["generate_seconds"] = round(time.perf_counter() - started, 2)
        cases = [stages.judge(run_drop(config, drop, rows, args.timeout), seconds=TARGET_SECONDS, peak_mb=TARGET_MB)]
        if rows < FULL_ROWS:
            small = run_drop(config, pipeline_build.small_drop(Path(tmp) / "small.csv"), 7, args.timeout)
            small["rows"] = 7
            cases.append(small)
            if cases[0]["exit_code"] == 0 and small["exit_code"] == 0:
                extra["extrapolated_to_full_size"] = extrapolate(small, cases[0])
    path = args.output or (None if args.quick else stages.RESULTS_DIR / "large_local_drop.json")
    result = (
        stages.write_results("large_local_drop", cases, path, **extra)
        if path
        else stages.collect("large_local_drop", cases, **extra)
    )
    stages.print_table(result)
    if "extrapolated_to_full_size" in extra:
        e = extra["extrapolated_to_full_size"]
        print(
            f"not measured, extrapolated to {FULL_ROWS:,} rows: "
            f"{e['linear']['seconds']} s, {e['linear']['peak_mb']} MB "
            f"({e['linear']['method']}); at most {e['proportional']['seconds']} s, {e['proportional']['peak_mb']} MB "
            f"({e['proportional']['method']}); target {TARGET_SECONDS} s, {TARGET_MB} MB"
        )
    if path:
        print(f"written to {path}")
    return result


if __name__ == "__main__":
    main()
