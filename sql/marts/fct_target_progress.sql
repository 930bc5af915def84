-- fct_target_progress: is the borough on track for its 2031 targets?
-- one row per target (fsot.toml [[indicators]] targets) × sex × period from the baseline on (one row
-- with a note when the measure has no value at all).
-- category: targets are set on the whole population only, so it is always 'All' (the subject's
-- community breakdowns are not compared with a target; see fct_target_trajectory).
--
-- Subject: the borough's own value (measure = 'value') or one of its gap measures (fct_gap_measure).
-- Expected value E_p: the trajectory (marts.fct_target_trajectory: linear or proportional from the
--     baseline B to the target T) in the year y_p = period_end_year(p), or in the target year for
--     periods after it.
-- Better direction d: +1 when higher is better (borough values of higher-is-better indicators), −1
--     otherwise; every gap measure is oriented so that smaller is better (deprived less worse off).
-- Standard error of the actual value A_p from its 95 % limits: SE = (U − L) / (2 · 1.959963984540054),
--     on the log scale for ratios (relative_gap, rii), with A and E on that scale too.
-- On-track score (column probability_on_track): Φ(d · (A_p − E_p) / SE), a normal approximation: the
--     one-sided confidence with which the estimate A_p lies on the target side of E_p given its sampling
--     error. A frequentist score, not a (Bayesian) probability that the target will be met.
-- RAG status (uses the 95 % CI):
--     on track                 d · (A_p − E_p) ≥ 0                 (on or better than the trajectory)
--     off track                worse than the trajectory, but the 95 % CI includes E_p
--     significantly off track  the whole 95 % CI is on the worse side of E_p
--     cannot be assessed       no actual value, no trajectory, or (off track) no CI.
-- Reference: the standard error from the limits and Φ: Altman DG et al. (2000), Statistics with
-- Confidence, 2nd ed.; the trajectories are fsot's own (fct_target_trajectory).
with subject as (
    select
        indicator_id, sex, category, 'value' as measure, 'borough' as grouping, period, period_sort, value, lower_ci,
        upper_ci, polarity_sign as better_sign, false as is_ratio
    from intermediate.int_indicator_value__configured
    where area_code = getvariable('local_authority_code')
    union all
    select
        m.indicator_id, m.sex, m.category, m.measure, m.grouping, m.period, v.period_sort, m.value, m.lower_ci, m.upper_ci,
        -1 as better_sign, m.measure in ('relative_gap', 'rii') as is_ratio
    from marts.fct_gap_measure as m
    inner join (select distinct indicator_id, sex, category, period, period_sort
                from intermediate.int_indicator_value__configured) as v using (indicator_id, sex, category, period)
),

target as (
    select distinct
        t.target_id, t.indicator_id, cfg.indicator_name, cfg.short_name, cfg.unit, cfg.baseline_period, cfg.ward_vintage,
        cfg.imd_edition, cfg.population_weights, t.sex,
        'All' as category, t.measure, t.grouping, t.shape
    from config.indicator_target as t
    inner join config.indicator as cfg using (indicator_id)
),

actual as (
    select
        target.*, s.period, s.period_sort, s.period = target.baseline_period as is_baseline,
        period_end_year(s.period) as period_year, s.value, s.lower_ci, s.upper_ci, s.better_sign, s.is_ratio,
        min(s.period_sort) filter (where s.period = target.baseline_period)
            over (partition by target.target_id, target.sex) as baseline_sort
    from target
    left join subject as s using (indicator_id, sex, category, measure, grouping)
),

compared as (
    select
        actual.*, path.baseline_value, path.target_year, path.target_value, path.trajectory_fraction,
        path.expected_value,
        case when is_ratio then se_from_ci(ln(lower_ci), ln(upper_ci), z95())
             else se_from_ci(lower_ci, upper_ci, z95()) end as standard_error,
        better_sign * (case when is_ratio then ln(value) - ln(path.expected_value)
                            else value - path.expected_value end) as oriented_distance
    from actual
    left join marts.fct_target_trajectory as path
        on path.target_id = actual.target_id and path.sex = actual.sex and path.category = actual.category
        and path.year = least(actual.period_year, path.target_year)
    where actual.period_sort >= actual.baseline_sort or actual.baseline_sort is null
)

select
    target_id,
    indicator_id,
    indicator_name,
    short_name,
    unit,
    ward_vintage,
    imd_edition,
    population_weights,
    sex,
    category,
    measure,
    grouping,
    shape,
    baseline_period,
    baseline_value,
    target_year,
    target_value,
    period,
    period_year,
    is_baseline,
    trajectory_fraction,
    expected_value,
    value as actual_value,
    lower_ci as actual_lower_ci,
    upper_ci as actual_upper_ci,
    value - expected_value as difference_from_trajectory,
    case when standard_error > 0 then normal_cdf(oriented_distance / standard_error) end as probability_on_track,
    case
        when oriented_distance is null then 'cannot be assessed'
        when oriented_distance >= 0 then 'on track'
        when lower_ci is null or upper_ci is null then 'cannot be assessed'
        when better_sign = 1 and upper_ci < expected_value then 'significantly off track'
        when better_sign = -1 and lower_ci > expected_value then 'significantly off track'
        else 'off track'
    end as status,
    case
        when period is null then 'no value of this measure in any period: nothing to compare with the target'
        when baseline_sort is null then 'no value at the baseline period: no trajectory'
        when expected_value is null and shape = 'proportional'
            then 'no trajectory: a proportional reduction needs a positive baseline and target'
        when value is null then 'no value for this period'
    end as note
from compared
order by target_id, sex, period_sort
