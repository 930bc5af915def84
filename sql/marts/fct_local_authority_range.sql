-- fct_local_authority_range: the spread of the values of England's lower-tier local authorities, per
-- indicator × sex × period of the whole population, where a source delivered at least 30 of them.
-- The authorities are Fingertips' "Districts & UAs" (area types UA, District, Unitary authority, Lower tier
-- local authority) of int_indicator_value__configured; the spread is the worst and the best value (by the
-- indicator's polarity) and the 25th and 75th percentiles (quantile_cont: linear interpolation), the range
-- Fingertips draws behind a spine chart.
select
    indicator_id,
    sex,
    period,
    count(*) as areas,
    case when any_value(polarity_sign) = 1 then min(value) else max(value) end as worst,
    quantile_cont(value, 0.25) as q25,
    quantile_cont(value, 0.75) as q75,
    case when any_value(polarity_sign) = 1 then max(value) else min(value) end as best
from intermediate.int_indicator_value__configured
where category = 'All' and value is not null
    and area_type in ('UA', 'District', 'Unitary authority', 'Lower tier local authority')
group by indicator_id, sex, period
having count(*) >= 30
order by indicator_id, sex, period
