"""Sources pulled over HTTP (fingertips_api, nomis_api, ons_arcgis), through the real client, against a
loopback server replaying bodies in the services' formats: landing with full provenance, a build from
what was pulled, conditional refreshes, retries, "what changed", and every failure clean (one line,
exit 2, nothing landed, the last good release and warehouse untouched)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.ingest.http import USER_AGENT
from replay_server import ReplayServer, Reply

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

PUBLIC = Path(__file__).resolve().parents[1] / "data" / "raw" / "public"
FINGERTIPS = "api/all_data/csv/by_indicator_id"
METADATA = "api/indicator_metadata/by_indicator_id"
NOMIS = "nomis/dataset/NM_162_1.data.csv"
ARCGIS = "arcgis/WD19_LU/FeatureServer/0/query"
NOMIS_HEADER = [
    "DATE",
    "DATE_NAME",
    "GEOGRAPHY_NAME",
    "GEOGRAPHY_CODE",
    "GEOGRAPHY_TYPE",
    "MEASURE_NAME",
    "MEASURES_NAME",
    "OBS_VALUE",
    "OBS_STATUS",
    "RECORD_OFFSET",
    "RECORD_COUNT",
]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Loopback requests must never go through a proxy set in the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def nomis_pages(values: dict[str, float], size: int) -> list[bytes]:
    """Claimant count rows for the tiny project's wards, paged as Nomis pages them (RECORD_OFFSET,
    RECORD_COUNT on every row)."""
    rows = [
        ["2026-10", "October 2026", name, code, "2022 wards", "Claimant count", "Value", f"{v:g}", "", "", ""]
        for (code, name), v in values.items()
    ]
    pages = []
    for start in range(0, len(rows), size):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(NOMIS_HEADER)
        for n, row in enumerate(rows[start : start + size]):
            writer.writerow(row[:9] + [str(start + n), str(len(rows))])
        pages.append(buffer.getvalue().encode())
    return pages


def arcgis_pages(size: int) -> list[bytes]:
    """The tiny lookup as ArcGIS query responses of `size` features, exceededTransferLimit on all but the last."""
    reader = csv.DictReader(io.StringIO(tiny_project.lookup().decode("utf-8-sig")))
    features = [
        {"attributes": {k: row[k] for k in ("LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM")}}
        for row in reader
    ]
    fields = [{"name": k, "type": "esriFieldTypeString"} for k in features[0]["attributes"]]
    pages = []
    for start in range(0, len(features), size):
        page = {"objectIdFieldName": "FID", "fields": fields, "features": features[start : start + size]}
        if start + size < len(features):
            page["exceededTransferLimit"] = True
        pages.append(json.dumps(page).encode())
    return pages


WARDS = {(code, name): float(n) for n, (code, name, _la, _m) in enumerate(tiny_project.WARDS, start=1)}


def serve(server: ReplayServer, fingertips: bytes | None = None, etag: str = "v1") -> None:
    server.route(FINGERTIPS, Reply(body=fingertips or tiny_project.fingertips(), etag=etag))
    server.route(METADATA, Reply(body=b'[{"IID": 93283, "Unit": {"Label": "years"}}]'))
    for n, page in enumerate(nomis_pages(WARDS, size=6)):
        server.route(NOMIS, Reply(body=page, etag="n1" if n == 0 else None), query={"RecordOffset": str(6 * n)})
    for n, page in enumerate(arcgis_pages(size=8)):
        server.route(ARCGIS, Reply(body=page, etag="a1" if n == 0 else None), query={"resultOffset": str(8 * n)})


def api_project(root: Path, url: str) -> Path:
    """The tiny project with its lookup from ons_arcgis, its indicator values from fingertips_api and the
    claimant count from nomis_api, all at the loopback server; fast retries."""
    config = tiny_project.write(root)
    text = config.read_text()
    text = text.replace(
        """id = "wards"
format = "ons_lsoa_ward_lookup"
files = ["inbox/LSOA_to_Ward_tiny.csv"]""",
        f'''id = "wards"
format = "ons_arcgis"
base_url = "{url}arcgis/"
service = "WD19_LU"
page_size = 8''',
    )
    text = text.replace(
        """id = "fingertips"
format = "fingertips_csv"
files = ["inbox/fingertips_tiny.csv"]""",
        f'''id = "fingertips"
format = "fingertips_api"
base_url = "{url}api/"
indicator_ids = [93283, 93097]
child_area_type_id = 8
parent_area_type_id = 101
parent_area_code = "E06000004"''',
    )
    text += f'''
[http]
timeout_seconds = 0.5
attempts = 3
wait_initial_seconds = 0.01
wait_max_seconds = 0.05

[[sources]]
id = "claimants"
format = "nomis_api"
base_url = "{url}nomis/"
dataset = "NM_162_1"
query = {{ geography = "TYPE153", date = "latest", gender = "0", age = "0", measure = "1", measures = "20100" }}
page_size = 6
publisher = "ONS (Nomis)"
licence = "Open Government Licence v3.0"

[[indicators]]
id = "claimants"
name = "Claimant count"
theme = "employment"
unit = "claimants"
polarity = "lower-is-better"
source = "claimants"
measure = "Claimant count"
baseline_period = "October 2026"
'''
    config.write_text(text)
    return config


def ingest(config: Path, *args: str):
    return CliRunner().invoke(cli, ["ingest", *args, "--config", str(config)])


def manifest(root: Path) -> list[dict]:
    path = root / "data" / "raw" / "manifest.json"
    return json.loads(path.read_text())["files"] if path.exists() else []


def test_each_api_format_lands_with_full_provenance_and_builds(tmp_path):
    with ReplayServer() as server:
        serve(server)
        config = api_project(tmp_path, server.url)
        result = ingest(config)
        assert result.exit_code == 0, result.output
        records = {}
        for r in manifest(tmp_path):  # the first file of each source
            records.setdefault(r["source"], r)
        for source in ("wards", "fingertips", "claimants"):
            record = records[source]
            assert record["url"].startswith(server.url) and record["http_status"] == 200
            assert len(record["sha256"]) == 64 and record["retrieved_at"] and record["release"]
        assert records["fingertips"]["etag"] == "v1"
        assert "indicator_ids=93283%2C93097" in records["fingertips"]["url"]
        pages = [r for r in manifest(tmp_path) if r["source"] == "claimants"]
        assert len(pages) == 3  # 15 wards, pages of 6
        assert {r["source"] for r in manifest(tmp_path) if r["source"] == "wards"} and len(
            [r for r in manifest(tmp_path) if r["source"] == "wards"]
        ) == 3  # 19 LSOAs, pages of 8
        metadata = [r for r in manifest(tmp_path) if r.get("role") == "metadata"]
        assert [Path(r["path"]).name for r in metadata] == ["indicator_metadata.json"]
        assert all(r["headers"]["user-agent"] == USER_AGENT for r in server.requests)
        for r in manifest(tmp_path):  # landed exactly as served
            assert (tmp_path / "data" / "raw" / r["path"]).stat().st_size == r["bytes"]
        build = CliRunner().invoke(cli, ["build", "--config", str(config)])
        assert build.exit_code == 0, build.output
    con = duckdb.connect(str(tmp_path / "data" / "processed" / "fsot.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from intermediate.int_ward_deprivation").fetchall() == [(15,)]
        assert con.execute("select count(*) from marts.fct_ward_indicator").fetchall()[0][0] > 0
        assert con.execute("select count(*), sum(value) from staging.stg_nomis__observation").fetchall() == [
            (15, sum(WARDS.values()))
        ]
        claimants = con.execute(
            "select ward_code, value from marts.fct_ward_indicator "
            "where indicator_id = 'claimants' and in_borough order by ward_code"
        ).fetchall()
        assert claimants == [(code, v) for (code, _name), v in WARDS.items()][:10]  # the borough's ten wards
    finally:
        con.close()


def test_a_second_ingest_is_one_conditional_request_per_source_and_lands_nothing(tmp_path):
    with ReplayServer() as server:
        serve(server)
        config = api_project(tmp_path, server.url)
        assert ingest(config).exit_code == 0
        before, asked = manifest(tmp_path), len(server.requests)
        result = ingest(config)
        assert result.exit_code == 0, result.output
        again = server.requests[asked:]
        assert len(again) == 3  # one per source
        assert {r["headers"]["if-none-match"] for r in again} == {"v1", "n1", "a1"}
        assert manifest(tmp_path) == before
        assert result.output.count("unchanged") >= 3


def test_retries_after_two_503s_and_honours_retry_after(tmp_path):
    with ReplayServer() as server:
        serve(server)
        server.route(
            FINGERTIPS,
            Reply(503, headers={"Retry-After": "0"}),
            Reply(503),
            Reply(body=tiny_project.fingertips(), etag="v1"),
        )
        config = api_project(tmp_path, server.url)
        result = ingest(config, "--source", "fingertips")
        assert result.exit_code == 0, result.output
        assert sum(r["path"] == FINGERTIPS for r in server.requests) == 3
        assert [r["source"] for r in manifest(tmp_path)] == ["fingertips", "fingertips"]  # data + metadata


def test_a_revision_between_two_pulls_is_reported(tmp_path):
    revised = tiny_project.fingertips().replace(b",2019/20,10,9,11,", b",2019/20,10.5,9.5,11.5,")
    assert revised != tiny_project.fingertips()
    with ReplayServer() as server:
        serve(server)
        config = api_project(tmp_path, server.url)
        assert ingest(config).exit_code == 0
        server.route(FINGERTIPS, Reply(body=revised, etag="v2"))
        result = ingest(config, "--source", "fingertips")
        assert result.exit_code == 0, result.output
    first, second = dict.fromkeys(r["release"] for r in manifest(tmp_path) if r["source"] == "fingertips")
    changes = next(r["changes"] for r in manifest(tmp_path) if r["release"] == second and r.get("changes"))
    assert changes["revised"] == 1
    assert changes["revised_examples"] == ["93097 / E05000002 / Persons / All ages / 2019/20: 10 → 10.5"]
    assert changes["new_periods"] == [] and changes["disappeared"] == []
    assert "1 value(s) revised" in " ".join(result.output.split())
    run = json.loads((tmp_path / "data" / "processed" / "run_manifest.json").read_text())
    [pulled] = run["ingest"]["sources"]
    assert (pulled["status"], pulled["release"], pulled["detail"]["revised"]) == ("new release", second, 1)
    assert CliRunner().invoke(cli, ["ingest", "--offline", "--config", str(config)]).exit_code == 0
    assert CliRunner().invoke(cli, ["build", "--config", str(config)]).exit_code == 0
    report = CliRunner().invoke(cli, ["report", "--period", "2026-Q3", "--config", str(config)])
    assert report.exit_code == 0, report.output
    html = (tmp_path / "reports" / "2026-Q3" / "report.html").read_text(encoding="utf-8")
    assert "1 value(s) revised (e.g. 93097 / E05000002 / Persons / All ages / 2019/20: 10 → 10.5)" in html


def test_the_real_fingertips_export_is_an_all_data_body(tmp_path):
    body = gzip.decompress((PUBLIC / "fingertips_export_91547_smoking_prevalence_qof.csv.gz").read_bytes())
    with ReplayServer() as server:
        serve(server, fingertips=body)
        config = api_project(tmp_path, server.url)
        result = ingest(config, "--source", "fingertips")
        assert result.exit_code == 0, result.output
        landed = tmp_path / "data" / "raw" / manifest(tmp_path)[0]["path"]
        assert landed.read_bytes() == body
        assert "11,360" in result.output  # rows read by the Fingertips reader


def with_text_values(body: bytes) -> bytes:
    """The export with every Value cell holding text: a change of type, not a few bad rows."""
    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    value = rows[0].index("Value")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [rows[0]] + [r[:value] + ["high"] + r[value + 1 :] for r in rows[1:]]
    )
    return buffer.getvalue().encode()


FAILURES = {
    "4xx": (Reply(404, body=b"<html>no such indicator</html>"), "HTTP 404"),
    "5xx after the retries": (Reply(503), "HTTP 503 Service Unavailable after 3 attempts"),
    "timeout": (Reply(body=b"x", delay=2.0), "no answer within 0.5 s"),
    "truncated (Content-Length)": (Reply(body=tiny_project.fingertips(), truncate_to=100), "cut off"),
    "CSV ending mid-row": (Reply(body=tiny_project.fingertips()[:-60]), "ends in the middle of a row"),
    "HTML page": (
        Reply(
            body=b"<!DOCTYPE html><html><body>Down for maintenance</body></html>", headers={"Content-Type": "text/html"}
        ),
        "HTML page",
    ),
    "missing columns": (Reply(body=b"Indicator ID,Area Code,Value\r\n93283,E05000001,70\r\n"), "schema changed"),
    "new types": (Reply(body=with_text_values(tiny_project.fingertips())), "now holds text"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_every_failure_is_one_line_exit_2_and_lands_nothing(tmp_path, case):
    reply, expected = FAILURES[case]
    with ReplayServer() as server:
        serve(server)
        config = api_project(tmp_path, server.url)
        assert ingest(config).exit_code == 0
        assert CliRunner().invoke(cli, ["build", "--config", str(config)]).exit_code == 0
        warehouse = tmp_path / "data" / "processed" / "fsot.duckdb"
        before, built = manifest(tmp_path), warehouse.read_bytes()
        server.route(FINGERTIPS, reply)
        result = ingest(config, "--source", "fingertips")
        assert result.exit_code == 2, result.output
        message = " ".join(result.output.split("error: ", 1)[1].split("(log:")[0].split())
        assert expected in message and "'fingertips'" in message and server.url in message
        assert "\n" not in result.output.split("error: ", 1)[1].split("\n(log:")[0]
        assert "Traceback" not in result.output
        assert manifest(tmp_path) == before
        assert not [p for p in (tmp_path / "data" / "raw").rglob("*") if p.name.startswith((".landing-", ".checking-"))]
        assert warehouse.read_bytes() == built
        offline = CliRunner().invoke(cli, ["ingest", "--offline", "--config", str(config)])
        assert offline.exit_code == 0, offline.output
        assert CliRunner().invoke(cli, ["build", "--config", str(config)]).exit_code == 0


def test_an_arcgis_error_object_is_a_failure(tmp_path):
    with ReplayServer() as server:
        serve(server)
        server.route(
            ARCGIS,
            Reply(body=b'{"error": {"code": 400, "message": "Invalid query parameters"}}'),
            query={"resultOffset": "0"},
        )
        config = api_project(tmp_path, server.url)
        result = ingest(config, "--source", "wards")
        assert result.exit_code == 2
        assert "error 400 (Invalid query parameters)" in " ".join(result.output.split())
        assert manifest(tmp_path) == []


def test_offline_before_any_pull_says_what_to_do(tmp_path):
    config = api_project(tmp_path, "http://127.0.0.1:9/")
    result = ingest(config, "--offline")
    assert result.exit_code == 2
    assert "has never been pulled" in " ".join(result.output.split())


def test_the_stockton_api_configuration_asks_each_service_what_the_readme_says(tmp_path):
    """stockton_api.toml, the README's real configuration, with its base URLs pointed at the replay."""
    import shutil

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "data" / "raw" / "public", tmp_path / "data" / "raw" / "public")
    text = (root / "stockton_api.toml").read_text(encoding="utf-8")
    with ReplayServer() as server:
        for public in (
            "https://fingertips.phe.org.uk/api/",
            "https://www.nomisweb.co.uk/api/v01/",
            "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/",
        ):
            assert f'base_url = "{public}"' in text
        text = (
            text.replace("https://fingertips.phe.org.uk/api/", f"{server.url}api/")
            .replace("https://www.nomisweb.co.uk/api/v01/", f"{server.url}nomis/")
            .replace("https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/", f"{server.url}arcgis/")
        )
        config = tmp_path / "stockton_api.toml"
        config.write_text(text, encoding="utf-8")
        server.route(FINGERTIPS, Reply(body=tiny_project.fingertips()))
        server.route(METADATA, Reply(body=b"[]"))
        server.route(NOMIS, Reply(body=nomis_pages(WARDS, size=100)[0]))
        server.route(
            "arcgis/LSOA11_LSOA21_LAD22_EW_LU/FeatureServer/0/query",
            Reply(
                body=json.dumps(
                    {"features": [{"attributes": {"F_LSOA11CD": "E01012264", "LSOA21CD": "E01035197", "CHGIND": "S"}}]}
                ).encode()
            ),
        )
        for source in ("fingertips_ward_life_expectancy", "nomis_claimant_count", "ons_lsoa11_lsoa21"):
            result = ingest(config, "--source", source)
            assert result.exit_code == 0, result.output
        fingertips, _metadata, nomis, arcgis = server.requests
    assert (
        fingertips["query"]
        | {
            "indicator_ids": "93283",
            "child_area_type_id": "8",
            "parent_area_type_id": "101",
            "parent_area_code": "E06000004",
        }
        == fingertips["query"]
    )
    assert nomis["query"]["geography"] == "E05014858...E05014884,E06000004,E92000001"
    assert nomis["query"]["RecordOffset"] == "0" and nomis["query"]["measure"] == "1,2"
    assert arcgis["query"]["where"] == "LAD22NM = 'Stockton-on-Tees'" and arcgis["query"]["f"] == "json"
    assert len([r for r in manifest(tmp_path) if r["source"] == "ons_lsoa11_lsoa21"]) == 1


def test_a_census_table_from_nomis_is_read_as_counts_by_lsoa(tmp_path):
    """A Nomis Census 2021 table by LSOA (its total a category row, as Nomis sends it), pulled in pages and
    summed over each ward's LSOAs."""
    header = [
        "DATE",
        "DATE_NAME",
        "GEOGRAPHY_NAME",
        "GEOGRAPHY_CODE",
        "GEOGRAPHY_TYPE",
        "C2021_TENURE_9_NAME",
        "MEASURES_NAME",
        "OBS_VALUE",
        "OBS_STATUS",
        "RECORD_OFFSET",
        "RECORD_COUNT",
    ]
    lsoas = [(lsoa, population) for lsoa, _ward, _name, _la, _score, population in tiny_project.lsoas()]
    rows = []
    for lsoa, population in lsoas:
        social = population // 20  # 5 % of each LSOA's population as social-rented households, for the test
        for category, count in (
            ("Total: All households", population // 2),
            ("Social rented", social),
            ("Owned", population // 2 - social),
        ):
            rows.append(
                [
                    "2021",
                    "2021",
                    lsoa,
                    lsoa,
                    "2021 super output areas - lower layer",
                    category,
                    "Value",
                    str(count),
                    "",
                    "",
                    "",
                ]
            )
    pages = []
    for start in range(0, len(rows), 25):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(r[:9] + [str(start + n), str(len(rows))] for n, r in enumerate(rows[start : start + 25]))
        pages.append(buffer.getvalue().encode())
    with ReplayServer() as server:
        serve(server)
        for n, page in enumerate(pages):
            server.route("nomis/dataset/NM_2072_1.data.csv", Reply(body=page), query={"RecordOffset": str(25 * n)})
        config = api_project(tmp_path, server.url)
        config.write_text(
            config.read_text()
            + f'''
[[sources]]
id = "census_tenure"
format = "nomis_api"
base_url = "{server.url}nomis/"
dataset = "NM_2072_1"
query = {{ geography = "E06000004TYPE151", measures = "20100" }}
page_size = 25
reads_as = "area_counts"
columns = {{ area = "GEOGRAPHY_CODE", category = "C2021_TENURE_9_NAME", count = "OBS_VALUE" }}
total_category = "Total: All households"
period = "2021"
publisher = "ONS (Nomis)"
licence = "Open Government Licence v3.0"

[[indicators]]
id = "social-rented"
name = "Social renting"
theme = "housing"
unit = "%"
polarity = "lower-is-better"
source = "census_tenure"
numerator = ["Social rented"]
baseline_period = "2021"
'''
        )
        result = CliRunner().invoke(cli, ["run", "--date", "2026-11-22", "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert len([r for r in manifest(tmp_path) if r["source"] == "census_tenure"]) == 3  # 57 rows, pages of 25
    con = duckdb.connect(str(tmp_path / "data" / "processed" / "fsot.duckdb"), read_only=True)
    try:
        b01 = con.execute(
            'select "count", denominator from marts.fct_ward_indicator '
            "where indicator_id = 'social-rented' and ward_code = 'E05000001'"
        ).fetchall()
    finally:
        con.close()
    assert b01 == [(1000 // 20 + 3000 // 20, 1000 // 2 + 3000 // 2)]  # B01's two LSOAs
