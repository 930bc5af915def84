"""Quantile assignment (methods.md §7): hand-worked cases, and the R package's test data when present."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.quantiles import TOO_FEW_AREAS, QuantileWarning, assign_quantiles, quantile_frame


def same(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


# ---- hand-worked cases (no reference data needed)

TOY = [5, 3, 3, np.nan, 1, 9, 7, 2, 2, 8]


def test_ties_and_missing_values_inverted():
    # N = 9 non-missing, nq = 4, N/nq = 2.25. Inverted: rank of max − v = 9 − v, ties take the lowest rank:
    # 9→1, 8→2, 7→3, 5→4, 3,3→5, 2,2→7, 1→9.  q = floor(5 − ceil((10 − rank)/2.25)):
    # rank 1: ceil(4) = 4 → 1; rank 2: ceil(3.56) → 1; rank 3: ceil(3.11) → 1; rank 4: ceil(2.67) = 3 → 2;
    # rank 5: ceil(2.22) = 3 → 2; rank 7: ceil(1.33) = 2 → 3; rank 9: ceil(0.44) = 1 → 4.
    assert same(assign_quantiles(TOY, nquantiles=4), [2, 2, 2, np.nan, 4, 1, 1, 3, 3, 1])


def test_ties_and_missing_values_not_inverted():
    # ranks of v: 1→1, 2,2→2, 3,3→4, 5→6, 7→7, 8→8, 9→9
    # rank 1 → floor(5 − ceil(4)) = 1, rank 2 → floor(5 − ceil(3.56)) = 1, rank 4 → 2,
    # rank 6 → floor(5 − ceil(1.78)) = 3, rank 7 → 3, rank 8 → floor(5 − ceil(0.89)) = 4, rank 9 → 4
    # (so invert=False puts the lowest values in quantile 1)
    assert same(assign_quantiles(TOY, nquantiles=4, invert=False), [3, 2, 2, np.nan, 1, 4, 3, 1, 1, 4])


def test_quantile_zero_becomes_one():
    # N = 17, nq = 7: for rank 1, (N + 1 − 1)/(N/nq) = 17/(17/7) = 7.000000000000001 in float64, so
    # ceil gives 8 and q = floor(8 − 8) = 0, which the rule maps to 1.
    assert np.ceil(17 / (17 / 7)) == 8
    q = assign_quantiles(np.arange(17.0), nquantiles=7)
    assert q[16] == 1 and np.nanmin(q) == 1 and np.nanmax(q) == 7


def test_groups_are_independent_and_too_small_groups_are_unassigned_with_a_warning():
    values = np.r_[np.arange(10.0), np.arange(4.0)]
    groups = np.array(["a"] * 10 + ["b"] * 4)
    with pytest.warns(QuantileWarning, match=TOO_FEW_AREAS):
        q = assign_quantiles(values, groups, nquantiles=5, invert=False)
    assert same(q[:10], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    assert np.isnan(q[10:]).all()


def test_groups_with_all_missing_values_do_not_warn():
    values = np.r_[np.arange(5.0), [np.nan] * 3]
    groups = ["a"] * 5 + ["b"] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = assign_quantiles(values, groups, nquantiles=5)
    assert same(q, [5, 4, 3, 2, 1, np.nan, np.nan, np.nan])


def test_invert_field_must_be_constant_within_groups():
    df = pd.DataFrame(
        {"g": ["a"] * 5 + ["b"] * 5, "value": np.arange(10.0), "higher_is_worse": [True] * 5 + [False] * 5}
    )
    out = quantile_frame(df, "value", "g", nquantiles=5, invert="higher_is_worse", full=True)
    assert same(out["quantile"], [5, 4, 3, 2, 1, 1, 2, 3, 4, 5])
    assert list(out["qinverted"].unique()) == [
        "lowest quantile represents highest values",
        "lowest quantile represents lowest values",
    ]
    assert (out["nquantiles"] == 5).all() and (out["groupvars"] == "g").all()
    df.loc[0, "higher_is_worse"] = False
    with pytest.raises(ValueError, match="same logical value for each data grouping set"):
        quantile_frame(df, "value", "g", nquantiles=5, invert="higher_is_worse")


def test_argument_errors():
    df = pd.DataFrame({"value": np.arange(10.0), "name": list("abcdefghij")})
    with pytest.raises(ValueError, match="must equal TRUE or FALSE"):
        quantile_frame(df, invert=6)
    with pytest.raises(ValueError, match="not a field name"):
        quantile_frame(df, invert="polarity")
    with pytest.raises(ValueError, match="numeric field"):
        quantile_frame(df, "name")


def test_quantile_frame_returns_a_copy_and_keeps_row_order():
    df = pd.DataFrame({"value": [3.0, 1.0, 2.0, 5.0, 4.0]}, index=[10, 11, 12, 13, 14])
    out = quantile_frame(df, nquantiles=5)
    assert "quantile" not in df.columns
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert same(out["quantile"], [3, 5, 4, 1, 2])


# ---- the package's test set-ups (testdata_Quantiles.xlsx), 982 distinct rows

POLARITY = {"RAG - High is good": False, "RAG - Low is good": True, True: True, False: False}


@pytest.fixture(scope="module")
def quantile_sheet(shared_reference):
    sheet = pd.read_excel(
        shared_reference / "phe-indicator-methods" / "testdata_Quantiles.xlsx", sheet_name="testdata_Quantiles"
    )
    sheet["GroupSet"] = sheet["GroupSet"].fillna("None")  # the literal "None" reads as missing
    sheet["invert"] = sheet["Polarity"].map(lambda p: POLARITY[p])
    return sheet


def test_reference_quantiles_all_four_setups(quantile_sheet):
    good = quantile_sheet[quantile_sheet["Test"].str.startswith("Good")]
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QuantileWarning)
        # 1. deciles within indicator × region, polarity from a field (339 rows)
        df1 = good[good["GroupSet"] == "IndSexReg"]
        out = quantile_frame(df1, "Value", ["IndSexRef", "ParentCode"], 10, "invert")
        assert same(out["quantile"], df1["QuantileInGrp"]) and len(df1) == 339
        checked += len(df1)
        # 1b. the same rows for one indicator with invert = FALSE, full output (152 rows)
        df2 = df1[df1["IndSexRef"] == "90366Female"]
        out = quantile_frame(df2, "Value", ["IndSexRef", "ParentCode"], 10, False, full=True)
        assert same(out["quantile"], df2["QuantileInGrp"]) and len(df2) == 152
        assert (out["nquantiles"] == 10).all() and (out["groupvars"] == "IndSexRef, ParentCode").all()
        assert (out["qinverted"] == "lowest quantile represents lowest values").all()
        # 2. septiles within indicator, polarity field (152 rows)
        df3 = good[good["GroupSet"] == "IndSex"]
        out = quantile_frame(df3, "Value", ["IndSexRef"], 7, "invert")
        assert same(out["quantile"], df3["QuantileInGrp"]) and len(df3) == 152
        checked += len(df3)
        # 3. ungrouped quartiles, default invert, with many tied values (491 rows); and grouped by GroupSet
        df4 = good[good["GroupSet"] == "None"]
        assert df4["Value"].duplicated(keep=False).sum() > 100
        for keys in ([], ["GroupSet"]):
            out = quantile_frame(df4, "Value", keys, 4)
            assert same(out["quantile"], df4["QuantileInGrp"]) and len(df4) == 491
        checked += len(df4)
    assert checked == 982


def test_reference_warning_and_polarity_error(quantile_sheet):
    good = quantile_sheet[quantile_sheet["Test"].str.startswith("Good")]
    df2 = good[(good["GroupSet"] == "IndSexReg") & (good["IndSexRef"] == "90366Female")]
    with pytest.warns(QuantileWarning, match=TOO_FEW_AREAS):
        quantile_frame(df2, "Value", ["IndSexRef", "ParentCode"], 10, False)
    bad = quantile_sheet[quantile_sheet["Test"] == "BadPolarity"]
    with pytest.raises(ValueError, match="same logical value"):
        quantile_frame(bad, "Value", ["IndSexRef"], 7, "invert")
