"""Slope and relative index of inequality (methods.md §8): hand-computed cases, simulation properties,
validation, and the R package's test data and oracle cases when ../shared/reference is present."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from pipeline.methods.confidence import Z95
from pipeline.methods.slope_index import (
    MANY_QUANTILES,
    RECORDS_REMOVED,
    SIIWarning,
    output_columns,
    phe_sii,
    regression_weights,
    select_order_statistics,
    sii_frame,
)
from pipeline.methods.slope_index import simulation as sii_simulation
from pipeline.methods.slope_index.simulation import _positions

# ---- a 5-quantile area worked by hand
# P = (100, 200, 300, 200, 200): a = (.1, .2, .3, .2, .2), cumsum(a) = (.1, .3, .6, .8, 1),
# b = cumsum(a) − a/2 = (.05, .2, .45, .7, .9), b̄ = Σab = 0.5, b − b̄ = (−.45, −.3, −.05, .2, .4)
# Σa(b − b̄)² = .02025 + .018 + .00075 + .008 + .032 = 0.079
# y = (10, 12, 13, 15, 18): Σa·y = 13.9, Σa(b − b̄)y = −.45 − .72 − .195 + .6 + 1.44 = 0.675
# β1 = 0.675/0.079 = 8.544303797…, β0 = 13.9 − 0.5·β1 = 9.627848101…
POP5 = np.array([100.0, 200, 300, 200, 200])
Y5 = np.array([10.0, 12, 13, 15, 18])
SE5 = np.array([0.5, 0.4, 0.3, 0.4, 0.6])
BETA1 = 0.675 / 0.079
BETA0 = 13.9 - 0.5 * BETA1


def hand_frame(**columns) -> pd.DataFrame:
    return pd.DataFrame({"quantile": np.arange(1, 6), "population": POP5, "value": Y5, **columns})


def test_hand_computed_five_quantile_point_estimates():
    out = phe_sii(population=POP5, value=Y5, se=SE5, repetitions=1000, rii=True, intercept=True, seed=1)
    assert out["sii"][0] == pytest.approx(BETA1, rel=1e-13)  # 8.544304
    assert out["rii"][0] == pytest.approx((BETA0 + BETA1) / BETA0, rel=1e-13)  # 1.887443
    assert out["intercept"][0] == pytest.approx(BETA0, rel=1e-13)  # 9.627848
    w0, w1 = regression_weights(POP5)
    assert (w1 * Y5).sum() == pytest.approx(BETA1) and (w0 * Y5).sum() == pytest.approx(BETA0)
    # with a multiplier the SII scales, the RII does not (and inverts when negative), the intercept does not
    neg = phe_sii(
        population=POP5, value=Y5, se=SE5, repetitions=1000, rii=True, intercept=True, multiplier=-100, seed=1
    )
    assert neg["sii"][0] == pytest.approx(-100 * BETA1)
    assert neg["rii"][0] == pytest.approx(BETA0 / (BETA0 + BETA1))
    assert neg["intercept"][0] == pytest.approx(BETA0)


def test_the_frame_api_gives_the_same_numbers_and_the_documented_columns():
    df = hand_frame(lower_ci=Y5 - Z95 * SE5, upper_ci=Y5 + Z95 * SE5)
    out = sii_frame(
        df, repetitions=1000, confidence=(0.95, 0.998), rii=True, intercept=True, reliability_stat=True, seed=3
    )
    assert list(out.columns) == [
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
        "sii_mad",
        "sii_mad_998",
        "rii_mad",
        "rii_mad_998",
        "intercept",
        "confidence",
        "method",
        "indicator_type",
        "transform",
        "multiplier",
    ]
    row = out.iloc[0]
    assert row["sii"] == pytest.approx(BETA1) and row["intercept"] == pytest.approx(BETA0)
    assert (row["confidence"], row["method"], row["indicator_type"], row["transform"], row["multiplier"]) == (
        "95%, 99.8%",
        "simulation 1000 reps",
        "normal",
        "none",
        1,
    )
    assert row["sii_lower_ci_998"] < row["sii_lower_ci"] < row["sii"] < row["sii_upper_ci"] < row["sii_upper_ci_998"]
    assert 0 < row["sii_mad"] < (row["sii_upper_ci"] - row["sii_lower_ci"]) / 4


def test_exactly_linear_log_rates_recover_the_line_with_transform():
    # log(rate) = 3 + 1.2·b exactly: the fit on the log scale returns β0 = 3, β1 = 1.2, so
    # SII = (e^4.2 − e^3)·m, RII = e^1.2 and intercept = e^3·|m|; without transform the fit is on the rate.
    b = np.array([0.05, 0.2, 0.45, 0.7, 0.9])
    rate = np.exp(3 + 1.2 * b)
    lower, upper = rate * np.exp(-0.1 * Z95), rate * np.exp(0.1 * Z95)
    out = phe_sii(
        population=POP5,
        value=rate,
        lower=lower,
        upper=upper,
        value_type=1,
        transform=True,
        multiplier=1000,
        repetitions=1000,
        rii=True,
        intercept=True,
        seed=1,
    )
    assert out["sii"][0] == pytest.approx((np.exp(4.2) - np.exp(3)) * 1000, rel=1e-12)
    assert out["rii"][0] == pytest.approx(np.exp(1.2), rel=1e-12)
    assert out["intercept"][0] == pytest.approx(np.exp(3) * 1000, rel=1e-12)
    # RII bounds are exp(slope bounds): they bracket e^1.2 and the SII bounds bracket the SII
    assert out["rii_lower_ci"][0] < np.exp(1.2) < out["rii_upper_ci"][0]
    assert out["sii_lower_ci"][0] < out["sii"][0] < out["sii_upper_ci"][0]


def test_negative_multiplier_inverts_the_rii_and_swaps_the_limits():
    p = np.array([0.30, 0.27, 0.25, 0.22, 0.20, 0.18, 0.15])
    pop = np.array([900.0, 1000, 1100, 1000, 1200, 900, 1000])
    lower, upper = p - 0.02, p + 0.02
    kw = dict(
        population=pop,
        value=p,
        lower=lower,
        upper=upper,
        value_type=2,
        transform=True,
        rii=True,
        repetitions=5000,
        seed=11,
    )
    pos, neg = phe_sii(multiplier=100, **kw), phe_sii(multiplier=-100, **kw)
    assert neg["sii"][0] == pytest.approx(-pos["sii"][0])
    assert neg["rii"][0] == pytest.approx(1 / pos["rii"][0])
    # the same slope draws (same seed): bounds mirror exactly
    assert neg["sii_lower_ci"][0] == pytest.approx(-pos["sii_upper_ci"][0], rel=1e-12)
    assert neg["sii_upper_ci"][0] == pytest.approx(-pos["sii_lower_ci"][0], rel=1e-12)
    assert neg["rii_lower_ci"][0] == pytest.approx(1 / pos["rii_upper_ci"][0], rel=1e-12)
    assert neg["rii_upper_ci"][0] == pytest.approx(1 / pos["rii_lower_ci"][0], rel=1e-12)
    assert neg["rii_lower_ci"][0] < neg["rii"][0] < neg["rii_upper_ci"][0]
    # untransformed: RII replicates are inverted before ordering (order statistics 2500 and 97500 of
    # 1/RII are the reciprocals of neighbours of 97500 and 2500 of RII), so the limits mirror closely
    kw.update(transform=False, repetitions=100_000)
    pos, neg = phe_sii(multiplier=1, **kw), phe_sii(multiplier=-1, **kw)
    assert neg["rii"][0] == pytest.approx(1 / pos["rii"][0])
    assert neg["rii_lower_ci"][0] == pytest.approx(1 / pos["rii_upper_ci"][0], rel=1e-3)
    assert neg["rii_upper_ci"][0] == pytest.approx(1 / pos["rii_lower_ci"][0], rel=1e-3)


def test_the_rate_multiplier_below_one_quirk_is_kept():
    # methods.md §8.4 (R): for log-transformed rates the limits swap whenever m < 1, even 0 < m < 1
    rate = np.array([900.0, 800, 700, 650, 600])
    kw = dict(
        population=POP5,
        value=rate,
        lower=rate * 0.9,
        upper=rate * 1.1,
        value_type=1,
        transform=True,
        rii=True,
        repetitions=2000,
        seed=5,
    )
    one, half = phe_sii(multiplier=1, **kw), phe_sii(multiplier=0.5, **kw)
    assert half["sii"][0] == pytest.approx(0.5 * one["sii"][0])
    assert half["rii"][0] == pytest.approx(one["rii"][0])  # point RII: not inverted
    assert half["sii_lower_ci"][0] == pytest.approx(0.5 * one["sii_upper_ci"][0])
    assert half["rii_lower_ci"][0] == pytest.approx(1 / one["rii_upper_ci"][0])


def test_a_seed_reproduces_and_another_seed_differs(monkeypatch):
    monkeypatch.setattr(sii_simulation, "_CHUNK_BYTES", 1 << 20)  # 3 areas per chunk: 20 chunks to share
    rng = np.random.default_rng(0)
    pop = rng.integers(1000, 5000, (60, 10)).astype(float)
    rate = rng.uniform(100, 900, (60, 10))
    for kw in (
        dict(value_type=0, se=rng.uniform(5, 20, (60, 10))),
        dict(value_type=1, lower=rate * 0.8, upper=rate * 1.2),
    ):
        run = dict(population=pop, value=rate, rii=True, repetitions=1000, reliability_stat=True, **kw)
        a, b = phe_sii(seed=42, workers=1, **run), phe_sii(seed=42, workers=2, **run)
        c = phe_sii(seed=43, **run)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
        assert np.all(a["sii_lower_ci"] != c["sii_lower_ci"])
        np.testing.assert_array_equal(a["sii"], c["sii"])
        g = phe_sii(seed=np.random.default_rng(7), **run)
        h = phe_sii(seed=np.random.default_rng(7), **run)
        np.testing.assert_array_equal(g["sii_upper_ci"], h["sii_upper_ci"])


def test_switching_the_rii_on_does_not_change_the_sii_limits():
    kw = dict(population=POP5, value=Y5, se=SE5, repetitions=5000, seed=9)
    a, b = phe_sii(**kw), phe_sii(rii=True, **kw)
    assert a["sii_lower_ci"][0] == b["sii_lower_ci"][0] and a["sii_upper_ci"][0] == b["sii_upper_ci"][0]


def test_simulated_interval_converges_to_the_analytic_normal_interval():
    # For value_type 0 the SII is linear in the values, so its exact sampling distribution is
    # Normal(β1, SE(β1)) with SE(β1)² = Σ W1_i² SE_i², W1 = a(b − b̄)/Σa(b − b̄)²; limits β1 ± z·SE(β1).
    a = POP5 / POP5.sum()
    b = np.cumsum(a) - a / 2
    w1 = a * (b - 0.5) / 0.079
    se_b1 = np.sqrt(np.sum(w1**2 * SE5**2))
    errors = {}
    for reps in (1000, 1_000_000):
        errs = []
        for seed in range(4):
            out = phe_sii(population=POP5, value=Y5, se=SE5, repetitions=reps, confidence=(0.95, 0.998), seed=seed)
            for level, sfx in ((0.95, ""), (0.998, "_998")):
                z = norm.ppf(level + (1 - level) / 2)
                errs += [
                    abs(out[f"sii_lower_ci{sfx}"][0] - (BETA1 - z * se_b1)),
                    abs(out[f"sii_upper_ci{sfx}"][0] - (BETA1 + z * se_b1)),
                ]
        errors[reps] = np.mean(errs) / se_b1
    assert errors[1_000_000] < 0.01  # in units of SE(β1); Monte-Carlo sd ≈ 0.003–0.01
    assert errors[1_000_000] < errors[1000] / 5


def test_back_transformed_draws_match_the_delta_method_for_small_errors():
    # Proportions without transform: y = expit(logit(p) + SE·z) ≈ p + p(1 − p)·SE·z for small SE,
    # so the SII interval tends to β1 ± z·√Σ W1² (p(1 − p)SE)².
    p = np.array([0.30, 0.27, 0.25, 0.22, 0.20, 0.18, 0.15, 0.14, 0.12, 0.10])
    pop = np.full(10, 1000.0)
    se = np.full(10, 0.01)
    _, w1 = regression_weights(pop)
    sd = np.sqrt(np.sum(w1**2 * (p * (1 - p) * se) ** 2))
    beta1 = np.sum(w1 * p)
    out = phe_sii(population=pop, value=p, se=se, value_type=2, repetitions=200_000, seed=2)
    assert out["sii"][0] == pytest.approx(beta1, rel=1e-12)
    assert out["sii_lower_ci"][0] == pytest.approx(beta1 - Z95 * sd, abs=0.03 * sd)
    assert out["sii_upper_ci"][0] == pytest.approx(beta1 + Z95 * sd, abs=0.03 * sd)


def test_order_statistics_selection_is_exact():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 50_000))
    x[1] = np.round(x[1], 1)  # many ties
    x[2] = rng.exponential(size=50_000)  # skewed
    x[3, :30_000] = 0.0  # a huge tie at the lower tail
    idx = np.array([1249, 48749, 49, 49949, 0, 49999])
    expected = np.sort(x, axis=-1)[:, idx]
    np.testing.assert_array_equal(select_order_statistics(x.copy(), idx), expected)
    np.testing.assert_array_equal(
        select_order_statistics(x[:, :1000].copy(), [24, 974]), np.sort(x[:, :1000], axis=-1)[:, [24, 974]]
    )


def test_order_statistic_positions_use_r_rounding():
    # 1-based positions round(R(1 − cv)), round(R·cv): R = 1000, 95 % → 25, 975; R = 100 000, 99.8 % →
    # round(99.99999999999989) = 100 and 99 900; R = 1 010, 95 % → round(25.25) = 25, round(984.75) = 985;
    # R = 1 100, 99 % → round(5.500000000000005) = 6 and round(1094.5) = 1094 (exactly half: to even)
    assert [p.tolist() for p in _positions(1000, [0.95])] == [[24], [974]]
    assert [p.tolist() for p in _positions(100_000, [0.95, 0.998])] == [[2499, 99], [97499, 99899]]
    assert [p.tolist() for p in _positions(1010, [0.95])] == [[24], [984]]
    assert [p.tolist() for p in _positions(1100, [0.99])] == [[5], [1093]]
    # zero standard errors: every replicate is the point estimate
    out = phe_sii(population=POP5, value=Y5, se=np.zeros(5), repetitions=1000, seed=0)
    assert out["sii_lower_ci"][0] == pytest.approx(BETA1) and out["sii_upper_ci"][0] == pytest.approx(BETA1)


# ---- validation (§8.6)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(population=POP5[:4], value=Y5[:4], se=SE5[:4]), "Number of quantiles must be between 5 and 100"),
        (dict(population=np.r_[0.0, POP5[1:]]), "zero, negative or missing population"),
        (dict(population=np.r_[np.nan, POP5[1:]]), "zero, negative or missing population"),
        (
            dict(transform=True, se=None, lower=Y5 - 1, upper=Y5 + 1),
            "value_type should be 1 or 2 when transform is true",
        ),
        (dict(value_type=1, transform=True), "se to be missing when transform is true"),
        (dict(value_type=2), "value proportions are not all between 0 and 1"),
        (dict(repetitions=999), "number of repetitions must be 1000 or greater"),
        (dict(value_type=3), "value_type should be 0, 1 or 2"),
        (dict(se=np.r_[-1.0, SE5[1:]]), "negative or missing standard errors"),
        (dict(se=None), "either lower_cl and upper_cl fields, or se field"),
        (dict(value=None), "requires value field, or x field"),
        (dict(confidence=0.35), "between 90 and 100 or between 0.9 and 1"),
        (dict(confidence=(0.95, 99)), "between 90 and 100 or between 0.9 and 1"),
        (dict(multiplier="none"), "should be numeric"),
    ],
)
def test_validation_errors(change, message):
    kw = dict(population=POP5, value=Y5, se=SE5, repetitions=1000, seed=0) | change
    with pytest.raises(ValueError, match=message):
        phe_sii(**kw)


def test_proportion_specific_validation():
    p = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    with pytest.raises(ValueError, match="confidence limit proportions"):
        phe_sii(population=POP5, value=p, lower=p - 0.05, upper=np.r_[1.2, p[1:] + 0.05], value_type=2)
    with pytest.raises(ValueError, match="zero or negative count x"):
        phe_sii(population=POP5, x=np.r_[0.0, 1, 2, 3, 4], se=SE5, value_type=2)
    with pytest.raises(ValueError, match="missing lower or upper"):
        phe_sii(population=POP5, value=p, lower=np.r_[np.nan, p[1:]], upper=p + 0.05, value_type=2)
    # a count gives the same answer as the proportion it implies
    x = p * POP5
    kw = dict(population=POP5, lower=p - 0.05, upper=p + 0.05, value_type=2, repetitions=1000, seed=1, rii=True)
    a, b = phe_sii(x=x, **kw), phe_sii(value=p, **kw)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12)


def test_frame_drops_incomplete_groups_and_warns_about_many_quantiles():
    rng = np.random.default_rng(1)
    rows = [(area, q, 1000.0 + q, 70 + q + rng.normal(), 0.5) for area in "ABC" for q in range(1, 11)]
    df = pd.DataFrame(rows, columns=["area", "quantile", "population", "value", "se"])
    df = df[~((df["area"] == "B") & (df["quantile"] == 4))]
    with pytest.warns(SIIWarning, match=RECORDS_REMOVED.replace("WARNING: ", "")):
        out = sii_frame(df, "area", repetitions=1000, seed=1)
    assert list(out["area"]) == ["A", "C"]
    many = pd.DataFrame({"quantile": range(1, 13), "population": 1000.0, "value": np.arange(12.0), "se": 1.0})
    with pytest.warns(SIIWarning, match=MANY_QUANTILES.replace("WARNING: ", "")):
        sii_frame(many, repetitions=1000, seed=1)
    with pytest.raises(ValueError, match="more than one row for a quantile"):
        sii_frame(pd.concat([many, many.iloc[:1]]), repetitions=1000)


def test_text_quantile_labels_sort_as_text_like_the_package():
    df = pd.DataFrame(
        {"quantile": [str(q) for q in range(1, 11)], "population": 1000.0, "value": np.arange(10.0), "se": 0.1}
    )
    numeric = sii_frame(df.assign(quantile=range(1, 11)), repetitions=1000, seed=1)
    text = sii_frame(df, repetitions=1000, seed=1)
    assert numeric["sii"][0] == pytest.approx(10.0)  # equal populations: 0…9 on b = (q − .5)/10
    assert text["sii"][0] != pytest.approx(10.0)  # "10" sorts between "1" and "2": another order


def test_output_column_names():
    assert list(output_columns((0.95, 0.99, 0.98), rii=False)) == [
        "sii",
        "sii_lower_ci",
        "sii_upper_ci",
        "sii_lower_ci_99",
        "sii_upper_ci_99",
        "sii_lower_ci_98",
        "sii_upper_ci_98",
    ]


def test_missing_values_give_na_for_that_group_only():
    pop = np.tile(POP5, (2, 1))
    value = np.vstack([Y5, np.r_[np.nan, Y5[1:]]])
    with pytest.warns(SIIWarning):
        out = phe_sii(population=pop, value=value, se=np.tile(SE5, (2, 1)), repetitions=1000, seed=0, rii=True)
    assert np.isfinite(out["sii_lower_ci"][0]) and np.isnan(out["sii"][1]) and np.isnan(out["rii_upper_ci"][1])


# ---- the package's test data (testdata_SII.xlsx): the 30 configurations of its test file

TOL = 0.05
BASE = ["sii", "rii", "sii_lowercl_1", "sii_uppercl_1", "rii_lowercl_1", "rii_uppercl_1"]
NO_RII = ["sii", "sii_lowercl_1", "sii_uppercl_1"]
TWO = BASE + ["sii_lowercl_2", "sii_uppercl_2", "rii_lowercl_2", "rii_uppercl_2"]
OURS = {
    "sii": "sii",
    "rii": "rii",
    "Intercept": "intercept",
    "sii_lowercl_1": "sii_lower_ci",
    "sii_uppercl_1": "sii_upper_ci",
    "rii_lowercl_1": "rii_lower_ci",
    "rii_uppercl_1": "rii_upper_ci",
}

# (description, data rows (1-based, inclusive), expected rows, expected columns, arguments)
SE, CL = dict(se_col="StandardError"), dict(se_col=None)
CONFIGS = [
    ("default, SE", (1, 20), (1, 11), BASE, dict(value_type=0, rii=True, **SE)),
    ("default, CLs", (1, 20), (1, 11), BASE, dict(value_type=0, rii=True, **CL)),
    (
        "default, intercept",
        (1, 20),
        (246, 256),
        BASE + ["Intercept"],
        dict(value_type=0, rii=True, intercept=True, **CL),
    ),
    ("ungrouped", (1, 10), (1,), BASE, dict(value_type=0, rii=True, ungrouped=True, **CL)),
    ("99% decimal", (21, 40), (21, 31), BASE, dict(value_type=0, rii=True, confidence=0.99, **CL)),
    ("99% percent, SE", (21, 40), (21, 31), BASE, dict(value_type=0, rii=True, confidence=99, **SE)),
    ("95 and 99%", (226, 245), (226, 236), TWO, dict(value_type=0, rii=True, confidence=(95, 99), **SE)),
    ("repetitions", (41, 60), (41, 51), BASE, dict(value_type=0, rii=True, **SE)),
    ("quintiles", (61, 70), (61, 66), ["sii"], dict(value_type=0, rii=True, **SE)),
    ("rate, SE", (71, 90), (71, 81), BASE, dict(value_type=1, rii=True, **SE)),
    ("rate, CLs", (71, 90), (71, 81), BASE, dict(value_type=1, rii=True, **CL)),
    ("rate, intercept", (71, 90), (266, 276), BASE + ["Intercept"], dict(value_type=1, rii=True, intercept=True, **CL)),
    (
        "rate, log",
        (306, 325),
        (306, 316),
        BASE + ["Intercept"],
        dict(value_type=1, rii=True, intercept=True, transform=True, **CL),
    ),
    (
        "rate, log, m = -1",
        (386, 405),
        (386, 396),
        BASE + ["Intercept"],
        dict(value_type=1, rii=True, intercept=True, transform=True, multiplier=-1, **CL),
    ),
    (
        "rate, log, 98%",
        (406, 425),
        (406, 416),
        BASE + ["Intercept"],
        dict(value_type=1, rii=True, intercept=True, transform=True, confidence=98, **CL),
    ),
    (
        "rate, log, 95 and 98%",
        (366, 385),
        (366, 376),
        TWO + ["Intercept"],
        dict(value_type=1, rii=True, intercept=True, transform=True, confidence=(95, 98), **CL),
    ),
    ("rate, log, no RII", (426, 445), (426, 436), NO_RII, dict(value_type=1, transform=True, **CL)),
    ("proportion, SE", (91, 110), (91, 101), BASE, dict(value_type=2, rii=True, **SE)),
    ("proportion, CLs", (91, 110), (91, 101), BASE, dict(value_type=2, rii=True, **CL)),
    ("proportion, count", (91, 110), (91, 101), BASE, dict(value_type=2, rii=True, use_count=True, **CL)),
    (
        "proportion, intercept (as type 1)",
        (91, 110),
        (286, 296),
        BASE + ["Intercept"],
        dict(value_type=1, rii=True, intercept=True, **CL),
    ),
    ("proportion, x100", (111, 130), (111, 121), BASE, dict(value_type=2, rii=True, multiplier=100, **CL)),
    ("proportion, x100, no RII", (111, 130), (111, 121), NO_RII, dict(value_type=2, multiplier=100, **CL)),
    ("proportion, x-100", (131, 150), (131, 141), BASE, dict(value_type=2, rii=True, multiplier=-100, **CL)),
    ("proportion, x-100, no RII", (131, 150), (131, 141), NO_RII, dict(value_type=2, multiplier=-100, **CL)),
    (
        "proportion, logit",
        (326, 345),
        (326, 336),
        BASE + ["Intercept"],
        dict(value_type=2, rii=True, intercept=True, transform=True, **CL),
    ),
    (
        "proportion, logit, m = -1",
        (346, 365),
        (346, 356),
        BASE + ["Intercept"],
        dict(value_type=2, rii=True, intercept=True, transform=True, multiplier=-1, **CL),
    ),
    (
        "proportion, logit, 98%",
        (466, 485),
        (466, 476),
        BASE + ["Intercept"],
        dict(value_type=2, rii=True, intercept=True, transform=True, confidence=98, **CL),
    ),
    (
        "proportion, logit, 95 and 98%",
        (486, 505),
        (486, 496),
        TWO + ["Intercept"],
        dict(value_type=2, rii=True, intercept=True, transform=True, confidence=(95, 98), **CL),
    ),
    ("proportion, logit, no RII", (446, 465), (446, 456), NO_RII, dict(value_type=2, transform=True, **CL)),
]


@pytest.fixture(scope="module")
def sii_sheet(shared_reference):
    return pd.read_excel(shared_reference / "phe-indicator-methods" / "testdata_SII.xlsx", sheet_name="testdata_SII")


def _ours(column: str, levels) -> str:
    if column.endswith("_2"):
        second = levels[1]
        return OURS[column[:-1] + "1"] + "_" + f"{second * 100:g}".replace(".", "")
    return OURS[column]


def _testthat_difference(target: np.ndarray, current: np.ndarray) -> float:
    """all.equal.numeric: mean|target − current| / mean|target| (absolute if mean|target| ≤ tolerance)."""
    diff = np.mean(np.abs(target - current))
    scale = np.mean(np.abs(target))
    return diff / scale if scale > TOL else diff


def test_reference_sii_all_30_configurations(sii_sheet):
    assert len(CONFIGS) == 30
    worst_column, worst_point = 0.0, 0.0
    for i, (name, (first, last), expected_rows, columns, args) in enumerate(CONFIGS):
        args = dict(args)
        data = sii_sheet.iloc[first - 1 : last]
        keys = [] if args.pop("ungrouped", False) else ["Area", "Grouping1", "Grouping2"]
        x_col = None
        if args.pop("use_count", False):  # x = count, no value column: value = x/population
            data, x_col = data.drop(columns="Value"), "Count"
        levels = (
            (0.95,)
            if "confidence" not in args
            else tuple(c / 100 if c >= 90 else c for c in np.atleast_1d(args["confidence"]))
        )
        out = sii_frame(
            data,
            keys,
            repetitions=10_000,
            seed=1000 + i,
            quantile_col="Quantile",
            population_col="Population",
            value_col="Value",
            x_col=x_col,
            lower_col="LowerCL",
            upper_col="UpperCL",
            **args,
        )
        expected = sii_sheet.iloc[[r - 1 for r in expected_rows]]
        assert len(out) == len(expected), name
        if keys:
            assert list(out["Area"]) == list(expected["Area"]), name
        for column in columns:
            got, want = out[_ours(column, levels)].to_numpy(), expected[column].to_numpy(dtype=float)
            if column in ("sii", "rii", "Intercept"):
                point = np.max(np.abs(got - want))
                worst_point = max(worst_point, point)
                assert point < 1e-6, (name, column, got, want)
            else:
                difference = _testthat_difference(want, got)
                worst_column = max(worst_column, difference)
                assert difference < TOL, (name, column, got, want)
    assert worst_column < TOL and worst_point < 1e-6


@pytest.mark.parametrize(
    "rows, args, message",
    [
        ((151, 160), dict(se_col="StandardError"), "zero, negative or missing population"),
        ((161, 165), dict(se_col="StandardError"), "negative or missing standard errors"),
        ((191, 200), dict(se_col="StandardError"), "negative or missing standard errors"),
        (
            (166, 170),
            dict(se_col="StandardError", value_type=2, x_col="Count", drop_value=True),
            "zero or negative count x",
        ),
        ((1, 20), dict(se_col="StandardError", value_type=2), "value proportions are not all between 0 and 1"),
        ((171, 175), dict(se_col=None, value_type=2), "confidence limit proportions"),
        ((176, 180), dict(se_col=None, value_type=2), "confidence limit proportions"),
        ((1, 3), dict(se_col=None), "Number of quantiles must be between 5 and 100"),
        ((191, 200), dict(se_col=None), "missing lower or upper confidence limits"),
    ],
)
def test_reference_sii_error_cases(sii_sheet, rows, args, message):
    args = dict(args)
    data = sii_sheet.iloc[rows[0] - 1 : rows[1]]
    if args.pop("drop_value", False):
        data = data.drop(columns="Value")
    with pytest.raises(ValueError, match=message):
        sii_frame(
            data,
            ["Area", "Grouping1", "Grouping2"],
            repetitions=1000,
            quantile_col="Quantile",
            population_col="Population",
            value_col="Value",
            lower_col="LowerCL",
            upper_col="UpperCL",
            **args,
        )


def test_reference_sii_warning_cases(sii_sheet):
    common = dict(
        repetitions=1000,
        seed=1,
        quantile_col="Quantile",
        population_col="Population",
        value_col="Value",
        lower_col="LowerCL",
        upper_col="UpperCL",
        se_col=None,
    )
    data = sii_sheet.iloc[list(range(0, 15)) + list(range(16, 20))]
    with pytest.warns(SIIWarning, match="some records have been removed"):
        out = sii_frame(data, ["Area", "Grouping1", "Grouping2"], **common)
    assert list(out["Area"]) == ["area1"]
    with pytest.warns(SIIWarning, match="Small values can make SII unstable"):
        sii_frame(sii_sheet.iloc[210:225], ["Area", "Grouping1", "Grouping2"], **common)


def test_reference_reliability_dimensions(sii_sheet):
    # the package's dimension tests: 2 areas; MAD columns per statistic
    common = dict(
        repetitions=1000,
        seed=1,
        quantile_col="Quantile",
        population_col="Population",
        value_col="Value",
        lower_col="LowerCL",
        upper_col="UpperCL",
        se_col=None,
    )
    data = sii_sheet.iloc[0:20]
    for rii, multiplier in ((False, 1), (False, -1), (True, 1), (True, -1)):
        out = sii_frame(
            data, ["Area", "Grouping1", "Grouping2"], rii=rii, multiplier=multiplier, reliability_stat=True, **common
        )
        mads = [c for c in out.columns if "_mad" in c]
        assert len(out) == 2 and mads == (["sii_mad", "rii_mad"] if rii else ["sii_mad"])
        assert (out[mads] > 0).all().all()


# ---- oracle cases (R package output on synthetic inputs, 15 areas each, 100 000 repetitions)

ORACLE = [
    ("sii_lifeexp", "sii_lifeexp_in.csv", dict(value_type=0), "cl"),
    ("sii_rate", "rate_expected.csv", dict(value_type=1), "cl"),
    ("sii_rate_transform", "rate_expected.csv", dict(value_type=1, transform=True), ""),
    ("sii_proportion", "proportion_expected.csv", dict(value_type=2), "cl"),
]


@pytest.mark.parametrize("name, source, args, suffix", ORACLE, ids=[o[0] for o in ORACLE])
def test_reference_oracle_cases(shared_reference, name, source, args, suffix):
    folder = shared_reference / "phe-oracle-cases"
    expected = pd.read_csv(folder / f"{name}_expected.csv")
    out = sii_frame(pd.read_csv(folder / source), "area", rii=True, repetitions=100_000, seed=2026, se_col=None, **args)
    assert list(out["area"]) == list(expected["area"]) and len(out) == 15
    for stat in ("sii", "rii"):
        assert np.max(np.abs(out[stat] - expected[stat])) < 1e-6
        width = (expected[f"{stat}_upper95_0{suffix}"] - expected[f"{stat}_lower95_0{suffix}"]).abs()
        for side in ("lower", "upper"):
            diff = (out[f"{stat}_{side}_ci"] - expected[f"{stat}_{side}95_0{suffix}"]).abs()
            assert (diff < 0.02 * width).all(), (stat, side, (diff / width).max())


# ---- the package's example data (no expected SII in the reference folder: runs and sanity only)


def test_example_data_run(shared_reference):
    folder = shared_reference / "phe-indicator-methods"
    le = pd.read_csv(folder / "LE_testdata.csv")  # 724 groups, 2 of them with a single decile
    with pytest.warns(SIIWarning, match="some records have been removed"):
        out = sii_frame(
            le,
            ["Sex", "GeoCode"],
            quantile_col="Decile",
            population_col="Pop",
            value_col="LifeExp",
            se_col="SE",
            confidence=(0.95, 0.998),
            rii=True,
            repetitions=1000,
            seed=1,
        )
    assert len(out) == 722 and out["sii"].notna().all()
    assert (out["sii_lower_ci_998"] <= out["sii_lower_ci"]).all()
    assert (out["sii_upper_ci"] <= out["sii_upper_ci_998"]).all()
    dsr = pd.read_csv(folder / "DSR_testdata.csv")
    out = sii_frame(
        dsr,
        "Period",
        quantile_col="Quintile",
        population_col="total_pop",
        lower_col="lowercl",
        upper_col="uppercl",
        value_type=1,
        transform=True,
        rii=True,
        reliability_stat=True,
        repetitions=1000,
        seed=1,
    )
    assert len(out) == 6 and (out["sii_lower_ci"] < out["sii"]).all() and (out["rii_mad"] > 0).all()
    ncmp = pd.read_csv(folder / "NCMP_testdata.csv")
    ncmp["p"], ncmp["lo"], ncmp["hi"] = ncmp["Rate"] / 100, ncmp["LCL"] / 100, ncmp["UCL"] / 100
    common = dict(
        quantile_col="Decile",
        population_col="Measured",
        value_col="p",
        lower_col="lo",
        upper_col="hi",
        value_type=2,
        rii=True,
        repetitions=1000,
        seed=1,
    )
    logit = sii_frame(ncmp, ["Period", "SchoolYear", "AreaCode"], transform=True, multiplier=-100, **common)
    plain = sii_frame(ncmp, ["Period", "SchoolYear", "AreaCode"], multiplier=100, **common)
    assert len(logit) == len(plain) == 24
    assert (logit["sii_lower_ci"] <= logit["sii_upper_ci"]).all()
    assert (plain["sii_lower_ci"] <= plain["sii_upper_ci"]).all()
    np.testing.assert_allclose(logit["sii"], -plain["sii"], rtol=0.1)
