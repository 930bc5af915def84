-- fct_ward_deprivation: the deprivation of the borough's wards, for every ward vintage, tidy:
-- one row per ward vintage × borough ward.
-- Each row names what it rests on: ward_vintage (the lookup's wards), imd_edition (the IoD release of the
-- LSOA scores) and population_weights (the populations that weight them, int_lsoa_population).
-- No computation: every figure is int_ward_deprivation's (population-weighted mean of the ward's LSOA
-- scores; national rank and decile among the vintage's scored wards in England; local quintile by the
-- phe_quantile rule of PHEindicatormethods), with the ward's coverage: the share of its population whose
-- LSOA has a score, and a note when that share is below 1.
select
    ward_vintage,
    imd_edition,
    population_weights,
    ward_code,
    ward_name,
    la_code,
    la_name,
    lsoa_count,
    lsoas_with_score,
    population,
    score_population_share,
    deprivation_note,
    imd_score,
    national_rank,
    national_wards,
    national_decile,
    national_quintile,
    local_rank,
    local_wards,
    local_decile,
    local_quintile
from intermediate.int_ward_deprivation
where in_borough
order by ward_vintage, local_rank, ward_code
