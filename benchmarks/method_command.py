"""Benchmark: `fsot method` as a user runs it, whole process (start-up, CSV in, the method, CSV out).

Two cases, each against PHEindicatormethods 2.1.0 in R on the same workload:
- life-expectancy for 7,000 areas × 2 sexes × 20 age bands (280,000 rows in and out; the input of
  benchmarks/life_expectancy.py), both 95 % and 99.8 % limits. R: 23 s (issue 14).
- sii for 300 areas × 10 deciles × 100,000 repetitions from 95 % limits (the input of
  benchmarks/slope_index.py). R: 141 s (benchmarks/results/slope_index.json, same size).
Target for both: at least 30 times faster than R.

Each case runs `python -m pipeline.cli method ...` in a fresh subprocess (so imports count), once to warm
the file cache, then the best of ``--runs``; the child's CPU time (user + system) is kept too, as the
machine is shared. Also recorded: the same workloads before this change (a constant, measured once) and
the import floor of each, a process that only imports what the command loads. Results go to
benchmarks/results/method_command.json.

    python benchmarks/method_command.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import life_expectancy as le_benchmark  # noqa: E402
import slope_index as sii_benchmark  # noqa: E402
import stages  # noqa: E402

SPEED_UP_TARGET = 30.0
R_SECONDS = {
    "life-expectancy": 23.0,  # PHEindicatormethods 2.1.0, issue 14 (280,000 rows, two levels)
    "sii": 141.0,
}  # PHEindicatormethods 2.1.0, benchmarks/results/slope_index.json
# The same workloads before this command read with pyarrow and wrote with DuckDB (pandas writer, %.15g),
# whole process, best of 3 on this machine (revision b5316c1).
BEFORE_SECONDS = {"life-expectancy": 3.82, "sii": 0.92}
SII_AREAS = 300  # the size R was timed on
# What each command imports before it reads its input: no run is faster than a process importing only these.
IMPORTS = {
    "life-expectancy": "import numpy, pyarrow.csv, pyarrow.compute, pipeline.cli.method, "
    "pipeline.methods.life_expectancy",
    "sii": "import numpy, pandas, scipy.special, pyarrow.csv, pyarrow.compute, pipeline.cli.method, "
    "pipeline.methods.slope_index",
}
RESULTS = ROOT / "benchmarks" / "results" / "method_command.json"


def life_expectancy_input(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "life_expectancy_in.csv"
    le_benchmark.make_data().to_csv(path, index=False)
    return path, ["--group-by", "area,sex", "--confidence", "0.95,0.998"]


def sii_input(folder: Path) -> tuple[Path, list[str]]:
    d = sii_benchmark.make_data(SII_AREAS)
    areas, deciles = d["population"].shape
    frame = pd.DataFrame(
        {
            "area": np.repeat([f"E{i:08d}" for i in range(areas)], deciles),
            "quantile": np.tile(np.arange(1, deciles + 1), areas),
            "population": d["population"].ravel(),
            "value": d["le"].ravel(),
            "lower_ci": d["le_lower"].ravel(),
            "upper_ci": d["le_upper"].ravel(),
        }
    )
    path = folder / "sii_in.csv"
    frame.to_csv(path, index=False)
    return path, ["--group-by", "area", "--repetitions", "100000", "--seed", "1"]


def whole_process(name: str, source: Path, target: Path, options: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one `python -m pipeline.cli method ...`."""
    command = [sys.executable, "-m", "pipeline.cli", "method", name, str(source), str(target), *options]
    env = stages.user_environment({"PYTHONPATH": str(ROOT)})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_floor(imports: str, runs: int) -> float:
    """Best wall-clock seconds of a process that only imports what `fsot method NAME` needs."""
    env = stages.user_environment({"PYTHONPATH": str(ROOT)})
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", imports], cwd=ROOT, env=env, check=True)
        times.append(time.perf_counter() - start)
    return min(times[1:])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    record = {
        "benchmark": "fsot method, whole process (python -m pipeline.cli method ...)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": stages.git_revision(),
        "timing": f"one warm-up run, then best of {args.runs}; a fresh process each run",
        "speed_up_target_vs_r": SPEED_UP_TARGET,
        "cases": {},
        "machine": stages.machine(),
    }
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name, make, workload in (
            (
                "life-expectancy",
                life_expectancy_input,
                f"{le_benchmark.AREAS} areas x {len(le_benchmark.SEXES)} sexes x 20 age bands, "
                "confidence 95% and 99.8%",
            ),
            ("sii", sii_input, f"{SII_AREAS} areas x 10 deciles x 100000 repetitions, value_type 0 from 95% limits"),
        ):
            source, options = make(folder)
            target = folder / f"{name}_out.csv"
            whole_process(name, source, target, options)  # warm-up
            runs = [whole_process(name, source, target, options) for _ in range(args.runs)]
            seconds = min(wall for wall, _ in runs)
            speed_up = R_SECONDS[name] / seconds
            record["cases"][name] = {
                "workload": workload,
                "command": f"fsot method {name} IN.csv OUT.csv {' '.join(options)}",
                "input_rows": sum(1 for _ in source.open()) - 1,
                "output_rows": sum(1 for _ in target.open()) - 1,
                "output_megabytes": round(target.stat().st_size / 1e6, 1),
                "seconds": round(seconds, 3),
                "all_runs_seconds": [round(wall, 3) for wall, _ in runs],
                "cpu_seconds_of_best_run": round(min(runs)[1], 3),
                "r_package_seconds": R_SECONDS[name],
                "target_seconds": round(R_SECONDS[name] / SPEED_UP_TARGET, 3),
                "speed_up_vs_r": round(speed_up, 1),
                "meets_target": speed_up >= SPEED_UP_TARGET,
                "before_seconds": BEFORE_SECONDS[name],
                "before": "revision b5316c1 (pandas reader, pandas to_csv with %.15g), same machine",
                "import_floor_seconds": round(import_floor(IMPORTS[name], args.runs), 3),
                "import_floor": f"python -c '{IMPORTS[name]}', best of the runs: the start-up this command pays",
            }
            print(
                f"{name}: {seconds:.2f} s whole process, {speed_up:.0f}x R ({R_SECONDS[name]} s); "
                f"target {SPEED_UP_TARGET:.0f}x; imports alone {record['cases'][name]['import_floor_seconds']:.2f} s"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"-> {RESULTS.relative_to(ROOT)}")
    return record


if __name__ == "__main__":
    main()
