-- stg_fingertips__indicator_value: OHID Fingertips export rows, typed.
-- Source: raw.fingertips_indicator_value (every column of the "all data" CSV, strings as delivered).
-- Empty cells are NULL: Fingertips leaves Value and its limits empty when a value is suppressed or
-- missing, and says why in value_note; such a value is never read as 0. A suppression marker in the
-- Value cell (fsot.toml [validation] suppression_markers: *, x, .., c, -, :) is NULL too, and the
-- note says which marker was found when the publisher gave none.
-- period_sort: the export's "Time period Sortable" (e.g. 20120000), or the first year in the
-- period label × 10000 where that column is empty (local drops).
-- category: the community breakdown the row describes, '<Category Type>: <Category>' (e.g.
-- 'Ethnic groups: Asian'), or 'All' when Category Type is empty (the whole population); never NULL.
-- category_name: the export's Category as delivered (NULL when empty).
-- is_category_row: rows with any Category Type (a breakdown rather than the whole population).
-- is_deprivation_category: rows whose Category Type names deprivation (case-insensitive, e.g.
-- "County & UA deprivation deciles in England (IMD2019, 4/21 geography)" with Category "Most deprived
-- decile (IMD2019)"): England's or a region's values by deprivation decile, which fsot computes itself
-- from the borough's wards, so int_indicator_value__configured leaves them out.
-- Repeated rows: Fingertips exports sometimes repeat a period with another Age label (indicator 91547
-- gives 2015/16 once with Age "15+ yrs" and once with "Not applicable": the same value, count and
-- denominator; for local authorities that later merged, the "Not applicable" row is "Aggregated from
-- values for merged local authorities" with limits of its own). Rule: of rows of one source with the
-- same indicator, area, sex, category, period, value, count and denominator, one is kept: the one with
-- a stated age band rather than "Not applicable", then the first in the file. Rows that differ in
-- value, count or denominator are all kept (and the uniqueness tests downstream then stop the build).
-- raw.fingertips_indicator_value, less the rows that failed a validation check: they wait in quarantine.fingertips_indicator_value
-- with the reason (macro unquarantined)
with valid as (
    select * from unquarantined('fingertips_indicator_value')
),

renamed as (
    select
        indicator_id,
        nullif(indicator_name, '') as indicator_name,
        area_code,
        nullif(area_name, '') as area_name,
        nullif(area_type, '') as area_type,
        nullif(parent_code, '') as parent_code,
        nullif(parent_name, '') as parent_name,
        sex,
        nullif(age, '') as age,
        case when coalesce(trim(category_type), '') = '' then 'All'
             else trim(category_type) || coalesce(': ' || nullif(trim(category), ''), '') end as category,
        nullif(category_type, '') as category_type,
        nullif(category, '') as category_name,
        category_type <> '' as is_category_row,
        coalesce(category_type ilike '%deprivation%', false) as is_deprivation_category,
        time_period as period,
        coalesce(
            try_cast(nullif(time_period_sortable, '') as integer),
            try_cast(regexp_extract(time_period, '(\d{4})', 1) as integer) * 10000
        ) as period_sort,
        nullif(time_period_range, '') as period_range,
        try_cast(replace(value, ',', '') as double) as value,
        try_cast(replace(lower_ci_95_limit, ',', '') as double) as lower_ci,
        try_cast(replace(upper_ci_95_limit, ',', '') as double) as upper_ci,
        try_cast(replace(lower_ci_998_limit, ',', '') as double) as lower_ci_998,
        try_cast(replace(upper_ci_998_limit, ',', '') as double) as upper_ci_998,
        try_cast(replace("count", ',', '') as double) as "count",
        try_cast(replace(denominator, ',', '') as double) as denominator,
        coalesce(
            nullif(value_note, ''),
            case when list_contains(getvariable('suppression_markers'), trim(value))
                then 'Suppressed in source (marker "' || trim(value) || '")' end
        ) as value_note,
        nullif(recent_trend, '') as recent_trend,
        nullif(compared_to_england_value_or_percentiles, '') as compared_to_england,
        _source,
        _file,
        _line
    from valid
)

select * exclude (age_not_applicable)
from (select *, coalesce(age, '') = 'Not applicable' as age_not_applicable from renamed)
qualify row_number() over (
    partition by _source, indicator_id, area_code, sex, category, period, value, "count", denominator
    order by age_not_applicable, _file, _line
) = 1
order by _source, _file, _line
