-- After quarantine, the typed staging models hold what every model downstream assumes. A row here means
-- a check is missing at the raw level (pipeline/validate/suites.py), so the build stops.
-- Deprivation: a numeric IMD score, a positive population where one is given, one row per LSOA and source.
-- Lookup: a ward for every LSOA, one ward per LSOA and source.
-- Indicator values: a sortable period and a category ('All' for the whole population); a published lower
-- limit not above its value (Fingertips).
-- The Fingertips view is read once for its three checks (materialized): it de-duplicates and sorts every
-- row of the export, about half a second for an England-wide export each time it is read.
with fingertips as materialized (
    select _file, _line, period_sort, lower_ci, value, category from staging.stg_fingertips__indicator_value
)

select 'stg_deprivation__lsoa' as model, _file, _line, 'no numeric IMD score' as problem
from staging.stg_deprivation__lsoa where imd_score is null
union all
select 'stg_deprivation__lsoa', _file, _line, 'population not positive'
from staging.stg_deprivation__lsoa where population < 1
union all
select 'stg_deprivation__lsoa', _file, _line, 'LSOA more than once in one source'
from staging.stg_deprivation__lsoa qualify count(*) over (partition by _source, lsoa_code) > 1
union all
select 'stg_ons__lsoa_ward', _file, _line, 'LSOA in more than one ward of one lookup'
from staging.stg_ons__lsoa_ward qualify count(*) over (partition by _source, lsoa_code) > 1
union all
select 'stg_ons__lsoa_ward', _file, _line, 'LSOA without a ward'
from staging.stg_ons__lsoa_ward where ward_code is null
union all
select 'stg_fingertips__indicator_value', _file, _line, 'period without a sortable form'
from fingertips where period_sort is null
union all
select 'stg_fingertips__indicator_value', _file, _line, 'lower limit above the value'
from fingertips where lower_ci > value
union all
select 'stg_fingertips__indicator_value', _file, _line, 'no category'
from fingertips where category is null
union all
select 'stg_local__indicator_value', _file, _line, 'period without a sortable form'
from staging.stg_local__indicator_value where period_sort is null
union all
select 'stg_local__indicator_value', _file, _line, 'no category'
from staging.stg_local__indicator_value where category is null
