-- int_target_area_value: each target area of fsot.toml, and the rest of the borough outside it, as a
-- population-weighted mean of its wards, per indicator × sex × category × period, for the indicators
-- whose ward values are of the target area's ward vintage (its ward codes are of one vintage).
-- Standard error from the wards' published 95 % limits (same formulas as int_deprivation_group):
--     m = Σ P·v / Σ P,    SE(m) = √(Σ P²·SE_w²) / Σ P with SE_w = (U − L) / (2 · 1.959963984540054)
--     (macro group_mean_standard_error in sql/macros)
-- Reference: variance of a weighted mean of independent estimates, Kirkwood BR & Sterne JAC (2003),
-- Essential Medical Statistics, 2nd ed.; SE from a 95 % CI as in Altman DG et al. (2000), Statistics
-- with Confidence, 2nd ed.
with ward as (
    select val.indicator_id, val.sex, val.category, val.period, val.ward_vintage, val.area_code as ward_code, val.value,
        val.lower_ci, val.upper_ci, dep.population
    from intermediate.int_indicator_value__configured as val
    inner join intermediate.int_ward_deprivation as dep
        on dep.ward_vintage = val.ward_vintage and dep.ward_code = val.area_code
    where dep.in_borough and val.value is not null
),

membership as (
    select area.target_area, ward.*, true as in_area
    from config.target_area_ward as area
    inner join ward on ward.ward_vintage = area.ward_vintage and ward.ward_code = area.ward_code
    union all
    select area.target_area, ward.*, false as in_area
    from (select distinct target_area, ward_vintage from config.target_area_ward) as area
    inner join ward on ward.ward_vintage = area.ward_vintage
    where ward.ward_code not in (select ward_code from config.target_area_ward as t where t.target_area = area.target_area)
)

select
    indicator_id,
    sex,
    category,
    period,
    target_area,
    case when in_area then 'target area' else 'rest of borough' end as part,
    count(*) as wards_with_value,
    sum(population) as population,
    sum(population * value) / sum(population) as mean,
    group_mean_standard_error(population, lower_ci, upper_ci) as standard_error
from membership
group by indicator_id, sex, category, period, target_area, in_area
order by indicator_id, sex, category, period, target_area, part desc
