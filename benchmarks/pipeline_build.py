"""Benchmark: where the time and memory of `fsot` go, stage by stage, against the targets of issue 14.

Every case runs the real command line in a new process (so interpreter start-up and imports count),
in a temporary copy of what it needs, and records per stage (startup, ingest, load, validate, models,
tests, report, other = the CLI's own work between stages, exit) the wall seconds and peak resident
memory (benchmarks/stages.py says how). Cases, side by side with their targets:

| case                    | what runs                                                          | target           |
|-------------------------|--------------------------------------------------------------------|------------------|
| demonstration_first_run | `fsot ingest` + `fsot build --config demonstration.toml` in a      | ≤ 4 s            |
|                         | fresh copy of the project (pipeline/ without __pycache__, sql/,    |                  |
|                         | the sample files): the issue's "demonstration build, first run"    |                  |
| demonstration_report    | `fsot report` after it (HTML, PDF printed twice, exports)          | (for comparison) |
| demonstration_rebuild   | `fsot build` again in a new process, nothing changed (the build    | ≤ 1.5 s          |
|                         | finds its inputs' fingerprint unchanged and says "up to date")     |                  |
| demonstration_forced    | `fsot build --force`: a real rebuild with the read and validation  | (for comparison) |
|                         | caches warm                                                        |                  |
| ingest_local_small      | `fsot ingest local` of an 8-line CSV (header + 7 wards)            | ≤ 1.5 s          |
| england_cold            | `fsot ingest` + `fsot build` of ~7,000 wards × 10 indicators × 10  | ≤ 15 s, ≤ 1 GB   |
|                         | periods (benchmarks/warehouse_build.py's generator), no warehouse  |                  |
| england_warm            | `fsot build` again in a new process, same landed files             | ≤ 5 s            |
| england_warm_forced     | `fsot build --force` with the caches warm (every model runs)       | ≤ 5 s            |

"Cold" means a new process and no warehouse; the operating system's file cache is not dropped.
Results: benchmarks/results/pipeline_build.json (with the git revision) and a table on stdout.

Run: .venv/bin/python benchmarks/pipeline_build.py [--quick] [--repeat N] [--output PATH]
(--quick: the demonstration and local-drop cases only, written only with --output. --repeat N: every
case N times, each time in a new temporary copy; the fastest run of each case is kept, all runs' totals
listed beside it. The machine is shared, and one run can be a quarter slower than the next.)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import stages  # noqa: E402

REPORT_DATE = "2026-11-22"  # as the tests: the report for 2026-Q3, the same on any day
TIMEOUT = 900
ORDER = [
    "startup",
    "ingest",
    "read",
    "lookup",
    "load",
    "validate",
    "models",
    "tests",
    "land",
    "report",
    "other",
    "exit",
]
LOCAL_ID = "LOCAL-BENCH"
LOCAL_INDICATOR = f"""
[[indicators]]
id = "{LOCAL_ID}"
name = "Households in temporary accommodation (benchmark)"
theme = "housing"
unit = "%"
polarity = "lower-is-better"
source = "local"
baseline_period = "2021/22"
"""


def fresh_clone(root: Path) -> Path:
    """What a fresh clone holds for the demonstration: no __pycache__, no landed files, no warehouse."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "pipeline", root / "pipeline", ignore=ignore)
    shutil.copytree(ROOT / "sql", root / "sql", ignore=ignore)
    shutil.copytree(ROOT / "data" / "raw" / "sample", root / "data" / "raw" / "sample")
    shutil.copy(ROOT / "demonstration.toml", root / "demonstration.toml")
    return root / "demonstration.toml"


def case(name: str, description: str, runs: list[dict]) -> dict:
    """One case from one or more processes: seconds added, the largest peak, stages of the same name
    added (their peaks: the largest)."""
    merged: dict[str, dict] = {}
    for run in runs:
        for stage in run["stages"]:
            record = merged.setdefault(stage["stage"], {"stage": stage["stage"], "seconds": 0.0, "peak_mb": None})
            record["seconds"] = round(record["seconds"] + stage["seconds"], 3)
            if stage["peak_mb"] is not None:
                record["peak_mb"] = max(record["peak_mb"] or 0.0, stage["peak_mb"])
    failed = [r for r in runs if r["exit_code"] != 0]
    result = {
        "case": name,
        "description": description,
        "commands": [" ".join(["fsot", *r["command"][5:]]) for r in runs],
        "exit_code": failed[0]["exit_code"] if failed else 0,
        "seconds": round(sum(r["seconds"] for r in runs), 3),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "stages": sorted(merged.values(), key=lambda s: ORDER.index(s["stage"]) if s["stage"] in ORDER else 99),
    }
    if len(runs) > 1:
        result["processes"] = [
            {"command": c, "seconds": r["seconds"], "peak_mb": r["peak_mb"]} for c, r in zip(result["commands"], runs)
        ]
    if failed:
        result["error"] = failed[0]["stderr"][-2000:]
        print(
            f"{name}: {result['commands'][runs.index(failed[0])]} failed (exit {result['exit_code']}):\n"
            f"{result['error']}",
            file=sys.stderr,
        )
    return result


def fsot(args: list[str], pythonpath: Path = ROOT) -> dict:
    return stages.fsot_command(args, pythonpath=pythonpath, timeout=TIMEOUT)


def demonstration_cases(tmp: Path) -> list[dict]:
    clone = tmp / "clone"
    config = str(fresh_clone(clone))
    ingest = fsot(["ingest", "--config", config], pythonpath=clone)
    first = fsot(["build", "--config", config], pythonpath=clone)
    report = fsot(["report", "--config", config, "--date", REPORT_DATE], pythonpath=clone)
    again = fsot(["build", "--config", config], pythonpath=clone)
    forced = fsot(["build", "--force", "--config", config], pythonpath=clone)
    return [
        stages.judge(
            case(
                "demonstration_first_run",
                "`fsot ingest` + `fsot build --config demonstration.toml` in a fresh copy of the project",
                [ingest, first],
            ),
            seconds=4,
        ),
        stages.judge(
            case(
                "demonstration_report",
                "`fsot report` after it: HTML, PDF (printed twice for the contents' page numbers), exports",
                [report],
            )
        ),
        stages.judge(
            case("demonstration_rebuild", "`fsot build` again in a new process, nothing changed", [again]), seconds=1.5
        ),
        stages.judge(
            case(
                "demonstration_forced",
                "`fsot build --force`: every model runs, the read and validation caches warm",
                [forced],
            )
        ),
    ]


def local_project(root: Path) -> tuple[Path, dict]:
    """The demonstration project with an indicator for council drops, its sources landed (the ward check
    of `fsot ingest local` reads the landed ward lookup); returns its fsot.toml and the setup's record."""
    (root / "data" / "raw").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "raw" / "sample", root / "data" / "raw" / "sample")
    config = root / "fsot.toml"
    config.write_text((ROOT / "demonstration.toml").read_text(encoding="utf-8") + LOCAL_INDICATOR, encoding="utf-8")
    setup = fsot(["ingest", "--config", str(config)])
    if setup["exit_code"] != 0:
        raise RuntimeError(f"setting up {root} failed:\n{setup['stderr'][-2000:]}")
    return config, setup


def small_drop(path: Path) -> Path:
    """An 8-line local drop: the header and one value for each of 7 demonstration wards."""
    rows = [f"E0590000{n},2021/22,Persons,{2 + n / 2:.1f},{1 + n / 2:.1f},{3 + n / 2:.1f}" for n in range(1, 8)]
    path.write_text("\n".join(["area_code,period,sex,value,lower_ci,upper_ci", *rows]) + "\n", encoding="utf-8")
    return path


def ingest_local_case(tmp: Path) -> tuple[dict, dict]:
    config, setup = local_project(tmp / "local")
    drop = small_drop(tmp / "local" / "temporary_accommodation.csv")
    run = fsot(["ingest", "local", str(drop), "--indicator", LOCAL_ID, "--config", str(config)])
    result = stages.judge(
        case(
            "ingest_local_small",
            "`fsot ingest local` of an 8-line CSV (header + 7 wards) into the demonstration project",
            [run],
        ),
        seconds=1.5,
    )
    return result, {"ingest_local_setup_seconds": setup["seconds"]}


def england_cases(tmp: Path) -> tuple[list[dict], dict]:
    import warehouse_build

    root = tmp / "england"
    started = time.perf_counter()
    wards = warehouse_build.write_inputs(root)
    generated = time.perf_counter() - started
    config = str(root / "fsot.toml")
    ingest = fsot(["ingest", "--config", config])
    cold = fsot(["build", "--config", config])
    warm = fsot(["build", "--config", config])
    forced = fsot(["build", "--force", "--config", config])
    scale = (
        f"{wards:,} wards × {warehouse_build.INDICATORS} indicators × {warehouse_build.PERIODS} periods "
        f"({wards * warehouse_build.INDICATORS * warehouse_build.PERIODS:,} ward values)"
    )
    return [
        stages.judge(
            case("england_cold", f"`fsot ingest` + `fsot build`, no warehouse: {scale}", [ingest, cold]),
            seconds=15,
            peak_mb=1024,
        ),
        stages.judge(
            case("england_warm", f"`fsot build` again in a new process, same landed files: {scale}", [warm]), seconds=5
        ),
        stages.judge(
            case("england_warm_forced", f"`fsot build --force`, read and validation caches warm: {scale}", [forced]),
            seconds=5,
            peak_mb=1024,
        ),
    ], {"england_wards": wards, "england_generate_inputs_seconds": round(generated, 2)}


def fastest_of(runs: list[list[dict]]) -> list[dict]:
    """Each case's fastest run of several (the same cases in the same order in each), with every run's
    total seconds as `all_runs_seconds`."""
    if len(runs) == 1:
        return runs[0]
    fastest = []
    for attempts in zip(*runs):
        best = dict(min(attempts, key=lambda c: (c["exit_code"] != 0, c["seconds"])))
        best["all_runs_seconds"] = [c["seconds"] for c in attempts]
        fastest.append(best)
    return fastest


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="the demonstration and local-drop cases only (no England-scale build)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the JSON (default benchmarks/results/pipeline_build.json; "
        "with --quick nothing is written unless this is given)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="run every case N times, keep the fastest of each")
    args = parser.parse_args(argv)
    extra: dict = {}
    runs: list[list[dict]] = []
    for _ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory(prefix="fsot-bench-") as tmp:
            cases = demonstration_cases(Path(tmp))
            local, setup = ingest_local_case(Path(tmp))
            cases.append(local)
            extra.update(setup)
            if not args.quick:
                england, setup = england_cases(Path(tmp))
                cases += england
                extra.update(setup)
        runs.append(cases)
    cases = fastest_of(runs)
    extra["repeat"] = len(runs)
    path = args.output or (None if args.quick else stages.RESULTS_DIR / "pipeline_build.json")
    extra["quick"] = args.quick
    result = (
        stages.write_results("pipeline_build", cases, path, **extra)
        if path
        else stages.collect("pipeline_build", cases, **extra)
    )
    stages.print_table(result)
    if path:
        print(f"written to {path}")
    return result


if __name__ == "__main__":
    main()
