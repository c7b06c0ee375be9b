"""One polite HTTP client for public archives: one request at a time, retries, bounded bodies.

Retries with exponential backoff on 5xx, 429 (honouring ``Retry-After`` in seconds or as
an HTTP date), timeouts, connection resets and truncated bodies (fewer bytes than
``Content-Length``). A body larger than ``max_bytes`` is refused without reading the rest.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import http.client
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import FrontlineError

__all__ = ["MAX_BODY_BYTES", "USER_AGENT", "Fetched", "FetchError", "Fetcher", "NoNetworkError", "user_agent"]

#: Every request's User-Agent names the project and, from ``FRONTLINE_SYNC_CONTACT``, the
#: address (a site or an e-mail) where the source's operators can reach whoever runs the
#: sync. The project has no public address of its own yet, so none is made up here.
USER_AGENT = "frontline-map (open-source front-line map; sync of public archives)"


def user_agent() -> str:
    """``USER_AGENT``, with ``FRONTLINE_SYNC_CONTACT`` as ``+contact`` when it is set (one line)."""
    contact = " ".join(os.environ.get("FRONTLINE_SYNC_CONTACT", "").split())[:200]
    return f"{USER_AGENT[:-1]}; +{contact})" if contact else USER_AGENT


#: The largest body accepted: the archive's daily files are about 1-3 MB.
MAX_BODY_BYTES = 64 * 1024 * 1024


class FetchError(FrontlineError):
    """A download failed after every retry."""


class NoNetworkError(FetchError):
    """The first request could not reach the source at all (refused, no DNS)."""


@dataclass(frozen=True)
class Fetched:
    """A downloaded file and its provenance."""

    url: str
    raw: bytes
    fetched_at: dt.datetime
    sha256: str
    etag: str | None
    last_modified: str | None
    #: The server answered 304 to a conditional request: nothing was downloaded (``raw`` is empty).
    not_modified: bool = False

    def provenance(self) -> dict[str, str | None]:
        """What the store keeps of a download (``NewSnapshot.provenance``)."""
        return {
            "url": self.url,
            "fetched_at": self.fetched_at.isoformat(),
            "sha256": self.sha256,
            "etag": self.etag,
            "last_modified": self.last_modified,
        }


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.wait = wait


class Fetcher:
    """Fetch URLs one at a time, with a delay between requests and retries on transient faults."""

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        retries: int = 5,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        delay_s: float = 0.5,
        max_bytes: int = MAX_BODY_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
    ):
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.delay_s = delay_s
        self.max_bytes = max_bytes
        self.sleep = sleep
        self.log = log or (lambda _message: None)
        self.requests = 0
        self._reached = False

    def get(
        self,
        url: str,
        max_bytes: int | None = None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check: Callable[[bytes], object] | None = None,
    ) -> Fetched | None:
        """The file at ``url``, or None when the source answers 404.

        ``max_bytes`` lowers the body limit for this request (an API answer far smaller
        than a map); by default the fetcher's own ``max_bytes``.

        ``check`` parses the body (e.g. ``json.loads``); a body it refuses with
        ``ValueError`` is taken for one cut short without a ``Content-Length`` to tell
        (a chunked answer whose connection dropped) and fetched again, like any
        truncated body.

        With ``etag`` or ``last_modified`` (those of a copy already kept), the request is
        conditional (``If-None-Match``, ``If-Modified-Since``): when the file has not
        changed the server answers 304, nothing is downloaded and the result has
        ``not_modified`` set.

        Raises
        ------
        NoNetworkError
            If the very first request cannot connect (refused, DNS failure).
        FetchError
            If the request still fails after every retry, or the body is too large.
        """
        attempt = 0
        while True:
            if self.requests and self.delay_s:
                self.sleep(self.delay_s)
            self.requests += 1
            try:
                limit = self.max_bytes if max_bytes is None else max_bytes
                fetched = self._once(url, limit, etag, last_modified)
                if check is not None and fetched is not None and not fetched.not_modified:
                    try:
                        check(fetched.raw)
                    except ValueError as error:
                        raise _Retry(f"body does not parse ({str(error)[:120]})") from None
                return fetched
            except _Retry as fault:
                attempt += 1
                if attempt > self.retries:
                    raise FetchError(f"{url}: {fault} (gave up after {self.retries} retries)") from None
                wait = fault.wait
                if wait is None:
                    wait = self.backoff_s * 2 ** (attempt - 1)
                wait = min(wait, self.max_backoff_s)
                self.log(f"{url}: {fault}; retry {attempt} of {self.retries} in {wait:.1f} s")
                self.sleep(wait)

    def _once(self, url: str, max_bytes: int, etag: str | None, last_modified: str | None) -> Fetched | None:
        headers = {"User-Agent": user_agent()}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = urllib.request.Request(url, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout_s)  # noqa: S310
        except urllib.error.HTTPError as error:
            self._reached = True
            error.close()
            if error.code == 404:
                return None
            if error.code == 304 and (etag or last_modified):
                return Fetched(
                    url=url,
                    raw=b"",
                    fetched_at=dt.datetime.now(dt.UTC),
                    sha256="",
                    etag=error.headers.get("ETag") or etag,
                    last_modified=error.headers.get("Last-Modified") or last_modified,
                    not_modified=True,
                )
            if error.code == 429 or error.code >= 500:
                raise _Retry(f"HTTP {error.code}", _retry_after(error.headers.get("Retry-After"))) from None
            raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            reason = error.reason
            if not self._reached and isinstance(reason, ConnectionRefusedError | socket.gaierror):
                raise NoNetworkError(f"cannot reach {url}: {reason}") from None
            raise _Retry(f"connection failed: {reason}") from None
        except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
            raise _Retry(f"{type(error).__name__}: {error}") from None
        self._reached = True
        with response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{url}: {length} bytes is more than the limit of {max_bytes}")
            try:
                raw = response.read(max_bytes + 1)
            except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
                raise _Retry(f"body cut short: {type(error).__name__}") from None
            if len(raw) > max_bytes:
                raise FetchError(f"{url}: body is more than the limit of {max_bytes} bytes")
            if length is not None and length.isdigit() and len(raw) != int(length):
                raise _Retry(f"body cut short: {len(raw)} of {length} bytes")
            return Fetched(
                url=url,
                raw=raw,
                fetched_at=dt.datetime.now(dt.UTC),
                sha256=hashlib.sha256(raw).hexdigest(),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
