"""Life expectancy from an abridged life table: Chiang's method II with Silcocks' variance for the open
final band (methods.md §6; PHEindicatormethods 2.1.0 `phe_life_expectancy`).

Everything is vectorised across groups: the life table of G groups is computed on arrays shaped
(G, 20), with the survivorship l as a cumulative product along the bands and the person-years T and
the variance sums as cumulative sums taken from the oldest band down.
"""

# About 420 lines, one method on purpose: the life table, its variance and the PHEindicatormethods suppression
# rules are read together, and the docstrings carry the formulas the methods appendix prints (so not in them).

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from pipeline.methods._typing import AnyArray, ArrayLike, FloatArray, IntArray
from pipeline.methods.confidence import Z95, ci_columns, levels_text, normalise_levels, z_value

if TYPE_CHECKING:  # pandas loads only for `life_expectancy_frame`: `fsot method` computes without it
    import pandas as pd

#: Start ages of the 20 bands of the abridged life table: 0, 1–4, 5–9, …, 85–89 and the open band 90+.
START_AGES = (0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90)
NUMBER_OF_BANDS = 20
RADIX = 100000.0
MIN_TOTAL_POPULATION = 5000  # a group's total population must be above this (Toson & Baker 2003)
MAX_HALF_WIDTH_95 = 10.0  # 95 % CI half-width above this (interval wider than 20 years) → value not published
METHOD = "Chiang, using Silcocks et al for confidence limits"

# Why a value is suppressed (the `note` column), in the order the rules are applied.
NOTE_MISSING = "missing deaths or population in some age band"
NOTE_NEGATIVE_DEATHS = "some age bands have negative deaths"
NOTE_POPULATION = "some age bands have a zero or less population"
NOTE_BANDS = "the group does not have exactly 20 age bands"
NOTE_DEATHS_OVER_POPULATION = "some age bands have more deaths than population"
NOTE_SMALL_POPULATION = "total population of the group is 5,000 or less"
NOTE_INFINITE = "life expectancy is infinite (no deaths in the 90+ band)"
NOTE_WIDE_CI = "95% confidence interval wider than 20 years"

_WARNINGS = {
    NOTE_MISSING: "some age bands have missing deaths or population; outputs have been suppressed to NAs",
    NOTE_NEGATIVE_DEATHS: "some age bands have negative deaths; outputs have been suppressed to NAs",
    NOTE_POPULATION: "some age bands have a zero or less population; outputs have been suppressed to NAs",
    NOTE_BANDS: (
        "some groups contain a different number of age bands than 20; life expectancy cannot be "
        "calculated for these. These groups will contain NAs."
    ),
    NOTE_DEATHS_OVER_POPULATION: "some age bands have more deaths than population; outputs have been suppressed to NAs",
    NOTE_SMALL_POPULATION: (
        "some groups have a total population of less than 5,000; outputs have been suppressed to NAs"
    ),
    NOTE_WIDE_CI: (
        "some life expectancy values have a 95% confidence interval > 20 years; these values have "
        "been suppressed to NAs"
    ),
}
_GROUP_RULES = (
    NOTE_MISSING,
    NOTE_NEGATIVE_DEATHS,
    NOTE_POPULATION,
    NOTE_BANDS,
    NOTE_DEATHS_OVER_POPULATION,
    NOTE_SMALL_POPULATION,
)
#: Every note, indexed by the integer note codes used internally (0 = not suppressed).
NOTES = ("", *_GROUP_RULES, NOTE_INFINITE, NOTE_WIDE_CI)
_CODE = {note: code for code, note in enumerate(NOTES)}
_FIRST_INTEGER = re.compile(r"\D*(\d+)")


class LifeExpectancyWarning(UserWarning):
    """A life expectancy (or a whole group's) was suppressed; the `note` column says why."""


def _chiang_life_table(
    deaths: ArrayLike, population: ArrayLike, start_ages: ArrayLike, full: bool = True
) -> dict[str, AnyArray]:
    """Abridged life table by Chiang's method II for any band layout (recurrence only, no suppression).

    ``deaths``, ``population``: arrays shaped (..., K), bands in ascending order of age; ``start_ages``:
    shape (K,) or (..., K); the last band is open-ended. Per band i (D deaths, P population):
        M = D/P;  n = next start − start (last band: n = 2/M);  a = 0.1 for the band starting at 0, else 0.5;
        q = nM / (1 + nM(1 − a)) if D ≤ P/n/a, else 1;  p = 1 − q;
        l_1 = 100 000, l_{i+1} = l_i p_i;  d_i = l_i − l_{i+1} (l_{K+1} = 0);
        L_i = n_i (l_{i+1} + a_i d_i) (i < K),  L_K = l_K / M_K;   T_i = Σ_{j≥i} L_j;
        e_i = T_i / l_i (0 where l_i = 0);
        Var(q_i) = 0 if d_i = 0 else q_i²(1 − q_i)/D_i;  Silcocks' final band term 4/(D_K M_K²);
        W_i = Var(q_i) l_i² ((1 − a_i) n_i + e_{i+1})² (i < K),  W_K = (l_K/2)² · 4/(D_K M_K²);
        SE_i = √(Σ_{j≥i} W_j / l_i²).
    l is a running product along the bands and T and Σ W are cumulative sums taken from the oldest band
    down, so G groups are computed at once on (G, K) arrays; the floating-point operations are done in
    the R package's order. IEEE arithmetic throughout: D_K = 0 gives e = +inf, as in R.
    Returns ``e`` and ``se``, and with ``full`` also ``M``, ``n``, ``a``, ``q``, ``l``, ``d``, ``L``,
    ``T`` and ``W``. (Written with in-place operations: fresh memory is the main cost at this size.)
    """
    D = np.asarray(deaths, dtype=float)
    P = np.asarray(population, dtype=float)
    ages = np.asarray(start_ages, dtype=float)
    a = np.where(ages == 0, 0.1, 0.5)  # (K,) or (..., K): broadcasts
    one_minus_a = 1 - a
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        M = D / P
        n = np.empty_like(M)
        n[..., :-1] = np.diff(ages, axis=-1)
        np.divide(2, M[..., -1], out=n[..., -1])
        work = P / n
        work /= a
        keep = work >= D  # else q = 1 (more deaths than the band can hold)
        nM = np.multiply(M, n, out=work)
        q = nM * one_minus_a
        q += 1
        np.divide(nM, q, out=q)
        q[~keep] = 1.0
        # l_1 = radix, l_{i+1} = l_i p_i: a running product, in R's order ((radix·p1)·p2)…
        l = np.empty_like(M)  # noqa: E741 (l_x, the life-table name)
        l[..., 0] = RADIX
        np.subtract(1, q[..., :-1], out=l[..., 1:])
        l = np.cumprod(l, axis=-1)  # noqa: E741
        d = np.empty_like(l)
        np.subtract(l[..., :-1], l[..., 1:], out=d[..., :-1])
        d[..., -1] = l[..., -1]
        L = np.multiply(a, d, out=work)  # L_i = n_i (l_{i+1} + a_i d_i)
        L[..., :-1] += l[..., 1:]
        L *= n
        np.divide(l[..., -1], M[..., -1], out=L[..., -1])
        T = np.cumsum(L[..., ::-1], axis=-1)[..., ::-1]
        e = T.copy() if full else T
        e /= l
        e[l == 0] = 0.0
        W = q * q  # Var(q) = q²(1 − q)/D, 0 where d = 0
        W *= 1 - q
        W /= D
        W[d == 0] = 0.0
        var_last = 4 / (D[..., -1] * M[..., -1] ** 2)  # Silcocks: variance term of the open band
        W[..., -1] = var_last
        var_q = W.copy() if full else None
        l2 = l * l
        W *= l2  # Var(q) · l² · ((1 − a) n + e_{i+1})²
        weight = np.multiply(one_minus_a, n, out=np.empty_like(l) if full else L)
        weight[..., :-1] += e[..., 1:]
        weight *= weight
        W[..., :-1] *= weight[..., :-1]
        half = l[..., -1] / 2
        np.multiply(half * half, var_last, out=W[..., -1])
        ST = np.cumsum(W[..., ::-1], axis=-1)[..., ::-1]
        ST /= l2
        se = np.sqrt(ST, out=ST)
    if not full:
        return {"e": e, "se": se}
    return {
        "M": M,
        "n": n,
        "a": np.broadcast_to(a, M.shape),
        "q": q,
        "l": l,
        "d": d,
        "L": L,
        "T": T,
        "e": e,
        "W": W,
        "var_q": var_q,
        "se": se,
    }


def _group_notes(D: FloatArray, P: FloatArray) -> AnyArray:
    """Group-level suppression note code per row of (G, K) arrays (0 when the group is computed)."""
    with np.errstate(invalid="ignore"):
        checks = (
            (NOTE_MISSING, np.isnan(D).any(axis=-1) | np.isnan(P).any(axis=-1)),
            (NOTE_NEGATIVE_DEATHS, (D < 0).any(axis=-1)),
            (NOTE_POPULATION, (P <= 0).any(axis=-1)),
            (NOTE_DEATHS_OVER_POPULATION, (D > P).any(axis=-1)),
            (NOTE_SMALL_POPULATION, P.sum(axis=-1) <= MIN_TOTAL_POPULATION),
        )
    codes = np.zeros(D.shape[:-1], dtype=np.int8)
    for note, hit in reversed(checks):  # the first rule that applies wins
        codes[hit] = _CODE[note]
    return codes


def _life_expectancy(D: FloatArray, P: FloatArray, ages: FloatArray, levels: tuple[float, ...]) -> dict[str, AnyArray]:
    """Life table plus the suppression rules on (G, K) arrays; ``note`` as integer codes into NOTES."""
    table = _chiang_life_table(D, P, ages, full=False)
    e, se = table["e"], table["se"]
    group_code = _group_notes(D, P)
    suppressed = (group_code != 0)[..., None]
    codes = np.repeat(group_code[..., None], D.shape[-1], axis=-1)
    infinite = np.isinf(e) & ~suppressed
    with np.errstate(invalid="ignore"):
        wide = (Z95 * se > MAX_HALF_WIDTH_95) & ~suppressed
    codes[wide] = _CODE[NOTE_WIDE_CI]
    codes[infinite] = _CODE[NOTE_INFINITE]
    out = {"value": np.where(suppressed | infinite | wide, np.nan, e)}
    with np.errstate(invalid="ignore"):
        for level, (lower, upper) in zip(levels, ci_columns(levels)):
            z = z_value(level)
            out[lower] = np.where(suppressed, np.nan, e - z * se)
            out[upper] = np.where(suppressed, np.nan, e + z * se)
    out["se"] = np.where(suppressed, np.nan, se)
    out["note"] = codes
    for code in np.flatnonzero(np.bincount(codes.ravel(), minlength=len(NOTES))):
        if NOTES[code] in _WARNINGS:
            warnings.warn(_WARNINGS[NOTES[code]], LifeExpectancyWarning, stacklevel=3)
    return out


def life_expectancy(
    deaths: ArrayLike, population: ArrayLike, confidence: float | Sequence[float] = 0.95
) -> dict[str, AnyArray]:
    """Life expectancy at every start age of the 20-band abridged life table, with confidence limits.

    ``deaths``, ``population``: arrays shaped (groups, 20) (or (20,)), bands in the order 0, 1–4, 5–9,
    …, 85–89, 90+. Method: Chiang's abridged life table, method II (see `_chiang_life_table` for every
    formula): M = D/P, a = 0.1 in the first year of life else 0.5, q = nM/(1 + nM(1 − a)) (1 where
    D > P/(n a)), l from a radix of 100 000, L_i = n_i(l_{i+1} + a_i d_i), final band L = l/M,
    T = Σ_{j≥i} L_j, e = T/l.
    CI method: e ∓ z·SE with Chiang's variance Σ_{j≥i} q_j²(1 − q_j)/D_j · l_j²((1 − a_j)n_j + e_{j+1})²
    / l_i², plus Silcocks et al.'s term for the open final band, (l_90/2)² · 4/(D_90 M_90²); z =
    Φ⁻¹(c + (1 − c)/2) for each level in ``confidence`` (any number of levels).
    Suppression, in order (a whole group: value and limits missing): missing deaths or population;
    negative deaths; population ≤ 0; deaths > population in a band; total population ≤ 5 000. Per age:
    value missing (limits kept) where the 95 % interval is wider than 20 years (1.959963984540054·SE > 10,
    judged at 95 % whatever ``confidence`` is) or where e is infinite (no deaths at 90+: lower limit
    NaN, upper +inf). A band with q = 1 gives e = n·a there with SE 0, and e = 0 with missing limits at
    older ages. Each suppression raises a `LifeExpectancyWarning` with the R package's message.
    References: Chiang CL (1968), *Introduction to Stochastic Processes in Biostatistics* (Wiley), the
    life table and its construction; Silcocks PBS, Jenner DA, Reza R (2001), "Life expectancy as a
    summary of mortality in a population: statistical considerations and suitability for use by health
    authorities", J Epidemiol Community Health 55:38–43; Eayres DP, Williams ES (2004), "Evaluation of
    methodologies for small area life expectancy estimation", JECH 58:243–249; Toson B, Baker A (2003),
    *Life expectancy at birth: methodological options for small populations*, National Statistics
    Methodological Series 33 (the 5 000 minimum).

    Returns arrays of the input's shape: ``value``, ``lower_ci``/``upper_ci`` per level (further levels
    suffixed, e.g. ``lower_ci_998``), ``se`` and ``note`` (why a value is missing, '' otherwise).
    """
    D = np.asarray(deaths, dtype=float)
    P = np.asarray(population, dtype=float)
    if D.shape != P.shape or D.ndim not in (1, 2) or D.shape[-1] != NUMBER_OF_BANDS:
        raise ValueError(
            "deaths and population must have the same shape, (groups, 20) or (20,): "
            "one column per age band 0, 1-4, 5-9, …, 85-89, 90+"
        )
    levels = _levels(confidence)
    one = D.ndim == 1
    ages = np.asarray(START_AGES, dtype=float)
    out = _life_expectancy(D[None] if one else D, P[None] if one else P, ages, levels)
    out["note"] = np.asarray(NOTES, dtype=object)[out["note"]]
    return {k: v[0] for k, v in out.items()} if one else out


def _levels(confidence: float | Sequence[float]) -> tuple[float, ...]:
    try:
        return normalise_levels(confidence)
    except ValueError:
        raise ValueError("all confidence levels must be between 90 and 100 or between 0.9 and 1") from None


def band_start_ages(labels: ArrayLike) -> FloatArray:
    """Start age of each age band as float: the number itself, or the first integer in a label ("1-4" → 1,
    "90 +" → 90); NaN where there is none.

    Example:
    >>> band_start_ages(["0", "1-4", "90+"]).tolist()
    [0.0, 1.0, 90.0]
    """
    values = np.asarray(labels)
    if values.dtype.kind in "biuf":
        return values.astype(float)
    found: dict[object, float] = {}
    for label in dict.fromkeys(values.ravel().tolist()):  # each distinct label once
        match = _FIRST_INTEGER.match(str(label))
        found[label] = float(match.group(1)) if match else np.nan
    return np.array([found[label] for label in values.ravel().tolist()], dtype=float).reshape(values.shape)


def life_expectancy_rows(
    codes: IntArray,
    ngroups: int,
    ages: FloatArray,
    deaths: FloatArray,
    population: FloatArray,
    confidence: float | Sequence[float] = 0.95,
    *,
    age_contents: Sequence[int | str] = START_AGES,
    le_age: Sequence[float] | float | None = None,
) -> dict[str, AnyArray]:
    """Life expectancy per group at every start age, from one input row per group and age band, on arrays.

    ``codes``: each input row's group, 0 … ``ngroups`` − 1 numbered in the groups' key order; ``ages``:
    each row's band start age; ``deaths``, ``population``: float arrays. The rules are those of
    `life_expectancy_frame`, which calls this and says what the output rows are. Returns one array per
    output row: ``group`` (the row's group code), ``start_age`` (int64), ``value``, the limits per level,
    ``note`` (int8 codes into `NOTES`), ``pops_used`` and ``dths_used``; no pandas is needed.
    """
    levels = _levels(confidence)
    contents = band_start_ages(list(age_contents))
    if np.isnan(contents).any() or contents[0] != 0:
        raise ValueError("first age band in age_contents must be 0")
    out_of_place = contents != np.sort(contents)
    if out_of_place.any():
        bad = ", ".join(str(v) for v, o in zip(age_contents, out_of_place) if o)
        raise ValueError(
            f"age_contents doesn't appear to be in ascending order; the following age bands appear "
            f"out of position: {bad}"
        )
    if set(np.unique(ages[~np.isnan(ages)]).tolist()) != set(contents.tolist()) or np.isnan(ages).any():
        raise ValueError("the contents in the startage field do not match the contents of the age_contents vector")
    D_all, P_all = deaths, population

    step = codes[1:] - codes[:-1]
    already_sorted = bool(np.all((step > 0) | ((step == 0) & (ages[1:] > ages[:-1]))))
    if already_sorted:  # the usual layout: skip the sort and the copies it needs
        codes_s, ages_s, D_s, P_s = codes, ages, D_all, P_all
    else:
        order = np.lexsort((ages, codes))
        codes_s, ages_s, D_s, P_s = codes[order], ages[order], D_all[order], P_all[order]
    rows = np.bincount(codes_s, minlength=ngroups)
    complete = rows == NUMBER_OF_BANDS
    all_complete = bool(complete.all())
    nrows = len(codes_s)
    value_columns = ["value"] + [c for pair in ci_columns(levels) for c in pair]
    shape = (-1, NUMBER_OF_BANDS)
    caught = []
    reverse = slice(None, None, -1)  # sums over the bands at and above each age (R's cumsum: NA propagates)
    if all_complete:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LifeExpectancyWarning)
            computed = _life_expectancy(D_s.reshape(shape), P_s.reshape(shape), ages_s.reshape(shape), levels)
        results = {column: computed[column].ravel() for column in value_columns}
        notes = computed["note"].ravel()
        cumulative = np.stack(
            [np.cumsum(x.reshape(shape)[:, reverse], axis=1)[:, reverse].ravel() for x in (P_s, D_s)], axis=1
        )
    else:
        in_complete = complete[codes_s]
        results = {c: np.full(nrows, np.nan) for c in value_columns}
        notes = np.full(nrows, _CODE[NOTE_BANDS], dtype=np.int8)
        if complete.any():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", LifeExpectancyWarning)
                computed = _life_expectancy(
                    D_s[in_complete].reshape(shape),
                    P_s[in_complete].reshape(shape),
                    ages_s[in_complete].reshape(shape),
                    levels,
                )
            for column in value_columns:
                results[column][in_complete] = computed[column].ravel()
            notes[in_complete] = computed["note"].ravel()
        cumulative = np.stack([_cumulative_within(codes_s, x) for x in (P_s, D_s)], axis=1)
    messages = [str(w.message) for w in caught]
    if not all_complete:
        messages.insert(0, _WARNINGS[NOTE_BANDS])

    # order: computed groups (key order), then suppressed groups by rule and key, as R binds them
    first_row = np.concatenate(([0], np.cumsum(rows)[:-1]))
    has_rows = rows > 0
    first_note = notes[first_row[has_rows]]
    group_rank = np.zeros(ngroups, dtype=np.int8)
    group_rank[has_rows] = np.where(first_note <= len(_GROUP_RULES), first_note, 0)
    final = np.lexsort((ages_s, codes_s, group_rank[codes_s])) if group_rank.any() else None
    if le_age is not None:
        wanted = np.isin(ages_s, np.atleast_1d(np.asarray(le_age, dtype=float)))
        if wanted.any():
            final = np.flatnonzero(wanted) if final is None else final[wanted[final]]
        else:
            messages.append(
                "le_age not in the vector described by age_contents; all life expectancies will be returned"
            )
    for message in dict.fromkeys(messages):
        warnings.warn(message, LifeExpectancyWarning, stacklevel=3)

    def take(values: AnyArray) -> AnyArray:
        return values if final is None else values[final]

    out: dict[str, AnyArray] = {"group": take(codes_s), "start_age": take(ages_s).astype(np.int64)}
    for column in value_columns:
        out[column] = take(results[column])
    out["note"] = take(notes)
    out["pops_used"] = take(cumulative[:, 0])
    out["dths_used"] = take(cumulative[:, 1])
    return out


def _cumulative_within(codes: IntArray, values: FloatArray) -> FloatArray:
    """Sum of ``values`` over each row and the rows after it in its group (the rows of a group adjacent,
    in order), added from the group's last row up as R's cumsum adds (a missing value makes every sum
    above it missing): the groups are laid out as the rows of a zero-padded grid and summed along them."""
    backwards, groups = values[::-1], codes[::-1]
    starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
    lengths = np.diff(np.append(starts, len(groups)))
    run = np.repeat(np.arange(len(starts)), lengths)
    position = np.arange(len(groups)) - starts[run]
    grid = np.zeros((len(starts), int(lengths.max(initial=0))))
    grid[run, position] = backwards
    total: FloatArray = np.cumsum(grid, axis=1)[run, position][::-1]
    return total


def life_expectancy_statistics(
    start_ages: AnyArray, age_contents: Sequence[int | str] = START_AGES
) -> tuple[IntArray, list[str]]:
    """The ``statistic`` text of each output row ("life expectancy at <start age>") as (codes, labels)."""
    distinct = np.unique(band_start_ages(list(age_contents))).astype(np.int64)
    return np.searchsorted(distinct, start_ages), [f"life expectancy at {a}" for a in distinct]


def life_expectancy_frame(
    df: pd.DataFrame,
    group_by: Sequence[str] = (),
    confidence: float | Sequence[float] = 0.95,
    *,
    age_band: str = "age_band",
    deaths: str = "deaths",
    population: str = "population",
    age_contents: Sequence[int | str] = START_AGES,
    le_age: Sequence[float] | float | None = None,
) -> pd.DataFrame:
    """Life expectancy per group at every start age, from one row per group and age band.

    Input columns: ``age_band`` (the band's start age 0, 1, 5, …, 90, or a label whose first integer is
    the start age, e.g. "1-4", "90+"), ``deaths`` and ``population``; rows are sorted by start age
    within each group. ``age_contents`` lists the expected bands in ascending order (first must be 0;
    the set of start ages in the data must equal it). ``le_age`` keeps only those start ages (all rows,
    with a warning, when none match). ``confidence``: one or more levels.
    Output, one row per group and start age: the group columns, ``start_age``, ``value``, ``lower_ci``,
    ``upper_ci`` (further levels as ``lower_ci_998``, ``upper_ci_998``, …), ``note`` (why the value is
    missing, empty otherwise), ``pops_used`` and ``dths_used`` (population and deaths summed over the
    bands at and above this age), ``confidence`` ("95%", or "95%, 99.8%"), ``statistic`` ("life
    expectancy at <start age>") and ``method``; the text columns are pandas categoricals. Groups are in
    key order; suppressed groups follow the computed ones (by rule, then key), as in the R package. A
    group without exactly 20 rows is suppressed with its own rows.

    Method, CI, suppression rules and references: see `life_expectancy` and `_chiang_life_table`.
    Reproduces PHEindicatormethods 2.1.0 `phe_life_expectancy` (methods.md §6).
    """
    import pandas as pd

    from pipeline.methods.counts import _as_list, _group_codes, _numeric, _require_columns

    group_by = _as_list(group_by)
    _require_columns(df, [age_band, deaths, population, *group_by], "life expectancy")
    levels = _levels(confidence)
    labels, bands = pd.factorize(df[age_band], use_na_sentinel=False)  # a handful of distinct labels
    ages = band_start_ages(pd.Series(bands, dtype=bands.dtype).to_numpy())[labels]
    D_all = _numeric(df, deaths, "life expectancy")
    P_all = _numeric(df, population, "life expectancy")
    codes, keys = _group_codes(df, group_by)
    rows = life_expectancy_rows(codes, len(keys), ages, D_all, P_all, levels, age_contents=age_contents, le_age=le_age)
    start, group = rows["start_age"], rows.pop("group")
    out = keys.iloc[group].reset_index(drop=True) if group_by else pd.DataFrame(index=range(len(start)))
    for column, values in rows.items():
        out[column] = values
    out["note"] = pd.Categorical.from_codes(rows["note"], categories=pd.Index(NOTES, dtype=object))
    repeated = np.zeros(len(start), dtype=np.int8)
    # pandas-stubs accept only an Index as categories; a list is what pandas documents and what this has always passed
    out["confidence"] = pd.Categorical.from_codes(repeated, categories=[levels_text(levels)])  # type: ignore[call-overload]
    statistic, statistics = life_expectancy_statistics(start, age_contents)
    out["statistic"] = pd.Categorical.from_codes(statistic, categories=statistics)  # type: ignore[call-overload]
    out["method"] = pd.Categorical.from_codes(repeated, categories=[METHOD])  # type: ignore[call-overload]
    return out
