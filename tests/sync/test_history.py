"""``python -m layers sync deepstate-history`` against a fake history API on a local server.

The server serves ../shared/data/deepstate-kursk (the raw map, one file per day) under
made-up snapshot ids: the last one of each day at 20:00 UTC, on some days earlier ones
that carry the previous day's map, and one day before and one after the synced span.
Its ``/areas`` answers are made up but plausible. Without the data folder the tests skip
with the reason (fail under ``CI=true``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from layers.__main__ import main
from layers.errors import BadAnswerError
from layers.store import Store
from layers.sync import history
from layers.sync.status import last_sync
from tests.conftest import shared_data

ROOT = Path(__file__).resolve().parent.parent.parent
FIRST = dt.date(2024, 8, 11)
DAYS = [FIRST + dt.timedelta(days=n) for n in range(10)]
LAST = DAYS[-1]


def unix(day: dt.date, hour: int) -> int:
    return int(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC).timestamp())


def areas_answer(day: dt.date) -> list[dict]:
    """Made-up areas of a day's snapshot, in DeepStateMap's form."""
    n = (day - FIRST).days
    values = {
        "occupied_after_24_02_2022": 64_950.0 + 12.5 * n,
        "occupied_to_24_02_2022": 43_920.0,
        "liberated": 3_000.0 + 40 * n,
        "unspecified": 410.0 - n,
        "other_territories": 45_000.0,
    }
    return [
        {"hash": f"h{n}{kind[:3]}", "area": area, "percent": round(100 * area / 603_628, 2), "type": kind}
        for kind, area in values.items()
    ]


class HistoryAPI:
    """A threaded fake of the history API; ``faults[path]`` is a list of faults to play in turn,
    ``answers[path]`` replaces a path's body."""

    def __init__(self, folder: Path, delay_s: float = 0.0):
        self.folder = folder
        self.delay_s = delay_s
        self.faults: dict[str, list[str]] = {}
        self.answers: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.agents: set[str] = set()
        #: id -> the day whose file is its map (an earlier snapshot of a day shows the day before).
        self.maps: dict[int, dt.date] = {unix(day, 20): day for day in DAYS}
        for day in (DAYS[1], DAYS[4]):
            self.maps[unix(day, 8)] = day - dt.timedelta(days=1)
        self.maps[unix(DAYS[4], 3)] = DAYS[2]
        self.maps[unix(FIRST - dt.timedelta(days=1), 20)] = FIRST - dt.timedelta(days=1)
        self.maps[unix(LAST + dt.timedelta(days=1), 20)] = LAST + dt.timedelta(days=1)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                api.requests.append(self.path)
                api.agents.add(self.headers.get("User-Agent", ""))
                time.sleep(api.delay_s)
                queue = api.faults.get(self.path, [])
                fault = queue.pop(0) if queue else None
                if fault == "500":
                    self.send_error(500)
                    return
                if fault == "429":
                    self.send_response(429)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = api.answers.get(self.path) or api.body(self.path)
                if fault == "404" or body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if fault == "truncate":
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def body(self, path: str) -> bytes | None:
        if path == "/api/history/public":
            listed = [
                {"id": id, "datetime": dt.datetime.fromtimestamp(id, dt.UTC).isoformat(), "description": "x"}
                for id in sorted(self.maps)
            ]
            return json.dumps(listed).encode()
        parts = path.split("/")
        if len(parts) != 5 or parts[:3] != ["", "api", "history"] or not parts[3].isdigit():
            return None
        day = self.maps.get(int(parts[3]))
        if day is None:
            return None
        if parts[4] == "geojson":
            return (self.folder / f"{day}.geojson").read_bytes()
        if parts[4] == "areas":
            return json.dumps(areas_answer(day)).encode()
        return None

    def map_path(self, day: dt.date) -> str:
        return f"/api/history/{unix(day, 20)}/geojson"

    def areas_path(self, day: dt.date) -> str:
        return f"/api/history/{unix(day, 20)}/areas"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kursk() -> Path:
    return shared_data("deepstate-kursk")


@pytest.fixture
def api(kursk: Path) -> Iterator[HistoryAPI]:
    served = HistoryAPI(kursk)
    yield served
    served.close()


def sync_argv(api: HistoryAPI, db: str, *extra: str) -> list[str]:
    argv = ["sync", "deepstate-history", "--layer", "kursk", "--db", db, "--base-url", api.url]
    return argv + [
        "--from",
        FIRST.isoformat(),
        "--to",
        LAST.isoformat(),
        "--delay",
        "0",
        "--timeout",
        "2",
        *extra,
    ]


def synced_figures(store: Store) -> pd.DataFrame:
    """The figures compared with the synced layer (a new store also holds the embedded data's)."""
    figures = store.reported_figures()
    return figures[figures["layer"] == "kursk"]


def nothing_synced(store: Store) -> bool:
    return "kursk" not in {info.name for info in store.layers()} and synced_figures(store).empty


def areas_csv(db: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["areas", "--db", db, "--layer", "kursk"]) == 0
    return capsys.readouterr().out


def compared(db: str, capsys: pytest.CaptureFixture[str]) -> pd.DataFrame:
    capsys.readouterr()
    assert main(["figures", "compare", "--db", db, "--layer", "kursk"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out), comment="#")


def test_a_full_sync_stores_the_last_snapshot_of_each_day_with_its_figures_and_equals_an_import(
    api: HistoryAPI, kursk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(sync_argv(api, db)) == 0
    out = capsys.readouterr().out
    assert "10 day(s) stored with 30 DeepStateMap figure(s), 0 already stored; 21 request(s)." in out
    assert out.count("largest disagreement: 2024-08-") == 1
    # One list, then each day's last snapshot: its map and its areas; no earlier snapshot of a day.
    assert len(api.requests) == 21 and api.requests[0] == "/api/history/public"
    assert sorted(api.requests[1:]) == sorted(
        [api.map_path(d) for d in DAYS] + [api.areas_path(d) for d in DAYS]
    )
    assert api.agents == {"frontline-map (open-source front-line map; sync of public archives)"}
    # Each day keeps where its map came from, and the run is recorded for the app.
    store = Store(db)
    provenance = store.provenance(int(store.heads("kursk")["version_id"].iloc[3]))
    assert provenance is not None and provenance["url"] == api.url.rstrip("/") + api.map_path(DAYS[3])
    assert provenance["sha256"] == hashlib.sha256((kursk / f"{DAYS[3]}.geojson").read_bytes()).hexdigest()
    run = last_sync(store, "kursk")
    assert run is not None and run.ok and run.written == 10 and run.source == "DeepStateMap (history API)"

    imported = f"sqlite:///{tmp_path / 'i.db'}"
    files = [str(kursk / f"{day}.geojson") for day in DAYS]
    assert main(["import", "--db", imported, "--layer", "kursk", "--preset", "deepstate", *files]) == 0
    synced = areas_csv(db, capsys)
    assert synced.count("\n2024-08-") >= 10
    assert synced == areas_csv(imported, capsys)

    table = compared(db, capsys)
    own = table[table["source"] == "DeepStateMap"]
    assert len(own) == 30 and set(own["kind"]) == {"mapped"} and set(own["comparison"]) == {"compared"}
    day = own[own["date"] == DAYS[3].isoformat()].set_index(["held_by", "status"])
    assert day.loc[("RU", "held"), "reported_km2"] == pytest.approx(64_950 + 37.5 + 43_920)
    assert day.loc[("UA", "held"), "reported_km2"] == pytest.approx(3_120)
    assert day.loc[("RU", "contested"), "reported_km2"] == pytest.approx(407)
    assert set(day["within"]) == {"UKR"}
    assert all(str(unix(DAYS[3], 20)) in note for note in day["note"])
    series = Store(db).area_series("kursk")
    ua_in_ukraine = series[
        (series["as_of"] == DAYS[3])
        & (series["held_by"] == "UA")
        & (series["status"] == "held")
        & (series["within"] == "UKR")
    ]["area_km2"].sum()
    assert ua_in_ukraine > 0
    assert day.loc[("UA", "held"), "computed_km2"] == pytest.approx(ua_in_ukraine, abs=0.01)

    api.requests.clear()
    assert main(sync_argv(api, db)) == 0
    assert api.requests == ["/api/history/public"], "a re-run downloads no map and no areas"
    assert "0 day(s) stored with 0 DeepStateMap figure(s), 10 already stored" in capsys.readouterr().out
    assert len(synced_figures(Store(db))) == 30


def test_a_later_snapshot_of_a_stored_day_replaces_it_and_its_figures_count(
    api: HistoryAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(sync_argv(api, db, "--to", DAYS[1].isoformat())) == 0
    later = unix(DAYS[1], 22)
    api.maps[later] = DAYS[2]
    api.requests.clear()
    assert main(sync_argv(api, db, "--to", DAYS[1].isoformat())) == 0
    assert api.requests == [
        "/api/history/public",
        f"/api/history/{later}/geojson",
        f"/api/history/{later}/areas",
    ]
    store = Store(db)
    assert history.stored_snapshot_ids(store, "kursk") == {DAYS[0]: unix(DAYS[0], 20), DAYS[1]: later}
    from layers.figures import compare, largest_disagreements

    rows = largest_disagreements(
        compare(store.reported_figures(), store.area_series()), layer="kursk", limit=100
    )
    assert len(rows) == 6, "the newer figures of the day replace the older ones in the ranking"
    assert all(str(later) in note for note in rows.loc[rows["date"] == DAYS[1], "note"])


def test_faults_are_retried_and_a_missing_map_is_skipped_then_asked_for_again(
    api: HistoryAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.faults = {
        "/api/history/public": ["500", "500"],
        api.map_path(DAYS[0]): ["429"],
        api.areas_path(DAYS[1]): ["500"],
        api.map_path(DAYS[2]): ["truncate"],
        api.areas_path(DAYS[3]): ["truncate"],
        api.map_path(DAYS[4]): ["404"],
    }
    db = f"sqlite:///{tmp_path / 's.db'}"
    code = main(sync_argv(api, db, "--to", DAYS[5].isoformat(), "--retries", "3"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"2024-08-15: snapshot {unix(DAYS[4], 20)} has no map (404), skipped" in captured.err
    assert "5 day(s) stored with 15 DeepStateMap figure(s), 0 already stored, 1 without a map" in captured.out
    # One list and two requests per day but the skipped one's areas, plus 6 retries.
    assert len(api.requests) == 1 + 2 * 6 - 1 + 6
    api.requests.clear()
    assert main(sync_argv(api, db, "--to", DAYS[5].isoformat())) == 0
    assert api.requests == ["/api/history/public", api.map_path(DAYS[4]), api.areas_path(DAYS[4])]
    assert len(synced_figures(Store(db))) == 18


def test_a_snapshot_without_areas_is_stored_without_figures(
    api: HistoryAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.faults = {api.areas_path(DAYS[0]): ["404"]}
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(sync_argv(api, db, "--to", DAYS[1].isoformat())) == 0
    assert "2 day(s) stored with 3 DeepStateMap figure(s), 0 already stored, 1 without areas" in (
        capsys.readouterr().out
    )


HOSTILE_LISTS = [
    (b"<html>maintenance</html>", "the answer is not JSON"),
    (b'{"snapshots": []}', "expected a JSON list of snapshots, got a dict"),
    (b'[{"id": "1723406400"}]', "entry 0: id '1723406400' is not an integer"),
    (b'[{"id": 1723406400.5}]', "entry 0: id 1723406400.5 is not an integer"),
    (b'[{"id": true}]', "entry 0: id True is not an integer"),
    (b'[{"id": -5}]', "entry 0: id -5 is not a Unix time of a plausible date"),
    (b'[{"id": 99999999999999}]', "entry 0: id 99999999999999 is not a Unix time"),
    (b'[{"id": 1723406400}, 7]', "entry 1 is 7, not an object with an id"),
    (b"[" + b",".join([b'{"id": 1723406400}'] * (history.MAX_SNAPSHOTS + 1)) + b"]", "more than the 100,000"),
]


@pytest.mark.parametrize(("body", "message"), HOSTILE_LISTS, ids=[m for _, m in HOSTILE_LISTS])
def test_a_hostile_list_is_named_and_nothing_is_written(
    api: HistoryAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, message: str
) -> None:
    api.answers["/api/history/public"] = body
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(sync_argv(api, db)) == 2
    err = capsys.readouterr().err
    assert f"error: {api.url}api/history/public: " in err and message in err, err
    assert api.requests == ["/api/history/public"]
    assert nothing_synced(Store(db))


def _areas(**change: object) -> bytes:
    entries = areas_answer(FIRST)
    entries[0].update(change)
    return json.dumps(entries).encode()


HOSTILE_AREAS = [
    (b"[{'area': 1}]", "the answer is not JSON"),
    (b'{"area": 1}', "expected a JSON list of areas, got a dict"),
    (_areas(area="64950"), "entry 0 (occupied_after_24_02_2022): area '64950' is not a number of km²"),
    (_areas(area=None), "area None is not a number of km²"),
    (b'[{"area": NaN, "type": "liberated"}]', "area nan is not a number of km²"),
    (_areas(area=-12.5), "area -12.5 km² is negative"),
    (_areas(area=1e12), "area 1000000000000.0 km² is more than 20,000,000 km²"),
    (_areas(type=["liberated"]), "entry 0: type ['liberated'] is not a type name"),
    (_areas(type="liberated"), "entry 2: type 'liberated' is given twice"),
    (json.dumps([{"type": f"t{n}", "area": 1} for n in range(101)]).encode(), "more than the 100 accepted"),
]


@pytest.mark.parametrize(("body", "message"), HOSTILE_AREAS, ids=[m for _, m in HOSTILE_AREAS])
def test_hostile_areas_are_named_and_nothing_of_the_day_is_written(
    api: HistoryAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, message: str
) -> None:
    api.answers[api.areas_path(DAYS[1])] = body
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(sync_argv(api, db)) == 2
    err = capsys.readouterr().err
    assert f"error: {api.url.rstrip('/')}{api.areas_path(DAYS[1])}: " in err and message in err, err
    store = Store(db)
    assert list(store.heads("kursk")["as_of"]) == [DAYS[0]], "the day before is kept, that day not written"
    assert set(synced_figures(store)["date"]) == {DAYS[0]}


def test_a_map_that_fails_validation_is_named_by_its_url(
    api: HistoryAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answers[api.map_path(DAYS[0])] = b'{"type": "FeatureCollection", "features": [{"type": "Feature"}]}'
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(sync_argv(api, db)) == 2
    err = capsys.readouterr().err
    assert f"{api.map_path(DAYS[0])}: the map failed validation" in err, err
    assert nothing_synced(Store(db))


def test_no_network_is_one_line_and_exit_2(tmp_path: Path) -> None:
    probe = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()
    run = subprocess.run(
        [sys.executable, "-m", "layers", "sync", "deepstate-history", "--layer", "x"]
        + [
            "--db",
            f"sqlite:///{tmp_path / 's.db'}",
            "--base-url",
            f"http://127.0.0.1:{port}/",
            "--delay",
            "0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: cannot reach"), run.stderr


def test_kill_9_mid_sync_then_next_sync_completes(
    kursk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = HistoryAPI(kursk, delay_s=0.2)
    try:
        db = f"sqlite:///{tmp_path / 's.db'}"
        command = [sys.executable, "-m", "layers", *sync_argv(slow, db)]
        process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        for line in process.stderr:
            if "stored (3 of 10" in line:
                break
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        store = Store(db)
        killed_at = len(store.heads("kursk"))
        assert 3 <= killed_at < 10
        assert len(synced_figures(store)) == 3 * killed_at, "each day's figures came with its map"
        slow.delay_s = 0
        slow.requests.clear()
        assert main(sync_argv(slow, db)) == 0
        assert len(slow.requests) == 1 + 2 * (10 - killed_at)
        assert len(store.heads("kursk")) == 10 and len(synced_figures(store)) == 30
    finally:
        slow.close()


def test_a_sync_into_each_store(api: HistoryAPI, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(sync_argv(api, store_url, "--to", DAYS[2].isoformat())) == 0
    assert main(sync_argv(api, store_url, "--to", DAYS[2].isoformat())) == 0
    store = Store(store_url)
    assert list(store.heads("kursk")["as_of"]) == DAYS[:3]
    assert len(synced_figures(store)) == 9
    store.close()


def test_the_last_snapshot_of_each_utc_day_within_the_range() -> None:
    day = dt.date(2024, 8, 12)
    listed = [
        history.HistorySnapshot(unix(day, 23), day),
        history.HistorySnapshot(unix(day, 1), day),
        history.HistorySnapshot(unix(day - dt.timedelta(days=1), 20), day - dt.timedelta(days=1)),
        history.HistorySnapshot(unix(day + dt.timedelta(days=1), 0), day + dt.timedelta(days=1)),
    ]
    assert history.last_of_each_day(listed, day, day) == [listed[0]]
    assert [s.day for s in history.last_of_each_day(listed)] == [
        day - dt.timedelta(days=1),
        day,
        day + dt.timedelta(days=1),
    ]
    # 23:30 UTC is the next day in Kyiv, but the day is UTC's.
    late = int(dt.datetime(2024, 8, 12, 23, 30, tzinfo=dt.UTC).timestamp())
    [parsed] = history.parse_snapshot_list(json.dumps([{"id": late}]).encode(), "u")
    assert parsed.day == day


def test_an_id_in_the_future_is_refused() -> None:
    future = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).timestamp())
    with pytest.raises(BadAnswerError, match=r"u: entry 0: id \d+ is a time in the future"):
        history.parse_snapshot_list(json.dumps([{"id": future}]).encode(), "u")


def test_area_types_map_to_the_sides_the_preset_gives_and_other_territories_make_no_figure() -> None:
    snapshot = history.HistorySnapshot(unix(FIRST, 20), FIRST)
    areas = {entry["type"]: entry["area"] for entry in areas_answer(FIRST)} | {"new_type": 5.0}
    figures = history.area_figures(areas, "kursk", snapshot).set_index(["held_by", "status"])
    assert figures["value_km2"].to_dict() == {
        ("RU", "held"): 64_950.0 + 43_920.0,
        ("UA", "held"): 3_000.0,
        ("RU", "contested"): 410.0,
    }
    assert set(figures["kind"]) == {"mapped"} and set(figures["source"]) == {"DeepStateMap"}
    assert set(figures["layer"]) == {"kursk"} and set(figures["within"]) == {"UKR"}
    assert "occupied_after_24_02_2022 + occupied_to_24_02_2022" in figures.loc[("RU", "held"), "note"]
