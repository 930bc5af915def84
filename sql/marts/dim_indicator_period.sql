-- dim_indicator_period: the periods of each indicator and sex in the warehouse, one row per indicator × sex ×
-- period, with the keys that put them in time order.
-- From int_indicator_value__configured: period_sort (Fingertips' Time period Sortable, else the first year ×
-- 10000), period_start and period_end (the first and last day the label covers: sql/macros/period_start.sql,
-- period_end.sql). The report and the exports sort periods by these, never by the label's text.
select
    indicator_id,
    sex,
    period,
    min(period_sort) as period_sort,
    min(period_start) as period_start,
    max(period_end) as period_end
from intermediate.int_indicator_value__configured
group by indicator_id, sex, period
order by indicator_id, sex, period_sort, period
