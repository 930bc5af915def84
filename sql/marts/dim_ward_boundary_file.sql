-- dim_ward_boundary_file: the files of each ward vintage's boundaries that the report's maps draw, one row per
-- ward vintage × file.
-- The files are the current release of the source the vintage's [[ward_vintages]] entry names as
-- `boundaries` (config.ward_vintage_boundaries): for a file source every file fsot.toml names, landed yet or
-- not (is_landed); for a pulled source every body of the newest pull (none before the first pull).
-- file_path: where the file is, relative to the project; sha256: as recorded when it was landed (NULL when it
-- is not landed), for the report to check the file against before drawing it.
with named as (
    select
        b.ward_vintage,
        b.boundaries_source as source_id,
        s.release,
        c.file_order,
        coalesce(l.file_path, getvariable('raw_folder') || '/' || c.path) as file_path,
        l.sha256,
        l.record_number is not null as is_landed
    from config.ward_vintage_boundaries as b
    inner join config.source as s on s.source_id = b.boundaries_source and not s.pulled
    inner join config.source_file as c on c.source_id = b.boundaries_source
    left join marts.dim_landed_file as l on l.source_id = c.source_id and l.path = c.path
),

pulled as (
    select
        b.ward_vintage,
        b.boundaries_source as source_id,
        l.release,
        cast(row_number() over (partition by b.ward_vintage order by l.record_number) as integer) as file_order,
        l.file_path,
        l.sha256,
        true as is_landed
    from config.ward_vintage_boundaries as b
    inner join config.source as s on s.source_id = b.boundaries_source and s.pulled
    inner join marts.dim_landed_file as l on l.source_id = b.boundaries_source and l.is_current and l.role = 'data'
)

select * from named
union all
select * from pulled
order by ward_vintage, file_order
