-- fct_gap_measure: every gap measure with its 95 % confidence interval, tidy:
-- one row per indicator × sex × category × period × measure × deprivation grouping.
--
-- category: 'All' = the whole population, otherwise a community breakdown (e.g. 'Ethnic groups: Asian'),
-- measured in the same way on its own wards' values.
--
-- s = polarity_sign (+1 higher-is-better, −1 lower-is-better): positive absolute gaps and relative
-- gaps above 1 always mean "the most deprived group is worse off".
-- Groups compared: the most deprived group (1) and the least deprived (5 for quintiles, 10 for
-- deciles) of each grouping in int_deprivation_group (local or national deprivation ranks).
--
-- absolute_gap = s · (m_least − m_most)
--     95 % CI: absolute_gap ∓ 1.959963984540054 · √(SE_least² + SE_most²)
--     (difference of two independent estimates, normal approximation; Altman DG et al. (2000),
--     Statistics with Confidence, 2nd ed., ch. 6)
-- relative_gap = m_least / m_most if higher-is-better, m_most / m_least if lower-is-better
--     95 % CI on the log scale: exp(ln r ∓ 1.959963984540054 · √((SE_least/m_least)² + (SE_most/m_most)²))
--     (delta method for a ratio of independent estimates; Altman et al. 2000, ch. 7)
-- range_gap: best ward − worst ward on the oriented scale (intermediate.int_ward_value__ranged), 95 % CI
--     from the two wards' published limits: range ∓ 1.959963984540054 · √(SE_best² + SE_worst²). The two
--     wards are picked because they are the extremes, so this interval understates the uncertainty (said in
--     `method`).
-- sii, rii: slope and relative index of inequality across all the groups of the grouping, with
--     simulated 95 % limits (intermediate.int_slope_index, PHEindicatormethods phe_sii; Low & Low 2004).
-- A group with no ward with a value leaves the measure NULL; `note` says which group was missing.
with ends as (
    select
        indicator_id,
        sex,
        category,
        period,
        grouping,
        max(mean) filter (where deprivation_group = 1) as most_mean,
        max(standard_error) filter (where deprivation_group = 1) as most_se,
        max(wards_with_value) filter (where deprivation_group = 1) as most_wards,
        max(mean) filter (where deprivation_group = groups_in_grouping) as least_mean,
        max(standard_error) filter (where deprivation_group = groups_in_grouping) as least_se,
        max(wards_with_value) filter (where deprivation_group = groups_in_grouping) as least_wards,
        max(groups_in_grouping) as groups_in_grouping
    from intermediate.int_deprivation_group
    group by indicator_id, sex, category, period, grouping
),

oriented as (
    select
        ends.*,
        cfg.polarity_sign,
        cfg.polarity_sign * (least_mean - most_mean) as absolute_gap,
        sqrt(least_se ^ 2 + most_se ^ 2) as absolute_se,
        case when cfg.polarity_sign = 1 then least_mean / nullif(most_mean, 0)
             else most_mean / nullif(least_mean, 0) end as relative_gap,
        sqrt((least_se / nullif(least_mean, 0)) ^ 2 + (most_se / nullif(most_mean, 0)) ^ 2) as log_ratio_se
    from ends
    inner join config.indicator as cfg on cfg.indicator_id = ends.indicator_id
),

measures as (
    select
        indicator_id, sex, category, period, grouping, 'absolute_gap' as measure,
        absolute_gap as value,
        absolute_gap - z95() * absolute_se as lower_ci,
        absolute_gap + z95() * absolute_se as upper_ci,
        'difference of population-weighted group means; 95% CI: normal approximation from the groups'' standard errors'
            as method,
        most_wards, least_wards, groups_in_grouping
    from oriented
    union all
    select
        indicator_id, sex, category, period, grouping, 'relative_gap',
        relative_gap,
        relative_gap * exp(-z95() * log_ratio_se),
        relative_gap * exp(z95() * log_ratio_se),
        'ratio of population-weighted group means; 95% CI: delta method on the log scale',
        most_wards, least_wards, groups_in_grouping
    from oriented
    union all
    select
        r.indicator_id, r.sex, r.category, r.period, 'ward', 'range_gap', r.range_gap,
        r.range_gap - z95() * sqrt(se_from_ci(r.best_lower_ci, r.best_upper_ci, z95()) ^ 2
                                   + se_from_ci(r.worst_lower_ci, r.worst_upper_ci, z95()) ^ 2),
        r.range_gap + z95() * sqrt(se_from_ci(r.best_lower_ci, r.best_upper_ci, z95()) ^ 2
                                   + se_from_ci(r.worst_lower_ci, r.worst_upper_ci, z95()) ^ 2),
        'best minus worst ward; 95% CI from the two wards'' limits (understates uncertainty: the wards are the extremes)',
        1, 1, null
    from intermediate.int_ward_value__ranged as r
    union all
    select
        s.indicator_id, s.sex, s.category, s.period, s.grouping, 'sii', s.sii, s.sii_lower_ci, s.sii_upper_ci, s.method,
        o.most_wards, o.least_wards, o.groups_in_grouping
    from intermediate.int_slope_index as s
    inner join oriented as o using (indicator_id, sex, category, period, grouping)
    union all
    select
        s.indicator_id, s.sex, s.category, s.period, s.grouping, 'rii', s.rii, s.rii_lower_ci, s.rii_upper_ci,
        replace(s.method, 'slope index', 'relative index'),
        o.most_wards, o.least_wards, o.groups_in_grouping
    from intermediate.int_slope_index as s
    inner join oriented as o using (indicator_id, sex, category, period, grouping)
)

select
    m.indicator_id,
    cfg.indicator_name,
    cfg.unit,
    cfg.polarity,
    cfg.ward_vintage,
    cfg.imd_edition,
    cfg.population_weights,
    m.sex,
    m.category,
    m.period,
    cfg.baseline_period = m.period as is_baseline,
    m.measure,
    m.grouping,
    case when m.measure = 'range_gap' then 'worst ward: ' || r.worst_ward_name
         else 'most deprived ' || replace(m.grouping, '_', ' ') || ' (1)' end as group_compared,
    case when m.measure = 'range_gap' then 'best ward: ' || r.best_ward_name
         else 'least deprived ' || replace(m.grouping, '_', ' ') || ' (' || m.groups_in_grouping || ')' end
        as group_reference,
    m.value,
    m.lower_ci,
    m.upper_ci,
    '95%' as confidence,
    m.method,
    m.most_wards as wards_compared,
    m.least_wards as wards_reference,
    case
        when m.most_wards is null then 'no borough ward with a value in the most deprived group'
        when m.least_wards is null then 'no borough ward with a value in the least deprived group'
        when m.measure in ('sii', 'rii') and m.value is null then slope.note
        when m.lower_ci is null then 'no confidence interval: a ward in a group has no published limits'
    end as note
from measures as m
inner join config.indicator as cfg on cfg.indicator_id = m.indicator_id
left join intermediate.int_ward_value__ranged as r
    on r.indicator_id = m.indicator_id and r.sex = m.sex and r.category = m.category and r.period = m.period
left join intermediate.int_slope_index as slope
    on slope.indicator_id = m.indicator_id and slope.sex = m.sex and slope.category = m.category
    and slope.period = m.period
    and slope.grouping = m.grouping
order by cfg.sort_order, m.sex, m.category, m.period, m.measure, m.grouping
