"""The benchmark harness (benchmarks/stages.py) records, per stage, seconds and peak memory, and writes
them with the git revision and the machine. Behaviour only: no timing is asserted."""

from __future__ import annotations

import importlib.util
import json
import sys
import time

from conftest import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("bench_stages", PROJECT_ROOT / "benchmarks" / "stages.py")
stages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stages)


def test_stages_in_process_and_in_a_child_are_written_with_revision_and_machine(tmp_path):
    recorder = stages.Stages()

    def allocate() -> int:
        block = bytearray(40 * 1024 * 1024)  # touched, so resident
        time.sleep(0.02)
        return len(block)

    assert recorder.run("allocate", allocate) == 40 * 1024 * 1024
    recorder.begin()
    time.sleep(0.01)
    recorder.mark("idle")
    recorder.sampler.stop()
    child = stages.run_command([sys.executable, "-c", "x = bytearray(30 * 1024 * 1024)"])
    fsot = stages.fsot_command(["--help"])
    cases = [
        stages.judge({"case": "in_process", "seconds": 0.1, "peak_mb": 50, "stages": recorder.as_list()}, seconds=9),
        stages.judge({"case": "child", **child, "stages": []}, seconds=9, peak_mb=4096),
        {"case": "fsot_help", **{k: fsot[k] for k in ("seconds", "peak_mb", "exit_code", "stages")}},
    ]
    written = stages.write_results("harness_smoke", cases, tmp_path / "harness_smoke.json")

    result = json.loads((tmp_path / "harness_smoke.json").read_text())
    assert result == json.loads(json.dumps(written))
    assert result["benchmark"] == "harness_smoke" and result["revision"] and result["date"]
    assert {"python", "platform", "cpus", "memory_gb"} <= set(result["machine"])
    allocate_stage, idle = result["cases"][0]["stages"]
    assert allocate_stage["stage"] == "allocate" and allocate_stage["seconds"] > 0
    assert allocate_stage["peak_mb"] > 40 and idle["seconds"] > 0 and idle["peak_mb"] > 0
    assert result["cases"][0]["meets_target"] is True and result["cases"][0]["target"] == {"seconds": 9}
    assert child["exit_code"] == 0 and child["seconds"] > 0 and child["peak_mb"] > 30
    help_case = result["cases"][2]
    assert help_case["exit_code"] == 0 and "Usage: fsot" in fsot["stdout"]
    assert [s["stage"] for s in help_case["stages"]] == ["startup", "other", "exit"]
    assert all(s["seconds"] >= 0 for s in help_case["stages"]) and help_case["stages"][0]["peak_mb"] > 0
    stages.print_table(result)  # prints without error


def test_repeated_runs_keep_each_cases_fastest_and_commands_keep_their_bytecode(monkeypatch):
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    try:
        build_spec = importlib.util.spec_from_file_location(
            "bench_build", PROJECT_ROOT / "benchmarks" / "pipeline_build.py"
        )
        build = importlib.util.module_from_spec(build_spec)
        build_spec.loader.exec_module(build)
    finally:
        sys.path.remove(str(PROJECT_ROOT / "benchmarks"))
    runs = [
        [{"case": "a", "seconds": 3.0, "exit_code": 0}, {"case": "b", "seconds": 1.0, "exit_code": 1}],
        [{"case": "a", "seconds": 2.0, "exit_code": 0}, {"case": "b", "seconds": 5.0, "exit_code": 0}],
        [{"case": "a", "seconds": 4.0, "exit_code": 0}, {"case": "b", "seconds": 6.0, "exit_code": 0}],
    ]
    assert build.fastest_of(runs) == [  # a failed run is never the fastest
        {"case": "a", "seconds": 2.0, "exit_code": 0, "all_runs_seconds": [3.0, 2.0, 4.0]},
        {"case": "b", "seconds": 5.0, "exit_code": 0, "all_runs_seconds": [1.0, 5.0, 6.0]},
    ]
    assert build.fastest_of(runs[:1]) == runs[0]
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = stages.user_environment({"PYTHONPATH": "x"})
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["PYTHONPATH"] == "x" and env["PATH"]
