-- period_end(label): the last day a period's label covers (the grammar and conventions of
-- sql/macros/period_start.sql): "2021" → 2021-12-31; "2021/22" → 2022-03-31; "2019 - 21" → 2021-12-31;
-- "2019-2021" → 2021-12-31; "2018/19 - 20/21" → 2021-03-31; "2021 Q3" → 2021-09-30;
-- "2021/22 Q4" → 2022-03-31; "Jan 2024" → 2024-01-31. A two-digit year belongs to the start year's
-- century, or the next one when it is smaller than the start year's last two digits (period_end_year).
-- NULL for a label outside the grammar.
create or replace macro period_end(label) as
    case
        when regexp_matches(trim(label), ' Q[1-4]$') then
            cast(period_start(label) + interval 3 month - interval 1 day as date)
        when regexp_matches(trim(label), '^[A-Za-z]+ \d{4}$') then
            last_day(period_start(label))
        when regexp_matches(trim(label), '^\d{4}/\d{2}( - \d{2}/\d{2})?$') then
            make_date(period_end_year(regexp_extract(trim(label), '^(\d{4})', 1) || '/'
                                      || regexp_extract(trim(label), '(\d{2})$', 1)), 3, 31)
        when regexp_matches(trim(label), '^\d{4}( ?- ?(\d{2}|\d{4}))?$') then
            make_date(period_end_year(trim(label)), 12, 31)
    end
