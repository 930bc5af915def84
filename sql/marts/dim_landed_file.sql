-- dim_landed_file: every file landed in data/raw, with its provenance as `fsot ingest` recorded it
-- (data/raw/manifest.json, loaded by the build: stg_landing__file), one row per file in the order landed.
-- is_current: the file belongs to its source's current release, the one the build reads: for a file
-- source, a file fsot.toml names under the release it names (config.source_file: where `fsot ingest` lands
-- it); for a source pulled over HTTP, a body of the newest release pulled (the manifest only grows, so the
-- release of the source's last pulled record); for a council's local drop, a drop neither superseded nor
-- withdrawn. Files of earlier releases, and of sources no longer in fsot.toml, are kept with is_current
-- false.
-- file_path: where the file is, relative to the project (data/raw's folder, variable raw_folder, then the
-- path the manifest records), for whoever opens it (the report's maps read boundaries from it).
with latest_pull as (
    select source_id, arg_max(release, record_number) as release
    from staging.stg_landing__file
    where release_sha256 is not null
    group by source_id
)

select
    f.record_number,
    f.source_id,
    f.format,
    f.release,
    f.title,
    f.publisher,
    f.licence,
    f.origin,
    f.path,
    getvariable('raw_folder') || '/' || f.path as file_path,
    f.retrieved_at,
    f.bytes,
    f.sha256,
    f.role,
    f.demonstration,
    f.indicator_id,
    f.status,
    f.url,
    f.http_status,
    f.etag,
    f.last_modified,
    f.release_sha256,
    case
        when s.pulled then f.release_sha256 is not null and f.release = p.release
        when s.source_id is not null then c.path is not null
        when f.format = 'local_drop' then f.status = 'current'
        else false
    end as is_current,
    f.provenance_record
from staging.stg_landing__file as f
left join config.source as s on s.source_id = f.source_id
left join config.source_file as c on c.source_id = f.source_id and c.path = f.path
left join latest_pull as p on p.source_id = f.source_id
order by f.record_number
