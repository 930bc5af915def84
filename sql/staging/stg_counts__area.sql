-- stg_counts__area: counts by small area and category (format area_counts, e.g. a Census 2021 table
-- by LSOA), typed. Source: raw.area_count, one row per area × category as delivered, with the
-- area's total where the file gives one (fsot.toml: the source's columns.denominator).
-- Only renames and casts: thousands separators are removed before casting.
-- area_level: LSOA or OA; area_vintage: 2011 or 2021 (both from the area column's header).
-- raw.area_count, less the rows that failed a validation check: they wait in quarantine.area_count
-- with the reason (macro unquarantined)
with valid as (
    select * from unquarantined('area_count')
),

renamed as (
    select
        area_code,
        area_level,
        area_vintage,
        category,
        try_cast(replace("count", ',', '') as double) as "count",
        try_cast(replace(denominator, ',', '') as double) as denominator,
        _source,
        _file,
        _line
    from valid
)

select * from renamed
