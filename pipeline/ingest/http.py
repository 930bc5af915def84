"""Fetching from web services politely: one httpx client, timeouts, retries with exponential backoff
and jitter on 429, 5xx, timeouts and connection errors (stamina, honouring `Retry-After`), conditional
requests (`If-None-Match` / `If-Modified-Since`), a User-Agent naming fsot, and bodies checked whole.

A failure is a `PullError`: one line naming the source and the URL. Nothing here writes a file: the
connectors collect bodies, `pipeline.ingest.pull` checks and lands them.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import stamina

from pipeline import __version__
from pipeline.config import Http
from pipeline.ingest.landing import PullError

USER_AGENT = f"fsot/{__version__} (A Fairer Stockton-on-Tees outcomes pipeline; python-httpx)"


class _Retryable(Exception):
    """A response worth asking again for (429 or 5xx), with its Retry-After in seconds if it gave one."""

    def __init__(self, response: httpx.Response, retry_after: float | None):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fetched:
    """One response as the service sent it."""

    url: str
    status: int
    body: bytes
    retrieved_at: str
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""
    headers: dict = field(default_factory=dict, compare=False)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds, or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class Session:
    """An httpx client with fsot's retry policy. Use as a context manager."""

    def __init__(self, settings: Http, progress: Callable[[int], None] | None = None):
        self.settings = settings
        self.progress = progress
        self.client = httpx.Client(timeout=settings.timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()

    def _backoff(self, exc: Exception) -> bool | float:
        """stamina's backoff hook: retry 429/5xx (waiting Retry-After when given), timeouts and
        connection errors; nothing else."""
        if isinstance(exc, _Retryable):
            if exc.retry_after is not None:
                return min(exc.retry_after, self.settings.wait_max)
            return True
        return isinstance(exc, httpx.TransportError)

    def get(
        self, source_id: str, url: str, params: dict | None = None, etag: str = "", last_modified: str = ""
    ) -> Fetched:
        """GET url with params; a 304 comes back as a Fetched with status 304 and no body.

        Raises PullError on a 4xx, on a 5xx or transport failure that outlasts the retries, and on a body
        shorter than its Content-Length."""
        request = self.client.build_request("GET", url, params=params)
        if etag:
            request.headers["If-None-Match"] = etag
        elif last_modified:
            request.headers["If-Modified-Since"] = last_modified
        shown = str(request.url)
        try:
            for attempt in stamina.retry_context(
                on=self._backoff,
                attempts=self.settings.attempts,
                timeout=None,
                wait_initial=self.settings.wait_initial,
                wait_max=self.settings.wait_max,
            ):
                with attempt:
                    response, body = self._send(request)
        except _Retryable as exc:
            raise PullError(
                f"source {source_id!r}: {shown}: HTTP {exc.response.status_code} "
                f"{exc.response.reason_phrase} after {self.settings.attempts} attempts; the service is "
                "failing, try again later"
            ) from exc
        except httpx.TimeoutException as exc:
            raise PullError(
                f"source {source_id!r}: {shown}: no answer within {self.settings.timeout:g} s "
                f"({self.settings.attempts} attempts); try again later, or raise [http] timeout_seconds"
            ) from exc
        except httpx.RemoteProtocolError as exc:
            raise PullError(
                f"source {source_id!r}: {shown}: the body was cut off before its end ({exc}); "
                "nothing was landed: try again later"
            ) from exc
        except httpx.TransportError as exc:
            raise PullError(
                f"source {source_id!r}: {shown}: cannot connect ({type(exc).__name__}: {exc}); check "
                "the network and the source's base_url"
            ) from exc
        if response.status_code >= 400:
            raise PullError(
                f"source {source_id!r}: {shown}: HTTP {response.status_code} {response.reason_phrase}; "
                f"check the source's settings in fsot.toml (base_url, ids, query)"
            )
        expected = response.headers.get("Content-Length")
        if (
            expected
            and expected.isdigit()
            and not response.headers.get("Content-Encoding")
            and response.status_code != 304
            and int(expected) != len(body)
        ):
            raise PullError(
                f"source {source_id!r}: {shown}: the body has {len(body):,} bytes, not the "
                f"{int(expected):,} announced; nothing was landed: try again later"
            )
        return Fetched(
            url=shown,
            status=response.status_code,
            body=body,
            retrieved_at=datetime.now(UTC).isoformat(timespec="seconds"),
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
            content_type=response.headers.get("Content-Type", ""),
            headers=dict(response.headers),
        )

    def _send(self, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        """One attempt: the response and its whole body (read in chunks, reported to the progress bar)."""
        response = self.client.send(request, stream=True)
        try:
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(response, retry_after_seconds(response.headers.get("Retry-After")))
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if self.progress:
                    self.progress(len(chunk))
        finally:
            response.close()
        return response, b"".join(chunks)
