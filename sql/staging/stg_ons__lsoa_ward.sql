-- stg_ons__lsoa_ward: ONS best-fit lookup, one row per LSOA, naming its electoral ward and local authority.
-- Source: raw.lsoa_ward_lookup (ONS Open Geography). The vintages (lsoa_vintage 2011/2021,
-- ward_vintage WD17/WD19/WD24, la_vintage) are kept as data: ward boundaries change between years.
-- Codes-only lookups leave names and the local authority NULL; int_ward_deprivation then takes the
-- local authority from the deprivation file.
-- raw.lsoa_ward_lookup, less the rows that failed a validation check: they wait in quarantine.lsoa_ward_lookup
-- with the reason (macro unquarantined)
with valid as (
    select * from unquarantined('lsoa_ward_lookup')
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
