-- stg_landing__file: the files landed in data/raw as `fsot ingest` recorded them in data/raw/manifest.json
-- (raw.landing_manifest, loaded at build by pipeline/warehouse/provenance.py), typed: one row per record,
-- in the manifest's order (record_number, from 1).
-- Only renames and casts, with the manifest's own defaults: a record without `role` is a data file, a
-- local drop without `status` is current (pipeline/ingest/landing.py reads them so).
-- changes: what changed with a pulled release (on its first body only), parsed from the record's JSON into
-- new_periods, revised and first_release; changes_text is the ingest's own sentence for it.
select
    _record as record_number,
    source as source_id,
    format,
    title,
    publisher,
    release,
    licence,
    origin,
    path,
    retrieved_at,
    cast(bytes as bigint) as bytes,
    sha256,
    coalesce(cast(demonstration as boolean), false) as demonstration,
    nullif(indicator, '') as indicator_id,
    nullif(url, '') as url,
    cast(http_status as integer) as http_status,
    nullif(etag, '') as etag,
    nullif(last_modified, '') as last_modified,
    nullif(release_sha256, '') as release_sha256,
    coalesce(role, 'data') as role,
    case when format = 'local_drop' then coalesce(status, 'current') end as status,
    changes_text,
    case when changes_text is not null
         then coalesce(cast(json_extract(changes, '$.new_periods') as varchar[]), []) end as new_periods,
    case when changes_text is not null
         then coalesce(cast(json_extract_string(changes, '$.revised') as integer), 0) end as revised,
    case when changes_text is not null
         then coalesce(cast(json_extract(changes, '$.first_release') as boolean), false) end as first_release,
    record as provenance_record
from raw.landing_manifest
