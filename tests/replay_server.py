"""Loopback replays of the Fingertips, Nomis and ONS ArcGIS APIs for the connector tests; no network.

A tiny HTTP server on 127.0.0.1 (standard library only) that answers GET requests with recorded
responses queued per path:

    with ReplayServer() as server:
        server.route("api/all_data/csv/by_indicator_id", Reply(503), Reply(body=b"a,b\\n1,2\\n"),
                     query={"indicator_ids": "90366"})
        ...  # point the connector at server.url
        assert server.requests[0]["query"]["indicator_ids"] == "90366"

Replies for a route are served in order and the last one repeats forever. A route registered with
`query` matches only requests carrying all those parameters and wins over the same path without one.
Unknown paths get a 404 HTML page. Every reply closes its connection (`Connection: close`).
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

NOT_FOUND = b"<html><body>Not found</body></html>"
# Headers the server writes itself (Content-Type from Reply.content_type()).
_SERVER_HEADERS = {"content-length", "connection", "content-type"}


@dataclass
class Reply:
    """One recorded response."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (cut short when the server stops)
    truncate_to: int | None = None  # announce the full Content-Length, send only this many bytes, close
    etag: str | None = None  # sent as ETag; a request whose If-None-Match equals it gets a bare 304

    def content_type(self) -> str:
        """The Content-Type header if set, else guessed from the body's first non-blank byte."""
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value
        start = self.body.lstrip()[:1]
        if start in (b"{", b"["):
            return "application/json"
        if start == b"<":
            return "text/html"
        return "text/csv; charset=utf-8"


@dataclass
class _Route:
    replies: list[Reply]
    served: int = 0  # replies consumed so far; the last reply repeats once the others are used up

    def current(self) -> Reply:
        return self.replies[min(self.served, len(self.replies) - 1)]


class ReplayServer:
    """Context manager running a ThreadingHTTPServer on a free loopback port in a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, frozenset[tuple[str, str]] | None], _Route] = {}
        self._requests: list[dict] = []
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def __enter__(self) -> ReplayServer:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.replay = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="replay-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()  # wakes handlers sleeping on Reply.delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("ReplayServer is not running: use it as `with ReplayServer() as server:`")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    # -- configuration and inspection --------------------------------------------------------------

    def route(self, path: str, *replies: Reply, query: dict[str, str] | None = None) -> None:
        """Serve `replies` in order for GET `path` (no leading slash); the last one repeats.

        With `query`, only requests whose parameters include all those key/values match, and such a
        route beats the same path without `query`. Registering the same path and query again
        replaces its replies.
        """
        if not replies:
            raise ValueError("route() needs at least one Reply")
        key = (path.lstrip("/"), None if query is None else frozenset(query.items()))
        with self._lock:
            self._routes[key] = _Route(list(replies))

    @property
    def requests(self) -> list[dict]:
        """Every request received so far, in order: {"path", "query", "headers"} (a snapshot)."""
        with self._lock:
            return [
                {"path": record["path"], "query": dict(record["query"]), "headers": dict(record["headers"])}
                for record in self._requests
            ]

    # -- serving (called from handler threads) -----------------------------------------------------

    def _take(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[Reply | None, bool]:
        """Log the request and pick its reply; returns (reply or None for 404, answer with 304)."""
        with self._lock:
            self._requests.append({"path": path, "query": query, "headers": headers})
            request_items = frozenset(query.items())
            matches = [
                (key, route)
                for key, route in self._routes.items()
                if key[0] == path and (key[1] is None or key[1] <= request_items)
            ]
            if not matches:
                return None, False
            # the most specific route wins: a route with query parameters beats one without
            _, route = max(matches, key=lambda match: len(match[0][1] or ()))
            reply = route.current()
            if reply.etag is not None and headers.get("if-none-match") == reply.etag:
                return reply, True  # a 304 consumes nothing: the same reply stays current
            route.served += 1
            return reply, False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client gave up (timeout tests); nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature from the base class
        pass  # keep test output clean

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path).lstrip("/")
        query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {name.lower(): value for name, value in self.headers.items()}
        replay = self.server.replay
        reply, not_modified = replay._take(path, query, headers)
        self.close_connection = True

        if reply is None:
            self._send(404, {"Content-Type": "text/html"}, NOT_FOUND)
            return
        if reply.delay and replay._stopping.wait(reply.delay):
            return  # server is stopping: drop the connection without answering
        if not_modified:
            self.send_response(304)
            self.send_header("ETag", reply.etag)
            self.send_header("Connection", "close")
            self.end_headers()
            return
        own = _SERVER_HEADERS | ({"etag"} if reply.etag is not None else set())
        headers = {name: value for name, value in reply.headers.items() if name.lower() not in own}
        headers["Content-Type"] = reply.content_type()
        if reply.etag is not None:
            headers["ETag"] = reply.etag
        body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
        self._send(reply.status, headers, body, content_length=len(reply.body))

    def _send(self, status: int, headers: dict[str, str], body: bytes, content_length: int | None = None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if content_length is None else content_length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
