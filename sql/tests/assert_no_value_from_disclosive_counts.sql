-- No value that reaches the marts may rest on a disclosive count (1 … max_suppressed_count).
select indicator_id, sex, category, period, ward_code, "count", value
from marts.fct_ward_indicator
where value is not null and "count" between 1 and getvariable('disclosure_max_suppressed_count')
