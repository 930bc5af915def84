"""One ephemeral Great Expectations context for the process, quiet: no analytics, no progress bars.

Importing Great Expectations costs seconds, and about a third of that is two libraries our suites never
use: scipy.stats (for its distributional expectations) and altair (for data docs). `import_gx` imports
Great Expectations with those two deferred by the standard library's `importlib.util.LazyLoader`: the
modules are registered as usual but only executed on first attribute access, so nothing changes for code
that does use them, it just pays for them then. See benchmarks/pipeline_build.py for the effect.

The import and the context make about 200,000 objects that live as long as the process and no garbage, so
Python's cyclic garbage collector is paused while they are made (its full passes over them cost 0.1–0.3 s)
and they are then frozen (`gc.freeze`): later collections, such as the one that frees Great Expectations'
validation results before the models run (pipeline.memory), do not scan them again (5 ms against 0.13 s).

A build that will validate starts the import early, on a thread, while it loads (`prepare_in_background`):
the import holds Python's lock, but the load spends most of its time in DuckDB and Arrow, which release
it (England-scale: validate 3.7–6.3 s → 2.7–4.0 s, load 0.2–2.8 s longer, in alternating runs). A build
whose files all come from the read cache starts nothing. `context()` waits for that thread; if the
import failed there, it is simply tried again, and fails, on the caller's thread.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

DEFERRED_WHILE_IMPORTING = ("scipy.stats", "altair")


class _DeferredImports(importlib.abc.MetaPathFinder):
    """Finds `names` as usual, but with a LazyLoader, so that importing them executes nothing yet."""

    def __init__(self, names: tuple[str, ...]):
        self.names = frozenset(names)

    def find_spec(self, name, path=None, target=None):
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_gx():
    """`import great_expectations`, with DEFERRED_WHILE_IMPORTING loaded lazily (module docstring)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    finder = _DeferredImports(tuple(name for name in DEFERRED_WHILE_IMPORTING if name not in sys.modules))
    sys.meta_path.insert(0, finder)
    collecting = gc.isenabled()
    gc.disable()  # the import makes objects that live as long as the process, and no garbage (module docstring)
    try:
        import great_expectations
    finally:
        sys.meta_path.remove(finder)
        if collecting:
            gc.enable()
    return great_expectations


_preparing: threading.Thread | None = None
_frozen = False


def prepare_in_background() -> None:
    """Start making the context (importing Great Expectations) on a thread, once (module docstring)."""
    global _preparing
    if _preparing is None and _context.cache_info().currsize == 0:
        _preparing = threading.Thread(target=_prepare, name="fsot-prepare-validation")
        _preparing.start()


def _prepare() -> None:
    with contextlib.suppress(BaseException):  # the caller's own context() raises it, with its message
        _context()


def context():
    """The process's ephemeral context (made once; waits for `prepare_in_background`'s thread)."""
    global _frozen
    if _preparing is not None:
        _preparing.join()
    ctx = _context()
    if not _frozen:
        # what the import and the context made (module docstring), frozen here on the caller's thread rather
        # than on the preparing one, so that nothing a concurrent load holds at that moment is frozen with it
        gc.freeze()
        _frozen = True
    return ctx


@functools.cache
def _context():
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def expectations():
    context()
    return import_gx().expectations


@contextlib.contextmanager
def suite_batches(suite_name: str) -> Iterator[Callable[[Any, list], list]]:
    """`validate(frame, expectations)` for the chunks of one suite's rows, all through one pandas data
    source, asset and whole-DataFrame batch definition. Each change to an ephemeral context's data sources
    rewrites its project configuration (a YAML dump, about 13 ms), so they are made once per suite run,
    not once per chunk; the data source is deleted at the end, which releases the last chunk, which
    its execution engine keeps."""
    ctx = context()
    name = f"fsot_{suite_name}"
    source = ctx.data_sources.add_or_update_pandas(name)
    definition = source.add_dataframe_asset(name=suite_name).add_batch_definition_whole_dataframe(suite_name)
    try:
        yield lambda frame, expectation_list: _validate(definition, suite_name, frame, expectation_list)
    finally:
        ctx.data_sources.delete(name)


def _validate(definition, suite_name: str, frame, expectation_list: list) -> list:
    """Validate a pandas DataFrame against the expectations; return, in the order given, each one's
    result: COMPLETE (with unexpected_index_list) for those that failed, BOOLEAN_ONLY for those that passed.

    Two runs on one batch: every expectation with result format BOOLEAN_ONLY (it counts the failing rows
    and lists none, about three times faster), then only the failing ones again with COMPLETE, which
    lists their rows. A passing expectation has no rows to list, so the outcome is that of one COMPLETE
    run of them all."""
    gx = import_gx()
    batch = definition.get_batch(batch_parameters={"dataframe": frame})

    for position, expectation in enumerate(expectation_list):
        expectation.meta = {**(expectation.meta or {}), "fsot_position": position}

    def run(positions: list[int], result_format: str) -> dict:
        suite = gx.ExpectationSuite(name=f"{suite_name}_{result_format}")
        for position in positions:
            suite.add_expectation(expectation_list[position])
        result = batch.validate(suite, result_format=result_format)
        return {r.expectation_config.meta["fsot_position"]: r for r in result.results}

    results = run(list(range(len(expectation_list))), "BOOLEAN_ONLY")
    failed = [position for position, r in sorted(results.items()) if not r.success]
    if failed:
        results.update(run(failed, "COMPLETE"))
    return [results[position] for position in range(len(expectation_list))]
