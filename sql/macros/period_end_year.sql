-- period_end_year(label): the last calendar year a period's label names; the time axis of the target
-- trajectories (fct_target_progress):
--     "2015 - 19" → 2019,  "2020/21" → 2021,  "2019-2021" → 2021,  "1999/00" → 2000,  "2020" → 2020.
-- A two-digit end year belongs to the start year's century, or the next one when it is smaller than
-- the start year's last two digits.
create or replace macro period_end_year(label) as
    case
        when regexp_matches(label, '^\s*\d{4}\s*[-/]\s*\d{4}\b') then
            cast(regexp_extract(label, '^\s*\d{4}\s*[-/]\s*(\d{4})', 1) as integer)
        when regexp_matches(label, '^\s*\d{4}\s*[-/]\s*\d{2}\b') then
            cast(regexp_extract(label, '^\s*(\d{4})', 1) as integer) // 100 * 100
            + cast(regexp_extract(label, '^\s*\d{4}\s*[-/]\s*(\d{2})', 1) as integer)
            + case when cast(regexp_extract(label, '^\s*\d{4}\s*[-/]\s*(\d{2})', 1) as integer)
                        < cast(regexp_extract(label, '^\s*(\d{4})', 1) as integer) % 100 then 100 else 0 end
        else cast(nullif(regexp_extract(label, '(\d{4})', 1), '') as integer)
    end
