-- fct_deprivation_group_mean: the population-weighted mean value of each deprivation group of the borough's
-- wards, with its standard error, per indicator × sex × category × period × grouping.
-- The groupings are the local and national quintiles and deciles (group 1 = most deprived); the means and
-- standard errors are int_deprivation_group's, unchanged, with the period's sort key (dim_indicator_period)
-- so that each group's series runs in time order: what the report's small multiples by quintile draw.
select
    g.indicator_id,
    g.sex,
    g.category,
    g.period,
    p.period_sort,
    g.grouping,
    g.deprivation_group,
    g.groups_in_grouping,
    g.wards_with_value,
    g.population,
    g.mean,
    g.standard_error
from intermediate.int_deprivation_group as g
inner join marts.dim_indicator_period as p
    on p.indicator_id = g.indicator_id and p.sex = g.sex and p.period = g.period
order by g.indicator_id, g.sex, g.category, g.grouping, g.deprivation_group, p.period_sort, g.period
