"""Models that compute statistics SQL cannot express cleanly; the runner builds them in dependency
order with the SQL models (each reads warehouse tables and returns one DataFrame).

Each is registered in PYTHON_MODELS, the Python models of the project's own sql/ folder, by the
decorator `PYTHON_MODELS.register(relation, depends_on=..., methods=...)`: what it reads and the
pipeline.methods functions it runs are declared there (the methods appendix lists them), and its
docstring is its definition in the methods appendix."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pipeline.methods.proportion import proportion
from pipeline.methods.slope_index import phe_sii
from pipeline.methods.trend import POINTS, proportion_trend, trend_label, weighted_trend
from pipeline.warehouse.registry import PythonModels

PYTHON_MODELS = PythonModels()


@PYTHON_MODELS.register(
    "marts.fct_trend",
    depends_on=[
        "intermediate.int_indicator_value__configured",
        "intermediate.int_ward_deprivation",
        "marts.fct_gap_measure",
    ],
    methods=[proportion_trend, trend_label, weighted_trend],
)
def fct_trend(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """fct_trend: the Fingertips recent trend of every series of values and of gaps.

    Series: each borough ward, the borough and England for every indicator, sex and category
    (int_indicator_value__configured; category 'All' = the whole population, otherwise a community
    breakdown), and every gap measure of fct_gap_measure (absolute, relative and range gap, SII, RII;
    series = the measure, subject = the deprivation grouping). The last five points of each series are
    tested (pipeline.methods.trend): the chi-squared test for trend when the indicator is a proportion
    (unit %) with counts and denominators, the weighted regression on the 95 % limits otherwise (for
    the ratios, relative gap and RII, on the log scale, where their limits are symmetric); 99.8 %
    level with the leave-one-out direction check. Labels are
    polarity-aware; for gaps an increase is "worsening" (the gap widens). Fingertips tests only
    independent periods, so series of overlapping periods (period range over one year, e.g. 5-year
    pooled life expectancy) are "cannot be calculated".
    Window: a gap series is tested on its periods from the indicator's baseline period (fsot.toml
    `baseline_period`) on, at most the last five, so that its trend describes the same years as the
    change since baseline (fct_gap_change) and the target status (fct_target_progress); with fewer than
    five periods since the baseline it is "cannot be calculated" (trend_window = 'since baseline'). A gap
    series with no value at the baseline period, and every series of values, take the last five
    periods (trend_window = 'last five periods', the Fingertips recent trend).
    """
    values = con.execute("""
        select v.indicator_id, v.sex, v.category, 'value' as series, v.area_code as subject,
               coalesce(v.area_name, v.area_code) as subject_name, v.period, v.period_sort, v.period_range, v.value,
               v.lower_ci, v.upper_ci,
               v."count", v.denominator, v.unit = '%' as is_proportion, v.polarity_sign = 1 as higher_is_better,
               false as is_ratio
        from intermediate.int_indicator_value__configured as v
        left join intermediate.int_ward_deprivation as w
            on w.ward_vintage = v.ward_vintage and w.ward_code = v.area_code
        where w.in_borough or v.area_code in (getvariable('local_authority_code'), getvariable('england_code'))
    """).df()
    gaps = con.execute("""
        select g.indicator_id, g.sex, g.category, replace(g.measure, '_', ' ') as series, g.grouping as subject,
               g.group_compared || ' vs ' || g.group_reference as subject_name, g.period, v.period_sort,
               v.period_range,
               case when g.measure in ('relative_gap', 'rii') then ln(g.value) else g.value end as value,
               case when g.measure in ('relative_gap', 'rii') then ln(g.lower_ci) else g.lower_ci end as lower_ci,
               case when g.measure in ('relative_gap', 'rii') then ln(g.upper_ci) else g.upper_ci end as upper_ci,
               null::double as "count", null::double as denominator, false as is_proportion,
               false as higher_is_better, g.measure in ('relative_gap', 'rii') as is_ratio
        from marts.fct_gap_measure as g
        inner join (select distinct indicator_id, sex, category, period, period_sort, period_range
                    from intermediate.int_indicator_value__configured) as v using (indicator_id, sex, category, period)
        left join (select indicator_id, sex, category, measure, grouping, min(v.period_sort) as baseline_sort
                   from marts.fct_gap_measure as b
                   inner join (select distinct indicator_id, sex, category, period, period_sort
                               from intermediate.int_indicator_value__configured) as v
                       using (indicator_id, sex, category, period)
                   where b.is_baseline
                   group by all) as base using (indicator_id, sex, category, measure, grouping)
        where base.baseline_sort is null or v.period_sort >= base.baseline_sort
    """).df()
    since_baseline = set(
        map(
            tuple,
            con.execute("""
        select distinct indicator_id, sex, category, replace(measure, '_', ' '), grouping
        from marts.fct_gap_measure where is_baseline
    """).fetchall(),
        )
    )
    series = pd.concat([values, gaps], ignore_index=True).sort_values(
        ["indicator_id", "sex", "category", "series", "subject", "period_sort"], kind="stable"
    )
    keys = ["indicator_id", "sex", "category", "series", "subject"]
    last = series.groupby(keys, sort=True).tail(POINTS).copy()
    last["position"] = last.groupby(keys).cumcount() + (POINTS - last.groupby(keys)["period"].transform("size"))
    last["overlapping"] = last["period_range"].fillna("1y") != "1y"  # a period longer than a year
    frame = last.pivot_table(
        index=keys,
        columns="position",
        values=["value", "lower_ci", "upper_ci", "count", "denominator"],
        aggfunc="first",
        dropna=False,
    )
    meta = last.groupby(keys).agg(
        subject_name=("subject_name", "first"),
        first_period=("period", "first"),
        last_period=("period", "last"),
        points=("period", "size"),
        is_proportion=("is_proportion", "first"),
        higher_is_better=("higher_is_better", "first"),
        is_ratio=("is_ratio", "first"),
        overlapping=("overlapping", "any"),
    )

    def block(name: str) -> np.ndarray:
        out = np.full((len(meta), POINTS), np.nan)
        if name in frame.columns.get_level_values(0):
            part = frame[name].reindex(meta.index)
            for position in part.columns:
                out[:, int(position)] = part[position].to_numpy(dtype=float)
        return out

    value, lower, upper, count, denominator = (
        block(n) for n in ("value", "lower_ci", "upper_ci", "count", "denominator")
    )
    by_proportion = (
        meta["is_proportion"].to_numpy() & np.isfinite(count).all(axis=1) & np.isfinite(denominator).all(axis=1)
    )
    proportion = proportion_trend(count, denominator)
    weighted = weighted_trend(value, lower, upper)
    chosen = {k: np.where(by_proportion, proportion[k], weighted[k]) for k in ("chi2", "slope_sign", "stable", "valid")}
    chosen["valid"] = chosen["valid"] & ~meta["overlapping"].to_numpy()
    label, reason = trend_label(chosen, meta["higher_is_better"].to_numpy())
    windowed = np.array([key in since_baseline for key in meta.index], dtype=bool)
    baseline = con.execute("select indicator_id, baseline_period from config.indicator").df()
    baseline_of = dict(zip(baseline["indicator_id"], baseline["baseline_period"]))
    short = windowed & (meta["points"].to_numpy() < POINTS)
    reason = np.where(
        short,
        [
            f"only {n} period(s) from the baseline {baseline_of.get(k[0])} on (five are needed)"
            for k, n in zip(meta.index, meta["points"])
        ],
        reason,
    )
    reason = np.where(
        meta["overlapping"].to_numpy(), "periods overlap (rolling multi-year periods are not tested)", reason
    )
    out = meta.reset_index()
    out["trend_window"] = np.where(windowed, "since baseline", "last five periods")
    out["baseline_period"] = out["indicator_id"].map(baseline_of)
    out["method"] = np.where(
        by_proportion,
        "chi-squared test for trend (proportion)",
        np.where(
            out["is_ratio"],
            "inverse-variance weighted regression on the log of the ratio and its 95% limits",
            "inverse-variance weighted regression on the 95% limits",
        ),
    )
    out["slope_per_period"] = np.where(by_proportion, np.nan, weighted["slope"])
    out["chi_squared"] = chosen["chi2"]
    out["trend"] = label
    out["reason"] = reason
    out["confidence"] = "99.8%"
    basis = con.execute("select indicator_id, ward_vintage, imd_edition, population_weights from config.indicator").df()
    out = out.merge(basis, on="indicator_id", how="left")
    return out[
        [
            "indicator_id",
            "ward_vintage",
            "imd_edition",
            "population_weights",
            "sex",
            "category",
            "series",
            "subject",
            "subject_name",
            "trend_window",
            "baseline_period",
            "first_period",
            "last_period",
            "points",
            "method",
            "slope_per_period",
            "chi_squared",
            "trend",
            "reason",
            "confidence",
        ]
    ]


@PYTHON_MODELS.register(
    "intermediate.int_slope_index", depends_on=["intermediate.int_deprivation_group"], methods=[phe_sii]
)
def int_slope_index(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """int_slope_index: slope and relative index of inequality (SII, RII) across the borough's
    deprivation groups, per indicator × sex × category × period × grouping (local/national quintiles
    and deciles); category 'All' is the whole population, any other a community breakdown.

    Input: int_deprivation_group — each group's population, population-weighted mean and standard
    error (from the wards' published limits). Method: PHEindicatormethods `phe_sii` with value_type 0
    and the groups' standard errors (pipeline.methods.slope_index.phe_sii): weighted regression of the
    group means on the midpoints of the cumulative population ranks (Low & Low 2004), 95 % limits by
    simulation with the repetitions and seed of fsot.toml [framework] (reproducible).
    Orientation: multiplier = polarity sign, so a positive SII, and an RII above 1, always mean the most
    deprived are worse off (for lower-is-better indicators the package inverts the RII when m < 0).
    A grouping with a group that has no value, or a group mean without a standard error, gets no
    SII (the row is kept with a note). Where the fitted line reaches zero at one end of the scale the
    RII (a ratio of the line's two ends) has no meaning and is left empty with a note.
    """
    groups = con.execute("""
        select g.*, cfg.polarity_sign
        from intermediate.int_deprivation_group as g
        inner join config.indicator as cfg using (indicator_id)
        order by indicator_id, sex, category, period, grouping, deprivation_group
    """).df()
    repetitions = int(con.execute("select getvariable('sii_repetitions')").fetchall()[0][0])
    seed = int(con.execute("select getvariable('sii_seed')").fetchall()[0][0])
    keys = ["indicator_id", "sex", "category", "period", "grouping"]
    groups["has_standard_error"] = groups["standard_error"].notna()
    summary = groups.groupby(keys, sort=True).agg(
        groups=("deprivation_group", "size"),
        expected=("groups_in_grouping", "first"),
        complete_se=("has_standard_error", "all"),
        polarity_sign=("polarity_sign", "first"),
    )
    summary["complete_se"] = summary["complete_se"].astype(bool)  # an empty frame's aggregate is not boolean
    summary["complete"] = (summary["groups"] == summary["expected"]) & summary["complete_se"]
    out = summary.reset_index()[keys + ["polarity_sign"]]
    columns = ("sii", "sii_lower_ci", "sii_upper_ci", "rii", "rii_lower_ci", "rii_upper_ci", "intercept")
    for column in columns:
        out[column] = np.nan
    out["note"] = np.where(
        summary["groups"].to_numpy() < summary["expected"].to_numpy(),
        "a deprivation group has no borough ward with a value",
        np.where(~summary["complete_se"].to_numpy(), "a group mean has no standard error", None),
    )
    complete = summary[summary["complete"]]
    # One simulation call per category (then per polarity and group count): a series' simulated limits
    # depend on its place among the series of its call, so a community breakdown never changes the
    # limits of the whole population ('All') or of another breakdown.
    for category in sorted(complete.index.get_level_values("category").unique()):
        in_category = complete[complete.index.get_level_values("category") == category]
        for sign in (1, -1):
            chosen = in_category[in_category["polarity_sign"] == sign]
            for size in sorted(chosen["expected"].unique()):
                subset = chosen[chosen["expected"] == size]
                if subset.empty:
                    continue
                rows = groups.set_index(keys).loc[subset.index].reset_index()
                shape = (len(subset), int(size))
                result = phe_sii(
                    population=rows["population"].to_numpy().reshape(shape),
                    value=rows["mean"].to_numpy().reshape(shape),
                    se=rows["standard_error"].to_numpy().reshape(shape),
                    value_type=0,
                    multiplier=sign,
                    repetitions=repetitions,
                    rii=True,
                    intercept=True,
                    seed=seed,
                )
                position = out.set_index(keys).index.get_indexer(subset.index)
                for column in columns:
                    out.loc[position, column] = result[column]
    crosses_zero = (out["rii"] <= 0) | (out["rii_lower_ci"] <= 0)
    out.loc[crosses_zero, ["rii", "rii_lower_ci", "rii_upper_ci"]] = np.nan
    out.loc[crosses_zero, "note"] = (
        "RII not reported: the fitted line reaches zero at one end of the deprivation "
        "scale, so the ratio of its ends has no meaning; use the SII"
    )
    out["method"] = (
        f"slope index of inequality (phe_sii, value type 0), 95% CI by simulation, {repetitions} repetitions"
    )
    return out.drop(columns="polarity_sign")


@PYTHON_MODELS.register(
    "intermediate.int_indicator_value__from_counts",
    depends_on=["staging.stg_counts__area", "staging.stg_ons__lsoa_ward", "intermediate.int_ward_deprivation"],
    methods=[proportion],
)
def int_indicator_value__from_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """int_indicator_value__from_counts: ward and borough values of the indicators made from counts by
    LSOA (sources of format area_counts, e.g. Census 2021 tables), one row per indicator × area.

    Aggregation: for each LSOA, x_l = the sum of its counts in the indicator's numerator categories
    (fsot.toml `numerator`) and n_l = its total: the count of the source's `total_category` where the file
    gives the total as a category row (Nomis Census tables), else the file's denominator column, else the
    sum of its counts over all categories. Through the lookup of the indicator's ward vintage (LSOAs of the same
    vintage: the build checks this before any model runs), a ward's count and denominator are the sums over its
    LSOAs, X_w = Σ x_l and N_w = Σ n_l, and the borough's the sums over all its wards' LSOAs.
    Value: the percentage X / N × 100 with its Wilson score 95 % limits (pipeline.methods.proportion,
    PHEindicatormethods `phe_proportion`; Wilson 1927, Newcombe & Altman 2000). Period: the source's
    `period` (e.g. 2021); sex "Persons"; category "All". A denominator of 0 gives no value, with a note.
    """
    frame = con.execute("""
        with lsoa as (
            select
                cfg.indicator_id, cfg.ward_vintage, cfg.counts_period, c._source, min(c._file) as _file, c.area_code,
                sum(c."count") filter (where n.category is not null) as numerator,
                coalesce(max(c."count") filter (where c.category = cfg.counts_total_category), max(c.denominator),
                         sum(c."count")) as denominator
            from config.indicator as cfg
            inner join staging.stg_counts__area as c on c._source = cfg.source
            left join config.indicator_numerator as n on n.indicator_id = cfg.indicator_id and n.category = c.category
            group by cfg.indicator_id, cfg.ward_vintage, cfg.counts_period, c._source, c.area_code
        ),

        placed as (
            select lsoa.*, lookup.ward_code, dep.ward_name, dep.in_borough, dep.la_code, dep.la_name
            from lsoa
            inner join config.ward_vintage as v on v.ward_vintage = lsoa.ward_vintage
            inner join staging.stg_ons__lsoa_ward as lookup
                on lookup._source = v.lookup_source and lookup.lsoa_code = lsoa.area_code
            inner join intermediate.int_ward_deprivation as dep
                on dep.ward_vintage = lsoa.ward_vintage and dep.ward_code = lookup.ward_code
        )

        select indicator_id, counts_period as period, ward_code as area_code, ward_name as area_name,
            'Ward' as area_type,
            sum(coalesce(numerator, 0)) as "count", sum(denominator) as denominator, _source, min(_file) as _file
        from placed
        group by indicator_id, counts_period, ward_code, ward_name, _source
        union all
        select indicator_id, counts_period, la_code, min(la_name), 'Local authority',
            sum(coalesce(numerator, 0)), sum(denominator), _source, min(_file)
        from placed
        where in_borough
        group by indicator_id, counts_period, la_code, _source
        order by 1, 2, 3
    """).df()
    positive = frame["denominator"].to_numpy(dtype=float) > 0
    value = np.full(len(frame), np.nan)
    lower, upper = value.copy(), value.copy()
    if positive.any():
        result = proportion(
            frame["count"].to_numpy(dtype=float)[positive],
            frame["denominator"].to_numpy(dtype=float)[positive],
            confidence=0.95,
            multiplier=100,
        )
        value[positive], lower[positive], upper[positive] = result["value"], result["lower_ci"], result["upper_ci"]
    frame["value"], frame["lower_ci"], frame["upper_ci"] = value, lower, upper
    frame["value_note"] = pd.Series(np.where(positive, None, "no value: the areas' denominators sum to 0"), dtype="str")
    frame["sex"] = "Persons"
    frame["category"] = "All"
    frame["period_sort"] = pd.to_numeric(frame["period"].str.extract(r"(\d{4})")[0], errors="coerce") * 10000
    frame["period_range"] = pd.Series([None] * len(frame), dtype="str")
    frame["_line"] = pd.Series([None] * len(frame), dtype="Int64")
    return frame[
        [
            "indicator_id",
            "sex",
            "category",
            "period",
            "period_sort",
            "period_range",
            "area_code",
            "area_name",
            "area_type",
            "value",
            "lower_ci",
            "upper_ci",
            "count",
            "denominator",
            "value_note",
            "_source",
            "_file",
            "_line",
        ]
    ].astype({"period_sort": "Int64"})
