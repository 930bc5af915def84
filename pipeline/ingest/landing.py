"""Land source files in data/raw/<source>/<release>/ unchanged, with a provenance record for each.

data/raw/ is immutable after landing: landing the same bytes again is a no-op; different bytes at a
path already landed are refused (a new release must be landed under its own release name).
The manifest `data/raw/manifest.json` lists every landed file: source, publisher, release,
licence, where it came from, when it was retrieved, its size and sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.config import Config, Source
from pipeline.safe_write import write_atomically


class LandingError(RuntimeError):
    """A file could not be landed, or a landed file has changed."""


class PullError(RuntimeError):
    """A source could not be pulled over HTTP (nothing was landed); the message names the source, the
    URL and what to do."""


@dataclass(frozen=True)
class Provenance:
    source: str
    format: str
    title: str
    publisher: str
    release: str
    licence: str
    origin: str
    path: str  # relative to the raw folder
    retrieved_at: str
    bytes: int
    sha256: str
    demonstration: bool
    indicator: str = ""  # for local drops: the indicator the file gives values of
    # pulled over HTTP: the full request URL, the response's status and validators, the release's
    # combined sha256 (of every body, in order) and, on its first file, what changed since the last one
    url: str = ""
    http_status: int | None = None
    etag: str = ""
    last_modified: str = ""
    release_sha256: str = ""
    changes: dict | None = None
    role: str = "data"  # "metadata": landed for the record, not read into the warehouse

    @classmethod
    def of(cls, source: Source, **fields: Any) -> Provenance:
        """The provenance of a file of `source`: the source's id, format, title, publisher, release, licence
        and demonstration flag, with `fields` (where the file came from, its checksum …) added or overriding."""
        described = {
            "source": source.id,
            "format": source.format,
            "title": source.title,
            "publisher": source.publisher,
            "release": source.release,
            "licence": source.licence,
            "demonstration": source.demonstration,
        }
        return cls(**{**described, **fields})


def record_of(provenance: Provenance) -> dict:
    """The manifest record: every field, less the HTTP ones a file landing leaves empty."""
    record = asdict(provenance)
    for name in ("url", "http_status", "etag", "last_modified", "release_sha256", "changes", "role"):
        if record[name] in ("", None, "data"):
            del record[name]
    return record


_DIGESTS: dict[tuple, str] = {}


def sha256_of(path: Path) -> str:
    """The file's sha256, computed once per process for a file that has not changed (same inode, size
    and modification time): a build checks every landed file and keys its validation cache by it."""
    status = path.stat()
    key = (str(path.resolve()), status.st_ino, status.st_size, status.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = _sha256(path)
    return _DIGESTS[key]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "unspecified"


def read_manifest(config: Config) -> list[dict]:
    """The provenance records of every landed file; a damaged manifest is one line saying what to do."""
    path = config.raw_manifest_path
    if not path.is_file():
        return []
    try:
        records = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(records, list) or not all(
            isinstance(r, dict) and {"source", "path", "sha256", "format"} <= set(r) for r in records
        ):
            raise ValueError("a record lacks source, path, sha256 or format")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LandingError(
            f"{path}: the provenance manifest is damaged ({type(exc).__name__}: {exc}); fsot "
            "writes it atomically, so restore it from a backup (or remove data/raw and ingest "
            "again); nothing was changed"
        ) from exc
    return records


def write_manifest(config: Config, records: list[dict]) -> None:
    path = config.raw_manifest_path
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"files": records}, indent=2, sort_keys=True) + "\n"
    write_atomically(path, lambda partial: partial.write_text(text, encoding="utf-8"))


def landing_dir(config: Config, source: Source) -> Path:
    return config.raw_dir / source.id / slug(source.release)


def land_source(config: Config, source: Source, now: datetime | None = None) -> list[Provenance]:
    """Copy the source's files into its landing folder and record provenance for newly landed ones.

    Returns the records added (empty when every file was already landed with the same bytes)."""
    records = read_manifest(config)
    known = {r["path"]: r for r in records}
    added: list[Provenance] = []
    retrieved_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    target_dir = landing_dir(config, source)
    for name in source.files:
        origin = (config.root / name) if not Path(name).is_absolute() else Path(name)
        if not origin.is_file():
            raise LandingError(
                f"{origin}: file not found for source {source.id!r}; check 'files' in {config.path.name}"
            )
        digest = sha256_of(origin)
        target = target_dir / origin.name
        relative = target.relative_to(config.raw_dir).as_posix()
        if target.exists():
            landed = known.get(relative, {}).get("sha256") or sha256_of(target)
            if landed != digest:
                raise LandingError(
                    f"{target}: already landed with different contents (sha256 {landed[:12]}…, new {digest[:12]}…); "
                    f"raw files are never overwritten: give source {source.id!r} a new 'release' and ingest again"
                )
            if relative in known:
                continue
        else:
            target_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(target, lambda partial: shutil.copyfile(origin, partial))  # noqa: B023 (called at once)
            os.chmod(target, 0o444)
        record = Provenance.of(
            source,
            origin=str(name),
            path=relative,
            retrieved_at=retrieved_at,
            bytes=target.stat().st_size,
            sha256=digest,
        )
        records.append(record_of(record))
        known[relative] = record_of(record)
        added.append(record)
    if added:
        write_manifest(config, records)
    return added


LOCAL_FORMAT = "local_drop"
# A local drop is "current" (the build loads it), "superseded" (a later file for the same indicator
# replaced it) or "withdrawn" (`fsot drops withdraw`). Its file stays in data/raw either way.
DROP_STATUSES = ("current", "superseded", "withdrawn")


def drop_records(config: Config, indicator_id: str | None = None) -> list[dict]:
    """The manifest records of local drops (every status), in the order landed."""
    return [
        r for r in read_manifest(config) if r["format"] == LOCAL_FORMAT and indicator_id in (None, r.get("indicator"))
    ]


def land_local(
    config: Config,
    path: Path,
    indicator_id: str,
    now: datetime | None = None,
    add: bool = False,
    rows: int | None = None,
) -> tuple[Path, bool, list[str]]:
    """Land a council's own file for an indicator under data/raw/local/<indicator>/<sha256[:12]>/.

    By default the new file supersedes the indicator's current drops (a corrected file replaces the one
    it corrects); with add=True it joins them (e.g. a file of new periods). The same bytes again, under
    any name, land nothing: a current drop stays as it is, a superseded or withdrawn one is made current.
    Returns (landed path, newly landed, ids of the drops it superseded)."""
    digest = sha256_of(path)
    drop_id = digest[:12]
    records = read_manifest(config)
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    same = [
        r
        for r in records
        if r["format"] == LOCAL_FORMAT and r.get("indicator") == indicator_id and r["sha256"] == digest
    ]
    superseded: list[str] = []
    if not add:
        for r in records:
            if (
                r["format"] == LOCAL_FORMAT
                and r.get("indicator") == indicator_id
                and r["sha256"] != digest
                and r.get("status", "current") == "current"
            ):
                r.update(status="superseded", superseded_by=drop_id, status_changed_at=stamp)
                superseded.append(r["release"])
    if same:
        target = config.raw_dir / same[0]["path"]
        if same[0].get("status", "current") != "current" or superseded:
            same[0].update(status="current", status_changed_at=stamp)
            write_manifest(config, records)
        return target, False, superseded
    source = Source(
        id="local",
        format=LOCAL_FORMAT,
        files=(str(path),),
        publisher="local authority (local drop)",
        release=drop_id,
        licence="see the supplier's terms",
        title=f"local values for {indicator_id}",
    )
    target = config.raw_dir / "local" / slug(indicator_id) / drop_id / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, lambda partial: shutil.copyfile(path, partial))
    os.chmod(target, 0o444)
    record = record_of(
        Provenance.of(
            source,
            origin=str(path),
            path=target.relative_to(config.raw_dir).as_posix(),
            retrieved_at=stamp,
            bytes=target.stat().st_size,
            sha256=digest,
            demonstration=False,
            indicator=indicator_id,
        )
    )
    record.update(status="current", rows=rows)
    write_manifest(config, records + [record])
    return target, True, superseded


def withdraw_drop(config: Config, drop_id: str, now: datetime | None = None) -> dict:
    """Stop using a local drop: it is marked withdrawn in the manifest (its file stays in data/raw)."""
    records = read_manifest(config)
    matches = [r for r in records if r["format"] == LOCAL_FORMAT and r["release"].startswith(drop_id)]
    if len(drop_id) < 6 or not matches:
        raise LandingError(f"no local drop has id {drop_id!r}; `fsot drops` lists them (give at least 6 characters)")
    if len({(r["release"], r.get("indicator")) for r in matches}) > 1:
        raise LandingError(f"id {drop_id!r} names more than one drop; give more of it (see `fsot drops`)")
    matches[0].update(status="withdrawn", status_changed_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"))
    write_manifest(config, records)
    return matches[0]


def local_drops(config: Config) -> dict[str, list[Path]]:
    """The current local drops by indicator, each checked against its recorded sha256."""
    drops: dict[str, list[Path]] = {}
    for record in drop_records(config):
        if record.get("status", "current") != "current":
            continue
        target = config.raw_dir / record["path"]
        if not target.is_file() or sha256_of(target) != record["sha256"]:
            raise LandingError(
                f"{target}: missing or changed since it was landed (sha256 differs from "
                "data/raw/manifest.json); restore the original or land the file again"
            )
        drops.setdefault(record["indicator"], []).append(target)
    return drops


def latest_release(config: Config, source: Source) -> list[dict]:
    """The manifest records of a pulled source's newest release (its files in order); [] if none. The
    manifest only grows, so the newest release is the last one recorded."""
    records = [r for r in read_manifest(config) if r["source"] == source.id and r.get("release_sha256")]
    if not records:
        return []
    newest = records[-1]["release"]
    return [r for r in records if r["release"] == newest]


def land_pulled(
    config: Config, source: Source, bodies: list, digest: str, changes: dict, metadata: tuple[str, ...] = ()
) -> str:
    """Land the bodies of one pull as a new release of the source, all or nothing: written to a hidden
    folder, then renamed to data/raw/<source>/<release>/ and recorded. Returns the release name
    (the retrieval time and the start of the bodies' combined sha256)."""
    retrieved = min(f.retrieved_at for _, f in bodies)
    release = retrieved.replace(":", "").replace("+0000", "Z")[:17] + "Z-" + digest[:8]
    target = config.raw_dir / source.id / release
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".landing-"))
    records = []
    for n, (name, fetched) in enumerate(bodies):
        (staging / name).write_bytes(fetched.body)
        os.chmod(staging / name, 0o444)
        records.append(
            record_of(
                Provenance.of(
                    source,
                    release=release,
                    origin=fetched.url,
                    path=f"{source.id}/{release}/{name}",
                    retrieved_at=fetched.retrieved_at,
                    bytes=len(fetched.body),
                    sha256=hashlib.sha256(fetched.body).hexdigest(),
                    url=fetched.url,
                    http_status=fetched.status,
                    etag=fetched.etag,
                    last_modified=fetched.last_modified,
                    release_sha256=digest,
                    changes=changes if n == 0 else None,
                    role="metadata" if name in metadata else "data",
                )
            )
        )
    os.replace(staging, target)
    write_manifest(config, read_manifest(config) + records)
    return release


def landed_files(config: Config, source: Source) -> list[Path]:
    """The landed copies of the source's current release, checked against their recorded sha256: for a
    file source its configured release, for a pulled source the newest release pulled."""
    if source.pulled:
        records = latest_release(config, source)
        if not records:
            raise LandingError(f"source {source.id!r} has not been pulled yet; run `fsot ingest` (with network) first")
        for record in records:
            target = config.raw_dir / record["path"]
            if not target.is_file() or sha256_of(target) != record["sha256"]:
                raise LandingError(
                    f"{target}: missing or changed since it was landed (sha256 differs from "
                    "data/raw/manifest.json); run `fsot ingest` to pull the source again"
                )
        return [config.raw_dir / r["path"] for r in records if r.get("role", "data") == "data"]
    known = {r["path"]: r for r in read_manifest(config)}
    paths = []
    for name in source.files:
        target = landing_dir(config, source) / Path(name).name
        relative = target.relative_to(config.raw_dir).as_posix()
        if relative not in known or not target.is_file():
            raise LandingError(f"{target}: not landed yet for source {source.id!r}; run `fsot ingest` first")
        if sha256_of(target) != known[relative]["sha256"]:
            raise LandingError(
                f"{target}: changed since it was landed (sha256 differs from data/raw/manifest.json); "
                "raw files must not be edited: restore the original or land a new release"
            )
        paths.append(target)
    return paths
