-- unquarantined(tbl): the rows of the landed table raw.<tbl> that passed validation: those the
-- validation suites failed wait in quarantine.<tbl> with the reason (pipeline/validate), and every
-- staging model reads its source through this filter. Rows are matched on where they were read
-- from, (_source, _file, _line); the columns are raw.<tbl>'s, unchanged.
-- A table macro: query_table() turns the names 'raw.' || tbl and 'quarantine.' || tbl into tables.
create or replace macro unquarantined(tbl) as table
    select landed.*
    from query_table('raw.' || tbl) as landed
    anti join query_table('quarantine.' || tbl) as held using (_source, _file, _line)
