-- stg_ons__lsoa_ward: ONS best-fit lookup, one row per LSOA, naming its electoral ward and local authority.
-- Source: raw.lsoa_ward_lookup (ONS Open Geography). The vintages (lsoa_vintage 2011/2021,
-- ward_vintage WD17/WD19/WD24, la_vintage) are kept as data: ward boundaries change between years.
-- Codes-only lookups leave names and the local authority NULL; int_ward_deprivation then takes the
-- local authority from the deprivation file.
with source as (
    select * from raw.lsoa_ward_lookup
),

-- rows that failed a validation check wait in quarantine.lsoa_ward_lookup with the reason; they are left out here
valid as (
    select source.* from source
    anti join quarantine.lsoa_ward_lookup as held using (_source, _file, _line)
),

renamed as (
    select
        lsoa_code,
        nullif(lsoa_name, '') as lsoa_name,
        lsoa_vintage,
        ward_code,
        nullif(ward_name, '') as ward_name,
        ward_vintage,
        nullif(la_code, '') as la_code,
        nullif(la_name, '') as la_name,
        la_vintage,
        _source,
        _file,
        _line
    from valid
)

select * from renamed
