"""``python -m layers sync deepstate-archive`` against a local server with injected faults.

The server serves ../shared/data/deepstate-occupied-daily in the upstream layout
(``/data/deepstatemap_data_YYYYMMDD.geojson``); without that folder the tests skip with
the reason (fail under ``CI=true``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from layers.__main__ import main
from layers.store import Store
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent.parent
DAILY = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
FIRST = dt.date(2024, 7, 8)


def _need_data() -> None:
    if not (DAILY / "deepstatemap_data_20240708.geojson").exists():
        reason = f"{DAILY} is absent"
        if IN_CI:
            pytest.fail(f"needs the daily archive: {reason}; under CI=true it must be present")
        pytest.skip(f"needs the daily archive: {reason}")


class Archive:
    """A threaded server of the daily files; ``faults[path]`` is a list of faults to play in turn."""

    def __init__(self, delay_s: float = 0.0):
        self.faults: dict[str, list[str]] = {}
        self.changed: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.agents: set[str] = set()
        #: Body bytes sent, over every request: a sync that downloads nothing sends none.
        self.sent = 0
        self.delay_s = delay_s
        archive = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                archive.requests.append(self.path)
                archive.agents.add(self.headers.get("User-Agent", ""))
                time.sleep(archive.delay_s)
                queue = archive.faults.get(self.path, [])
                fault = queue.pop(0) if queue else None
                name = self.path.rsplit("/", 1)[-1]
                file = DAILY / name
                if fault == "500":
                    self.send_error(500)
                    return
                if fault == "429":
                    self.send_response(429)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "timeout":
                    time.sleep(1.5)
                if fault == "404" or not self.path.startswith("/data/") or not file.exists():
                    self.send_error(404)
                    return
                body = archive.changed.get(self.path, file.read_bytes())
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                if fault != "cut-unannounced":
                    self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
                self.end_headers()
                if fault == "truncate":
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                if fault == "cut-unannounced":  # no Content-Length to tell: only parsing can
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(body)
                archive.sent += len(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def path(self, day: dt.date) -> str:
        return f"/data/deepstatemap_data_{day:%Y%m%d}.geojson"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def archive() -> Iterator[Archive]:
    _need_data()
    served = Archive()
    yield served
    served.close()


def _sync(archive: Archive, db: str, days: int, *extra: str) -> int:
    last = FIRST + dt.timedelta(days=days - 1)
    argv = ["sync", "deepstate-archive", "--layer", "occupied", "--db", db, "--base-url", archive.url]
    argv += ["--to", last.isoformat(), "--delay", "0", "--timeout", "1", *extra]
    return main(argv)


def _areas(db: str, layer: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["areas", "--db", db, "--layer", layer]) == 0
    return capsys.readouterr().out


def test_sync_equals_import_and_rerun_downloads_nothing(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTLINE_SYNC_CONTACT", "maps@example.org")
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert _sync(archive, db, 20) == 0
    assert len(archive.requests) == 20
    assert archive.agents == {
        "frontline-map (open-source front-line map; sync of public archives; +maps@example.org)"
    }
    files = [DAILY / f"deepstatemap_data_{FIRST + dt.timedelta(days=n):%Y%m%d}.geojson" for n in range(20)]
    imported = f"sqlite:///{tmp_path / 'i.db'}"
    argv = ["import", "--db", imported, "--layer", "occupied", "--held-by", "RU", "--status", "held"]
    argv += ["--source", "DeepStateMap (cyterat/deepstate-map-data archive)", *map(str, files)]
    assert main(argv) == 0
    synced = _areas(db, "occupied", capsys)
    assert synced.count("\n") == 21
    assert synced == _areas(imported, "occupied", capsys)
    archive.requests.clear()
    assert _sync(archive, db, 20) == 0
    assert archive.requests == []


def test_transient_faults_are_retried_and_404_skipped(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    days = [FIRST + dt.timedelta(days=n) for n in range(6)]
    archive.faults = {
        archive.path(days[0]): ["500", "500"],
        archive.path(days[1]): ["429"],
        archive.path(days[2]): ["timeout"],
        archive.path(days[3]): ["truncate"],
        archive.path(days[4]): ["404"],
        archive.path(days[5]): ["cut-unannounced"],
    }
    db = f"sqlite:///{tmp_path / 's.db'}"
    exit_code = main(
        ["sync", "deepstate-archive", "--layer", "occupied", "--db", db, "--base-url", archive.url]
        + ["--to", days[-1].isoformat(), "--delay", "0", "--timeout", "1"]
        + ["--retries", "3"]
    )
    captured = capsys.readouterr()
    assert exit_code == 0, captured.err
    assert "2024-07-12: not in the archive (404), skipped" in captured.err
    assert "5 day(s) stored" in captured.out
    assert "body does not parse" in captured.err
    # 2 + 1 + 1 + 1 + 1 retries on top of one request per day.
    assert len(archive.requests) == 6 + 6
    archive.requests.clear()
    assert _sync(archive, db, 6) == 0
    assert archive.requests == [archive.path(days[4])]


def test_no_network_is_one_line_and_exit_2(tmp_path: Path) -> None:
    probe = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()
    run = subprocess.run(
        [sys.executable, "-m", "layers", "sync", "deepstate-archive", "--layer", "x"]
        + ["--db", f"sqlite:///{tmp_path / 's.db'}", "--base-url", f"http://127.0.0.1:{port}/"]
        + ["--to", "2024-07-10", "--delay", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if not line.endswith("already stored)")]
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach"), run.stderr


def test_kill_9_mid_sync_then_next_sync_completes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _need_data()
    slow = Archive(delay_s=0.3)
    try:
        db = f"sqlite:///{tmp_path / 's.db'}"
        command = [sys.executable, "-m", "layers", "sync", "deepstate-archive", "--layer", "occupied"]
        command += ["--db", db, "--base-url", slow.url, "--to", "2024-07-27", "--delay", "0"]
        process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        for line in process.stderr:
            if "stored (5 of" in line:
                break
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        slow.delay_s = 0
        assert main(command[3:]) == 0
        out = _areas(db, "occupied", capsys)
        assert out.count("\n") == 21
    finally:
        slow.close()


def test_provenance_is_kept_and_shown_by_snapshot(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    before = dt.datetime.now(dt.UTC)
    assert _sync(archive, db, 3) == 0
    capsys.readouterr()
    assert main(["snapshot", "--db", db, "--layer", "occupied", "--date", "2024-07-09"]) == 0
    metadata = json.loads(capsys.readouterr().out)["metadata"]
    raw = (DAILY / "deepstatemap_data_20240709.geojson").read_bytes()
    provenance = metadata["provenance"]
    assert provenance["url"] == archive.url + "data/deepstatemap_data_20240709.geojson"
    assert provenance["sha256"] == hashlib.sha256(raw).hexdigest()
    assert provenance["etag"] == f'"{hashlib.sha256(raw).hexdigest()[:16]}"'
    assert provenance["last_modified"] == "Tue, 01 Dec 2026 10:00:00 GMT"
    assert before <= dt.datetime.fromisoformat(provenance["fetched_at"]) <= dt.datetime.now(dt.UTC)
    store = Store(db)
    synced = store.synced("occupied")
    assert [str(d) for d in synced["as_of"]] == ["2024-07-08", "2024-07-09", "2024-07-10"]
    assert list(synced["sha256"]) == list(store.history("occupied").sort_values("as_of")["sha256"])


def test_recheck_of_unchanged_files_downloads_nothing(archive: Archive, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert _sync(archive, db, 5) == 0
    versions = len(Store(db).history("occupied"))
    archive.requests.clear()
    archive.sent = 0
    assert _sync(archive, db, 5, "--recheck") == 0
    assert len(archive.requests) == 5
    assert archive.sent == 0
    assert len(Store(db).history("occupied")) == versions


def test_a_file_changed_upstream_becomes_a_new_audited_version(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert _sync(archive, db, 5) == 0
    store = Store(db)
    first = store.history("occupied").set_index("as_of")
    day = dt.date(2024, 7, 10)
    # Upstream redraws 10 July: it now holds the map of 20 July.
    redrawn = (DAILY / "deepstatemap_data_20240720.geojson").read_bytes()
    archive.changed[archive.path(day)] = redrawn
    assert _sync(archive, db, 5) == 0
    assert len(store.history("occupied")) == 5  # without --recheck, stored days are not asked again
    capsys.readouterr()
    assert _sync(archive, db, 5, "--recheck") == 0
    captured = capsys.readouterr()
    assert "2024-07-10: changed upstream" in captured.err
    assert "rechecked: 4 unchanged, 1 changed upstream" in captured.out
    history = store.history("occupied")
    assert len(history) == 6
    new = history[(history["as_of"] == day) & history["is_head"]].iloc[0]
    assert new["action"] == "sync"
    assert new["sha256"] == hashlib.sha256(redrawn).hexdigest()
    assert new["replaced_version_id"] == first.loc[day, "version_id"]
    assert store.provenance(int(new["version_id"]))["sha256"] == new["sha256"]
    # The day's areas are now those of the redrawn file, as a direct import would give.
    imported = f"sqlite:///{tmp_path / 'i.db'}"
    file = tmp_path / "deepstatemap_data_20240710.geojson"
    file.write_bytes(redrawn)
    argv = ["import", "--db", imported, "--layer", "occupied", "--held-by", "RU", "--status", "held"]
    assert main([*argv, "--source", "DeepStateMap (cyterat/deepstate-map-data archive)", str(file)]) == 0
    synced = store.area_series("occupied")
    assert (
        synced[synced["as_of"] == day]["area_km2"].tolist()
        == Store(imported).area_series("occupied")["area_km2"].tolist()
    )
    # Asked again, the new copy's ETag answers 304: nothing is downloaded, nothing written.
    archive.sent = 0
    assert _sync(archive, db, 5, "--recheck") == 0
    assert archive.sent == 0
    assert len(store.history("occupied")) == 6


def test_each_run_is_recorded_for_the_app_and_a_failure_says_why(archive: Archive, tmp_path: Path) -> None:
    from layers.sync.status import last_sync

    db = f"sqlite:///{tmp_path / 's.db'}"
    assert _sync(archive, db, 2) == 0
    first = last_sync(Store(db), "occupied")
    assert first is not None and first.ok and first.written == 2 and first.base_url == archive.url
    assert first.source == "DeepStateMap (cyterat/deepstate-map-data archive)"
    archive.faults = {archive.path(FIRST + dt.timedelta(days=2)): ["500"] * 3}
    assert _sync(archive, db, 3, "--retries", "1") == 2
    failed = last_sync(Store(db), "occupied")
    assert failed is not None and not failed.ok and "HTTP 500" in failed.error
    assert failed.last_success == first.finished_at
