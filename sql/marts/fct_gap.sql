-- fct_gap: the gap between the borough's deprived and affluent wards, per indicator × sex × category × period.
-- category: 'All' (the whole population) or a community breakdown ('Ethnic groups: Asian'), whose gap
-- rests on that breakdown's own ward values (and its own borough and England values).
--
-- Each figure is read from the model named beside it, where it is computed (only the change since
-- baseline is computed here); the formulas are repeated so that a row can be read on its own.
-- Orientation: s = polarity_sign (+1 higher-is-better, −1 lower-is-better, from fsot.toml), so that a
-- positive gap always means "deprived wards are worse off".
-- Range gap (intermediate.int_ward_value__ranged): best ward minus worst ward on the oriented scale,
--     range_gap = s · (best_value − worst_value) ≥ 0,
--     best = the ward with the highest s·value, worst = the lowest (ties: lower ward code first).
-- Quintile means (intermediate.int_deprivation_group, grouping local_quintile): population-weighted mean
-- of the wards in a local deprivation quintile,
--     mean_q = Σ_w P_w · v_w / Σ_w P_w   over wards w of quintile q with a published value,
--     P_w = ward population (IoD denominators, int_ward_deprivation). Quintile 1 = most deprived.
-- Absolute gap (fct_gap_measure, measure absolute_gap, grouping local_quintile):
--     s · (mean_least − mean_most)             (same unit as the indicator)
-- Relative gap (fct_gap_measure, measure relative_gap): mean_least / mean_most if higher-is-better,
--     mean_most / mean_least if lower-is-better (a ratio; > 1 means deprived wards are worse off).
-- Change since baseline: absolute_gap − absolute_gap at the indicator's baseline period (fsot.toml).
-- SII (fct_gap_measure, measure sii, local quintiles; from intermediate.int_slope_index, phe_sii) with its
-- simulated 95 % limits, and the fitted line's intercept (int_slope_index), for the charts; every other
-- grouping is in fct_gap_measure.
-- Suppressed ward values (NULL) are left out of every mean, count and range; *_wards_with_value say
-- how many wards each figure rests on. Confidence intervals of every gap measure are in fct_gap_measure.
-- Reference: descriptive differences of group means and of the extreme wards, defined above in full;
-- their confidence intervals, methods and references are in fct_gap_measure.
with quintile as (
    select
        indicator_id,
        sex,
        category,
        period,
        max(wards_with_value) filter (where deprivation_group = 1) as most_deprived_wards_with_value,
        max(mean) filter (where deprivation_group = 1) as most_deprived_mean,
        max(wards_with_value) filter (where deprivation_group = groups_in_grouping) as least_deprived_wards_with_value,
        max(mean) filter (where deprivation_group = groups_in_grouping) as least_deprived_mean
    from intermediate.int_deprivation_group
    where grouping = 'local_quintile'
    group by indicator_id, sex, category, period
),

measure as (
    select
        indicator_id,
        sex,
        category,
        period,
        max(value) filter (where measure = 'absolute_gap') as absolute_gap,
        max(value) filter (where measure = 'relative_gap') as relative_gap,
        max(value) filter (where measure = 'sii') as sii,
        max(lower_ci) filter (where measure = 'sii') as sii_lower_ci,
        max(upper_ci) filter (where measure = 'sii') as sii_upper_ci
    from marts.fct_gap_measure
    where grouping = 'local_quintile'
    group by indicator_id, sex, category, period
),

area_value as (
    select indicator_id, sex, category, period, area_code, value
    from intermediate.int_indicator_value__configured
    where area_code in (getvariable('local_authority_code'), getvariable('england_code'))
),

gap as (
    select
        r.*,
        coalesce(q.most_deprived_wards_with_value, 0) as most_deprived_wards_with_value,
        q.most_deprived_mean,
        coalesce(q.least_deprived_wards_with_value, 0) as least_deprived_wards_with_value,
        q.least_deprived_mean,
        m.absolute_gap,
        m.relative_gap,
        m.sii,
        m.sii_lower_ci,
        m.sii_upper_ci
    from intermediate.int_ward_value__ranged as r
    left join quintile as q using (indicator_id, sex, category, period)
    left join measure as m using (indicator_id, sex, category, period)
)

select
    gap.indicator_id,
    cfg.indicator_name,
    cfg.theme,
    cfg.unit,
    cfg.polarity,
    cfg.ward_vintage,
    cfg.imd_edition,
    cfg.population_weights,
    gap.sex,
    gap.category,
    gap.period,
    gap.period_sort,
    gap.is_baseline,
    gap.wards,
    gap.wards_with_value,
    gap.best_ward_code,
    gap.best_ward_name,
    gap.best_value,
    gap.worst_ward_code,
    gap.worst_ward_name,
    gap.worst_value,
    gap.range_gap,
    gap.most_deprived_wards_with_value,
    gap.most_deprived_mean,
    gap.least_deprived_wards_with_value,
    gap.least_deprived_mean,
    gap.absolute_gap,
    gap.relative_gap,
    gap.absolute_gap - max(gap.absolute_gap) filter (where gap.is_baseline)
        over (partition by gap.indicator_id, gap.sex, gap.category) as absolute_gap_change_since_baseline,
    gap.sii,
    gap.sii_lower_ci,
    gap.sii_upper_ci,
    slope.intercept as sii_intercept,
    borough.value as borough_value,
    england.value as england_value
from gap
inner join config.indicator as cfg on cfg.indicator_id = gap.indicator_id
left join intermediate.int_slope_index as slope
    on slope.indicator_id = gap.indicator_id and slope.sex = gap.sex and slope.category = gap.category
    and slope.period = gap.period
    and slope.grouping = 'local_quintile'
left join area_value as borough
    on borough.indicator_id = gap.indicator_id and borough.sex = gap.sex and borough.category = gap.category
    and borough.period = gap.period
    and borough.area_code = getvariable('local_authority_code')
left join area_value as england
    on england.indicator_id = gap.indicator_id and england.sex = gap.sex and england.category = gap.category
    and england.period = gap.period
    and england.area_code = getvariable('england_code')
order by cfg.sort_order, gap.sex, gap.category, gap.period_sort
