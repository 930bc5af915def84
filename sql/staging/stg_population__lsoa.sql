-- stg_population__lsoa: population by LSOA (format lsoa_population, e.g. ONS mid-year small area
-- population estimates), typed. Source: raw.lsoa_population, strings as delivered.
-- Only renames and casts: thousands separators are removed before casting.
-- lsoa_vintage: 2011 or 2021, from the code column's header ('' when the header does not say).
with source as (
    select * from raw.lsoa_population
),

-- rows that failed a validation check wait in quarantine.lsoa_population with the reason
valid as (
    select source.* from source
    anti join quarantine.lsoa_population as held using (_source, _file, _line)
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
