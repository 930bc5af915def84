"""Safe runs: a build killed half-way leaves the last good warehouse; two builds at once take turns."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest

import tiny_project
from pipeline.config import load_config

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow


def fsot(config_path, *args):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args, "--config", str(config_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def tables(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            name: con.execute(f"select count(*) from {name}").fetchall()[0][0]
            for (name,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema in ('intermediate', 'marts') order by 1"
            ).fetchall()
        }
    finally:
        con.close()


def test_a_build_killed_half_way_leaves_the_previous_warehouse(tmp_path):
    config_path = tiny_project.write(tmp_path)
    for step in ("ingest", "build"):
        assert fsot(config_path, step).wait(timeout=120) == 0
    config = load_config(config_path)
    before = tables(config.warehouse_path)
    assert before["marts.fct_gap"] > 0
    building = config.warehouse_path.with_name("fsot.duckdb.building")
    process = fsot(config_path, "build", "--force")  # nothing changed: only --force rebuilds
    deadline = time.monotonic() + 60
    while not building.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert building.exists(), "the build never started writing"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert tables(config.warehouse_path) == before
    # the lock died with the process: the next build runs, and clears the half-built file
    assert fsot(config_path, "build", "--force").wait(timeout=120) == 0
    assert tables(config.warehouse_path) == before
    assert not building.exists()


def test_two_builds_at_once_take_turns(tmp_path):
    config_path = tiny_project.write(tmp_path)
    assert fsot(config_path, "ingest").wait(timeout=120) == 0
    first, second = fsot(config_path, "build"), fsot(config_path, "build")
    outputs = [p.communicate(timeout=180)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert tables(load_config(config_path).warehouse_path)["marts.fct_gap"] > 0


def test_a_build_waits_for_the_lock_and_says_who_holds_it(tmp_path):
    from pipeline.warehouse.lock import warehouse_lock

    config_path = tiny_project.write(tmp_path)
    assert fsot(config_path, "ingest").wait(timeout=120) == 0
    config = load_config(config_path)
    with warehouse_lock(config, "test-holder"):
        process = fsot(config_path, "build")
        lines: list[str] = []
        reader = threading.Thread(target=lambda: [lines.append(line) for line in process.stdout], daemon=True)
        reader.start()
        # poll, with a deadline, for the build to say it waits (rather than sleeping a fixed time and hoping)
        deadline = time.monotonic() + 120
        while (
            not any("waiting:" in line for line in list(lines))
            and process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert process.poll() is None, "the build must wait while another process holds the lock: " + "".join(lines)
        assert any("waiting:" in line for line in list(lines)), "".join(lines)
        assert not config.warehouse_path.exists()
    process.wait(timeout=120)
    reader.join(timeout=30)
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "waiting: the warehouse is being written by" in output and '"command": "test-holder"' in output
