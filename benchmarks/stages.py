"""Where the time and memory of a run go: wall seconds and peak resident memory of each stage.

A small harness the benchmark scripts share (not a benchmark itself; `make benchmark` skips it).

- In-process stages: `Stages` records, per stage, the wall seconds and the peak resident memory (RSS)
  of *that stage*. A background thread samples VmRSS from /proc/self/status every 5 ms (psutil when
  /proc is absent); on Linux the kernel's own high-water mark (VmHWM) is also reset at every stage
  boundary (/proc/self/clear_refs, "5"), so a spike shorter than 5 ms is not missed.
- Subprocess stages: `run_command` runs a command and reads the rusage of that child from os.wait4
  (ru_maxrss: the peak of the child, or of one of its own children such as Chromium if larger; for
  an instrumented fsot process, whose high-water mark is reset at each stage, the larger of that and
  its stages' peaks).
- `fsot` itself, stage by stage: `fsot_command(...)` runs `python benchmarks/stages.py --record FILE
  -- <fsot arguments>` in a new process. That process imports the CLI, wraps (from outside, without
  changing pipeline/) the functions at the stage boundaries (ingest, load, validate, models, tests,
  report, and read/validate/land of `fsot ingest local`), runs the command as the console script
  would, and writes its stages to FILE. The parent adds `startup` (from spawning the interpreter to
  the CLI imported) and `exit` (interpreter shutdown), so the stages add up to the process's wall time.
- `write_results` writes a JSON with the git revision, date and machine; `print_table` prints it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
SPAWNED_AT = "FSOT_BENCH_SPAWNED_AT"  # epoch seconds at which the parent started the process


# ---------------------------------------------------------------- memory of this process


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", "rb") as f:
            match = re.search(rb"^" + field.encode() + rb":\s+(\d+) kB", f.read(), re.M)
        return int(match.group(1)) if match else None
    except OSError:
        return None


def _rss_reader():
    """A function returning this process's resident memory in kB: /proc first, then psutil."""
    if _status_kb("VmRSS") is not None:
        return lambda: _status_kb("VmRSS") or 0
    try:
        import psutil
    except ImportError:
        return None
    process = psutil.Process()
    return lambda: process.memory_info().rss // 1024


def _reset_high_water_mark() -> bool:
    """Reset the kernel's peak RSS of this process (Linux ≥ 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class MemorySampler:
    """The peak resident memory of this process between two calls of `take_peak_mb`.

    Samples every `interval` seconds in a daemon thread; where the kernel's high-water mark can be
    reset it is read too and the larger of the two is the peak. Without /proc and psutil the peak is
    the process's whole-life maximum (resource.getrusage) and `per_stage` is False."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self._read = _rss_reader()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        before = _status_kb("VmHWM") or 0  # the peak so far, e.g. of the interpreter's start-up
        self._hwm = bool(before) and _reset_high_water_mark()
        self.per_stage = self._read is not None
        self._max_kb = max(before, self._read() if self._read else 0)

    def start(self) -> MemorySampler:
        if self._read and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            rss = self._read()
            with self._lock:
                if rss > self._max_kb:
                    self._max_kb = rss

    def take_peak_mb(self, keep_high_water_mark: bool = False) -> float:
        """The peak since the last call (or since the process started for the first call, where the
        kernel's high-water mark was not reset yet), and start a new period."""
        if not self._read:
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with self._lock:
            now = self._read()
            peak = max(self._max_kb, now)
            if self._hwm:
                peak = max(peak, _status_kb("VmHWM") or 0)
                if not keep_high_water_mark:
                    _reset_high_water_mark()
            self._max_kb = now
        return peak / 1024


# ---------------------------------------------------------------- stages in this process


class Stages:
    """Seconds and peak memory per stage of this process.

    Two styles: `with stages.stage("load"): ...` (or `stages.run("load", fn)`), and boundaries:
    `stages.mark("load")` ends the stage that began at the previous boundary and names it (for code
    that reports progress through a callback). A name used twice adds the seconds and keeps the
    larger peak."""

    def __init__(self, sampler: MemorySampler | None = None):
        self.sampler = sampler or MemorySampler().start()
        self.records: dict[str, dict] = {}
        self._since = time.perf_counter()

    def begin(self) -> None:
        """Start a new period without recording the one before (e.g. set-up that is not measured)."""
        self._since = time.perf_counter()
        self.sampler.take_peak_mb()

    def mark(self, name: str) -> dict:
        now = time.perf_counter()
        seconds, peak = now - self._since, self.sampler.take_peak_mb()
        self._since = now
        record = self.records.setdefault(name, {"stage": name, "seconds": 0.0, "peak_mb": 0.0})
        record["seconds"] += seconds
        record["peak_mb"] = max(record["peak_mb"], peak)
        return record

    @contextmanager
    def stage(self, name: str):
        self.begin()
        try:
            yield
        finally:
            self.mark(name)

    def run(self, name: str, function, *args, **kwargs):
        with self.stage(name):
            return function(*args, **kwargs)

    def as_list(self, digits: int = 3) -> list[dict]:
        return [
            {"stage": r["stage"], "seconds": round(r["seconds"], digits), "peak_mb": round(r["peak_mb"], 1)}
            for r in self.records.values()
        ]


# ---------------------------------------------------------------- stages in a child process

# Linux's ru_maxrss of a child starts at the peak of the process it was forked (vfork'd) from: a child of
# a benchmark that holds 1 GB of generated data would report ≥ 1 GB. So the command is started by this
# small launcher (a bare interpreter, ~10 MB), which times it and writes the rusage of that grandchild.
_LAUNCHER = """
import json, os, sys, time
record, argv = sys.argv[1], sys.argv[2:]
os.environ[SPAWNED_AT] = repr(time.time())
started = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(record, "w") as f:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "exit_code": os.waitstatus_to_exitcode(status)}, f)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
""".replace("SPAWNED_AT", repr(SPAWNED_AT))  # the template holds literal braces


def user_environment(extra: dict | None = None) -> dict:
    """The environment a measured command runs in: this one, but with Python's bytecode cache on, as on a
    user's machine. (This machine sets PYTHONDONTWRITEBYTECODE, so that every run would compile fsot's
    modules again; a fresh clone's first run still compiles them, once, as a user's does.)"""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def run_command(
    argv: list[str], env: dict | None = None, cwd: Path | None = None, timeout: float | None = None
) -> dict:
    """Run a command; its wall seconds, peak RSS (MB, from wait4: the larger of the command's own and
    its children's), exit code and output. The launcher's own ~20 ms start is not counted."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "rusage.json"
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(record), *map(str, argv)],
            stdout=out,
            stderr=err,
            env=user_environment(env),
            cwd=cwd,
            start_new_session=True,
        )
        killed = []

        def kill() -> None:
            killed.append(True)
            os.killpg(process.pid, 9)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            process.wait()
        finally:
            if timer:
                timer.cancel()
        usage = (
            json.loads(record.read_text())
            if record.is_file()
            else {"seconds": timeout or 0, "maxrss_kb": 0, "exit_code": process.returncode}
        )
        out.seek(0)
        err.seek(0)
        return {
            "command": [str(a) for a in argv],
            "exit_code": usage["exit_code"],
            "timed_out": bool(killed),
            "seconds": round(usage["seconds"], 3),
            "peak_mb": round(usage["maxrss_kb"] / 1024, 1),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def fsot_command(
    args: list[str],
    pythonpath: Path = ROOT,
    env: dict | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> dict:
    """`fsot ARGS` in a new process, with its stages: run_command's record plus `stages` (startup,
    the pipeline's stages, other = the CLI's own work between them, exit)."""
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "stages.json"
        result = run_command(
            [sys.executable, str(Path(__file__).resolve()), "--record", str(record), "--", *args],
            env={"PYTHONPATH": str(pythonpath), **(env or {})},
            cwd=cwd,
            timeout=timeout,
        )
        stages = json.loads(record.read_text()) if record.is_file() else []
    accounted = sum(s["seconds"] for s in stages)
    if stages:  # resetting the high-water mark lowers the child's own ru_maxrss: its stages hold the peak
        result["peak_mb"] = max(result["peak_mb"], *(s["peak_mb"] for s in stages))
        stages.append({"stage": "exit", "seconds": round(max(0.0, result["seconds"] - accounted), 3), "peak_mb": None})
    result["stages"] = stages
    return result


def _instrument(stages: Stages, args: list[str]) -> None:
    """Wrap the functions at the pipeline's stage boundaries. A stage ends when its function returns, so
    the modules a stage imports count in it; the time between stages (configuration, log, validation
    report, run manifest) is `other`. Modules are patched when the command first needs them, so that
    instrumenting costs no import of its own."""
    from pipeline.cli import build as build_command
    from pipeline.cli import ingest as ingest_command
    from pipeline.cli import report as report_command

    def ends(module, name: str, stage: str, mark_entry: bool = False, once: bool = False):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            if mark_entry:
                stages.mark("other")
            try:
                return original(*args, **kwargs)
            finally:
                stages.mark(stage)
                if once:
                    setattr(module, name, original)

        setattr(module, name, wrapper)

    if args[:2] == ["ingest", "local"]:
        callback = ingest_command.ingest_local.callback

        def ingest_local(*a, **k):
            from pipeline.ingest import landing
            from pipeline.validate import drop

            ends(drop, "insert_chunks", "read", once=True)  # read the council's file into a scratch DuckDB file,
            ends(drop, "_load_lookups", "lookup")  # the landed ward lookups for the ward check,
            ends(drop, "validate_raw", "validate")  # check the file (Great Expectations, cached by checksum),
            ends(landing, "land_local", "land")  # land it
            return callback(*a, **k)

        ingest_command.ingest_local.callback = ingest_local
        return
    ends(ingest_command, "run_ingest", "ingest", mark_entry=True)
    ends(report_command, "run_report", "report", mark_entry=True)
    original_run_build, original_build = build_command.run_build, build_command._build

    def run_build(config, *args, **kwargs):
        stages.mark("other")
        try:
            return original_run_build(config, *args, **kwargs)
        finally:
            stages.mark("other")  # the validation report

    def _build(config, *args, **kwargs):  # only when there is something to build, as in `fsot build`
        import pipeline.warehouse.build as build  # in the load stage, as it is in `fsot build`

        if not getattr(build.build_warehouse, "instrumented", False):
            original, original_models = build.build_warehouse, build.run_models

            def build_warehouse(config, *args, progress=None, **kwargs):
                boundaries = {"loaded raw tables": "load", "validated raw tables": "validate"}

                def observe(message: str) -> None:
                    if message in boundaries:
                        stages.mark(boundaries[message])
                    if progress:
                        progress(message)

                try:
                    return original(config, *args, progress=observe, **kwargs)
                finally:
                    stages.mark("tests")  # sql/tests, checkpoint and the swap

            def run_models(*args, **kwargs):  # configuration tables, then every model
                try:
                    return original_models(*args, **kwargs)
                finally:
                    stages.mark("models")

            build_warehouse.instrumented = True
            build.build_warehouse, build.run_models = build_warehouse, run_models
        return original_build(config, *args, **kwargs)

    build_command.run_build, build_command._build = run_build, _build


def _child(record: Path, args: list[str]) -> None:
    sampler = MemorySampler().start()
    stages = Stages(sampler)
    spawned = float(os.environ.get(SPAWNED_AT, 0)) or None
    import pipeline.cli

    startup = stages.mark("startup")  # peak since the process began (the high-water mark was not reset before)
    if spawned:
        startup["seconds"] = time.time() - spawned
    _instrument(stages, args)
    group_main = pipeline.cli.cli.main

    def run_then_record(*main_args, **main_kwargs):
        try:
            return group_main(*main_args, **main_kwargs)
        finally:
            stages.mark("other")
            sampler.stop()
            record.write_text(json.dumps(stages.as_list()), encoding="utf-8")

    # The console script's own entry point, so that the process ends as `fsot` ends (pipeline.cli.main
    # skips Python's module teardown after Great Expectations); the record is written before it does.
    pipeline.cli.cli.main = run_then_record
    sys.argv = ["fsot", *args]
    stages.begin()  # the instrumentation itself is not the pipeline's
    pipeline.cli.main()


# ---------------------------------------------------------------- results


def git_revision(root: Path = ROOT) -> str:
    """`git rev-parse --short HEAD`, plus "-dirty" when tracked files differ from it (benchmarks/results/
    excepted: the benchmarks write there); "unknown" outside a git checkout."""
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)benchmarks/results"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return revision + ("-dirty" if changed else "")


def machine() -> dict:
    """The machine a benchmark ran on: Python and its numeric libraries' versions, platform, CPU model,
    cores, memory and the load at the start (a busy machine's figures are not comparable)."""
    from importlib import metadata

    memory_kb, cpu = None, platform.processor() or platform.machine()
    try:
        with open("/proc/meminfo") as f:
            memory_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except (OSError, AttributeError):
        pass
    try:
        load = round(os.getloadavg()[0], 2)
    except OSError:
        load = None
    return {
        "python": platform.python_version(),
        "numpy": metadata.version("numpy"),
        "pandas": metadata.version("pandas"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(memory_kb / 1024**2, 1) if memory_kb else None,
        "load_average_1min_at_start": load,
    }


def collect(name: str, cases: list[dict], **extra) -> dict:
    """{benchmark, revision, date, machine, ...extra, cases}.

    Each case: {"case", "seconds", "peak_mb", "stages": [{"stage", "seconds", "peak_mb"}, ...]} and,
    where it has one, "target": {"seconds", "peak_mb"} and "meets_target"."""
    return {
        "benchmark": name,
        "revision": git_revision(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **extra,
        "cases": cases,
    }


def write_results(name: str, cases: list[dict], path: Path | None = None, **extra) -> dict:
    """Write `collect(name, cases, **extra)` to path (default benchmarks/results/NAME.json); return it."""
    result = collect(name, cases, **extra)
    path = path or RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def judge(case: dict, seconds: float | None = None, peak_mb: float | None = None) -> dict:
    """Add the target and whether the case meets it (None when the case failed)."""
    case["target"] = {k: v for k, v in (("seconds", seconds), ("peak_mb", peak_mb)) if v is not None}
    if case.get("exit_code", 0) != 0:
        case["meets_target"] = None
    else:
        case["meets_target"] = (seconds is None or case["seconds"] <= seconds) and (
            peak_mb is None or case["peak_mb"] <= peak_mb
        )
    return case


def _target_text(case: dict) -> str:
    target = case.get("target") or {}
    parts = ([f"≤ {target['seconds']:g} s"] if "seconds" in target else []) + (
        [f"≤ {target['peak_mb']:g} MB"] if "peak_mb" in target else []
    )
    if not parts:
        return ""
    verdict = {True: "meets", False: "MISSES", None: "FAILED"}[case.get("meets_target")]
    return f"target {', '.join(parts)}: {verdict}"


def print_table(result: dict, file=None) -> None:
    """One line per stage of each case, and the case's total against its target."""
    file = file or sys.stdout
    m = result["machine"]
    print(
        f"\n{result['benchmark']} @ {result['revision']}  ({result['date']}; {m['usable_cpus']} cpus, "
        f"{m['memory_gb']} GB, Python {m['python']})",
        file=file,
    )
    print(f"{'case':<44} {'stage':<12} {'seconds':>8} {'peak MB':>8}", file=file)
    for case in result["cases"]:
        label = case["case"]
        for stage in case.get("stages", []):
            peak = "" if stage["peak_mb"] is None else f"{stage['peak_mb']:.0f}"
            print(f"{label:<44} {stage['stage']:<12} {stage['seconds']:>8.2f} {peak:>8}", file=file)
            label = ""
        runs = case.get("all_runs_seconds")
        of_runs = f"  (fastest of {', '.join(f'{r:.2f}' for r in runs)})" if runs else ""
        total = f"{label:<44} {'= total':<12} {case['seconds']:>8.2f} {case['peak_mb']:>8.0f}"
        print(f"{total}  {_target_text(case)}{of_runs}", file=file)
    print(file=file)


if __name__ == "__main__":  # the child side of fsot_command: python stages.py --record FILE -- ARGS
    if len(sys.argv) < 4 or sys.argv[1] != "--record" or sys.argv[3] != "--":
        sys.exit("usage: python benchmarks/stages.py --record FILE -- FSOT-ARGUMENTS (used by the benchmarks)")
    _child(Path(sys.argv[2]), sys.argv[4:])
