"""The pure parts of ``benchmarks.site``: the publish command's counts, the site's size,
what was transferred before the first map, the scrub summary, the headers expected of
nginx, ``/proc`` and ``wrk`` parsing, and the table's rows. No browser, no timing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from benchmarks.site import parse_published, rows, site_size
from benchmarks.site_page import before_first_map, kind_of, milestones, step_summary
from benchmarks.site_serve import (
    IMMUTABLE,
    NGINX,
    cpu_split,
    expected_headers,
    nginx_conf,
    parse_stat,
    parse_wrk,
    request_paths,
    wrk_script,
)

BASE = "http://127.0.0.1:8080"


def _entry(path: str, start: float, end: float, transfer: int, decoded: int | None = None) -> dict:
    return {
        "url": BASE + path,
        "start": start,
        "end": end,
        "transfer": transfer,
        "encoded": transfer - 300,
        "decoded": decoded if decoded is not None else transfer,
    }


# --- publishing ----------------------------------------------------------------------


def test_the_publish_counts_are_read_from_what_the_command_printed():
    said = "published /tmp/site: 7 file(s) written, 96 unchanged, in 35.2 s\n"

    assert parse_published(said) == {"written": 7, "kept": 96, "said_s": 35.2}
    assert parse_published("error: no territory layer") == {}


def test_the_site_size_counts_every_file_siblings_included(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "assets" / "abc" / "js").mkdir(parents=True)
    (tmp_path / "index.html").write_bytes(b"x" * 100)
    (tmp_path / "index.html.gz").write_bytes(b"x" * 40)
    (tmp_path / "manifest.json").write_bytes(b"x" * 10)
    (tmp_path / "data" / "t0-l0-c0.abc.json.gz").write_bytes(b"x" * 1000)  # compressed data, no sibling
    (tmp_path / "assets" / "abc" / "js" / "reader.js").write_bytes(b"x" * 500)
    (tmp_path / "assets" / "abc" / "js" / "reader.js.br").write_bytes(b"x" * 120)

    size = site_size(tmp_path)

    assert size["bytes"] == 1770 and size["files"] == 6
    assert size["sibling_bytes"] == 160
    assert size["parts"] == {
        "assets": {"bytes": 620, "files": 2},
        "data": {"bytes": 1000, "files": 1},
        "pages": {"bytes": 150, "files": 3},
    }


# --- the first map -------------------------------------------------------------------


def test_only_responses_ended_by_the_first_map_are_counted():
    entries = [
        _entry("/index.html", 0, 20, 1000),
        _entry("/assets/h/js/frontline/site.js", 30, 100, 1500, decoded=4000),
        _entry("/manifest.json", 120, 200, 2300),
        _entry("/assets/h/vendor/leaflet/leaflet.js", 210, 500, 43000, decoded=147000),
        _entry("/data/index.abc.json.gz", 210, 480, 11000),
        _entry("/data/t1-l2-c5.abc.json.gz", 600, 840, 18000),
        _entry("/data/t1-l2-c6.abc.json.gz", 600, 900, 19000),  # ends after the map
        _entry("/data/t1-l3-c0.abc.json.gz", 950, 1100, 25000),  # starts after it
    ]

    found = before_first_map(entries, drawn_ms=860.0)

    assert found["requests"] == 6
    assert found["bytes"] == 1000 + 1500 + 2300 + 43000 + 11000 + 18000
    assert found["decoded_bytes"] == 1000 + 4000 + 2300 + 147000 + 11000 + 18000
    assert found["in_flight"] == ["/data/t1-l2-c6.abc.json.gz"]
    assert list(found["by_kind"]) == ["library", "pack chunk", "pack index", "manifest", "module", "page"]
    assert [step["path"] for step in found["waterfall"]][:2] == [
        "/index.html",
        "/assets/h/js/frontline/site.js",
    ]
    assert milestones(found["waterfall"]) == {
        "page": 20,
        "module": 100,
        "manifest": 200,
        "pack index": 480,
        "library": 500,
        "pack chunk": 840,
    }


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/index.html?date=2025-01-01", "page"),
        ("/", "page"),
        ("/manifest.json", "manifest"),
        ("/data/index.0123456789ab.json.gz", "pack index"),
        ("/data/t1-l0-c3.0123456789ab.json.gz", "pack chunk"),
        ("/assets/h/js/frontline/reader.js", "module"),
        ("/assets/h/js/frontline/reader.css", "stylesheet"),
        ("/assets/h/vendor/leaflet/leaflet.css", "library"),
        ("/assets/h/basemap/countries.geojson", "basemap"),
        ("/assets/h/vendor/leaflet/images/layers.png", "image"),
        ("/assets/h/vendor/leaflet/LICENSE", "other"),
    ],
)
def test_each_file_of_the_site_has_its_kind(path, kind):
    assert kind_of(BASE + path) == kind


def test_the_scrub_summary_counts_the_keys_pressed_while_loading():
    summary = step_summary([4.0, 3.0, 10.0, 2.0, 5.0], [900.0, 950.0, 1000.0, 1100.0, 1200.0], 1000.0)

    assert summary["median_ms"] == 4.0 and summary["p95_ms"] == 10.0 and summary["max_ms"] == 10.0
    assert summary["while_loading"] == 2 and summary["steps"] == 5
    assert step_summary([], [], None)["median_ms"] is None


# --- nginx and the load test ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "cache", "gzip"),
    [
        ("/manifest.json", "no-cache", False),
        ("/index.html", "no-cache", True),
        ("/embed.html", "no-cache", True),
        ("/data/index.0123456789ab.json.gz", IMMUTABLE, False),
        ("/assets/h/js/frontline/site.js", IMMUTABLE, True),
        ("/assets/h/basemap/countries.geojson", IMMUTABLE, True),
        ("/assets/h/vendor/leaflet/images/layers.png", IMMUTABLE, False),
    ],
)
def test_the_headers_expected_are_those_of_the_deployment_page(path, cache, gzip):
    assert expected_headers(path) == (cache, gzip)


def test_the_nginx_configuration_has_the_documented_headers(tmp_path):
    conf = nginx_conf(tmp_path / "site", tmp_path, 8080, as_root=True)

    assert "gzip_static on;" in conf and "user root;" in conf
    assert 'location = /manifest.json { add_header Cache-Control "no-cache"; }' in conf
    assert f'location /data/ {{ add_header Cache-Control "{IMMUTABLE}"; }}' in conf
    assert "user root;" not in nginx_conf(tmp_path / "site", tmp_path, 8080)


@pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    (tmp_path / "site").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path / "site", tmp_path, 8080, as_root=os.geteuid() == 0))

    checked = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True, check=False
    )

    assert checked.returncode == 0, checked.stderr


def test_cpu_ticks_are_read_past_a_command_name_with_spaces_and_parentheses():
    stat = "4242 (nginx: worker (x)) S 4200 4200 4200 0 -1 4194624 100 0 0 0 250 75 0 0 20 0 1 0"

    assert parse_stat(stat) == ("nginx: worker (x)", 4200, 325)


def test_cpu_is_split_between_the_server_and_its_workers_the_generator_and_the_rest():
    before = {10: ("nginx", 1, 5), 11: ("nginx", 10, 100), 20: ("wrk", 1, 0), 30: ("python", 1, 50)}
    after = {
        10: ("nginx", 1, 5),
        11: ("nginx", 10, 600),  # a worker: 500 ticks
        20: ("wrk", 1, 400),
        30: ("python", 1, 250),
        31: ("python", 1, 100),  # started in between: counts from zero
        40: ("chromium", 1, 50),
    }

    split = cpu_split(before, after, server_pid=10, generator_pid=20, seconds=5.0, ticks_per_s=100)

    assert split["server_cores"] == 1.0 and split["generator_cores"] == 0.8
    assert split["other_cores"] == pytest.approx(0.7)
    assert split["others"] == {"python": 0.6, "chromium": 0.1}


def test_the_load_mix_is_each_path_of_the_site_once_without_query_or_other_hosts():
    urls = [
        f"{BASE}/index.html?date=2025-07-31",
        f"{BASE}/assets/h/js/frontline/site.js",
        f"{BASE}/manifest.json",
        f"{BASE}/assets/h/js/frontline/site.js",
        "http://127.0.0.1:9999/elsewhere.js",
        f"{BASE}/data/t1-l0-c0.abc.json.gz",
    ]

    assert request_paths(urls, BASE) == [
        "/index.html",
        "/manifest.json",
        "/assets/h/js/frontline/site.js",
        "/data/t1-l0-c0.abc.json.gz",
    ]


def test_the_wrk_script_lists_the_paths_and_prints_one_json_line():
    script = wrk_script(["/index.html", '/odd"name.js'])

    assert 'local paths = {"/index.html", "/odd\\"name.js"}' in script
    assert "WRK_JSON" in script and "latency:percentile(95)" in script


def test_wrk_summary_gives_rates_and_the_sum_of_errors():
    line = {
        "duration_us": 5_000_000,
        "requests": 80_000,
        "bytes": 1_000_000_000,
        "connect": 0,
        "read": 1,
        "write": 0,
        "status": 2,
        "timeout": 0,
        "p50_us": 2700,
        "p90_us": 9000,
        "p95_us": 14000,
        "p99_us": 60000,
        "max_us": 200000,
        "mean_us": 4000.5,
    }

    result = parse_wrk(f"Running 5s test\nWRK_JSON {json.dumps(line)}\n")

    assert result["requests_per_s"] == 16_000 and result["bytes_per_s"] == 200e6
    assert result["errors"] == 3 and result["seconds"] == 5.0
    with pytest.raises(ValueError, match="no WRK_JSON line"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_runs_the_script(tmp_path):
    script = tmp_path / "mix.lua"
    script.write_text(wrk_script(["/"]))

    checked = subprocess.run(
        ["wrk", "-t1", "-c1", "-d1s", "-s", str(script), "http://127.0.0.1:1/"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )

    assert "lua" not in checked.stderr.lower(), checked.stderr  # the script loads: only the connection fails


# --- the table -----------------------------------------------------------------------


def _load(**changes) -> dict:
    return {
        "connections": 64,
        "seconds": 15.0,
        "paths": ["/index.html"] * 28,
        "requests_per_s": 16845.0,
        "bytes_per_s": 216e6,
        "errors": 0,
        "p50_us": 2700,
        "p95_us": 143700,
        "server_cores": 0.40,
        "generator_cores": 0.37,
        "threads": 2,
        "workers": 2,
        "other_cores": 1.1,
        "others": {"python": 0.8, "chromium": 0.2},
        "machine_busy": 1.0,
        "machine_softirq": 0.12,
        "cores": 2,
    } | changes


def test_the_load_row_fails_on_an_error_or_a_saturated_nginx():
    ((row, met),) = rows("load_2", _load())
    assert met is True
    assert "16,845 requests/s, 216 MB/s, 0 errors" in row.measured
    assert "nginx 0.40 (2 workers), wrk 0.37 (2 threads), other processes 1.10 (python 0.80" in row.reference
    assert "(softirq 12 %)" in row.reference

    assert rows("load_2", _load(errors=3))[0][1] is False
    assert rows("load_2", _load(server_cores=1.85))[0][1] is False
    ((row, met),) = rows("load_1", _load(workers=1, server_cores=0.97))
    assert met is None and row.verdict == "—" and "nginx 0.97 (1 worker)" in row.reference


def test_the_first_map_rows_judge_the_median_and_show_the_max():
    visits = [
        {
            "first_map_ms": ms,
            "goto_to_map_s": ms / 1000 + 0.1,
            "bytes": 153_000,
            "decoded_bytes": 403_000,
            "requests": 16,
            "by_kind": {"library": 43_000},
            "in_flight": [],
            "waterfall": [{"kind": "page", "end_ms": 18.0}],
        }
        for ms in (860.0, 1010.0, 1700.0)
    ]

    (first, first_met), (size, size_met) = rows("visits_1920", {"viewport": [1920, 1080], "visits": visits})

    assert first_met is True and first.measured == "1.01 s, max 1.70 s (of 3)"
    assert size_met is True and size.measured == "153 KB in 16 responses, max 153 KB"
    assert rows("size", {"bytes": 81e6, "files": 1, "sibling_bytes": 0, "parts": {}})[0][1] is False
