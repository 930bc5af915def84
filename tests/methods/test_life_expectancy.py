"""Life expectancy: Chiang II abridged life table with Silcocks' final-band variance (methods.md §6)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.life_expectancy import (
    NOTE_BANDS,
    NOTE_DEATHS_OVER_POPULATION,
    NOTE_INFINITE,
    NOTE_NEGATIVE_DEATHS,
    NOTE_POPULATION,
    NOTE_SMALL_POPULATION,
    NOTE_WIDE_CI,
    START_AGES,
    LifeExpectancyWarning,
    _chiang_life_table,
    life_expectancy,
    life_expectancy_frame,
)

# The package's 20-band example (df1 in its tests/testthat/testLifeExpectancy.R).
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
# answer1 of the package's test: value, lowercl, uppercl. The limits were made with z = 1.96.
ANSWER_VALUE = [
    80.16960813,
    79.36245674,
    75.44193645,
    70.47299936,
    65.52909542,
    60.67510088,
    55.78835987,
    50.92752727,
    46.06740425,
    41.24505636,
    36.49322717,
    31.83343842,
    27.26027992,
    22.9719144,
    18.76856852,
    14.95858336,
    11.51684445,
    8.618849241,
    6.163942934,
    6.16210635,
]
ANSWER_LOWER = [
    79.88268548,
    79.0898816,
    75.17407307,
    70.20675732,
    65.26548673,
    60.41876577,
    55.53801579,
    50.68279939,
    45.82666794,
    41.00842831,
    36.26223216,
    31.60996318,
    27.04337271,
    22.76653134,
    18.57570352,
    14.77985004,
    11.34831778,
    8.451134045,
    5.978358351,
    5.887683386,
]
ANSWER_UPPER = [
    80.45653078,
    79.63503188,
    75.70979983,
    70.7392414,
    65.79270412,
    60.931436,
    56.03870395,
    51.17225516,
    46.30814055,
    41.48168441,
    36.72422219,
    32.05691365,
    27.47718713,
    23.17729746,
    18.96143352,
    15.13731667,
    11.68537112,
    8.786564437,
    6.349527517,
    6.436529314,
]
POPS_USED = [
    787954,
    780894,
    745835,
    698861,
    650372,
    607153,
    568592,
    522583,
    465375,
    403940,
    348339,
    298130,
    241714,
    195303,
    155483,
    117505,
    80466,
    47178,
    23872,
    11936,
]
DTHS_USED = [
    9357,
    9340,
    9331,
    9327,
    9319,
    9299,
    9284,
    9260,
    9227,
    9177,
    9106,
    9006,
    8843,
    8580,
    8276,
    7740,
    6868,
    5478,
    3873,
    1937,
]


def frame(deaths=DEATHS, pops=POPS, area=None, ages=START_AGES):
    df = pd.DataFrame({"age_band": list(ages), "deaths": list(deaths), "population": list(pops)})
    if area is not None:
        df.insert(0, "area", area)
    return df


def quiet(call, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call(*args, **kwargs)
    return result, [str(w.message) for w in caught]


# --- hand-sized: the 3-band toy life table (methods.md §10) ----------------------------------------


def test_three_band_toy_recurrence():
    t = _chiang_life_table([10, 2, 500], [1000, 4000, 5000], [0, 1, 5])
    np.testing.assert_allclose(t["M"], [0.01, 0.0005, 0.1])
    np.testing.assert_allclose(t["n"], [1, 4, 20])
    np.testing.assert_allclose(t["q"], [0.0099108, 0.0019980, 1], atol=5e-8)
    np.testing.assert_allclose(t["l"], [100000, 99008.92, 98811.10], atol=5e-3)
    np.testing.assert_allclose(t["L"], [99108.03, 395640.04, 988111.00], atol=5e-3)
    assert t["T"][0] == pytest.approx(1482859.06, abs=5e-3)
    np.testing.assert_allclose(t["e"], [14.828591, 13.976024, 10], atol=5e-7)
    np.testing.assert_allclose(t["W"], [2.15212e7, 2.81193e6, 1.95273e9], rtol=5e-6)
    assert t["se"][0] == pytest.approx(0.444641, abs=5e-7)
    z = 1.959963984540054
    assert t["e"][0] - z * t["se"][0] == pytest.approx(13.957109, abs=5e-7)
    assert t["e"][0] + z * t["se"][0] == pytest.approx(15.700072, abs=5e-7)


def test_public_function_insists_on_20_bands():
    with pytest.raises(ValueError, match="20"):
        life_expectancy([10, 2, 500], [1000, 4000, 5000])


# --- the package example (df1) ------------------------------------------------------------------------


def test_package_example_values_and_limits():
    out = life_expectancy(DEATHS, POPS)
    np.testing.assert_allclose(out["value"], ANSWER_VALUE, rtol=0, atol=5e-9)
    assert out["value"][0] == pytest.approx(80.16960813, abs=5e-9)
    # methods.md §10 (R, z = qnorm(0.975)): e0 = 80.16960813, 95 % CI (79.88269075, 80.45652551)
    assert out["lower_ci"][0] == pytest.approx(79.88269075, abs=5e-9)
    assert out["upper_ci"][0] == pytest.approx(80.45652551, abs=5e-9)
    # The package's answer1 limits were made with z = 1.96, not 1.959963984540054 (methods.md §6,
    # "Verified"): with z = 1.96 they agree to 5e-9; with the exact z they differ by at most 5.3e-6.
    np.testing.assert_allclose(out["value"] - 1.96 * out["se"], ANSWER_LOWER, rtol=0, atol=5e-9)
    np.testing.assert_allclose(out["value"] + 1.96 * out["se"], ANSWER_UPPER, rtol=0, atol=5e-9)
    np.testing.assert_allclose(out["lower_ci"], ANSWER_LOWER, rtol=0, atol=5.3e-6)
    np.testing.assert_allclose(out["upper_ci"], ANSWER_UPPER, rtol=0, atol=5.3e-6)


def test_package_example_frame_full_output():
    out, messages = quiet(life_expectancy_frame, frame())
    assert messages == []
    assert list(out["start_age"]) == list(START_AGES)
    np.testing.assert_allclose(out["value"], ANSWER_VALUE, atol=5e-9)
    assert list(out["pops_used"]) == POPS_USED and list(out["dths_used"]) == DTHS_USED
    assert (out["note"] == "").all() and (out["confidence"] == "95%").all()
    assert out.loc[2, "statistic"] == "life expectancy at 5"
    assert (out["method"] == "Chiang, using Silcocks et al for confidence limits").all()
    assert list(out.columns) == [
        "start_age",
        "value",
        "lower_ci",
        "upper_ci",
        "note",
        "pops_used",
        "dths_used",
        "confidence",
        "statistic",
        "method",
    ]


def test_unordered_bands_and_text_labels():
    labels = ["0", "1-4", "5-9"] + [f"{a} – {a + 4}" for a in range(10, 90, 5)] + ["90 +"]
    shuffled = frame(ages=labels).iloc[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 15]]
    out = life_expectancy_frame(shuffled, age_contents=labels)
    np.testing.assert_allclose(out["value"], ANSWER_VALUE, atol=5e-9)


def test_le_age_filter_and_several_levels():
    out = life_expectancy_frame(frame(), le_age=[5, 25])
    assert list(out["start_age"]) == [5, 25]
    assert list(out["pops_used"]) == [745835, 568592]
    _, messages = quiet(life_expectancy_frame, frame(), le_age=4)
    assert any("le_age not in the vector" in m for m in messages)
    both = life_expectancy_frame(frame(), confidence=(95, 99.8))
    alone = life_expectancy_frame(frame(), confidence=0.998)
    np.testing.assert_array_equal(both["lower_ci_998"], alone["lower_ci"])
    assert list(both.columns[1:5]) == ["value", "lower_ci", "upper_ci", "lower_ci_998"]
    assert both.loc[0, "confidence"] == "95%, 99.8%"


def test_argument_errors():
    with pytest.raises(ValueError, match="first age band"):
        life_expectancy_frame(frame(), age_contents=[1, 0, *range(5, 95, 5)])
    with pytest.raises(ValueError, match="ascending order; the following age bands appear out of position: 20, 10"):
        life_expectancy_frame(frame(), age_contents=[0, 1, 5, 20, 15, 10, *range(25, 95, 5)])
    with pytest.raises(ValueError, match="do not match"):
        life_expectancy_frame(frame(ages=[0, 1, 5, *range(10, 90, 5), 95]))
    with pytest.raises(ValueError, match="confidence levels"):
        life_expectancy_frame(frame(), confidence=0.8)


# --- suppression rules and edge cases --------------------------------------------------------------


def test_group_rules_in_order_with_suppressed_groups_appended():
    good = frame(area="good")
    negative = frame(area="negative").assign(deaths=lambda d: d.deaths.where(d.age_band != 5, -2))
    zero_pop = frame(area="zero pop").assign(population=lambda d: d.population.where(d.age_band != 20, 0))
    over = frame(area="over").assign(deaths=lambda d: d.deaths.where(d.age_band != 20, 50000))
    small = frame(pops=[100] * 20, deaths=[1] * 20, area="small")
    short = frame(area="short").iloc[:19]
    data = pd.concat([small, over, short, zero_pop, negative, good], ignore_index=True)
    out, messages = quiet(life_expectancy_frame, data, ["area"])
    assert len(out) == len(data)
    order = list(dict.fromkeys(out["area"]))
    assert order == ["good", "negative", "zero pop", "short", "over", "small"]
    notes = out.groupby("area", observed=True)["note"].first()
    assert notes["negative"] == NOTE_NEGATIVE_DEATHS and notes["zero pop"] == NOTE_POPULATION
    assert notes["short"] == NOTE_BANDS and notes["over"] == NOTE_DEATHS_OVER_POPULATION
    assert notes["small"] == NOTE_SMALL_POPULATION and notes["good"] == ""
    suppressed = out[out["area"] != "good"]
    assert suppressed[["value", "lower_ci", "upper_ci"]].isna().all().all()
    assert out[out["area"] == "good"]["value"].notna().all()
    for text in (
        "negative deaths",
        "zero or less population",
        "different number of age bands than 20",
        "more deaths than population",
        "total population of less than 5,000",
    ):
        assert any(text in m for m in messages)


def test_total_population_exactly_5000_is_suppressed():
    pops = [250] * 20
    deaths = [1] * 19 + [100]
    at, _ = quiet(life_expectancy_frame, frame(deaths, pops))
    assert at["value"].isna().all() and (at["note"] == NOTE_SMALL_POPULATION).all()
    above, _ = quiet(life_expectancy_frame, frame(deaths, pops[:-1] + [251]))
    assert above["value"].notna().any()


def test_deaths_above_population_in_one_band_suppresses_group():
    out, messages = quiet(life_expectancy, DEATHS[:-1] + [12000], POPS)
    assert np.isnan(out["value"]).all() and np.isnan(out["upper_ci"]).all()
    assert any("more deaths than population" in m for m in messages)


def test_no_deaths_in_the_open_band():
    out, _ = quiet(life_expectancy, DEATHS[:-1] + [0], POPS)  # R: value NA, lower NaN, upper +Inf
    assert np.isnan(out["value"]).all()
    assert np.isnan(out["lower_ci"]).all()
    assert np.isposinf(out["upper_ci"]).all()
    assert set(out["note"]) == {NOTE_INFINITE}


def test_band_with_q_equal_to_one():
    deaths = list(DEATHS)
    deaths[10] = 21000  # band 45-49: D > P/(n a) = 50209/2.5, but D ≤ P
    out, _ = quiet(life_expectancy, deaths, POPS)
    table = _chiang_life_table(deaths, POPS, START_AGES)
    assert table["q"][10] == 1
    assert out["value"][10] == pytest.approx(2.5) and out["lower_ci"][10] == pytest.approx(2.5)
    assert (out["value"][11:] == 0).all() and np.isnan(out["lower_ci"][11:]).all()


def test_wide_confidence_interval_package_case():
    # df_widecis_plus of the package tests: Area 1 has more deaths than population at 90+ (suppressed,
    # appended last); Area 2's values from 40 up have 95 % intervals wider than 20 years.
    pops = [270, 235, 246, 248, 243, 238, 246, 257, 261, 355, 350, 356, 346, 339, 337, 337, 333, 323, 311, 311]
    deaths = [17, 9, 4, 8, 20, 15, 24, 33, 50, 51, 10, 16, 26, 30, 36, 22, 13, 5, 6, 1]
    data = pd.concat([frame(deaths[:-1] + [312], pops, "Area 1"), frame(deaths, pops, "Area 2")], ignore_index=True)
    out, messages = quiet(life_expectancy_frame, data, ["area"], (0.95, 0.998))
    value = [
        19.22914685,
        19.44120610,
        18.33467808,
        14.67659995,
        11.81284556,
        11.63815414,
        10.05641628,
        9.93152356,
        11.95846561,
    ] + [np.nan] * 31
    lower = [
        16.43900644,
        16.53437505,
        15.62922550,
        12.08108630,
        9.21823373,
        8.68414661,
        6.54020385,
        4.71570153,
        2.37762283,
        -1.60695210,
        -10.33328815,
        -17.16409724,
        -26.91715103,
        -45.04820928,
        -76.27067271,
        -137.12203187,
        -195.39453664,
        -242.37480291,
        -266.74198466,
        -298.54880400,
    ] + [np.nan] * 20
    upper = [
        22.01928726,
        22.34803716,
        21.04013066,
        17.27211361,
        14.40745738,
        14.59216167,
        13.57262872,
        15.14734559,
        21.53930839,
        50.29765396,
        97.99598549,
        107.54413263,
        128.91238524,
        181.91668353,
        278.06441642,
        472.32822039,
        649.40455756,
        783.50845564,
        841.04259816,
        920.54880400,
    ] + [np.nan] * 20
    assert list(out["area"]) == ["Area 2"] * 20 + ["Area 1"] * 20
    for ours, theirs in (("value", value), ("lower_ci", lower), ("upper_ci", upper)):
        assert (out[ours].isna().to_numpy() == np.isnan(theirs)).all()  # NA pattern, 60 cells
        # numbers within 4.81e-6: that answer was made with z = 1.959964 (methods.md §6)
        np.testing.assert_allclose(out[ours], theirs, rtol=0, atol=4.81e-6, equal_nan=True)
    assert (out["note"].iloc[9:20] == NOTE_WIDE_CI).all()
    assert any("95% confidence interval > 20 years" in m for m in messages)
    # recomputed with the answer's z = 1.959964, all 20 pairs of limits agree to 5e-9
    low, high = out["lower_ci"].iloc[:20].to_numpy(), out["upper_ci"].iloc[:20].to_numpy()
    e, se = (low + high) / 2, (high - low) / (2 * 1.959963984540054)
    np.testing.assert_allclose(e - 1.959964 * se, lower[:20], rtol=0, atol=5e-9)
    np.testing.assert_allclose(e + 1.959964 * se, upper[:20], rtol=0, atol=5e-9)


# --- the oracle: 120 groups computed with the package ------------------------------------------------


def test_oracle_life_expectancy_120_groups(shared_reference):
    folder = shared_reference / "phe-oracle-cases"
    data = pd.read_csv(folder / "le_in.csv")
    expected = pd.read_csv(folder / "le_expected.csv")
    out, messages = quiet(life_expectancy_frame, data, ["area", "sex"], le_age=0)
    assert len(out) == 120
    assert list(out["area"]) == list(expected["area"]) and list(out["sex"]) == list(expected["sex"])
    for ours, theirs in (("value", "value"), ("lower_ci", "lowercl"), ("upper_ci", "uppercl")):
        np.testing.assert_allclose(out[ours], expected[theirs], rtol=0, atol=1e-12, equal_nan=True)
    assert out["value"].isna().sum() == 26 and (out["note"] == NOTE_SMALL_POPULATION).sum() == 26
    assert any("total population of less than 5,000" in m for m in messages)
    # input order does not matter
    shuffled, _ = quiet(life_expectancy_frame, data.sample(frac=1, random_state=3), ["area", "sex"], le_age=0)
    pd.testing.assert_frame_equal(shuffled, out)


def test_life_table_is_vectorised_over_groups():
    rng = np.random.default_rng(7)
    pops = rng.integers(2000, 9000, (50, 20)).astype(float)
    deaths = rng.binomial(pops.astype(int), 0.01).astype(float)
    deaths[:, -1] += 1
    together = _chiang_life_table(deaths, pops, START_AGES)
    one = _chiang_life_table(deaths[17], pops[17], START_AGES)
    np.testing.assert_array_equal(together["e"][17], one["e"])
    np.testing.assert_array_equal(together["se"][17], one["se"])


def test_warning_category():
    with pytest.warns(LifeExpectancyWarning):
        life_expectancy([1] * 20, [100] * 20)
