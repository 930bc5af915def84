-- int_ward_deprivation: deprivation of every electoral ward of every ward vintage, built from its LSOAs.
-- One row per ward vintage × ward. A ward vintage (fsot.toml [[ward_vintages]]) is one set of ward
-- boundaries (its LSOA→ward lookup) with one IMD edition on the same LSOAs and its population weights;
-- every row says which (ward_vintage, imd_edition, population_weights).
--
-- Ward IMD score (population-weighted mean of its LSOAs' scores):
--     S_w = Σ_l P_l · S_l / Σ_l P_l        over the LSOAs l that the lookup places in ward w and that
--                                          have a score in the vintage's deprivation source,
--     P_l = the LSOA's population from the vintage's population sources (int_lsoa_population),
--     S_l = LSOA IMD score.
--     (MHCLG, English Indices of Deprivation 2019 technical report, section on aggregating to
--     larger areas: population-weighted average of LSOA scores.)
-- An LSOA with no population in any listed source (outside the borough only: the build stops for the
--     borough's) counts as an average LSOA of its ward: P_l = the mean P of the ward's other LSOAs, or
--     1 for every LSOA when none of the ward's has one (then S_w is the plain mean of its LSOAs' scores);
--     lsoas_population_imputed counts them.
-- Every sum over a ward's LSOAs is taken in LSOA code order: floating-point addition depends on the
--     order, and DuckDB would otherwise add in whatever order its threads deliver, so two builds of the
--     same files could differ in the last bit.
-- Coverage: score_population_share = Σ P over the ward's LSOAs with a score / Σ P over all its LSOAs.
--     A ward with no scored LSOA gets no score and no rank (e.g. Welsh wards of an England and Wales
--     lookup). A ward ranked on part of its LSOAs (share < 1) is flagged in deprivation_note.
-- national_rank: 1 = the most deprived ward (highest score) among the vintage's scored wards; with the
--     national files loaded that is every ward in England. Ties share the lower rank (SQL rank()).
-- national_decile, national_quintile, local_decile, local_quintile: the phe_quantile rule of
--     PHEindicatormethods (macro phe_quantile in sql/macros), most deprived wards in quantile 1:
--         q = floor((n_q + 1) − ceil(((N + 1) − rank) / (N / n_q))),  q = 0 → 1,
--     N = number of ranked wards; no quantile when N < n_q. national = among the vintage's ranked wards,
--     local = within the ward's own local authority (deciles: n_q = 10, quintiles: n_q = 5).
-- The local authority is the lookup's, or the deprivation file's for codes-only lookups.
with lsoa as (
    select
        v.ward_vintage,
        v.imd_edition,
        v.population_weights,
        lookup.lsoa_code,
        lookup.ward_code,
        lookup.ward_name,
        coalesce(lookup.la_code, imd.la_code) as la_code,
        coalesce(lookup.la_name, imd.la_name) as la_name,
        imd.imd_score,
        weight.population as known_population
    from config.ward_vintage as v
    inner join staging.stg_ons__lsoa_ward as lookup on lookup._source = v.lookup_source
    left join staging.stg_deprivation__lsoa as imd
        on imd._source = v.deprivation_source and imd.lsoa_code = lookup.lsoa_code
    left join intermediate.int_lsoa_population as weight
        on weight.ward_vintage = v.ward_vintage and weight.lsoa_code = lookup.lsoa_code
),

weighted as (
    select
        *,
        coalesce(known_population, avg(known_population) over (
            partition by ward_vintage, ward_code order by lsoa_code
            rows between unbounded preceding and unbounded following), 1.0) as population
    from lsoa
),

ward as (
    select
        ward_vintage,
        ward_code,
        min(imd_edition) as imd_edition,
        min(population_weights) as population_weights,
        min(ward_name) as ward_name,
        min(la_code) as la_code,
        min(la_name) as la_name,
        count(*) as lsoa_count,
        count(imd_score) as lsoas_with_score,
        count(*) - count(known_population) as lsoas_population_imputed,
        sum(population order by lsoa_code) filter (where imd_score is not null) as population,
        sum(population order by lsoa_code) filter (where imd_score is not null)
            / sum(population order by lsoa_code) as score_population_share,
        sum(population * imd_score order by lsoa_code) filter (where imd_score is not null)
            / sum(population order by lsoa_code) filter (where imd_score is not null) as imd_score
    from weighted
    group by ward_vintage, ward_code
),

ranked as (
    select
        *,
        rank() over (partition by ward_vintage order by imd_score desc) as national_rank,
        count(*) over (partition by ward_vintage) as national_wards,
        rank() over (partition by ward_vintage, la_code order by imd_score desc) as local_rank,
        count(*) over (partition by ward_vintage, la_code) as local_wards
    from ward
    where imd_score is not null
)

select
    ward_vintage,
    imd_edition,
    population_weights,
    ward_code,
    coalesce(ward_name, ward_code) as ward_name,
    la_code,
    la_name,
    la_code = getvariable('local_authority_code') as in_borough,
    lsoa_count,
    lsoas_with_score,
    lsoas_population_imputed,
    population,
    score_population_share,
    case when score_population_share < 1 then
        'partial coverage: score from ' || lsoas_with_score || ' of ' || lsoa_count || ' LSOAs ('
        || round(100 * score_population_share, 1) || '% of the ward''s population)'
    end as deprivation_note,
    imd_score,
    national_rank,
    national_wards,
    phe_quantile(national_rank, national_wards, 10) as national_decile,
    phe_quantile(national_rank, national_wards, 5) as national_quintile,
    local_rank,
    local_wards,
    -- (Σ population of more deprived wards + half the ward's own) / Σ population: the SII's rank scale
    (sum(population) over (partition by ward_vintage, la_code order by local_rank, ward_code) - population / 2)
        / sum(population) over (partition by ward_vintage, la_code) as local_population_midpoint,
    phe_quantile(local_rank, local_wards, 10) as local_decile,
    phe_quantile(local_rank, local_wards, 5) as local_quintile
from ranked
order by ward_vintage, ward_code
