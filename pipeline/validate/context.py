"""One ephemeral Great Expectations context for the process, quiet: no analytics, no progress bars."""

from __future__ import annotations

import functools
import os


@functools.cache
def context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def expectations():
    context()
    import great_expectations as gx

    return gx.expectations


def validate(frame, suite_name: str, expectation_list: list) -> list:
    """Validate a pandas DataFrame against the expectations; return their COMPLETE results
    (with unexpected_index_list) in the order given."""
    import great_expectations as gx

    ctx = context()
    name = f"{suite_name}_{id(frame)}"
    source = ctx.data_sources.add_or_update_pandas(name)
    batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name).get_batch(
        batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=name)
    for position, expectation in enumerate(expectation_list):
        expectation.meta = {**(expectation.meta or {}), "fsot_position": position}
        suite.add_expectation(expectation)
    result = batch.validate(suite, result_format="COMPLETE")
    ctx.data_sources.delete(name)
    by_position = {r.expectation_config.meta["fsot_position"]: r for r in result.results}
    return [by_position[position] for position in range(len(expectation_list))]
