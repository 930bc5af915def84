-- int_ward_value__ranged: the best and the worst of the borough's wards and the range gap between them,
-- per indicator × sex × category × period.
-- category: 'All' (the whole population) or a community breakdown ('Ethnic groups: Asian'), ranged on
-- that breakdown's own ward values.
--
-- Wards: the borough's wards of the indicator's ward vintage (int_ward_deprivation, in_borough) with their
-- values as published (int_indicator_value__configured, after the disclosure rule); suppressed values
-- (NULL) are left out of the range, and wards_with_value says how many wards it rests on.
-- Orientation: s = polarity_sign (+1 higher-is-better, −1 lower-is-better, from fsot.toml), so that the
-- range gap is never negative and the best ward is the one with the highest s·value.
-- Range gap: best ward minus worst ward on the oriented scale,
--     range_gap = s · (best_value − worst_value) ≥ 0,
--     best = the ward with the highest s·value, worst = the lowest (ties: lower ward code first).
-- The two wards' published 95 % limits are kept for the range gap's confidence interval (fct_gap_measure).
-- Reference: a descriptive difference between the two extreme wards, defined here in full; its
-- confidence interval and the reason it understates the uncertainty are in fct_gap_measure.
-- Read by fct_gap_measure (the range_gap measure) and fct_gap (its best and worst ward and range gap).
with ward as (
    select
        val.indicator_id,
        val.sex,
        val.category,
        val.period,
        val.period_sort,
        val.is_baseline,
        dep.ward_code,
        dep.ward_name,
        val.value,
        val.lower_ci,
        val.upper_ci,
        cfg.polarity_sign,
        val.value * cfg.polarity_sign as oriented_value
    from intermediate.int_indicator_value__configured as val
    inner join intermediate.int_ward_deprivation as dep
        on dep.ward_vintage = val.ward_vintage and dep.ward_code = val.area_code
    inner join config.indicator as cfg on cfg.indicator_id = val.indicator_id
    where dep.in_borough
),

extremes as (
    select
        indicator_id,
        sex,
        category,
        period,
        min(period_sort) as period_sort,
        bool_or(is_baseline) as is_baseline,
        min(polarity_sign) as polarity_sign,
        count(*) as wards,
        count(value) as wards_with_value,
        first(ward_code order by oriented_value desc, ward_code) filter (where value is not null) as best_ward_code,
        first(ward_name order by oriented_value desc, ward_code) filter (where value is not null) as best_ward_name,
        first(value order by oriented_value desc, ward_code) filter (where value is not null) as best_value,
        first(lower_ci order by oriented_value desc, ward_code) filter (where value is not null) as best_lower_ci,
        first(upper_ci order by oriented_value desc, ward_code) filter (where value is not null) as best_upper_ci,
        first(ward_code order by oriented_value asc, ward_code) filter (where value is not null) as worst_ward_code,
        first(ward_name order by oriented_value asc, ward_code) filter (where value is not null) as worst_ward_name,
        first(value order by oriented_value asc, ward_code) filter (where value is not null) as worst_value,
        first(lower_ci order by oriented_value asc, ward_code) filter (where value is not null) as worst_lower_ci,
        first(upper_ci order by oriented_value asc, ward_code) filter (where value is not null) as worst_upper_ci
    from ward
    group by indicator_id, sex, category, period
)

select
    indicator_id,
    sex,
    category,
    period,
    period_sort,
    is_baseline,
    wards,
    wards_with_value,
    best_ward_code,
    best_ward_name,
    best_value,
    best_lower_ci,
    best_upper_ci,
    worst_ward_code,
    worst_ward_name,
    worst_value,
    worst_lower_ci,
    worst_upper_ci,
    polarity_sign * (best_value - worst_value) as range_gap
from extremes
order by indicator_id, sex, category, period_sort
