-- fct_target_trajectory: the path from each target's baseline to its 2031 target, year by year.
-- one row per target (fsot.toml [[indicators]] targets; target_id = indicator id-position) × sex × year, baseline year to target year.
-- category: targets are set on the whole population only, so it is always 'All'. A target cannot name a
-- community breakdown yet (that would need a category in fsot.toml's targets and config.indicator_target;
-- the join below is where it would replace 'All').
--
-- Subject of a target: the borough's own value (measure = 'value', grouping = 'borough') or one of its
-- gap measures in marts.fct_gap_measure (absolute_gap, relative_gap, range_gap, sii, rii).
-- B = the subject at the indicator's baseline period; y_0 = period_end_year(baseline period)
--     (sql/macros/period_end_year.sql: "2015 - 19" → 2019, "2020/21" → 2021); Y = target year
--     (fsot.toml [framework] target_year).
-- Target level: T = target_value, or T = B · (1 − reduction).
-- Expected value in year y, with f = (y − y_0) / (Y − y_0):
--     linear:        E_y = B + (T − B) · f       (equal steps each year)
--     proportional:  E_y = B · (T / B) ^ f       (the same percentage change each year; needs B > 0, T > 0)
-- Reference: no OHID/Fingertips standard defines target trajectories; these two shapes are fsot's
-- definitions, stated here in full.
with baseline as (
    select indicator_id, sex, category, 'value' as measure, 'borough' as grouping, period, value
    from intermediate.int_indicator_value__configured
    where area_code = getvariable('local_authority_code') and is_baseline
    union all
    select indicator_id, sex, category, measure, grouping, period, value
    from marts.fct_gap_measure
    where is_baseline
),

target as (
    select
        t.target_id, t.indicator_id, t.sex, b.category, t.measure, t.grouping, t.shape, b.period as baseline_period,
        period_end_year(b.period) as baseline_year, b.value as baseline_value,
        coalesce(t.target_value, b.value * (1 - t.reduction)) as target_value,
        getvariable('target_year') as target_year
    from config.indicator_target as t
    inner join baseline as b on b.indicator_id = t.indicator_id and b.sex = t.sex and b.category = 'All'
        and b.measure = t.measure and b.grouping = t.grouping
),

path as (
    select target.*, y.year, (y.year - baseline_year) / (target_year - baseline_year) as fraction
    from target
    inner join range(1900, 2201) as y(year) on y.year between baseline_year and target_year
)

select
    path.target_id,
    path.indicator_id,
    cfg.ward_vintage,
    cfg.imd_edition,
    cfg.population_weights,
    path.sex,
    category,
    measure,
    grouping,
    shape,
    path.baseline_period,
    baseline_year,
    baseline_value,
    target_year,
    target_value,
    cast(year as integer) as year,
    fraction as trajectory_fraction,
    case
        when shape = 'linear' then baseline_value + (target_value - baseline_value) * fraction
        when shape = 'proportional' and baseline_value > 0 and target_value > 0
            then baseline_value * power(target_value / baseline_value, fraction)
    end as expected_value
from path
inner join config.indicator as cfg using (indicator_id)
order by target_id, sex, year
