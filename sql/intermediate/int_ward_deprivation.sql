-- int_ward_deprivation: deprivation of every electoral ward, built from its LSOAs.
--
-- Ward IMD score (population-weighted mean of its LSOAs' scores):
--     S_w = Σ_l P_l · S_l / Σ_l P_l        over the LSOAs l that the ONS lookup places in ward w,
--     P_l = IoD population denominator (mid-2015, excluding prisoners), S_l = LSOA IMD score.
--     (MHCLG, English Indices of Deprivation 2019 technical report, section on aggregating to
--     larger areas: population-weighted average of LSOA scores.)
-- national_rank: 1 = the most deprived ward (highest score) among all wards in the data; with the
--     national files loaded that is every ward in England. Ties share the lower rank (SQL rank()).
-- national_decile, national_quintile, local_decile, local_quintile: the phe_quantile rule of
--     PHEindicatormethods (macro phe_quantile in sql/macros), most deprived wards in quantile 1:
--         q = floor((n_q + 1) − ceil(((N + 1) − rank) / (N / n_q))),  q = 0 → 1,
--     N = number of ranked wards; no quantile when N < n_q. national = among all wards in the data,
--     local = within the ward's own local authority (deciles: n_q = 10, quintiles: n_q = 5).
-- The local authority is the lookup's, or the deprivation file's for codes-only lookups.
with lsoa as (
    select
        lookup.ward_code,
        lookup.ward_name,
        lookup.ward_vintage,
        coalesce(lookup.la_code, imd.la_code) as la_code,
        coalesce(lookup.la_name, imd.la_name) as la_name,
        imd.imd_score,
        imd.population
    from staging.stg_ons__lsoa_ward as lookup
    inner join staging.stg_deprivation__lsoa as imd on imd.lsoa_code = lookup.lsoa_code
),

ward as (
    select
        ward_code,
        min(ward_name) as ward_name,
        min(ward_vintage) as ward_vintage,
        min(la_code) as la_code,
        min(la_name) as la_name,
        count(*) as lsoa_count,
        sum(population) as population,
        sum(population * imd_score) / sum(population) as imd_score
    from lsoa
    group by ward_code
),

ranked as (
    select
        *,
        rank() over (order by imd_score desc) as national_rank,
        count(*) over () as national_wards,
        rank() over (partition by la_code order by imd_score desc) as local_rank,
        count(*) over (partition by la_code) as local_wards
    from ward
)

select
    ward_code,
    coalesce(ward_name, ward_code) as ward_name,
    ward_vintage,
    la_code,
    la_name,
    la_code = getvariable('local_authority_code') as in_borough,
    lsoa_count,
    population,
    imd_score,
    national_rank,
    national_wards,
    phe_quantile(national_rank, national_wards, 10) as national_decile,
    phe_quantile(national_rank, national_wards, 5) as national_quintile,
    local_rank,
    local_wards,
    -- (Σ population of more deprived wards + half the ward's own) / Σ population: the SII's rank scale
    (sum(population) over (partition by la_code order by local_rank, ward_code) - population / 2)
        / sum(population) over (partition by la_code) as local_population_midpoint,
    phe_quantile(local_rank, local_wards, 10) as local_decile,
    phe_quantile(local_rank, local_wards, 5) as local_quintile
from ranked
order by ward_code
