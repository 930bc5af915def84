"""`fsot method NAME INPUT.csv OUTPUT.csv`: run one statistical method on a CSV, for auditors.

Only click is imported at module level: pandas, numpy, pyarrow, DuckDB and scipy.special load when a
method runs, so the rest of the CLI starts quickly (scipy.stats, matplotlib and Great Expectations never
load on this path). Bad input gives a one-line error naming the file, the line (the header is line 1, the
first data row line 2), the column and what to do, with exit code 2; the output file is written to a
temporary file beside it and renamed only on success, so a failed run leaves none.

CSV in and out goes through libraries built for it rather than pandas' per-cell Python formatting (which
took three quarters of the time on 280,000 rows): pyarrow's reader parses the text and its compute
kernels the numbers, DuckDB's writer writes the result, each double as the shortest text that reads
back as the same double.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from pathlib import Path

import click

METHODS = ("proportion", "rate", "mean", "dsr", "isr", "life-expectancy", "quantile", "sii")
MISSING_MARKERS = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL"})
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
LINE_NOTE = "line 1 is the header"

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


class MethodInputError(click.ClickException):
    """A one-line error about the input; exit code 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


# ---------------------------------------------------------------------------------------------
# Reading the input
# ---------------------------------------------------------------------------------------------

class _Input:
    """The input as text cells, with each row's line number in the file.

    A well-formed file (a plain header, the same number of cells on every line, no line breaks inside
    quotes) is parsed by pyarrow's CSV reader; anything else by pandas, as before, which also gives its
    error messages. Both give the same text cells and line numbers (tests/test_method_command.py).
    """

    def __init__(self, path: Path):
        self.path = path
        if not path.is_file():
            raise MethodInputError(f"{path}: file not found; give the path of a CSV file")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        if not text.strip():
            raise MethodInputError(f"{path}: the file is empty; it needs a header line and at least one data row")
        frame, line, self._arrow = _read_with_arrow(text) or _read_with_pandas(path, text)
        blank = _blank_rows(frame, self._arrow)
        if blank.any():
            frame, line = frame[~blank].reset_index(drop=True), line[~blank]
            if self._arrow is not None:
                import pyarrow as pa

                keep = pa.array(~blank)
                self._arrow = {name: column.filter(keep) for name, column in self._arrow.items()}
        self.frame, self.lines = frame, line
        if self.frame.empty:
            raise MethodInputError(f"{path}: no data rows under the header; add at least one row")

    def where(self, row: int, column: str) -> str:
        return f"{self.path}: line {int(self.lines[row])} ({LINE_NOTE}), column {column!r}"

    def require(self, *columns: str) -> None:
        for column in columns:
            if column not in self.frame.columns:
                have = ", ".join(self.frame.columns)
                raise MethodInputError(f"{self.path}: column {column!r} is missing (the header has: {have}); "
                                       f"add a {column!r} column")

    def numbers(self, column: str):
        """Column as float64: thousands separators stripped, missing markers → NaN, text is an error."""
        import numpy as np
        import pandas as pd

        if self._arrow is not None:
            values = _plain_numbers(self._arrow[column])
            if values is not None:
                return values
        cells = self.frame[column].str.strip()
        missing = cells.isin(MISSING_MARKERS)
        grouped = cells.str.match(_THOUSANDS)
        cleaned = cells.where(~grouped, cells.str.replace(",", "", regex=False))
        values = pd.to_numeric(cleaned.where(~missing, None), errors="coerce")
        bad = values.isna() & ~missing
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise MethodInputError(f"{self.where(row, column)}: {cells.iloc[row]!r} is not a number; "
                                   "correct it, or leave the cell empty if the value is missing")
        return values.to_numpy(dtype=float, na_value=np.nan)

    def check(self, column: str, values, bad_mask, problem: str, fix: str) -> None:
        """Error at the first row where ``bad_mask`` holds; ``values`` supplies what is shown."""
        import numpy as np

        bad_mask = np.asarray(bad_mask, dtype=bool)
        if bad_mask.any():
            row = int(np.flatnonzero(bad_mask)[0])
            raise MethodInputError(f"{self.where(row, column)}: {_show(values[row])} {problem}; {fix}")


def _read_with_arrow(text: str):
    """(frame of text cells, line number of each row, {column: arrow array}) read by pyarrow, or None when
    the file is not plain enough for it (pandas then reads it, as before)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    header, _, body = text.partition("\n")
    names = header.split(",")
    stripped = [name.strip() for name in names]
    if '"' in header or "" in stripped or len(set(names)) < len(names) or len(set(stripped)) < len(stripped):
        return None  # quoted, unnamed or repeated column names: pandas' rules apply
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(len(names))]),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(len(names))},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowException:
        return None  # ragged rows, line breaks inside quotes, ...
    if "\n\n" in body or body.startswith("\n"):
        line = np.array([number for number, cells in enumerate(body.split("\n"), start=2) if cells], dtype=np.int64)
    else:
        line = np.arange(2, 2 + body.count("\n") + (not body.endswith("\n") and body != ""), dtype=np.int64)
    if len(line) != table.num_rows:
        return None
    frame = table.to_pandas()
    frame.columns = stripped
    return frame, line, dict(zip(stripped, table.columns))


def _read_with_pandas(path: Path, text: str):
    import io

    import numpy as np
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise MethodInputError(f"{path}: not a readable CSV file ({exc}); save it as comma-separated text") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("")
    return frame, np.arange(2, len(frame) + 2, dtype=np.int64), None


def _blank_rows(frame, arrow):
    """Rows whose every cell is empty or spaces (blank lines, lines of commas)."""
    import numpy as np

    if not len(frame.columns):
        return np.ones(len(frame), dtype=bool)
    if arrow is not None:
        import pyarrow.compute as pc

        blank = None
        for column in arrow.values():
            empty = pc.equal(pc.utf8_trim_whitespace(column), "")
            blank = empty if blank is None else pc.and_(blank, empty)
        return blank.to_numpy()
    return (frame.apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()


_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _plain_numbers(column):
    """float64 array of a column of plain decimal numbers (thousands separators allowed, missing markers →
    NaN), parsed by Arrow (correctly rounded, as Python's float()); None if any cell is anything else, so
    that the pandas path decides it and names the bad cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pc.utf8_trim_whitespace(column)
    missing = pc.is_in(cells, value_set=pa.array(sorted(MISSING_MARKERS)))
    cleaned = pc.if_else(pc.match_substring_regex(cells, _THOUSANDS.pattern), pc.replace_substring(cells, ",", ""),
                         cells)
    if not pc.all(pc.or_(missing, pc.match_substring_regex(cleaned, _PLAIN_NUMBER))).as_py():
        return None
    try:
        values = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), cleaned), pa.float64())
    except pa.ArrowInvalid:
        return None
    return pc.fill_null(values, float("nan")).to_numpy()


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value)
    return f"{float(value):.15g}"


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
    raise MethodInputError(f"--confidence {','.join(f'{c:g}' for c in levels)}: this method gives one level, "
                           "or the pair 0.95,0.998")


# ---------------------------------------------------------------------------------------------
# The methods
# ---------------------------------------------------------------------------------------------

def _counts(data: _Input, count: str, population: str, *, proportion: bool, zero_population_ok: bool = False):
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
            data.check(count, x, x > n, "is more than the population on that line",
                       "a proportion needs count ≤ population")
    return x, n


def _run(name: str, data: _Input, group_by: list[str], levels: tuple[float, ...], options: dict):
    import numpy as np
    import pandas as pd

    frame = data.frame.copy()
    data.require(*group_by)
    multiplier = options["multiplier"]
    if name in ("proportion", "rate"):
        x, n = _counts(data, "count", "population", proportion=name == "proportion")
        frame["count"], frame["population"] = x, n
        if name == "proportion":
            from pipeline.methods.proportion import proportion_frame

            return proportion_frame(frame, group_by, _two_level_confidence(levels),
                                    1 if multiplier is None else multiplier)
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
                data.check("standard_population", w, np.isnan(w) | (w < 0), "is missing or negative",
                           "standard populations must be 0 or more")
            frame["standard_population"] = w
        from pipeline.methods.standardised_rate import dsr_frame

        return dsr_frame(frame, group_by, _two_level_confidence(levels), 100000 if multiplier is None else multiplier)
    if name == "isr":
        x, n = _counts(data, "count", "population", proportion=False, zero_population_ok=True)
        data.require("reference_count", "reference_population")
        x_ref, n_ref = data.numbers("reference_count"), data.numbers("reference_population")
        with np.errstate(invalid="ignore"):
            data.check("reference_count", x_ref, x_ref < 0, "is negative", "counts must be 0 or more")
            data.check("reference_population", n_ref, ~(n_ref > 0), "is not greater than 0",
                       "reference populations must be more than 0")
        frame["count"], frame["population"] = x, n
        frame["reference_count"], frame["reference_population"] = x_ref, n_ref
        from pipeline.methods.standardised_ratio import isr_frame

        return isr_frame(frame, group_by, _two_level_confidence(levels), multiplier, rate=options["rate"])
    if name == "life-expectancy":
        data.require("age_band", "deaths", "population")
        from pipeline.methods.life_expectancy import START_AGES, band_start_ages, life_expectancy_frame

        labels, bands = pd.factorize(frame["age_band"].str.strip())  # a handful of distinct labels
        ages = band_start_ages(pd.Series(bands, dtype=object))[labels]
        data.check("age_band", frame["age_band"].to_numpy(), ~np.isin(ages, START_AGES), "is not a band start age",
                   "age_band must be one of 0, 1, 5, 10, ..., 85, 90")
        D, P = data.numbers("deaths"), data.numbers("population")
        with np.errstate(invalid="ignore"):
            data.check("deaths", D, D < 0, "is negative", "deaths must be 0 or more")
            data.check("population", P, P < 0, "is negative", "populations must be 0 or more")
        frame["age_band"], frame["deaths"], frame["population"] = ages, D, P
        return life_expectancy_frame(frame, group_by, levels)
    if name == "quantile":
        data.require("value")
        frame["value"] = data.numbers("value")
        from pipeline.methods.quantiles import quantile_frame

        if options["quantiles"] < 1:
            raise MethodInputError("--quantiles must be 1 or more")
        return quantile_frame(frame, value_col="value", group_by=group_by, nquantiles=options["quantiles"],
                              invert=options["invert"])
    if name == "sii":
        return _run_sii(data, frame, group_by, levels, options)
    raise MethodInputError(f"unknown method {name!r}")  # pragma: no cover - click restricts NAME


def _run_sii(data: _Input, frame, group_by, levels, options):
    import numpy as np

    data.require("quantile", "population", "value")
    has_se = "se" in frame.columns
    if not has_se and not ("lower_ci" in frame.columns and "upper_ci" in frame.columns):
        data.require("lower_ci", "upper_ci")
    quantile = frame["quantile"].str.strip()
    data.check("quantile", quantile.to_numpy(), (quantile == "").to_numpy(), "is not a quantile",
               "every row needs its quantile")
    as_number = quantile.str.fullmatch(r"[+-]?\d+(\.\d*)?")
    frame["quantile"] = quantile.astype(float) if as_number.all() else quantile
    distinct = quantile.nunique()
    if distinct < 5 or distinct > 100:
        raise MethodInputError(f"{data.path}: column 'quantile' has {distinct} distinct quantile(s); sii needs "
                               "5 to 100 quantiles (e.g. deprivation quintiles or deciles)")
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
    return sii_frame(frame, group_by=group_by, value_type=options["value_type"], transform=options["transform"],
                     multiplier=multiplier, repetitions=options["repetitions"], confidence=tuple(levels),
                     rii=options["rii"], intercept=False, reliability_stat=False, seed=options["seed"])


def _write(result, output: Path) -> None:
    """Write ``result`` as CSV with DuckDB's writer, to a temporary file beside ``output`` renamed into place
    only when complete.

    A failure to write (full disk, read-only folder) is a one-line error naming OUTPUT; no file is left.

    Cells: a float is written as the shortest text that reads back as the same double (Python's
    ``repr``: 0.30000000000000004, 1e-05, 1.5e+300, inf, -inf), except that a whole number below 1e15
    keeps its integer form ("65", "-0"), as before; NaN and missing are empty. Integers as digits,
    booleans True/False, text as is, quoted only when it holds a comma, a quote or a line break;
    empty text is unquoted. The header is the column names in the same CSV style; lines end in "\\n".
    """
    import csv
    import io
    import shutil

    import duckdb

    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(name) for name in result.columns])
    header = header.getvalue().encode("utf-8")
    frame, cells = _cells(result)
    named = ", ".join(f"{cell} AS {_identifier(name)}" for cell, name in zip(cells, result.columns))
    handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(handle)
    body = f"{temp}.body"
    try:
        with duckdb.connect() as con:
            con.register("result", frame)
            con.sql(f"SELECT {named} FROM result").write_csv(temp, header=True, sep=",", quotechar='"',
                                                             escapechar='"')
            with open(temp, "rb") as written:
                same_header = written.readline() == header
            if not same_header:  # DuckDB renamed a name that differs from another only in case: our header
                con.sql(f"SELECT {', '.join(cells)} FROM result").write_csv(body, header=False, sep=",",
                                                                           quotechar='"', escapechar='"')
                with open(temp, "wb") as stream, open(body, "rb") as rows:
                    stream.write(header)
                    shutil.copyfileobj(rows, stream, 1 << 22)
        os.replace(temp, output)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, (OSError, duckdb.Error)):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
            raise MethodInputError(f"{output}: cannot write the results ({reason}); "
                                   "check there is space and the folder is writable, then run again") from exc
        raise
    finally:
        Path(body).unlink(missing_ok=True)


def _identifier(name) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _cells(result):
    """The frame to hand to DuckDB (columns renamed c0, c1, ...: DuckDB names are case-insensitive) and one
    SQL expression per column giving the text of its cells (NULL for an empty cell)."""
    import pandas as pd

    frame = result.set_axis([f"c{i}" for i in range(result.shape[1])], axis=1)
    cells = []
    for i, (column, dtype) in enumerate(frame.dtypes.items()):
        if isinstance(dtype, pd.CategoricalDtype) and not pd.api.types.is_string_dtype(dtype.categories.dtype):
            frame[column] = frame[column].astype(object)
            dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            cells.append(f"CASE WHEN {column} THEN 'True' WHEN NOT {column} THEN 'False' END")
        elif pd.api.types.is_float_dtype(dtype):
            value = f"CAST({column} AS DOUBLE)"
            cells.append(f"CASE WHEN isnan({value}) THEN NULL "
                         f"WHEN {value} = 0 THEN CASE WHEN signbit({value}) THEN '-0' ELSE '0' END "
                         f"WHEN {value} = trunc({value}) AND abs({value}) < 1e15 "
                         f"THEN CAST(CAST({value} AS BIGINT) AS VARCHAR) ELSE CAST({value} AS VARCHAR) END")
        elif pd.api.types.is_integer_dtype(dtype):
            cells.append(f"CAST({column} AS VARCHAR)")
        else:
            if not (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)) \
                    or dtype == object:
                frame[column] = [None if _missing(v) else str(v) for v in frame[column]]
            cells.append(f"NULLIF(CAST({column} AS VARCHAR), '')")
    return frame, cells


def _missing(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@click.command("method", help=HELP, short_help="Run one statistical method CSV-in/CSV-out (for auditors).")
@click.argument("name", type=click.Choice(METHODS))
@click.argument("input_csv", metavar="INPUT.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("output_csv", metavar="OUTPUT.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--group-by", default="", metavar="COL,COL", help="Compute per group of these columns.")
@click.option("--confidence", default="0.95", show_default=True,
              help='Confidence level(s): "0.95", "95" or "0.95,0.998" (life-expectancy and sii: any list).')
@click.option("--multiplier", type=float, default=None,
              help="Scale: proportion 1 (100 for a percentage), rate/dsr/isr rate 100000, isr ratio 1, sii 1.")
@click.option("--rate", "isr_rate", is_flag=True, help="isr: an indirectly standardised rate instead of a ratio.")
@click.option("--quantiles", type=int, default=10, show_default=True, help="quantile: number of quantiles.")
@click.option("--invert/--no-invert", default=True, show_default=True,
              help="quantile: put the highest values in quantile 1 (--no-invert: the lowest).")
@click.option("--value-type", type=click.Choice(["0", "1", "2"]), default="0", show_default=True,
              help="sii: 0 other, 1 rate, 2 proportion (0 to 1).")
@click.option("--transform", is_flag=True, help="sii: regress on the log (rates) or logit (proportions) scale.")
@click.option("--repetitions", type=int, default=100000, show_default=True, help="sii: simulation repetitions.")
@click.option("--seed", type=int, default=None, help="sii: random seed, for a reproducible simulation.")
@click.option("--rii", is_flag=True, help="sii: also the relative index of inequality.")
def method(name, input_csv, output_csv, group_by, confidence, multiplier, isr_rate, quantiles, invert, value_type,
           transform, repetitions, seed, rii):
    levels = _parse_confidence(confidence)
    groups = [g.strip() for g in group_by.split(",") if g.strip()]
    data = _Input(input_csv)
    options = {"multiplier": multiplier, "rate": isr_rate, "quantiles": quantiles, "invert": invert,
               "value_type": int(value_type), "transform": transform, "repetitions": repetitions, "seed": seed,
               "rii": rii}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _run(name, data, groups, levels, options)
        except ValueError as exc:
            raise MethodInputError(f"{input_csv}: {name}: {exc}") from exc
    for message in dict.fromkeys(str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)):
        click.echo(f"warning: {message}", err=True)
    _write(result, output_csv)
    click.echo(f"{name}: {len(result)} row(s) written to {output_csv}", err=True)
