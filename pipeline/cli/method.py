"""`fsot method NAME INPUT.csv OUTPUT.csv`: run one statistical method on a CSV, for auditors.

Only click is imported at module level: numpy and pyarrow load when a method runs, pandas for every
method but life expectancy, scipy.special only for the methods that use it. Life expectancy computes on
Arrow columns and numpy arrays, and makes its Arrow arrays with `arrow_buffers.py` (pyarrow's own
conversions would import pandas), so it never loads pandas. scipy.stats, matplotlib, DuckDB, rich and
Great Expectations never load on this path (tests/test_method_command.py). Bad input gives
a one-line error naming the file, the line (the header is line 1, the first data row line 2), the column
and what to do, with exit code 2; the output file is written to a temporary file beside it and renamed
only on success, so a failed run leaves none. Reading and writing the CSV files is in `method_io.py`,
the text of each cell in `method_cells.py`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from pipeline.cli.method_io import InputFile, MethodInputError, write_output

METHODS = ("proportion", "rate", "mean", "dsr", "isr", "life-expectancy", "quantile", "sii")

HELP = """Run one statistical method on INPUT (CSV) and write the results to OUTPUT (CSV).

The methods reproduce PHEindicatormethods 2.1.0 (see the methods appendix). Numbers may carry
thousands separators ("29,199"); empty cells, NA and N/A are missing values. --group-by COL,COL
computes per group.

\b
NAME             input columns                  output (added) columns
proportion       count, population              value, lower_ci, upper_ci [, lower_ci_998,
                 (--multiplier, default 1)        upper_ci_998], confidence, statistic, method
rate             count, population              as proportion (exact CI below 10 events,
                 (--multiplier, default 100000)   Byars from 10)
mean             value                          per group: value_sum, value_count, stdev, value,
                                                  lower_ci, upper_ci, ...
dsr              age_band, count, population    per group: total_count, total_pop, value,
                 [, standard_population]          lower_ci, upper_ci, ... (default standard:
                 (--multiplier, default 100000)   ESP 2013 by band start age 0, 5, ..., 90)
isr              count, population,             per group: observed, expected [, ref_rate],
                 reference_count,                 value, lower_ci, upper_ci, ... (ratio; --rate
                 reference_population             for a rate, --multiplier default 100000)
life-expectancy  age_band (start age 0, 1, 5,   per group and start age: start_age, value,
                 ..., 90), deaths, population     lower_ci, upper_ci, note (why a value is
                                                  empty), pops_used, dths_used, ...
quantile         value                          input + quantile (--quantiles N, default 10;
                                                  --invert: highest value in quantile 1)
sii              quantile, population, value,   per group: sii, sii_lower_ci, sii_upper_ci
                 and lower_ci + upper_ci, or se   [, rii, rii_lower_ci, rii_upper_ci with --rii]

\b
--group-by with proportion/rate: counts and populations are summed per group (one row per
group) when there are two or more groups; a single group is computed row by row, as in R.
--confidence 0.95 (or 95) gives lower_ci/upper_ci; "0.95,0.998" adds lower_ci_998/upper_ci_998.
Numbers are written exactly: the shortest text that reads back as the same value (80.16960813194838,
1e-05), whole numbers without a decimal point (65); an empty cell is a missing value.
Errors name the file, line and column; exit code 2; no output file is written.
"""


def _parse_confidence(text: str) -> tuple[float, ...]:
    from pipeline.methods.confidence import normalise_level

    try:
        levels = tuple(normalise_level(float(part)) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise MethodInputError(f"--confidence {text!r}: {exc}; use e.g. 0.95, 95 or 0.95,0.998") from exc
    if not levels:
        raise MethodInputError(f"--confidence {text!r}: no level given; use e.g. 0.95, 95 or 0.95,0.998")
    return levels


def _two_level_confidence(levels: tuple[float, ...]):
    if len(levels) == 1:
        return levels[0]
    if levels == (0.95, 0.998):
        return levels
    raise MethodInputError(
        f"--confidence {','.join(f'{c:g}' for c in levels)}: this method gives one level, or the pair 0.95,0.998"
    )


# ---------------------------------------------------------------------------------------------
# The methods
# ---------------------------------------------------------------------------------------------


def _counts(data: InputFile, count: str, population: str, *, proportion: bool, zero_population_ok: bool = False):
    import numpy as np

    data.require(count, population)
    x = data.numbers(count)
    n = data.numbers(population)
    with np.errstate(invalid="ignore"):
        data.check(count, x, x < 0, "is negative", "counts must be 0 or more")
        if zero_population_ok:
            data.check(population, n, n < 0, "is negative", "populations must be 0 or more")
        else:
            data.check(population, n, n <= 0, "is not greater than 0", "populations must be more than 0")
        if proportion:
            data.check(
                count, x, x > n, "is more than the population on that line", "a proportion needs count ≤ population"
            )
    return x, n


def _run(name: str, data: InputFile, group_by: list[str], levels: tuple[float, ...], options: dict):
    import numpy as np

    data.require(*group_by)
    if name == "life-expectancy":
        return _run_life_expectancy(data, group_by, levels)
    frame = data.frame.copy()
    multiplier = options["multiplier"]
    if name in ("proportion", "rate"):
        x, n = _counts(data, "count", "population", proportion=name == "proportion")
        frame["count"], frame["population"] = x, n
        if name == "proportion":
            from pipeline.methods.proportion import proportion_frame

            return proportion_frame(
                frame, group_by, _two_level_confidence(levels), 1 if multiplier is None else multiplier
            )
        from pipeline.methods.rate import rate_frame

        return rate_frame(frame, group_by, _two_level_confidence(levels), 100000 if multiplier is None else multiplier)
    if name == "mean":
        data.require("value")
        frame["value"] = data.numbers("value")
        from pipeline.methods.mean import mean_frame

        return mean_frame(frame, group_by, _two_level_confidence(levels))
    if name == "dsr":
        data.require("age_band")
        x, n = _counts(data, "count", "population", proportion=False)
        frame["count"], frame["population"] = x, n
        data.check("population", n, np.isnan(n), "is missing", "every age band needs a population")
        if "standard_population" in frame.columns:
            w = data.numbers("standard_population")
            with np.errstate(invalid="ignore"):
                data.check(
                    "standard_population",
                    w,
                    np.isnan(w) | (w < 0),
                    "is missing or negative",
                    "standard populations must be 0 or more",
                )
            frame["standard_population"] = w
        from pipeline.methods.standardised_rate import dsr_frame

        return dsr_frame(frame, group_by, _two_level_confidence(levels), 100000 if multiplier is None else multiplier)
    if name == "isr":
        x, n = _counts(data, "count", "population", proportion=False, zero_population_ok=True)
        data.require("reference_count", "reference_population")
        x_ref, n_ref = data.numbers("reference_count"), data.numbers("reference_population")
        with np.errstate(invalid="ignore"):
            data.check("reference_count", x_ref, x_ref < 0, "is negative", "counts must be 0 or more")
            data.check(
                "reference_population",
                n_ref,
                ~(n_ref > 0),
                "is not greater than 0",
                "reference populations must be more than 0",
            )
        frame["count"], frame["population"] = x, n
        frame["reference_count"], frame["reference_population"] = x_ref, n_ref
        from pipeline.methods.standardised_ratio import isr_frame

        return isr_frame(frame, group_by, _two_level_confidence(levels), multiplier, rate=options["rate"])
    if name == "quantile":
        data.require("value")
        frame["value"] = data.numbers("value")
        from pipeline.methods.quantiles import quantile_frame

        if options["quantiles"] < 1:
            raise MethodInputError("--quantiles must be 1 or more")
        return quantile_frame(
            frame, value_col="value", group_by=group_by, nquantiles=options["quantiles"], invert=options["invert"]
        )
    if name == "sii":
        return _run_sii(data, frame, group_by, levels, options)
    raise MethodInputError(f"unknown method {name!r}")  # pragma: no cover - click restricts NAME


def _run_life_expectancy(data: InputFile, group_by: list[str], levels: tuple[float, ...]):
    """Life expectancy on the input's Arrow columns and numpy, without pandas: {column: array}."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import from_numpy, text, to_numpy
    from pipeline.methods.confidence import levels_text
    from pipeline.methods.life_expectancy import (
        METHOD,
        NOTES,
        START_AGES,
        band_start_ages,
        life_expectancy_rows,
        life_expectancy_statistics,
    )

    data.require("age_band", "deaths", "population")
    bands = pc.utf8_trim_whitespace(data.text("age_band")).dictionary_encode()  # a handful of distinct labels
    labels = np.asarray(bands.dictionary.to_pylist(), dtype=object)
    ages = band_start_ages(labels)[to_numpy(bands.indices)]
    data.check(
        "age_band",
        data.text("age_band"),
        ~np.isin(ages, START_AGES),
        "is not a band start age",
        "age_band must be one of 0, 1, 5, 10, ..., 85, 90",
    )
    D, P = data.numbers("deaths"), data.numbers("population")
    with np.errstate(invalid="ignore"):
        data.check("deaths", D, D < 0, "is negative", "deaths must be 0 or more")
        data.check("population", P, P < 0, "is negative", "populations must be 0 or more")
    codes, first = _group_codes(data, group_by)
    rows = life_expectancy_rows(codes, len(first), ages, D, P, levels)
    group = from_numpy(rows.pop("group"))  # the group columns as each group's keys, written once per group
    firsts = from_numpy(first)
    columns = {column: pa.DictionaryArray.from_arrays(group, data.text(column).take(firsts)) for column in group_by}
    columns.update(rows)
    repeated = from_numpy(np.zeros(len(rows["start_age"]), dtype=np.int8))
    statistic, statistics = life_expectancy_statistics(rows["start_age"])
    columns["note"] = pa.DictionaryArray.from_arrays(from_numpy(rows["note"]), text(NOTES))
    columns["confidence"] = pa.DictionaryArray.from_arrays(repeated, text([levels_text(levels)]))
    columns["statistic"] = pa.DictionaryArray.from_arrays(from_numpy(statistic), text(statistics))
    columns["method"] = pa.DictionaryArray.from_arrays(repeated, text([METHOD]))
    return columns


def _group_codes(data: InputFile, group_by: list[str]):
    """Each row's group, numbered in the order of the groups' keys (text, compared as pandas and dplyr
    compare it: by code point), and the first row of each group."""
    import numpy as np
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import to_numpy

    combined = np.zeros(data.rows, dtype=np.int64)
    for column in group_by:
        cells = data.text(column)
        distinct = pc.unique(cells)
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[to_numpy(pc.sort_indices(distinct))] = np.arange(len(distinct))
        position = to_numpy(pc.index_in(cells, value_set=distinct))
        combined = np.unique(combined * len(distinct) + rank[position], return_inverse=True)[1].astype(np.int64)
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    return codes.astype(np.intp), first


def _run_sii(data: InputFile, frame, group_by, levels, options):
    import numpy as np

    data.require("quantile", "population", "value")
    has_se = "se" in frame.columns
    if not has_se and not ("lower_ci" in frame.columns and "upper_ci" in frame.columns):
        data.require("lower_ci", "upper_ci")
    quantile = frame["quantile"].str.strip()
    data.check(
        "quantile",
        quantile.to_numpy(),
        (quantile == "").to_numpy(),
        "is not a quantile",
        "every row needs its quantile",
    )
    as_number = quantile.str.fullmatch(r"[+-]?\d+(\.\d*)?")
    frame["quantile"] = quantile.astype(float) if as_number.all() else quantile
    distinct = quantile.nunique()
    if distinct < 5 or distinct > 100:
        raise MethodInputError(
            f"{data.path}: column 'quantile' has {distinct} distinct quantile(s); sii needs "
            "5 to 100 quantiles (e.g. deprivation quintiles or deciles)"
        )
    for column in ("population", "value", "se", "lower_ci", "upper_ci"):
        if column in frame.columns:
            frame[column] = data.numbers(column)
    P = frame["population"].to_numpy()
    data.check("population", P, ~(P > 0), "is not greater than 0", "every quantile needs a population above 0")
    for column in ("value",) + (("se",) if has_se else ("lower_ci", "upper_ci")):
        values = frame[column].to_numpy()
        data.check(column, values, np.isnan(values), "(empty) is missing", f"every quantile needs a {column}")
    from pipeline.methods.slope_index import sii_frame

    multiplier = 1 if options["multiplier"] is None else options["multiplier"]
    return sii_frame(
        frame,
        group_by=group_by,
        value_type=options["value_type"],
        transform=options["transform"],
        multiplier=multiplier,
        repetitions=options["repetitions"],
        confidence=tuple(levels),
        rii=options["rii"],
        intercept=False,
        reliability_stat=False,
        seed=options["seed"],
    )


@click.command("method", help=HELP, short_help="Run one statistical method CSV-in/CSV-out (for auditors).")
@click.argument("name", type=click.Choice(METHODS))
@click.argument("input_csv", metavar="INPUT.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("output_csv", metavar="OUTPUT.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--group-by", default="", metavar="COL,COL", help="Compute per group of these columns.")
@click.option(
    "--confidence",
    default="0.95",
    show_default=True,
    help='Confidence level(s): "0.95", "95" or "0.95,0.998" (life-expectancy and sii: any list).',
)
@click.option(
    "--multiplier",
    type=float,
    default=None,
    help="Scale: proportion 1 (100 for a percentage), rate/dsr/isr rate 100000, isr ratio 1, sii 1.",
)
@click.option("--rate", "isr_rate", is_flag=True, help="isr: an indirectly standardised rate instead of a ratio.")
@click.option("--quantiles", type=int, default=10, show_default=True, help="quantile: number of quantiles.")
@click.option(
    "--invert/--no-invert",
    default=True,
    show_default=True,
    help="quantile: put the highest values in quantile 1 (--no-invert: the lowest).",
)
@click.option(
    "--value-type",
    type=click.Choice(["0", "1", "2"]),
    default="0",
    show_default=True,
    help="sii: 0 other, 1 rate, 2 proportion (0 to 1).",
)
@click.option("--transform", is_flag=True, help="sii: regress on the log (rates) or logit (proportions) scale.")
@click.option("--repetitions", type=int, default=100000, show_default=True, help="sii: simulation repetitions.")
@click.option("--seed", type=int, default=None, help="sii: random seed, for a reproducible simulation.")
@click.option("--rii", is_flag=True, help="sii: also the relative index of inequality.")
def method(
    name,
    input_csv,
    output_csv,
    group_by,
    confidence,
    multiplier,
    isr_rate,
    quantiles,
    invert,
    value_type,
    transform,
    repetitions,
    seed,
    rii,
):
    levels = _parse_confidence(confidence)
    groups = [g.strip() for g in group_by.split(",") if g.strip()]
    data = InputFile(input_csv)
    options = {
        "multiplier": multiplier,
        "rate": isr_rate,
        "quantiles": quantiles,
        "invert": invert,
        "value_type": int(value_type),
        "transform": transform,
        "repetitions": repetitions,
        "seed": seed,
        "rii": rii,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _run(name, data, groups, levels, options)
        except ValueError as exc:
            raise MethodInputError(f"{input_csv}: {name}: {exc}") from exc
    for message in dict.fromkeys(str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)):
        click.echo(f"warning: {message}", err=True)
    rows = write_output(result, output_csv)
    click.echo(f"{name}: {rows} row(s) written to {output_csv}", err=True)
