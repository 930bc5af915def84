-- fct_gap's quintile gaps and SII must agree with fct_gap_measure's (local quintiles); offending rows.
-- fct_gap works its quintile means out from marts.fct_ward_indicator, fct_gap_measure from
-- intermediate.int_deprivation_group: two computations of one figure, so they are checked against each
-- other (equal within 1e-9 relative to the larger magnitude; NULL on one side only is a disagreement;
-- a period without any ward value has no fct_gap_measure row, and NULL gaps in fct_gap).
with measure as (
    select indicator_id, sex, category, period,
        max(value) filter (where measure = 'absolute_gap') as absolute_gap,
        max(value) filter (where measure = 'relative_gap') as relative_gap,
        max(value) filter (where measure = 'sii') as sii,
        count(*) filter (where measure = 'absolute_gap') as absolute_rows
    from marts.fct_gap_measure
    where grouping = 'local_quintile'
    group by indicator_id, sex, category, period
),

compared as (
    select
        g.indicator_id, g.sex, g.category, g.period,
        g.absolute_gap, m.absolute_gap as measure_absolute_gap,
        g.relative_gap, m.relative_gap as measure_relative_gap,
        g.sii, m.sii as measure_sii,
        m.absolute_rows
    from marts.fct_gap as g
    left join measure as m using (indicator_id, sex, category, period)
)

select *
from compared
where absolute_rows > 1
    or (absolute_gap is null) <> (measure_absolute_gap is null)
    or abs(absolute_gap - measure_absolute_gap) > 1e-9 * greatest(1, abs(absolute_gap), abs(measure_absolute_gap))
    or (relative_gap is null) <> (measure_relative_gap is null)
    or abs(relative_gap - measure_relative_gap) > 1e-9 * greatest(1, abs(relative_gap), abs(measure_relative_gap))
    or (sii is null) <> (measure_sii is null)
    or abs(sii - measure_sii) > 1e-9 * greatest(1, abs(sii), abs(measure_sii))
