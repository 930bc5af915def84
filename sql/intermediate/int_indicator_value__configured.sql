-- int_indicator_value__configured: the values of the indicators and sexes that fsot.toml declares,
-- from the one source each declares: its Fingertips source (area rows; deprivation-category rows such
-- as England's "Most deprived decile" are left out, fsot computes its own deprivation groups), a
-- source of counts by LSOA (ward and borough sums, int_indicator_value__from_counts), a Nomis dataset
-- (the value of one measure, stg_nomis__observation) or, for
-- source = "local", the council's local drops; with each indicator's metadata: theme, unit, polarity
-- (polarity_sign = +1 higher-is-better, −1 lower-is-better), baseline period, and the ward vintage its
-- ward values are on, with that vintage's IMD edition and population weights (fsot.toml [[ward_vintages]]).
-- category: the community breakdown ('All' = the whole population; otherwise '<Category Type>:
-- <Category>', e.g. 'Ethnic groups: Asian', from Fingertips' non-deprivation category rows or a local
-- drop's category column). It is part of every key downstream, next to sex: each breakdown goes
-- through the same gap measures, benchmarks, changes and trends as the whole population.
--
-- period_start, period_end: the first and last day the period's label covers (sql/macros/period_start.sql,
-- period_end.sql: calendar and financial years, pooled years, quarters, months), worked out once per
-- label (period_bounds) rather than once per row.
--
-- Disclosure control (fsot.toml [disclosure]): a value whose count is 1 … max_suppressed_count
-- (default 7) is suppressed here, value, limits and count NULL, with a note, so no published figure,
-- gap or trend downstream is computed from it. A count of 0 is not disclosive and is kept.
-- Reference: the council's disclosure rule as configured in fsot.toml (the programme's default:
-- counts 1 to 7).
with published as (
    select
        indicator_id, sex, category, period, period_sort, period_range, area_code, area_name, area_type, value,
        lower_ci, upper_ci, "count", denominator, value_note, _source, _file, _line
    from staging.stg_fingertips__indicator_value
    where not is_deprivation_category
),

local_drop as (
    select
        indicator_id, sex, category, period, period_sort, cast(null as varchar) as period_range, area_code,
        cast(null as varchar) as area_name, 'local drop' as area_type, value, lower_ci, upper_ci,
        "count", denominator, value_note, _source, _file, _line
    from staging.stg_local__indicator_value
),

counted as (
    select
        indicator_id, sex, category, period, period_sort, period_range, area_code, area_name, area_type, value,
        lower_ci, upper_ci, "count", denominator, value_note, _source, _file, _line
    from intermediate.int_indicator_value__from_counts
),

-- Nomis observations (e.g. the claimant count by ward): the indicator's value is OBS_VALUE of the
-- MEASURE_NAME it names (fsot.toml `measure`); Nomis publishes no limits, count or denominator with it.
nomis as (
    select
        cfg.indicator_id, 'Persons' as sex, 'All' as category, n.period, n.period_sort,
        cast(null as varchar) as period_range, n.area_code, n.area_name, n.area_type, n.value,
        null::double as lower_ci, null::double as upper_ci, null::double as "count", null::double as denominator,
        n.value_note, n._source, n._file, n._line
    from staging.stg_nomis__observation as n
    inner join config.indicator as cfg on cfg.source = n._source and cfg.nomis_measure = n.measure_name
    where coalesce(n.measures_name, 'Value') = 'Value'
),

combined as (
    select * from published
    union all
    select * from local_drop
    union all
    select * from counted
    union all
    select * from nomis
),

period_bounds as (
    select period, period_start(period) as period_start, period_end(period) as period_end
    from (select distinct period from combined)
)

select
    cfg.indicator_id,
    cfg.indicator_name,
    cfg.short_name,
    cfg.theme,
    cfg.unit,
    cfg.polarity,
    cfg.polarity_sign,
    cfg.sort_order as indicator_order,
    cfg.baseline_period,
    cfg.ward_vintage,
    cfg.imd_edition,
    cfg.population_weights,
    val.period = cfg.baseline_period as is_baseline,
    val.sex,
    val.category,
    val.period,
    val.period_sort,
    bounds.period_start,
    bounds.period_end,
    val.period_range,
    val.area_code,
    val.area_name,
    val.area_type,
    case when not disclosive then val.value end as value,
    case when not disclosive then val.lower_ci end as lower_ci,
    case when not disclosive then val.upper_ci end as upper_ci,
    case when not disclosive then val."count" end as "count",
    val.denominator,
    case when disclosive then 'Suppressed by the disclosure rule: count between 1 and '
        || getvariable('disclosure_max_suppressed_count') else val.value_note end as value_note,
    val._source,
    val._file,
    val._line
from (
    select *, coalesce("count" between 1 and getvariable('disclosure_max_suppressed_count'), false) as disclosive
    from combined
) as val
inner join config.indicator as cfg
    on cfg.indicator_id = val.indicator_id and cfg.source = val._source
inner join config.indicator_sex as sexes
    on sexes.indicator_id = cfg.indicator_id and sexes.sex = val.sex
left join period_bounds as bounds on bounds.period = val.period
