-- fct_benchmark_comparison: is an area better, similar or worse than its benchmark?
-- one row per indicator × sex × category × period × area × benchmark.
-- category: 'All' (the whole population) or a community breakdown; a breakdown is compared with
-- England's value for the same breakdown (no row when England has none), and a target area's breakdown
-- with the same breakdown in the rest of the borough.
--
-- Areas vs England (the comparator in fsot.toml): each borough ward, the borough (its published row)
-- and each target area. As Fingertips compares with a benchmark: the area's confidence interval at
-- 95 % and at 99.8 % is set against the benchmark's value; an interval wholly above or below it is a
-- significant difference, labelled better/worse by polarity, otherwise "similar". 99.8 % limits:
-- v ∓ 3.090232306167813 · SE with SE = (U − L)/(2 · 1.959963984540054) from the 95 % limits
-- (Fingertips technical guidance, "comparing with a benchmark"; the normal approximation is used for
-- both levels so that the two levels are comparable).
-- Wards vs the borough (as Fingertips compares an area with its parent): each borough ward's interval
-- set against the borough's value in the same way; benchmark = the borough's name (fsot.toml
-- [local_authority] name). This is the comparison for indicators England has no value of (e.g. counts
-- from a Census table of the borough's LSOAs).
-- Target area vs the rest of the borough: difference of the two population-weighted means with
-- CI d ∓ z·√(SE_area² + SE_rest²), z = 1.959963984540054 (95 %) and 3.090232306167813 (99.8 %);
-- significant when the interval excludes 0 (difference of two independent estimates: Altman DG et al.
-- (2000), Statistics with Confidence, 2nd ed., ch. 6).
-- No interval (suppressed value or no published limits) → "not compared".
with benchmark as (
    select indicator_id, sex, category, period, getvariable('comparator_name') as benchmark,
        value as benchmark_value, true as for_every_area
    from intermediate.int_indicator_value__configured
    where area_code = getvariable('england_code')
    union all
    select indicator_id, sex, category, period, getvariable('local_authority_name'), value, false
    from intermediate.int_indicator_value__configured
    where area_code = getvariable('local_authority_code')
),

areas as (
    select val.indicator_id, val.sex, val.category, val.period, 'ward' as area_type, val.area_code, dep.ward_name as area_name,
        val.value, se_from_ci(val.lower_ci, val.upper_ci, z95()) as standard_error
    from intermediate.int_indicator_value__configured as val
    inner join intermediate.int_ward_deprivation as dep
        on dep.ward_vintage = val.ward_vintage and dep.ward_code = val.area_code and dep.in_borough
    union all
    select indicator_id, sex, category, period, 'local authority', area_code, area_name, value,
        se_from_ci(lower_ci, upper_ci, z95())
    from intermediate.int_indicator_value__configured
    where area_code = getvariable('local_authority_code')
    union all
    select indicator_id, sex, category, period, 'target area', target_area, target_area, mean, standard_error
    from intermediate.int_target_area_value
    where part = 'target area'
),

-- every area against England; the borough's wards against the borough too
versus_benchmark as (
    select
        a.indicator_id, a.sex, a.category, a.period, a.area_type, a.area_code, a.area_name,
        b.benchmark, a.value, b.benchmark_value,
        a.value - b.benchmark_value as difference,
        a.value - z95() * a.standard_error as lower_95,
        a.value + z95() * a.standard_error as upper_95,
        a.value - z998() * a.standard_error as lower_998,
        a.value + z998() * a.standard_error as upper_998,
        b.benchmark_value as compare_to
    from areas as a
    inner join benchmark as b using (indicator_id, sex, category, period)
    where b.for_every_area or a.area_type = 'ward'
),

versus_rest as (
    select
        t.indicator_id, t.sex, t.category, t.period, 'target area' as area_type, t.target_area as area_code,
        t.target_area as area_name, 'rest of borough' as benchmark, t.mean as value, r.mean as benchmark_value,
        t.mean - r.mean as difference,
        t.mean - r.mean - z95() * sqrt(t.standard_error ^ 2 + r.standard_error ^ 2) as lower_95,
        t.mean - r.mean + z95() * sqrt(t.standard_error ^ 2 + r.standard_error ^ 2) as upper_95,
        t.mean - r.mean - z998() * sqrt(t.standard_error ^ 2 + r.standard_error ^ 2) as lower_998,
        t.mean - r.mean + z998() * sqrt(t.standard_error ^ 2 + r.standard_error ^ 2) as upper_998,
        0.0 as compare_to
    from intermediate.int_target_area_value as t
    inner join intermediate.int_target_area_value as r
        on r.indicator_id = t.indicator_id and r.sex = t.sex and r.category = t.category and r.period = t.period
        and r.target_area = t.target_area and r.part = 'rest of borough'
    where t.part = 'target area'
),

compared as (
    select * from versus_benchmark
    union all
    select * from versus_rest
)

select
    c.indicator_id,
    cfg.indicator_name,
    cfg.unit,
    cfg.polarity,
    cfg.ward_vintage,
    cfg.imd_edition,
    cfg.population_weights,
    c.sex,
    c.category,
    c.period,
    c.area_type,
    c.area_code,
    c.area_name,
    c.benchmark,
    c.value,
    c.benchmark_value,
    c.difference,
    c.lower_95,
    c.upper_95,
    c.lower_998,
    c.upper_998,
    case when c.lower_95 is null or c.compare_to is null then 'not compared'
         when c.lower_95 > c.compare_to then case when cfg.polarity_sign = 1 then 'better' else 'worse' end
         when c.upper_95 < c.compare_to then case when cfg.polarity_sign = 1 then 'worse' else 'better' end
         else 'similar' end as comparison_95,
    case when c.lower_998 is null or c.compare_to is null then 'not compared'
         when c.lower_998 > c.compare_to then case when cfg.polarity_sign = 1 then 'better' else 'worse' end
         when c.upper_998 < c.compare_to then case when cfg.polarity_sign = 1 then 'worse' else 'better' end
         else 'similar' end as comparison_998
from compared as c
inner join config.indicator as cfg on cfg.indicator_id = c.indicator_id
order by cfg.sort_order, c.sex, c.category, c.period, c.benchmark, c.area_type, c.area_code
