-- fct_ward_indicator must hold one row per ward × indicator × sex × category × period. Offending rows: keys
-- that occur more than once (e.g. a Fingertips export that repeats a period with another Age).
select indicator_id, sex, category, period, ward_code, count(*) as copies, list(source_line order by source_line) as source_lines
from marts.fct_ward_indicator
group by indicator_id, sex, category, period, ward_code
having count(*) > 1
