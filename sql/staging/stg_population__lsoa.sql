-- stg_population__lsoa: population by LSOA (format lsoa_population, e.g. ONS mid-year small area
-- population estimates), typed. Source: raw.lsoa_population, strings as delivered.
-- Only renames and casts: thousands separators are removed before casting.
-- lsoa_vintage: 2011 or 2021, from the code column's header ('' when the header does not say).
-- raw.lsoa_population, less the rows that failed a validation check: they wait in quarantine.lsoa_population
-- with the reason (macro unquarantined)
with valid as (
    select * from unquarantined('lsoa_population')
),

renamed as (
    select
        lsoa_code,
        lsoa_vintage,
        try_cast(replace(population, ',', '') as double) as population,
        _source,
        _file,
        _line
    from valid
)

select * from renamed
