-- int_lsoa_population: the population that weights each LSOA's deprivation score, per ward vintage:
-- one row per ward vintage × LSOA of that vintage's lookup.
--
-- Each [[ward_vintages]] entry of fsot.toml lists its population sources in order of preference
-- (config.ward_vintage_population). An LSOA takes its population from the first source that has a
-- positive one for its code:
--     a deprivation source's population denominator (IoD File 6 or File 7: mid-2015, excluding prisoners),
--     a population source's total (format lsoa_population, e.g. ONS mid-year estimates), or
--     a counts source's denominator (format area_counts, e.g. Census 2021 usual residents, table TS038).
-- LSOA codes that ONS did not change in 2021 are the same areas in 2011 and 2021, so a 2011-coded
-- population serves an unchanged 2021 LSOA; a 2021 LSOA made by splitting or merging has a new code
-- and finds no 2011 population (population NULL here; int_ward_deprivation says how it is treated).
-- The build stops before any model runs when a borough LSOA has no population in any listed source
-- (pipeline/warehouse/vintage.py).
with candidate as (
    select _source, lsoa_code, population from staging.stg_deprivation__lsoa where population > 0
    union all
    select _source, lsoa_code, population from staging.stg_population__lsoa where population > 0
    union all
    select _source, area_code, max(denominator) from staging.stg_counts__area
    where area_level = 'LSOA' and denominator > 0 group by _source, area_code
),

lookup as (
    select distinct v.ward_vintage, l.lsoa_code
    from config.ward_vintage as v
    inner join staging.stg_ons__lsoa_ward as l on l._source = v.lookup_source
)

select
    lookup.ward_vintage,
    lookup.lsoa_code,
    first(c.population order by w.preference) filter (where c.population is not null) as population,
    first(c._source order by w.preference) filter (where c.population is not null) as population_source
from lookup
left join config.ward_vintage_population as w on w.ward_vintage = lookup.ward_vintage
left join candidate as c on c._source = w.population_source and c.lsoa_code = lookup.lsoa_code
group by lookup.ward_vintage, lookup.lsoa_code
order by lookup.ward_vintage, lookup.lsoa_code
