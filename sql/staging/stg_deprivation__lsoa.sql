-- stg_deprivation__lsoa: English Indices of Deprivation, one row per LSOA, typed.
-- Source: raw.imd_lsoa, as MHCLG publishes it (File 7, or Files 1 + 5 + 6 combined on LSOA code).
-- Only renames and casts: thousands separators ("29,199") are removed before casting; a cell that
-- is not a number becomes NULL (issue 5 quarantines such rows before they get here).
-- imd_score: higher = more deprived. imd_rank: 1 = most deprived LSOA in England.
-- population: IoD population denominator (mid-2015, excluding prisoners), the weight for ward scores.
-- raw.imd_lsoa, less the rows that failed a validation check: they wait in quarantine.imd_lsoa
-- with the reason (macro unquarantined)
with valid as (
    select * from unquarantined('imd_lsoa')
),

renamed as (
    select
        lsoa_code,
        lsoa_vintage,
        nullif(lsoa_name, '') as lsoa_name,
        nullif(la_code, '') as la_code,
        nullif(la_name, '') as la_name,
        try_cast(replace(imd_score, ',', '') as double) as imd_score,
        cast(try_cast(replace(imd_rank, ',', '') as double) as integer) as imd_rank,
        cast(try_cast(replace(imd_decile, ',', '') as double) as integer) as imd_decile,
        try_cast(replace(population, ',', '') as double) as population,
        _source,
        _file,
        _line
    from valid
)

select * from renamed
