-- fct_gap_change: has each gap narrowed or widened since the baseline?
-- one row per indicator × sex × category × measure × grouping: the latest period that does not overlap the
-- indicator's baseline period (fsot.toml) against the baseline. category: 'All' (the whole population) or a community breakdown.
--
-- Absolute gap and SII (differences, in the indicator's unit):
--     change = latest − baseline,   SE_p = (U_p − L_p) / (2 · 1.959963984540054) for each period p,
--     95 % CI: change ∓ 1.959963984540054 · √(SE_latest² + SE_baseline²)
-- Relative gap and RII (ratios): the same on the log scale, reported as the ratio latest/baseline
--     with SE_p = (ln U_p − ln L_p) / (2 · 1.959963984540054).
-- Test: the two periods' estimates are treated as independent (a z-test of the difference; Altman &
-- Bland (2003), "Interaction revisited: the difference between two estimates", BMJ 326:219).
-- Overlapping periods are never tested. Pooled periods that share years (2015 - 19 and 2018 - 22 share
-- 2018 and 2019) share deaths and population, so their estimates are positively correlated and
-- Var(latest − baseline) = SE_latest² + SE_baseline² − 2·Cov is smaller than the independent formula
-- above: its CI would be too wide and its test would be wrong in a way the data cannot correct (the
-- covariance needs the single years, which are not published). Rule: two periods overlap when
-- period_start(later) ≤ period_end(baseline) (sql/macros). The later period compared is the latest
-- period after the baseline that does not overlap it; when every later period overlaps it, the latest
-- period is shown with its point change, no CI, and the verdict "periods overlap: not tested".
-- (The z-test's independence assumption, Altman & Bland 2003, holds only for periods that share no years.)
-- Verdict (gaps are oriented so that larger = deprived worse off): the CI wholly above no-change →
-- "widened", wholly below → "narrowed", otherwise "no significant change"; no CI → "cannot be assessed".
with measure as (
    select
        m.*,
        v.period_sort,
        m.measure in ('relative_gap', 'rii') as is_ratio
    from marts.fct_gap_measure as m
    inner join (select distinct indicator_id, sex, category, period, period_sort
                from intermediate.int_indicator_value__configured) as v using (indicator_id, sex, category, period)
),

scaled as (
    select
        *,
        case when is_ratio then ln(value) else value end as estimate,
        case when is_ratio then se_from_ci(ln(lower_ci), ln(upper_ci), z95())
             else se_from_ci(lower_ci, upper_ci, z95()) end as standard_error
    from measure
),

pairs as (
    select
        latest.indicator_id, latest.indicator_name, latest.unit, latest.polarity, latest.ward_vintage, latest.imd_edition,
        latest.population_weights, latest.sex, latest.category, latest.measure,
        latest.grouping, latest.is_ratio,
        baseline.period as baseline_period, latest.period as latest_period,
        baseline.value as baseline_value, latest.value as latest_value,
        latest.estimate - baseline.estimate as change,
        sqrt(latest.standard_error ^ 2 + baseline.standard_error ^ 2) as change_se,
        coalesce(period_start(latest.period) <= period_end(baseline.period), false) as periods_overlap
    from scaled as latest
    inner join scaled as baseline
        on baseline.indicator_id = latest.indicator_id and baseline.sex = latest.sex
        and baseline.category = latest.category
        and baseline.measure = latest.measure and baseline.grouping = latest.grouping and baseline.is_baseline
    -- the latest period after the baseline that does not overlap it; failing that, the latest period
    qualify row_number() over (partition by latest.indicator_id, latest.sex, latest.category, latest.measure,
                                            latest.grouping
                               order by case when latest.period_sort > baseline.period_sort
                                                  and not periods_overlap then 0 else 1 end,
                                        latest.period_sort desc) = 1
)

select
    indicator_id,
    indicator_name,
    unit,
    polarity,
    ward_vintage,
    imd_edition,
    population_weights,
    sex,
    category,
    measure,
    grouping,
    baseline_period,
    latest_period,
    baseline_value,
    latest_value,
    case when is_ratio then exp(change) else change end as change,
    case when periods_overlap then null
         when is_ratio then exp(change - z95() * change_se)
         else change - z95() * change_se end as change_lower_ci,
    case when periods_overlap then null
         when is_ratio then exp(change + z95() * change_se)
         else change + z95() * change_se end as change_upper_ci,
    case when is_ratio then 'ratio latest/baseline (1 = no change)' else 'difference latest − baseline' end
        as change_scale,
    case
        when latest_period = baseline_period then 'no period after the baseline yet'
        when periods_overlap then 'periods overlap: not tested'
        when change_se is null or change is null then 'cannot be assessed'
        when change - z95() * change_se > 0 then 'widened'
        when change + z95() * change_se < 0 then 'narrowed'
        else 'no significant change'
    end as verdict,
    case when periods_overlap then 'not tested: the periods share years'
         else 'z-test of the difference between two independent, non-overlapping estimates (95%)' end as method
from pairs
order by indicator_id, sex, category, measure, grouping
