-- stg_nomis__observation: Nomis observations (format nomis_csv, e.g. the claimant count NM_162_1 by
-- ward, pulled by the nomis_api connector), typed. Source: raw.nomis_observation, strings as delivered.
-- Only renames and casts: OBS_VALUE with thousands separators removed; a suppression marker is NULL
-- with a note. period_sort: the year × 10000 + month × 100 of DATE (e.g. 2026-10 → 20261000), the year
-- × 10000 for a DATE that is a year.
-- raw.nomis_observation, less the rows that failed a validation check: they wait in quarantine.nomis_observation
-- with the reason (macro unquarantined)
with valid as (
    select * from unquarantined('nomis_observation')
),

renamed as (
    select
        nullif("date", '') as "date",
        nullif(date_name, '') as period,
        coalesce(try_cast(regexp_extract("date", '^(\d{4})', 1) as integer) * 10000
                 + coalesce(try_cast(nullif(regexp_extract("date", '^\d{4}-(\d{2})', 1), '') as integer), 0) * 100,
                 try_cast(regexp_extract(date_name, '(\d{4})', 1) as integer) * 10000) as period_sort,
        geography_code as area_code,
        nullif(geography_name, '') as area_name,
        nullif(geography_type, '') as area_type,
        nullif(measure_name, '') as measure_name,
        nullif(measures_name, '') as measures_name,
        try_cast(replace(obs_value, ',', '') as double) as value,
        case when list_contains(getvariable('suppression_markers'), trim(obs_value))
            then 'Suppressed in source (marker "' || trim(obs_value) || '")' end as value_note,
        nullif(obs_status, '') as obs_status,
        dimensions,
        _source,
        _file,
        _line
    from valid
)

select * from renamed
