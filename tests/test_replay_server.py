"""The loopback replay server (tests/replay_server.py), exercised with real httpx requests."""

from __future__ import annotations

import time

import httpx
import pytest

from replay_server import ReplayServer, Reply

CSV = b"Indicator ID,Area Code,Value\n90366,E05001234,81.2\n"


@pytest.fixture
def server():
    with ReplayServer() as running:
        yield running


@pytest.fixture
def client():
    with httpx.Client(timeout=2, trust_env=False) as http:  # trust_env=False: never go via a proxy
        yield http


def test_plain_reply_with_body_and_headers(server, client):
    server.route("api/all_data/csv/by_indicator_id", Reply(body=CSV, headers={"X-Source": "fingertips"}))
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/")

    response = client.get(server.url + "api/all_data/csv/by_indicator_id", params={"indicator_ids": "90366"})

    assert response.status_code == 200
    assert response.content == CSV
    assert response.headers["x-source"] == "fingertips"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-length"] == str(len(CSV))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"features": []}', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"<html></html>", "text/html"),
        (b"a,b\n", "text/csv; charset=utf-8"),
    ],
)
def test_default_content_type_follows_the_body(server, client, body, content_type):
    server.route("x", Reply(body=body))
    assert client.get(server.url + "x").headers["content-type"] == content_type


def test_reply_content_type_is_kept(server, client):
    server.route("x", Reply(body=b"{}", headers={"content-type": "application/geo+json"}))
    assert client.get(server.url + "x").headers["content-type"] == "application/geo+json"


def test_replies_are_served_in_order_and_the_last_repeats(server, client):
    server.route("api/v01/dataset/NM_1_1.data.csv", Reply(503), Reply(503), Reply(body=CSV))

    statuses = [client.get(server.url + "api/v01/dataset/NM_1_1.data.csv").status_code for _ in range(5)]

    assert statuses == [503, 503, 200, 200, 200]


def test_registering_a_route_again_replaces_its_replies(server, client):
    server.route("x", Reply(500))
    server.route("x", Reply(201))
    assert client.get(server.url + "x").status_code == 201


def test_query_specific_route_beats_the_generic_one(server, client):
    path = "arcgis/rest/services/WD23_LAD23/FeatureServer/0/query"
    server.route(path, Reply(body=b'{"generic": true}'))
    server.route(path, Reply(body=b'{"page": 2}'), query={"resultOffset": "2000"})

    page_two = client.get(server.url + path, params={"where": "1=1", "resultOffset": "2000", "f": "json"})
    other = client.get(server.url + path, params={"where": "1=1", "resultOffset": "0"})
    bare = client.get(server.url + path)

    assert page_two.json() == {"page": 2}
    assert other.json() == {"generic": True}
    assert bare.json() == {"generic": True}


def test_query_values_are_compared_after_url_decoding(server, client):
    server.route("q", Reply(body=b"[]"), query={"where": "LAD23CD = 'E06000004'"})
    response = client.get(server.url + "q", params={"where": "LAD23CD = 'E06000004'"})
    assert response.status_code == 200
    assert server.requests[-1]["query"] == {"where": "LAD23CD = 'E06000004'"}


def test_query_only_route_does_not_match_other_queries(server, client):
    server.route("q", Reply(body=b"[]"), query={"page": "1"})
    assert client.get(server.url + "q", params={"page": "2"}).status_code == 404


def test_etag_match_gives_304_without_consuming_the_reply(server, client):
    server.route("data.csv", Reply(body=CSV, etag='"v1"'), Reply(body=b"newer\n", etag='"v2"'))
    url = server.url + "data.csv"

    not_modified = client.get(url, headers={"If-None-Match": '"v1"'})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == '"v1"'

    first = client.get(url, headers={"If-None-Match": '"stale"'})  # the 304 left the first reply current
    assert first.status_code == 200
    assert first.content == CSV
    assert first.headers["etag"] == '"v1"'

    assert client.get(url).content == b"newer\n"
    assert client.get(url, headers={"If-None-Match": '"v2"'}).status_code == 304


def test_delay_makes_a_short_timeout_expire(client):
    started = time.monotonic()
    with ReplayServer() as server:
        server.route("slow", Reply(body=CSV, delay=5))
        with pytest.raises(httpx.TimeoutException):
            client.get(server.url + "slow", timeout=0.2)
    assert time.monotonic() - started < 1, "stopping the server must not wait for the delayed reply"


def test_truncated_body_raises_an_http_error(server, client):
    server.route("big.csv", Reply(body=CSV * 100, truncate_to=50))
    with pytest.raises(httpx.HTTPError):
        client.get(server.url + "big.csv")


def test_unknown_path_gives_404_html(server, client):
    server.route("known", Reply(body=b"ok"))
    response = client.get(server.url + "unknown")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html"
    assert response.content == b"<html><body>Not found</body></html>"


def test_requests_are_recorded_with_path_query_and_headers(server, client):
    server.route("api/indicator_metadata/by_indicator_id", Reply(body=b"[]"))

    client.get(
        server.url + "api/indicator_metadata/by_indicator_id",
        params=[("indicator_ids", "90366"), ("indicator_ids", "93553"), ("flag", "")],
        headers={"User-Agent": "fsot-test/1.0", "X-Trace": "abc"},
    )
    client.get(server.url + "missing")

    first, second = server.requests
    assert first["path"] == "api/indicator_metadata/by_indicator_id"
    assert first["query"] == {"indicator_ids": "90366", "flag": ""}
    assert first["headers"]["user-agent"] == "fsot-test/1.0"
    assert first["headers"]["x-trace"] == "abc"
    assert all(name == name.lower() for name in first["headers"])
    assert second == {"path": "missing", "query": {}, "headers": second["headers"]}


def test_route_needs_a_reply(server):
    with pytest.raises(ValueError):
        server.route("x")


def test_parallel_requests_each_get_a_reply(server):
    import concurrent.futures

    server.route("x", *[Reply(status=200 + i) for i in range(8)])

    def fetch(_):
        with httpx.Client(timeout=2, trust_env=False) as http:
            return http.get(server.url + "x").status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(fetch, range(8)))

    assert statuses == [200 + i for i in range(8)]
    assert len(server.requests) == 8
