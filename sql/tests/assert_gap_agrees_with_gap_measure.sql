-- fct_gap and fct_gap_measure must agree with their gaps worked out again from the published ward values; offending rows.
-- fct_gap takes its quintile gaps and SII from fct_gap_measure (which computes them from
-- intermediate.int_deprivation_group), its quintile means from int_deprivation_group and its range from
-- intermediate.int_ward_value__ranged, so the two marts cannot disagree with each other; what can go wrong
-- is the way there (a join that loses, doubles or mismatches rows). This test recomputes each figure by
-- another route, from marts.fct_ward_indicator (the ward values the report and the exports show): the
-- best and worst borough ward, range_gap = s·(best − worst), the local quintiles' population-weighted
-- means, absolute_gap = s·(mean_5 − mean_1) and the relative gap. An offending row names the figure:
-- - a row of fct_gap without a recomputed one, or the reverse ('row');
-- - more than one fct_gap_measure row of absolute_gap, relative_gap or sii (local quintiles) or of
--   range_gap for a period ('rows of a measure');
-- - a best or worst ward other than the recomputed one (same tie rule: lower ward code first);
-- - a range gap, mean or gap of fct_gap, or a gap of fct_gap_measure, unequal to the recomputed one
--   beyond 1e-9 relative to the larger magnitude (the sums add the wards in another order), or NULL on
--   one side only (a period without any ward value has NULL gaps and no fct_gap_measure row).
with ward as (
    select
        w.*,
        cfg.polarity_sign,
        w.value * cfg.polarity_sign as oriented_value
    from marts.fct_ward_indicator as w
    inner join config.indicator as cfg on cfg.indicator_id = w.indicator_id
    where w.in_borough
),

recomputed as (
    select
        indicator_id, sex, category, period,
        first(ward_code order by oriented_value desc, ward_code) filter (where value is not null) as best_ward_code,
        first(ward_code order by oriented_value asc, ward_code) filter (where value is not null) as worst_ward_code,
        max(oriented_value) - min(oriented_value) as range_gap,
        min(polarity_sign) as s,
        sum(population * value) filter (where local_quintile = 1 and value is not null)
            / sum(population) filter (where local_quintile = 1 and value is not null) as most_mean,
        sum(population * value) filter (where local_quintile = 5 and value is not null)
            / sum(population) filter (where local_quintile = 5 and value is not null) as least_mean
    from ward
    group by indicator_id, sex, category, period
),

expected as (
    select
        *,
        s * (least_mean - most_mean) as absolute_gap,
        case when s = 1 then least_mean / nullif(most_mean, 0) else most_mean / nullif(least_mean, 0) end
            as relative_gap
    from recomputed
),

measure as (
    select
        indicator_id, sex, category, period,
        max(value) filter (where measure = 'absolute_gap' and grouping = 'local_quintile') as absolute_gap,
        max(value) filter (where measure = 'relative_gap' and grouping = 'local_quintile') as relative_gap,
        max(value) filter (where measure = 'range_gap') as range_gap,
        greatest(count(*) filter (where measure = 'absolute_gap' and grouping = 'local_quintile'),
                 count(*) filter (where measure = 'relative_gap' and grouping = 'local_quintile'),
                 count(*) filter (where measure = 'sii' and grouping = 'local_quintile'),
                 count(*) filter (where measure = 'range_gap')) as most_rows
    from marts.fct_gap_measure
    group by indicator_id, sex, category, period
),

compared as (
    select
        coalesce(g.indicator_id, e.indicator_id) as indicator_id,
        coalesce(g.sex, e.sex) as sex,
        coalesce(g.category, e.category) as category,
        coalesce(g.period, e.period) as period,
        g.indicator_id is null or e.indicator_id is null as row_missing,
        coalesce(m.most_rows, 0) > 1 as rows_doubled,
        g.best_ward_code is distinct from e.best_ward_code or g.worst_ward_code is distinct from e.worst_ward_code
            as wards_differ,
        [{'figure': 'fct_gap.range_gap', 'value': g.range_gap, 'recomputed': e.range_gap},
         {'figure': 'fct_gap_measure range_gap', 'value': m.range_gap, 'recomputed': e.range_gap},
         {'figure': 'fct_gap.most_deprived_mean', 'value': g.most_deprived_mean, 'recomputed': e.most_mean},
         {'figure': 'fct_gap.least_deprived_mean', 'value': g.least_deprived_mean, 'recomputed': e.least_mean},
         {'figure': 'fct_gap.absolute_gap', 'value': g.absolute_gap, 'recomputed': e.absolute_gap},
         {'figure': 'fct_gap_measure absolute_gap', 'value': m.absolute_gap, 'recomputed': e.absolute_gap},
         {'figure': 'fct_gap.relative_gap', 'value': g.relative_gap, 'recomputed': e.relative_gap},
         {'figure': 'fct_gap_measure relative_gap', 'value': m.relative_gap, 'recomputed': e.relative_gap}]
            as figures
    from marts.fct_gap as g
    full join expected as e
        on e.indicator_id = g.indicator_id and e.sex = g.sex and e.category = g.category and e.period = g.period
    left join measure as m
        on m.indicator_id = coalesce(g.indicator_id, e.indicator_id) and m.sex = coalesce(g.sex, e.sex)
        and m.category = coalesce(g.category, e.category) and m.period = coalesce(g.period, e.period)
),

figure as (
    select indicator_id, sex, category, period, unnest(figures, recursive := true)
    from compared
)

select indicator_id, sex, category, period, 'row' as figure, null::double as value, null::double as recomputed
from compared
where row_missing
union all
select indicator_id, sex, category, period, 'rows of a measure', null, null
from compared
where rows_doubled
union all
select indicator_id, sex, category, period, 'best or worst ward', null, null
from compared
where wards_differ and not row_missing
union all
select indicator_id, sex, category, period, figure, value, recomputed
from figure
where (value is null) <> (recomputed is null)
    or abs(value - recomputed) > 1e-9 * greatest(1, abs(value), abs(recomputed))
