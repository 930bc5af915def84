-- dim_source_release: each release of each source landed in data/raw, one row per source × release, with
-- when it was retrieved, how many files it holds and, for a release pulled over HTTP, what changed since the
-- release before.
-- From dim_landed_file, and what `fsot ingest` recorded and said about the changes (stg_landing__file).
-- is_current: the release holds the source's current files (dim_landed_file.is_current): for a file source
-- the release fsot.toml names, for a pulled source the newest pulled.
-- release_order: 1 = the source's first release landed, by the manifest's order.
-- changes_text, new_periods, revised, first_release: from the release's first file that carries a record of
-- changes (a pulled release's first body); NULL for a release landed from files, which records none.
with files as (
    select
        l.*,
        f.changes_text,
        f.new_periods,
        f.revised,
        f.first_release
    from marts.dim_landed_file as l
    inner join staging.stg_landing__file as f using (record_number)
)

select
    source_id,
    release,
    row_number() over (partition by source_id order by min(record_number)) as release_order,
    bool_or(is_current) as is_current,
    bool_or(release_sha256 is not null) as is_pulled,
    arg_min(format, record_number) as format,
    count(*) as files,
    count(*) filter (where role = 'data') as data_files,
    cast(sum(bytes) as bigint) as bytes,
    min(retrieved_at) as first_retrieved_at,
    max(retrieved_at) as last_retrieved_at,
    cast(left(max(retrieved_at), 10) as date) as last_retrieved_on,
    arg_min(release_sha256, record_number) as release_sha256,
    bool_or(demonstration) as demonstration,
    arg_min(changes_text, record_number) filter (where changes_text is not null) as changes_text,
    arg_min(new_periods, record_number) filter (where changes_text is not null) as new_periods,
    arg_min(revised, record_number) filter (where changes_text is not null) as revised,
    arg_min(first_release, record_number) filter (where changes_text is not null) as first_release
from files
group by source_id, release
order by source_id, release_order
