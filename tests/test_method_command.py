"""`fsot method NAME INPUT.csv OUTPUT.csv`: each method end to end on a tiny CSV, and bad input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import number_like_cell
from pipeline.cli import method as method_module
from pipeline.cli import method_io
from pipeline.cli.method import method

AGES = [0, 1, *range(5, 95, 5)]
POPS = [
    7060,
    35059,
    46974,
    48489,
    43219,
    38561,
    46009,
    57208,
    61435,
    55601,
    50209,
    56416,
    46411,
    39820,
    37978,
    37039,
    33288,
    23306,
    11936,
    11936,
]
DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]


def run(tmp_path, name, text, *options, encoding="utf-8"):
    source = tmp_path / "in.csv"
    source.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(method, [name, str(source), str(target), *options])
    return result, target


def ok(tmp_path, name, text, *options):
    result, target = run(tmp_path, name, text, *options)
    assert result.exit_code == 0, result.output
    return pd.read_csv(target, keep_default_na=False, na_values=[""])


def csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False)


# --- each method end to end -----------------------------------------------------------------------


def test_proportion_with_thousands_separators_and_bom(tmp_path):
    text = '\ufeffarea,count,population\nA,65,100\nB,"1,045","5,000"\n'
    out = ok(tmp_path, "proportion", text, "--confidence", "0.95,0.998")
    assert list(out.columns) == [
        "area",
        "count",
        "population",
        "value",
        "lower_ci",
        "upper_ci",
        "lower_ci_998",
        "upper_ci_998",
        "confidence",
        "statistic",
        "method",
    ]
    assert out.loc[0, "lower_ci"] == pytest.approx(0.552544, abs=1e-6)
    assert out.loc[1, "count"] == 1045 and out.loc[1, "lower_ci"] == pytest.approx(0.197955, abs=1e-6)
    assert out.loc[1, "upper_ci_998"] == pytest.approx(0.227316, abs=1e-6)
    assert out.loc[0, "confidence"] == "95%, 99.8%" and out.loc[0, "method"] == "Wilson"


def test_proportion_grouped_and_percentage(tmp_path):
    text = "area,count,population\nA,30,50\nA,35,50\nB,1,10\n"
    out = ok(tmp_path, "proportion", text, "--group-by", "area", "--multiplier", "100", "--confidence", "95")
    assert list(out["area"]) == ["A", "B"] and out.loc[0, "value"] == 65
    assert out.loc[0, "lower_ci"] == pytest.approx(55.2544, abs=1e-4) and out.loc[0, "statistic"] == "percentage"


def test_rate_exact_and_byars(tmp_path):
    out = ok(tmp_path, "rate", "area,count,population\nA,65,100\nB,5,100\nC,,100\n", "--multiplier", "100")
    assert out.loc[0, "lower_ci"] == pytest.approx(50.163188, abs=1e-6)
    assert out.loc[1, "upper_ci"] == pytest.approx(11.668332, abs=1e-6)
    assert list(out["method"].fillna("")) == ["Byars", "Exact", ""]
    assert np.isnan(out.loc[2, "value"]) and out.loc[0, "statistic"] == "rate per 100"


def test_mean(tmp_path):
    out = ok(tmp_path, "mean", "area,value\nA,1\nA,2\nA,3\nB,4\nB,6\n", "--group-by", "area")
    assert list(out.columns[:7]) == ["area", "value_sum", "value_count", "stdev", "value", "lower_ci", "upper_ci"]
    assert out.loc[0, "value"] == 2 and out.loc[0, "value_count"] == 3 and out.loc[0, "stdev"] == 1


def test_dsr_default_esp2013(tmp_path):
    labels = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
    data = pd.DataFrame({"area": "A", "age_band": labels, "count": range(1, 20), "population": 1000})
    out = ok(tmp_path, "dsr", csv(data), "--group-by", "area")
    esp = [
        5000,
        5500,
        5500,
        5500,
        6000,
        6000,
        6500,
        7000,
        7000,
        7000,
        7000,
        6500,
        6000,
        5500,
        5000,
        4000,
        2500,
        1500,
        1000,
    ]
    assert out.loc[0, "total_count"] == 190
    assert out.loc[0, "value"] == pytest.approx(sum(x * w / 1000 for x, w in zip(range(1, 20), esp)) / 100000 * 1e5)
    assert out.loc[0, "method"] == "Dobson"


def test_isr_ratio_and_rate(tmp_path):
    text = (
        "area,count,population,reference_count,reference_population\n"
        "A,5,1000,50,10000\nA,10,2000,100,20000\nA,20,3000,400,30000\n"
    )
    ratio = ok(tmp_path, "isr", text, "--group-by", "area")
    assert ratio.loc[0, "observed"] == 35 and ratio.loc[0, "expected"] == pytest.approx(55)
    assert ratio.loc[0, "statistic"] == "indirectly standardised ratio x 1"
    rate = ok(tmp_path, "isr", text, "--group-by", "area", "--rate")
    assert rate.loc[0, "ref_rate"] == pytest.approx(550 / 60000 * 1e5)
    assert rate.loc[0, "value"] == pytest.approx(35 / 55 * 550 / 60000 * 1e5)


def test_life_expectancy(tmp_path):
    data = pd.DataFrame({"area": "X", "age_band": AGES, "deaths": DEATHS, "population": POPS})
    out = ok(tmp_path, "life-expectancy", csv(data), "--group-by", "area", "--confidence", "0.95,0.998")
    assert len(out) == 20 and list(out["start_age"]) == AGES
    assert out.loc[0, "value"] == pytest.approx(80.16960813, abs=5e-9)
    assert out.loc[0, "lower_ci"] == pytest.approx(79.88269075, abs=5e-9)
    assert {"note", "pops_used", "dths_used", "lower_ci_998", "upper_ci_998"} <= set(out.columns)


def test_life_expectancy_suppressed_values_are_empty_with_a_note(tmp_path):
    data = pd.DataFrame({"area": "X", "age_band": AGES, "deaths": 1, "population": 200})
    result, target = run(tmp_path, "life-expectancy", csv(data))
    assert result.exit_code == 0
    out = pd.read_csv(target, keep_default_na=False)
    assert (out["value"] == "").all() and (out["note"] == "total population of the group is 5,000 or less").all()
    assert "warning:" in result.stderr


def test_quantile(tmp_path):
    out = ok(tmp_path, "quantile", "area,value\nA,1\nA,2\nA,3\nA,4\nA,5\nA,7\n", "--quantiles", "3")
    assert list(out["quantile"]) == [3, 3, 2, 2, 1, 1]
    out = ok(tmp_path, "quantile", "area,value\nA,1\nA,2\nA,3\nA,4\nA,5\nA,7\n", "--quantiles", "3", "--no-invert")
    assert list(out["quantile"]) == [1, 1, 2, 2, 3, 3]


SII_TEXT = "area,quantile,population,value,lower_ci,upper_ci\n" + "".join(
    f"{a},{q},{p},{v},{v - 2},{v + 2}\n"
    for a, rows in (
        ("A", ((1, 100, 10), (2, 200, 9), (3, 300, 8), (4, 200, 6), (5, 100, 5))),
        ("B", ((1, 100, 20), (2, 200, 18), (3, 300, 15), (4, 200, 10), (5, 100, 9))),
    )
    for q, p, v in rows
)


def test_sii_wiring_with_a_fake(tmp_path, monkeypatch):
    import pipeline.methods.slope_index as slope_index

    seen = {}

    def fake_sii_frame(df, group_by=(), **kwargs):
        seen.update(kwargs, group_by=group_by, columns=list(df.columns), quantiles=list(df["quantile"]))
        return pd.DataFrame(
            {
                "area": ["A", "B"],
                "sii": [1.0, 2.0],
                "sii_lower_ci": [0.5, 1.5],
                "sii_upper_ci": [1.5, 2.5],
                "confidence": "95%",
                "method": "simulation 1000 reps",
            }
        )

    monkeypatch.setattr(slope_index, "sii_frame", fake_sii_frame)
    out = ok(
        tmp_path,
        "sii",
        SII_TEXT,
        "--group-by",
        "area",
        "--value-type",
        "1",
        "--repetitions",
        "1000",
        "--seed",
        "3",
        "--rii",
        "--confidence",
        "95,99.8",
        "--multiplier",
        "100",
    )
    assert list(out["sii"]) == [1.0, 2.0]
    assert seen["group_by"] == ["area"] and seen["value_type"] == 1 and seen["repetitions"] == 1000
    assert seen["seed"] == 3 and seen["rii"] is True and seen["confidence"] == (0.95, 0.998)
    assert seen["multiplier"] == 100 and seen["transform"] is False and seen["intercept"] is False
    assert seen["reliability_stat"] is False and seen["quantiles"][:2] == [1.0, 2.0]


def test_sii_real(tmp_path):
    out = ok(
        tmp_path,
        "sii",
        SII_TEXT,
        "--group-by",
        "area",
        "--rii",
        "--seed",
        "1",
        "--repetitions",
        "10000",
        "--confidence",
        "0.95,0.998",
    )
    expected_columns = {
        "sii",
        "sii_lower_ci",
        "sii_upper_ci",
        "sii_lower_ci_998",
        "sii_upper_ci_998",
        "rii",
        "rii_lower_ci",
        "rii_upper_ci",
        "rii_lower_ci_998",
        "rii_upper_ci_998",
    }
    assert expected_columns <= set(out.columns) and list(out["area"]) == ["A", "B"]
    # point estimate: weighted least squares of value on the population midpoint rank (hand-computable)
    a = np.array([100, 200, 300, 200, 100]) / 900
    b = np.cumsum(a) - a / 2
    y = np.array([10, 9, 8, 6, 5])
    bbar = (a * b).sum()
    slope = (a * (b - bbar) * y).sum() / (a * (b - bbar) ** 2).sum()
    assert out.loc[0, "sii"] == pytest.approx(slope, rel=1e-12)
    assert out.loc[0, "sii_lower_ci"] < out.loc[0, "sii"] < out.loc[0, "sii_upper_ci"]


def test_output_is_deterministic(tmp_path):
    data = pd.DataFrame({"area": "X", "age_band": AGES, "deaths": DEATHS, "population": POPS})
    _, target = run(tmp_path, "life-expectancy", csv(data))
    first = target.read_bytes()
    _, target = run(tmp_path, "life-expectancy", csv(data))
    assert target.read_bytes() == first
    assert b"\n0,80.16960813194838," in first  # shortest text that reads back as the same double
    assert float("80.16960813194838") != float("80.1696081319484")  # what %.15g used to write lost a digit


# --- the written numbers: exact, and otherwise the bytes pandas wrote before ---------------------------

LE_TEXT = csv(pd.DataFrame({"area": "X", "age_band": AGES, "deaths": DEATHS, "population": POPS}))
# every method on the inputs of the tests above, with the options used there
CASES = {
    "proportion": (
        "proportion",
        '\ufeffarea,count,population\nA,65,100\nB,"1,045","5,000"\n',
        "--confidence",
        "0.95,0.998",
    ),
    "proportion-grouped": (
        "proportion",
        "area,count,population\nA,30,50\nA,35,50\nB,1,10\n",
        "--group-by",
        "area",
        "--multiplier",
        "100",
        "--confidence",
        "95",
    ),
    "rate": ("rate", "area,count,population\nA,65,100\nB,5,100\nC,,100\n", "--multiplier", "100"),
    "mean": ("mean", "area,value\nA,1\nA,2\nA,3\nB,4\nB,6\nC,5\n", "--group-by", "area"),
    "dsr": (
        "dsr",
        csv(
            pd.DataFrame(
                {
                    "area": "A",
                    "age_band": [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"],
                    "count": range(1, 20),
                    "population": 1000,
                }
            )
        ),
        "--group-by",
        "area",
    ),
    "isr": (
        "isr",
        "area,count,population,reference_count,reference_population\n"
        "A,5,1000,50,10000\nA,10,2000,100,20000\nA,20,3000,400,30000\n",
        "--group-by",
        "area",
    ),
    "isr-rate": (
        "isr",
        "area,count,population,reference_count,reference_population\n"
        "A,5,1000,50,10000\nA,10,2000,100,20000\nA,20,3000,400,30000\n",
        "--group-by",
        "area",
        "--rate",
    ),
    "life-expectancy": ("life-expectancy", LE_TEXT, "--group-by", "area", "--confidence", "0.95,0.998"),
    "life-expectancy-suppressed": (
        "life-expectancy",
        csv(pd.DataFrame({"area": "X", "age_band": AGES, "deaths": 1, "population": 200})),
    ),
    "quantile": ("quantile", "area,value\nA,1\nA,2\nA,3\nA,4\nA,5\nA,7\n", "--quantiles", "3"),
    "sii": (
        "sii",
        SII_TEXT,
        "--group-by",
        "area",
        "--rii",
        "--seed",
        "1",
        "--repetitions",
        "10000",
        "--confidence",
        "0.95,0.998",
    ),
}


def _repr_cell(value: float) -> str:
    """The documented float cell: empty for NaN, integer form for a whole number below 1e15, else repr."""
    if np.isnan(value):
        return ""
    if value == 0:
        return "-0" if np.signbit(value) else "0"
    if np.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _in_process(tmp_path, name, text, *options):
    """The result frame the command computes, by the same code without the CLI's writer."""
    import warnings

    source = tmp_path / "again.csv"
    source.write_bytes(text.encode("utf-8"))
    ctx = method.make_context("method", [name, str(source), str(tmp_path / "unused.csv"), *options])
    p = ctx.params
    options = {
        "multiplier": p["multiplier"],
        "rate": p["isr_rate"],
        "quantiles": p["quantiles"],
        "invert": p["invert"],
        "value_type": int(p["value_type"]),
        "transform": p["transform"],
        "repetitions": p["repetitions"],
        "seed": p["seed"],
        "rii": p["rii"],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = method_module._run(
            name,
            method_io.InputFile(source),
            [g for g in p["group_by"].split(",") if g],
            method_module._parse_confidence(p["confidence"]),
            options,
        )
    if isinstance(result, dict):  # life expectancy computes on arrays, without pandas
        result = pd.DataFrame({k: v.to_pandas() if hasattr(v, "to_pandas") else v for k, v in result.items()})
    return result


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_output_made_in_two_halves_has_the_same_bytes(tmp_path, monkeypatch, case):
    """Large outputs are made in two halves on two threads (method_cells.csv_parts): the bytes are those
    of the output made in one part, for every method, frame or arrays, with one row or many."""
    from pipeline.cli import method_cells

    name, text, *options = CASES[case]
    result, target = run(tmp_path, name, text, *options)
    assert result.exit_code == 0, result.output
    whole = target.read_bytes()
    monkeypatch.setattr(method_cells, "TWO_PARTS_FROM_ROWS", 1)
    result, target = run(tmp_path, name, text, *options)
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == whole


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_method_writes_exact_numbers_and_otherwise_the_old_bytes(tmp_path, case):
    import csv as csv_module
    import io

    name, text, *options = CASES[case]
    result, target = run(tmp_path, name, text, *options)
    assert result.exit_code == 0, result.output
    written = target.read_bytes()
    expected = _in_process(tmp_path, name, text, *options)
    floats = [c for c in expected.columns if pd.api.types.is_float_dtype(expected[c])]
    assert floats, "every method writes numbers"
    # the old writer (pandas, %.15g) with only the number cells changed gives exactly the new bytes
    old = expected.to_csv(index=False, float_format="%.15g", na_rep="", lineterminator="\n")
    as_text = expected.astype({c: object for c in floats})
    for column in floats:
        as_text[column] = [_repr_cell(v) for v in expected[column]]
    assert written.decode("utf-8") == as_text.to_csv(index=False, na_rep="", lineterminator="\n")
    # property: every number cell reads back as exactly the computed double; every other cell is as before
    new_rows = list(csv_module.reader(io.StringIO(written.decode("utf-8"))))
    old_rows = list(csv_module.reader(io.StringIO(old)))
    assert new_rows[0] == old_rows[0] == list(expected.columns) and len(new_rows) == len(expected) + 1
    for i, (new_row, old_row) in enumerate(zip(new_rows[1:], old_rows[1:])):
        for column, new_cell, old_cell in zip(expected.columns, new_row, old_row):
            if column in floats:
                value = expected[column].iloc[i]
                if np.isnan(value):
                    assert new_cell == old_cell == ""
                else:
                    assert float(new_cell) == value and np.signbit(float(new_cell)) == np.signbit(value)
                    assert f"{float(new_cell):.15g}" == old_cell
            else:
                assert new_cell == old_cell, (column, i)


def _mixed_life_expectancy_input() -> pd.DataFrame:
    """Groups computed, suppressed (small population, deaths above population) and incomplete, with keys
    that need quoting or sort by code point, in shuffled row order."""
    rng = np.random.default_rng(7)
    frames = []
    for area, sex, scale in [
        ("E02, north", "Male", 1.0),
        ("E01", "Female", 1.0),
        ("E01", "Male", 0.9),
        ("é-ward", "Male", 1.2),
        ("Z", "Female", 0.004),
        ('say "x"', "Male", 1.1),
    ]:
        frames.append(
            pd.DataFrame(
                {
                    "area": area,
                    "sex": sex,
                    "age_band": AGES,
                    "deaths": np.round(np.array(DEATHS) * scale),
                    "population": np.round(np.array(POPS) * scale),
                }
            )
        )
    frames[-1].loc[3, "deaths"] = frames[-1].loc[3, "population"] + 1  # more deaths than population
    frames.append(frames[1].iloc[:19].assign(area="E00"))  # a group without its 90+ band
    data = pd.concat(frames, ignore_index=True)
    return data.iloc[rng.permutation(len(data))].reset_index(drop=True)


def test_life_expectancy_command_writes_what_the_frame_method_gives(tmp_path):
    """The command computes life expectancy on Arrow columns and numpy; the library's pandas function
    (`life_expectancy_frame`) on the same cells, written by the same writer, gives the same bytes, and so
    does the command on a file only pandas' reader takes (a quoted header)."""
    import warnings

    from pipeline.methods.life_expectancy import life_expectancy_frame

    data = _mixed_life_expectancy_input()
    result, target = run(tmp_path, "life-expectancy", csv(data), "--group-by", "area,sex", "--confidence", "95,99.8")
    assert result.exit_code == 0, result.output
    written = target.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = life_expectancy_frame(data.astype({"area": str, "sex": str}), ["area", "sex"], (0.95, 0.998))
    method_io.write_output(frame, tmp_path / "frame.csv")
    assert written == (tmp_path / "frame.csv").read_bytes()
    assert set(pd.read_csv(target, keep_default_na=False)["note"]) == {
        "",
        "the group does not have exactly 20 age bands",
        "total population of the group is 5,000 or less",
        "some age bands have more deaths than population",
    }
    quoted_header = csv(data).replace("area,sex,", '"area","sex",', 1)
    result, again = run(tmp_path, "life-expectancy", quoted_header, "--group-by", "area,sex", "--confidence", "95,99.8")
    assert result.exit_code == 0 and again.read_bytes() == written


def _magnitudes():
    """Doubles of every decimal magnitude, the values beside each power of ten and whole numbers near 1e15."""
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1.7976931348623157e308]
    for exponent in range(-320, 309):
        for mantissa in (1.0, 1.5, 2.5, 9.999999999999998, 1.2345678901234567):
            x = mantissa * 10.0**exponent
            if np.isfinite(x):
                values += [x, -x, np.nextafter(x, np.inf), np.nextafter(x, 0)]
    values += [float(2**53), 999999999999999.0, 1e15 - 0.5, 123456789012345.0, 12345678901.5]
    return values


def test_number_cells_are_the_documented_text_for_doubles_of_every_magnitude():
    from pipeline.cli.method_cells import number_cells

    values = _magnitudes()
    assert number_cells(np.array(values)).to_pylist() == [_repr_cell(v) or None for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_number_cells_are_the_documented_text_of_any_double(values):
    from pipeline.cli.method_cells import number_cells

    assert number_cells(np.array(values, dtype=float)).to_pylist() == [_repr_cell(v) or None for v in values]


def test_awkward_values_round_trip_and_text_is_quoted_as_before(tmp_path):
    import csv as csv_module
    import io

    values = [
        0.1 + 0.2,
        1e-300,
        5e-324,
        123456789.123456789,
        -0.0,
        0.0,
        3.0,
        -7.0,
        1e15,
        1e16,
        2.0**53,
        1e-05,
        1.7976931348623157e308,
        float("inf"),
        float("-inf"),
        float("nan"),
        80.16960813194838,
        1 / 3,
    ]
    n = len(values)
    text = ["plain", "a, b", 'say "hi"', "", None, " spaced ", "line\nbreak", "é £ –"] + ["x"] * (n - 8)
    frame = pd.DataFrame(
        {
            "Value": values,
            "value": text,
            "n": range(n),
            "flag": [True, False] * (n // 2),
            "kind": pd.Categorical(["95%, 99.8%", None] * (n // 2)),
            "a,b": np.float32(0.5),
            "mixed": pd.Series([1.5, "t", None] * (n // 3), dtype=object),
        }
    )
    target = tmp_path / "out.csv"
    method_io.write_output(frame, target)
    written = target.read_text(encoding="utf-8")
    lines = written.split("\n")
    rows = list(csv_module.reader(io.StringIO(written)))
    assert lines[0] == 'Value,value,n,flag,kind,"a,b",mixed'
    assert [row[0] for row in rows[1:]] == [
        "0.30000000000000004",
        "1e-300",
        "5e-324",
        "123456789.12345679",
        "-0",
        "0",
        "3",
        "-7",
        "1000000000000000.0",
        "1e+16",
        "9007199254740992.0",
        "1e-05",
        "1.7976931348623157e+308",
        "inf",
        "-inf",
        "",
        "80.16960813194838",
        "0.3333333333333333",
    ]
    assert lines[1] == '0.30000000000000004,plain,0,True,"95%, 99.8%",0.5,1.5'
    assert lines[2] == '1e-300,"a, b",1,False,,0.5,t'
    assert lines[3] == '5e-324,"say ""hi""",2,True,"95%, 99.8%",0.5,'
    assert lines[4].startswith("123456789.12345679,,3,") and lines[5].startswith("-0,,4,")
    assert lines[6].startswith("0, spaced ,5,") and lines[7] == '3,"line' and lines[8].startswith('break",6,')
    parsed = pd.read_csv(io.StringIO(written), keep_default_na=False, na_values=[""], float_precision="round_trip")
    for got, want in zip(parsed["Value"], values):
        assert (np.isnan(got) and np.isnan(want)) or (got == want and np.signbit(got) == np.signbit(want))
    assert list(parsed["value"].fillna("")) == [t or "" for t in text]
    # the old writer (pandas) wrote the same header and text cells
    old = list(csv_module.reader(io.StringIO(frame.to_csv(index=False, float_format="%.15g", na_rep=""))))
    assert [row[1:5] + row[6:] for row in old] == [row[1:5] + row[6:] for row in rows]
    assert frame.to_csv(index=False, float_format="%.15g", na_rep="", lineterminator="\n").split("\n")[2] == lines[2]


# --- reading: pyarrow where the file is plain, pandas otherwise, the same cells and line numbers -------

READ_CASES = {
    "crlf": b"area,count,population\r\nA,1,10\r\nB,2,20\r\n",
    "bare-cr": b"area,count,population\rA,1,10\rB,2,20",
    "blank-lines": b"area,count,population\nA,1,10\n\nB,2,20\n\n\n",
    "line-of-commas": b"area,count,population\nA,1,10\n,,\nB, 2 ,20\n",
    "line-of-blank-cells": b"area,count,population\nA,1,10\n  ,  , \nB,2,20\n",
    "blank-first-cells": b"area,count,population\n ,1,10\n,,\n, ,3\n\t, , \nB,2,20\n",
    "quoted": b'area,count,population\n"A, x","1,045","5,000"\n"",1,2\n"q""x",3,4\n',
    "quote-inside": b'area,count,population\nA"b,1,2\n"a"b,1,2\n',
    "line-of-spaces": b"area,count,population\nA,1,10\n   \nB,2,20\n",
    "short-row": b"area,count,population\nA,1\nB,2,20\n",
    "line-break-in-quotes": b'area,count,population\n"A\nB",1,10\n',
    "repeated-header": b"area,area,population\nA,1,10\n",
    "unnamed-column": b"area,count,population,\nA,1,10,\n",
    "spaces-in-header": b" area , count,population \nA,1,10\n",
    "cp1252": "area,count,population\n\u00a3A \u2013 x,1,10\n".encode("cp1252"),
    "numbers": b'area,count,population\nA,NA,1e3\nB,+5,.5\nC,5.,N/A\nD,-0,inf\nE," 7 ",1_000\nF,"12,345",0.1\n',
    "no-final-newline": b"area,count\nA,1",
}


def _read_both(path):
    fast = method_io.InputFile(path)
    original = method_io._read_with_arrow
    try:
        method_io._read_with_arrow = lambda text: None
        slow = method_io.InputFile(path)
    finally:
        method_io._read_with_arrow = original
    return fast, slow


@pytest.mark.parametrize("case", sorted(READ_CASES))
def test_reading_gives_the_cells_lines_and_numbers_pandas_gave(tmp_path, case):
    path = tmp_path / "in.csv"
    path.write_bytes(READ_CASES[case])
    fast, slow = _read_both(path)
    assert list(fast.frame.columns) == list(slow.frame.columns)
    assert fast.frame.equals(slow.frame) and list(fast.frame.dtypes) == list(slow.frame.dtypes)
    assert list(fast.lines) == list(slow.lines)
    for column in fast.frame.columns:
        try:
            got = fast.numbers(column)
        except method_io.MethodInputError as exc:
            with pytest.raises(method_io.MethodInputError, match=re.escape(str(exc))):
                slow.numbers(column)
            continue
        want = slow.numbers(column)
        assert np.array_equal(got, want, equal_nan=True) and (np.signbit(got) == np.signbit(want)).all()
    plain = case not in {"line-of-spaces", "short-row", "line-break-in-quotes", "repeated-header", "unnamed-column"}
    assert (fast._arrow is not None) == plain


NUMBER_WORDS = ["inf", "-inf", "+inf", "INF", "Infinity", "-Infinity", "nan", "NaN", "NAN", "-nan", "nan(1)", "N/A"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        number_like_cell(NUMBER_WORDS + ["1e400", "-1e-400", "+5", " 12 ", "1,234", "1,2", "0x10", "", "-0"]),
        min_size=1,
        max_size=12,
    )
)
def test_numbers_read_by_arrow_are_those_pandas_reads_or_the_same_error(cells):
    """Any column of number-like cells: Arrow's parse gives pandas' numbers (words for infinity and
    not-a-number, and anything Arrow does not parse, are left to pandas), or the same error."""
    import csv as csv_module
    import io
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.csv"
        buffer = io.StringIO()
        writer = csv_module.writer(buffer, lineterminator="\n")
        writer.writerow(["area", "x"])
        writer.writerows([[f"A{i}", cell] for i, cell in enumerate(cells)])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        fast, slow = _read_both(path)
        try:
            want = slow.numbers("x")
        except method_io.MethodInputError as exc:
            with pytest.raises(method_io.MethodInputError, match=re.escape(str(exc))):
                fast.numbers("x")
            return
        got = fast.numbers("x")
        assert np.array_equal(got, want, equal_nan=True)
        # a zero's sign aside: Arrow reads "-0" as -0.0, as float() does; to_numeric's sign depends on the column
        assert (np.signbit(got) == np.signbit(want))[got != 0].all()


def test_reading_the_corpus_gives_what_pandas_gave():
    from pathlib import Path

    for path in sorted((Path(__file__).parent / "fixtures" / "corpus").glob("*.csv")):
        try:
            fast, slow = _read_both(path)
        except method_io.MethodInputError as exc:
            message = str(exc)
            method_io._read_with_arrow, original = (lambda text: None), method_io._read_with_arrow
            try:
                with pytest.raises(method_io.MethodInputError, match=re.escape(message)):
                    method_io.InputFile(path)
            finally:
                method_io._read_with_arrow = original
            continue
        assert fast.frame.equals(slow.frame) and list(fast.lines) == list(slow.lines), path.name


# --- start-up: the method path imports no heavy library ------------------------------------------------


@pytest.mark.slow
def test_method_and_help_import_no_scipy_stats_matplotlib_or_great_expectations(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    calls = [["--help"]]
    for case, (name, text, *options) in sorted(CASES.items()):
        (tmp_path / f"{case}.csv").write_text(text, encoding="utf-8")
        calls.append(["method", name, str(tmp_path / f"{case}.csv"), str(tmp_path / "out.csv"), *options])
    script = f"""
import sys
from pipeline.cli import cli
for args in {calls!r}:
    try:
        cli.main(args, prog_name="fsot", standalone_mode=False)
    except SystemExit:
        pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "great_expectations")
               or m == "scipy.stats" or m.startswith("scipy.stats."))
print("heavy:", heavy)
"""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "heavy: []" in done.stdout, done.stdout


def _imported(args: list[str], cwd) -> set[str]:
    """The top-level packages `fsot ARGS` imports, from Python's own import log (-X importtime)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


def test_life_expectancy_and_help_import_neither_pandas_nor_the_rest_of_the_cli(tmp_path):
    """Life expectancy works on Arrow and numpy alone: pandas (0.2-0.4 s) is not even imported, nor are the
    other commands' modules (rich's console, DuckDB); `fsot --help` lists the commands without the heavy
    libraries."""
    rows = ["area,age_band,deaths,population"] + [
        f"A,{age},{1 + age // 10},{5000 - age}" for age in (0, 1, *range(5, 95, 5))
    ]
    (tmp_path / "in.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    heavy = {"pandas", "duckdb", "rich", "scipy", "matplotlib", "great_expectations"}
    method_args = ["method", "life-expectancy", "in.csv", "out.csv", "--group-by", "area"]
    assert not _imported(method_args, tmp_path) & heavy
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") == 21  # the header and 20 start ages
    assert not _imported(["--help"], tmp_path) & (heavy - {"rich"})


# --- bad input: exit 2, one line naming file, line and column; no output file -----------------------


def bad(tmp_path, name, text, *options, expect=(), names_file=True):
    result, target = run(tmp_path, name, text, *options)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: ") and ("in.csv" in message) == names_file
    for part in expect:
        assert part in message, message
    assert not target.exists()
    return message


def test_missing_column(tmp_path):
    bad(tmp_path, "rate", "area,count,pop\nA,1,10\n", expect=("column 'population' is missing",))


def test_negative_count(tmp_path):
    bad(
        tmp_path,
        "rate",
        "area,count,population\nA,1,10\nB,-3,10\n",
        expect=("line 3 (line 1 is the header)", "column 'count'", "-3 is negative"),
    )


def test_count_above_population_for_a_proportion(tmp_path):
    bad(
        tmp_path,
        "proportion",
        "area,count,population\nA,1,10\n\nB,12,10\n",
        expect=("line 4", "column 'count'", "more than the population"),
    )


def test_text_in_a_numeric_column(tmp_path):
    bad(tmp_path, "mean", "area,value\nA,1\nA,two\n", expect=("line 3", "column 'value'", "'two' is not a number"))


def test_empty_file(tmp_path):
    bad(tmp_path, "rate", "", expect=("empty",))
    bad(tmp_path, "rate", "area,count,population\n", expect=("no data rows",))


def test_fewer_than_five_quantiles_for_sii(tmp_path):
    text = "quantile,population,value,se\n1,100,5,1\n2,100,6,1\n3,100,7,1\n4,100,8,1\n"
    bad(tmp_path, "sii", text, expect=("column 'quantile'", "4 distinct", "5 to 100"))


def test_bad_age_band_and_population(tmp_path):
    data = pd.DataFrame({"age_band": AGES, "deaths": DEATHS, "population": POPS}).astype(str)
    data.loc[4, "age_band"] = "old"
    bad(tmp_path, "life-expectancy", csv(data), expect=("line 6", "column 'age_band'", "'old'"))
    bad(tmp_path, "rate", "count,population\n1,0\n", expect=("line 2", "column 'population'"))


def test_option_and_method_level_errors_are_one_line(tmp_path):
    bad(
        tmp_path,
        "rate",
        "count,population\n1,10\n",
        "--confidence",
        "0.95,0.99",
        expect=("0.95,0.998",),
        names_file=False,
    )
    bad(tmp_path, "rate", "count,population\n1,10\n", "--confidence", "80", expect=("confidence",), names_file=False)
    bad(tmp_path, "dsr", "age_band,count,population\n3-7,1,10\n", expect=("dsr:", "'3-7'"))


def test_failed_write_leaves_no_output_and_no_temporary_file(tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(method_io.os, "replace", broken_replace)
    result, target = run(tmp_path, "rate", "count,population\n1,10\n")
    assert result.exit_code == 2 and not target.exists()
    assert result.stderr.strip().splitlines() == [
        f"error: {target}: cannot write the results (disk full); check "
        "there is space and the folder is writable, then run again"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path):
    import os

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        (tmp_path / "in.csv").write_text("count,population\n1,10\n", encoding="utf-8")
        result = CliRunner().invoke(method, ["rate", str(tmp_path / "in.csv"), str(folder / "out.csv")])
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        assert "cannot write the results" in result.stderr and list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_full_disk_while_writing_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    import errno
    import io

    class FullDisk(io.BytesIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = method_io.os.fdopen

    def fdopen(handle, *args, **kwargs):
        real_fdopen(handle, *args, **kwargs).close()
        return FullDisk()

    monkeypatch.setattr(method_io.os, "fdopen", fdopen)
    result, target = run(tmp_path, "rate", "count,population\n1,10\n")
    assert result.exit_code == 2 and not target.exists()
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "No space left on device" in message and "Traceback" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
