-- int_deprivation_group: the borough's wards grouped by deprivation, per indicator × sex × category × period,
-- for each grouping: local_quintile, local_decile, national_quintile, national_decile
-- (int_ward_deprivation, of the indicator's ward vintage; group 1 = most deprived).
--
-- Group mean (population-weighted):   m_g = Σ P_w · v_w / Σ P_w       over wards w with a published value
-- Standard error of a ward's value from its published 95 % limits (the Fingertips convention):
--                                     SE_w = (U_w − L_w) / (2 · 1.959963984540054)
-- Standard error of the group mean (independent wards, variance of a weighted sum):
--                                     SE(m_g) = √(Σ P_w² · SE_w²) / Σ P_w
--     NULL when any ward of the group lacks published limits (the CI would be too narrow otherwise).
--     (macro group_mean_standard_error in sql/macros)
-- Reference: Kirkwood BR & Sterne JAC (2003), Essential Medical Statistics, 2nd ed., on the variance
-- of a linear combination of independent estimates.
with ward as (
    select
        val.indicator_id,
        val.sex,
        val.category,
        val.period,
        val.value,
        val.lower_ci,
        val.upper_ci,
        dep.population,
        dep.local_quintile,
        dep.local_decile,
        dep.national_quintile,
        dep.national_decile
    from intermediate.int_indicator_value__configured as val
    inner join intermediate.int_ward_deprivation as dep
        on dep.ward_vintage = val.ward_vintage and dep.ward_code = val.area_code
    where dep.in_borough and val.value is not null
),

grouped as (
    select indicator_id, sex, category, period, 'local_quintile' as grouping, local_quintile as deprivation_group,
        value, lower_ci, upper_ci, population from ward
    union all
    select indicator_id, sex, category, period, 'local_decile', local_decile, value, lower_ci, upper_ci, population from ward
    union all
    select indicator_id, sex, category, period, 'national_quintile', national_quintile, value, lower_ci, upper_ci, population
    from ward
    union all
    select indicator_id, sex, category, period, 'national_decile', national_decile, value, lower_ci, upper_ci, population
    from ward
)

select
    indicator_id,
    sex,
    category,
    period,
    grouping,
    deprivation_group,
    case when grouping like '%decile' then 10 else 5 end as groups_in_grouping,
    count(*) as wards_with_value,
    sum(population) as population,
    sum(population * value) / sum(population) as mean,
    group_mean_standard_error(population, lower_ci, upper_ci) as standard_error
from grouped
where deprivation_group is not null
group by indicator_id, sex, category, period, grouping, deprivation_group
order by indicator_id, sex, category, period, grouping, deprivation_group
