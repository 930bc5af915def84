-- A published 95 % confidence interval must contain its value (lower ≤ value ≤ upper).
select indicator_id, sex, category, period, ward_code, value, lower_ci, upper_ci, source_file, source_line
from marts.fct_ward_indicator
where value is not null and (lower_ci > value or upper_ci < value)
