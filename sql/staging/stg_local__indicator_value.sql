-- stg_local__indicator_value: a council's own ward values (`fsot ingest local`), typed.
-- Source: raw.local_indicator_value (columns area_code, period, sex, value, lower_ci, upper_ci, count,
-- denominator and the optional category_type, category as delivered; other columns kept in `extra`
-- as JSON). Empty cells and suppression markers (fsot.toml [validation] suppression_markers) are NULL,
-- never 0; a marker leaves a note.
-- period_sort: the first year in the period label × 10000, as for Fingertips' sortable periods.
-- category: the community breakdown of the row, as for Fingertips: '<category_type>: <category>'
-- (e.g. 'Ethnic groups: Asian'), the category cell alone when there is no type, and 'All' (the whole
-- population) when the category cell is empty or 'All' or the file has no category column.
-- raw.local_indicator_value, less the rows that failed a validation check: they wait in quarantine.local_indicator_value
-- with the reason (macro unquarantined)
with valid as (
    select * from unquarantined('local_indicator_value')
),

renamed as (
    select
        indicator_id,
        area_code,
        sex,
        case when coalesce(trim(category), '') = '' or lower(trim(category)) = 'all' then 'All'
             when coalesce(trim(category_type), '') = '' then trim(category)
             else trim(category_type) || ': ' || trim(category) end as category,
        period,
        try_cast(regexp_extract(period, '(\d{4})', 1) as integer) * 10000 as period_sort,
        try_cast(replace(value, ',', '') as double) as value,
        try_cast(replace(lower_ci, ',', '') as double) as lower_ci,
        try_cast(replace(upper_ci, ',', '') as double) as upper_ci,
        try_cast(replace("count", ',', '') as double) as "count",
        try_cast(replace(denominator, ',', '') as double) as denominator,
        case when list_contains(getvariable('suppression_markers'), trim(value))
            then 'Suppressed in source (marker "' || trim(value) || '")' end as value_note,
        extra,
        _source,
        _file,
        _line
    from valid
)

select * from renamed
