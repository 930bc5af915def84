-- fct_ward_indicator: one row per ward × indicator × sex × category × period, tidy.
-- category: 'All' (the whole population) or a community breakdown, e.g. 'Ethnic groups: Asian'.
-- Value and 95 % limits as published (NULL when suppressed; value_note says why), count and
-- denominator, and the ward's deprivation: IMD score, national decile, local quintile
-- (int_ward_deprivation, of the indicator's ward vintage, named with its IMD edition and population
-- weights in every row). Rows for wards outside the borough are kept (in_borough = false) for
-- national comparison.
-- No computation: values, limits and notes are the publisher's (OHID Fingertips or the council's local
-- drop), after the disclosure rule of int_indicator_value__configured.
select
    val.indicator_id,
    val.indicator_name,
    val.theme,
    val.unit,
    val.polarity,
    val.sex,
    val.category,
    val.period,
    val.period_sort,
    val.period_start,
    val.period_end,
    val.is_baseline,
    val.ward_vintage,
    val.imd_edition,
    val.population_weights,
    ward.ward_code,
    ward.ward_name,
    ward.la_code,
    ward.in_borough,
    val.value,
    val.lower_ci,
    val.upper_ci,
    val."count",
    val.denominator,
    val.value_note,
    ward.population,
    ward.imd_score,
    ward.score_population_share,
    ward.deprivation_note,
    ward.national_rank,
    ward.national_decile,
    ward.local_rank,
    ward.local_population_midpoint,
    ward.local_quintile,
    val._file as source_file,
    val._line as source_line
from intermediate.int_indicator_value__configured as val
inner join intermediate.int_ward_deprivation as ward
    on ward.ward_vintage = val.ward_vintage and ward.ward_code = val.area_code
order by val.indicator_order, val.sex, val.category, val.period_sort, ward.local_rank, ward.ward_code
