"""pipeline/memory.py gives freed memory back to the operating system (glibc's malloc_trim)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import os
import numpy as np
from pipeline.memory import return_freed_memory

def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

blocks = [np.ones(100_000 // 8) for _ in range(2000)]  # 200 MB in blocks that glibc keeps on its heap
pin = np.ones(100_000 // 8)  # allocated last: the freed blocks lie below it, so nothing frees them by itself
del blocks
before = resident_mb()
returned = return_freed_memory()
print(returned, round(before), round(resident_mb()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's (Linux)")
def test_memory_freed_by_the_process_goes_back_to_the_system():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env={**os.environ}
    )
    assert done.returncode == 0, done.stderr
    returned, before, after = done.stdout.split()
    if returned != "True":
        pytest.skip("no glibc malloc_trim on this machine")
    assert float(before) - float(after) > 150, done.stdout  # of the 200 MB freed


ARROW_SCRIPT = """
import os
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pipeline.memory import return_freed_memory

def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

arrays = [pc.add(pa.array(np.ones(100_000)), 1) for _ in range(250)]  # 200 MB in Arrow's own memory pool
pin = pc.add(pa.array(np.ones(100_000)), 1)
del arrays
before = resident_mb()
return_freed_memory()
print(pa.default_memory_pool().backend_name, round(before), round(resident_mb()))
"""


def test_memory_freed_in_arrows_pool_goes_back_to_the_system_too():
    done = subprocess.run(
        [sys.executable, "-c", ARROW_SCRIPT], capture_output=True, text=True, timeout=120, env={**os.environ}
    )
    assert done.returncode == 0, done.stderr
    backend, before, after = done.stdout.split()
    if backend == "system":
        pytest.skip("Arrow allocates with the system allocator here: malloc_trim's test covers it")
    assert float(before) - float(after) > 150, done.stdout  # of the 200 MB freed


def test_memory_kept_only_by_reference_cycles_is_freed_when_asked():
    import gc
    import weakref

    from pipeline.memory import return_freed_memory

    class Node:
        pass

    gc.disable()  # as if the collector had not yet come round to them
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
        del a, b
        return_freed_memory()
        assert alive() is not None
        return_freed_memory(collect_cycles=True)
        assert alive() is None
    finally:
        gc.enable()
