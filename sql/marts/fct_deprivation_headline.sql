-- fct_deprivation_headline: how many of the borough's wards are among England's most deprived, for each
-- ward vintage (one row per ward vintage), with what the count rests on: ward_vintage, imd_edition and
-- population_weights.
-- wards_in_most_deprived_decile = #{borough wards w : national_decile_w = 1}, the national decile by
-- the phe_quantile rule over the vintage's N ranked wards (int_ward_deprivation): decile 1 holds the
-- ⌈N/10⌉-or-so most deprived wards in England by population-weighted IMD score.
-- population_in_most_deprived_decile = Σ population of those wards (the vintage's weights).
-- wards_with_partial_coverage: borough wards whose score rests on part of their population (a note in
-- fct_ward_deprivation says which).
select
    v.ward_vintage,
    v.imd_edition,
    v.population_weights,
    getvariable('local_authority_code') as la_code,
    min(w.la_name) as la_name,
    count(w.ward_code) as borough_wards,
    min(w.national_wards) as national_wards,
    count(w.ward_code) filter (where w.national_decile = 1) as wards_in_most_deprived_decile,
    count(w.ward_code) filter (where w.national_quintile = 1) as wards_in_most_deprived_quintile,
    string_agg(w.ward_name, '; ' order by w.national_rank) filter (where w.national_decile = 1)
        as most_deprived_decile_wards,
    sum(w.population) as borough_population,
    sum(w.population) filter (where w.national_decile = 1) as population_in_most_deprived_decile,
    count(w.ward_code) filter (where w.score_population_share < 1) as wards_with_partial_coverage
from config.ward_vintage as v
left join intermediate.int_ward_deprivation as w on w.ward_vintage = v.ward_vintage and w.in_borough
group by v.ward_vintage, v.imd_edition, v.population_weights, v.sort_order
order by v.sort_order
