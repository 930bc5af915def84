-- Every gap measure's confidence interval must contain its value (lower ≤ value ≤ upper).
select indicator_id, sex, category, period, measure, grouping, value, lower_ci, upper_ci
from marts.fct_gap_measure
where value is not null and lower_ci is not null and (lower_ci > value or upper_ci < value)
