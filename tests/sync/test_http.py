"""The sync's HTTP client (``layers/sync/http.py``) on its own: ``Retry-After`` read in
seconds and as a date, the User-Agent, a body over the limit refused, a short body and a
server error retried, a 404 answered as None; against a local server, never the internet."""

from __future__ import annotations

import datetime as dt
import email.utils
import http.server
import threading
from collections.abc import Iterator

import pytest

from layers.sync import http as sync_http


def test_retry_after_in_seconds_as_a_date_or_unreadable():
    assert sync_http._retry_after("7") == 7.0  # noqa: SLF001
    later = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120), usegmt=True)
    assert 100 <= sync_http._retry_after(later) <= 120  # noqa: SLF001
    past = email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), usegmt=True)
    assert sync_http._retry_after(past) == 0.0  # noqa: SLF001
    assert sync_http._retry_after("soon") is None and sync_http._retry_after(None) is None  # noqa: SLF001


def test_the_user_agent_names_the_project_and_the_contact_on_one_line(monkeypatch):
    monkeypatch.delenv("FRONTLINE_SYNC_CONTACT", raising=False)
    assert sync_http.user_agent() == sync_http.USER_AGENT and "frontline-map" in sync_http.USER_AGENT
    monkeypatch.setenv("FRONTLINE_SYNC_CONTACT", "ops@example.org\r\nX-Injected: 1")
    agent = sync_http.user_agent()
    assert "\r" not in agent and "\n" not in agent and agent.endswith("+ops@example.org X-Injected: 1)")


class _Server:
    """Answers each path with the (status, headers, body) queued for it, then 404."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.conditions: list[tuple[str | None, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                condition = (self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"))
                server.conditions.append(condition)
                queue = server.answers.get(self.path, [])
                status, headers, body = queue.pop(0) if queue else (404, {}, b"")
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server() -> Iterator[_Server]:
    found = _Server()
    yield found
    found.httpd.shutdown()


def _fetcher(**options) -> sync_http.Fetcher:
    waits: list[float] = []
    fetcher = sync_http.Fetcher(timeout_s=5, delay_s=0, sleep=waits.append, **options)
    fetcher.waits = waits  # type: ignore[attr-defined]
    return fetcher


def test_a_server_error_and_a_short_body_are_retried_with_backoff(server):
    body = b'{"type": "FeatureCollection", "features": []}'
    server.answers["/a"] = [
        (503, {}, b""),
        (200, {"Content-Length": str(len(body) + 10)}, body),
        (200, {"ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"}, body),
    ]
    fetcher = _fetcher(retries=3, backoff_s=1.0)
    fetched = fetcher.get(f"{server.url}/a")
    assert fetched is not None and fetched.raw == body and fetched.etag == '"v1"'
    assert fetched.last_modified == "Tue, 01 Dec 2026 10:00:00 GMT"
    assert fetcher.requests == 3 and fetcher.waits == [1.0, 2.0]
    assert fetcher.get(f"{server.url}/missing") is None, "a 404 is an answer, not a failure"


def test_a_body_over_the_limit_is_refused_and_retries_give_up(server):
    server.answers["/big"] = [(200, {}, b"x" * 2048)]
    with pytest.raises(sync_http.FetchError, match="limit of 1024"):
        _fetcher(max_bytes=1024).get(f"{server.url}/big")
    server.answers["/down"] = [(500, {}, b"")] * 3
    with pytest.raises(sync_http.FetchError, match="gave up after 2 retries"):
        _fetcher(retries=2).get(f"{server.url}/down")


def test_a_conditional_request_answered_304_downloads_nothing(server):
    body = b'{"type": "FeatureCollection", "features": []}'
    stamp = "Tue, 01 Dec 2026 10:00:00 GMT"
    server.answers["/a"] = [(304, {"ETag": '"v1"'}, b""), (200, {"ETag": '"v2"'}, body)]
    fetcher = _fetcher()
    kept = fetcher.get(f"{server.url}/a", etag='"v1"', last_modified=stamp)
    assert kept is not None and kept.not_modified and kept.raw == b"" and kept.etag == '"v1"'
    changed = fetcher.get(f"{server.url}/a", etag='"v1"')
    assert changed is not None and not changed.not_modified and changed.raw == body
    assert changed.provenance()["etag"] == '"v2"' and changed.provenance()["sha256"] == changed.sha256
    assert server.conditions == [('"v1"', stamp), ('"v1"', None)]
    fetcher.get(f"{server.url}/b")
    assert server.conditions[-1] == (None, None), "a plain get is not conditional"


def test_a_request_may_lower_the_body_limit_for_itself_alone(server):
    server.answers["/answer"] = [(200, {}, b"x" * 2048), (200, {}, b"x" * 2048)]
    fetcher = _fetcher(max_bytes=4096)
    with pytest.raises(sync_http.FetchError, match="limit of 1024"):
        fetcher.get(f"{server.url}/answer", max_bytes=1024)
    fetched = fetcher.get(f"{server.url}/answer")
    assert fetched is not None and len(fetched.raw) == 2048, "the fetcher's own limit is unchanged"
