-- period_start(label): the first day a period's label covers, for the period grammar of the
-- validation suites (pipeline/validate/suites.py PERIOD; anything else is quarantined first):
--     "2021" → 2021-01-01 (calendar year);   "2021/22" → 2021-04-01 (financial year, April to March);
--     "2019 - 21", "2019-2021" → 2019-01-01 (pooled calendar years);
--     "2018/19 - 20/21" → 2018-04-01 (pooled financial years);
--     "2021 Q3" → 2021-07-01 (calendar quarter);   "2021/22 Q1" → 2021-04-01 (financial quarter);
--     "Jan 2024", "January 2024" → 2024-01-01 (month).
-- NULL for a label outside the grammar.
create or replace macro period_start(label) as cast(
    case
        when regexp_matches(trim(label), '^\d{4}/\d{2} Q[1-4]$') then
            make_date(cast(left(trim(label), 4) as integer), 4, 1)
            + to_months(3 * (cast(right(trim(label), 1) as integer) - 1))
        when regexp_matches(trim(label), '^\d{4} Q[1-4]$') then
            make_date(cast(left(trim(label), 4) as integer), 3 * cast(right(trim(label), 1) as integer) - 2, 1)
        when regexp_matches(trim(label), '^\d{4}/\d{2}( - \d{2}/\d{2})?$') then
            make_date(cast(left(trim(label), 4) as integer), 4, 1)
        when regexp_matches(trim(label), '^\d{4}( ?- ?(\d{2}|\d{4}))?$') then
            make_date(cast(left(trim(label), 4) as integer), 1, 1)
        else cast(coalesce(try_strptime(trim(label), '%b %Y'), try_strptime(trim(label), '%B %Y')) as date)
    end as date)
