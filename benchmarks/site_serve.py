"""The server side of ``benchmarks.site``: the published site served by nginx as
``docs/deployment.md`` ("Publishing a static site") configures it, the headers it sends
checked against that page, and a bounded load test of it with ``wrk`` (Debian's
``wrk`` package), with the CPU each process used read from ``/proc``.

Only loopback addresses are used, and every load test stops by itself (``wrk -d``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

__all__ = [
    "NGINX",
    "NGINX_CONF",
    "WRK",
    "Nginx",
    "expected_headers",
    "header_notes",
    "load_test",
    "nginx_conf",
    "parse_stat",
    "parse_wrk",
    "processes",
    "machine_ticks",
    "cpu_split",
    "request_paths",
    "wrk_script",
]

NGINX = os.environ.get("FRONTLINE_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
WRK = os.environ.get("FRONTLINE_WRK") or shutil.which("wrk") or "/usr/bin/wrk"
#: Compressible suffixes that ``python -m layers publish`` gives ``.gz`` siblings
#: (``layers.publish.COMPRESSIBLE``; repeated, not imported: the benchmark relies only on
#: the command line, the manifest and the reader's contract).
COMPRESSED = (".html", ".js", ".css", ".json", ".geojson", ".svg")
IMMUTABLE = "public, max-age=31536000, immutable"

#: docs/deployment.md's headers; ``sendfile`` and ``worker_processes`` as Debian's own
#: nginx.conf sets them (the test's config leaves sendfile off: it serves a handful of files).
NGINX_CONF = """
{user}
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log;
daemon off;
events {{ worker_connections 1024; }}
http {{
  include {mime};
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    gzip_static on;
    location = /manifest.json {{ add_header Cache-Control "no-cache"; }}
    location ~ \\.html$ {{ add_header Cache-Control "no-cache"; }}
    location /data/ {{ add_header Cache-Control "{immutable}"; }}
    location /assets/ {{ add_header Cache-Control "{immutable}"; }}
  }}
}}
"""


def nginx_conf(site: Path, folder: Path, port: int, workers: int | str = 1, as_root: bool = False) -> str:
    """The nginx configuration serving ``site`` on ``127.0.0.1:port``, its pid file, logs and
    temporary folders in ``folder``. As root the workers stay root (``user root;``), as
    www-data could not read a private temporary folder."""
    return NGINX_CONF.format(
        user="user root;" if as_root else "",
        workers=workers,
        folder=folder,
        mime="/etc/nginx/mime.types",
        port=port,
        root=site,
        immutable=IMMUTABLE,
    )


class Nginx:
    """nginx serving a published site on a free loopback port; ``stop()`` always ends it."""

    def __init__(self, site: Path, folder: Path, workers: int | str = 1):
        from tests.browser.conftest import free_port

        if not Path(NGINX).exists():
            raise FileNotFoundError(f"nginx not found at {NGINX}: apt-get install nginx")
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = folder / "nginx.conf"
        conf.write_text(
            nginx_conf(site, folder, self.port, workers, as_root=os.geteuid() == 0), encoding="utf-8"
        )
        self.process = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/manifest.json", timeout=2) as response:
                    response.read()
                break
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    self.stop()
                    log = (folder / "error.log").read_text(errors="replace")[-500:]
                    raise RuntimeError(f"nginx did not serve {self.url}/manifest.json: {log}") from None
                time.sleep(0.2)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


# --- headers -----------------------------------------------------------------------


def expected_headers(path: str) -> tuple[str | None, bool]:
    """For a path of the site: the ``Cache-Control`` docs/deployment.md gives it, and
    whether it should come gzip-encoded (a ``.gz`` sibling served by ``gzip_static``)."""
    if path == "/manifest.json":
        return "no-cache", False  # one small file, not compressed, so that it swaps whole
    if path.endswith(".html"):
        return "no-cache", True
    if path.startswith(("/data/", "/assets/")):
        return IMMUTABLE, path.endswith(COMPRESSED)
    return None, path.endswith(COMPRESSED)


def header_notes(base_url: str, paths: list[str]) -> tuple[list[str], dict[str, dict]]:
    """Fetch each path once with ``Accept-Encoding: gzip, br``; what did not hold against
    ``expected_headers``, and per path its status, encoding, cache header and bytes."""
    notes, seen = [], {}
    for path in paths:
        request = urllib.request.Request(base_url + path, headers={"Accept-Encoding": "gzip, br"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            notes.append(f"{path}: HTTP {error.code}")
            continue
        encoding, cache = headers.get("Content-Encoding"), headers.get("Cache-Control")
        seen[path] = {"status": status, "encoding": encoding, "cache_control": cache, "bytes": len(body)}
        want_cache, want_gzip = expected_headers(path)
        if want_cache is not None and cache != want_cache:
            notes.append(f"{path}: Cache-Control {cache!r}, expected {want_cache!r}")
        if want_gzip and encoding != "gzip":
            notes.append(f"{path}: Content-Encoding {encoding!r}, expected gzip (a .gz sibling)")
        if not want_gzip and encoding:
            notes.append(f"{path}: Content-Encoding {encoding!r}, expected none")
    return notes, seen


# --- CPU from /proc ----------------------------------------------------------------


def parse_stat(text: str) -> tuple[str, int, int]:
    """From the text of ``/proc/<pid>/stat``: the command name, the parent's pid and the
    CPU ticks used (user + system, all threads). The name may hold spaces and parentheses,
    so the fields are counted from the last ``)``."""
    fields = text[text.rindex(")") + 2 :].split()
    return text[text.index("(") + 1 : text.rindex(")")], int(fields[1]), int(fields[11]) + int(fields[12])


def processes() -> dict[int, tuple[str, int, int]]:
    """Every process now: pid → command name, parent's pid, CPU ticks used so far."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                found[int(entry.name)] = parse_stat((entry / "stat").read_text())
    return found


def machine_ticks() -> dict[str, int]:
    """The whole machine's CPU ticks so far (``/proc/stat``): busy, softirq (the kernel's
    network work on loopback lands there), total."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return {"busy": sum(values) - idle, "softirq": values[6], "total": sum(values)}


def cpu_split(
    before: dict[int, tuple[str, int, int]],
    after: dict[int, tuple[str, int, int]],
    server_pid: int,
    generator_pid: int,
    seconds: float,
    ticks_per_s: int,
) -> dict:
    """CPU used between two ``processes()`` samples ``seconds`` apart, in cores (1.0 = one
    core busy all the time): by the server (``server_pid`` and its children), by the load
    generator, and by every other command (the five busiest). A process started in between
    counts from zero."""
    server = generator = 0
    others: dict[str, int] = {}
    for pid, (name, parent, ticks) in after.items():
        used = ticks - (before[pid][2] if pid in before else 0)
        if server_pid in (pid, parent):
            server += used
        elif pid == generator_pid:
            generator += used
        elif used > 0:
            others[name] = others.get(name, 0) + used
    busiest = sorted(others.items(), key=lambda item: -item[1])[:5]
    return {
        "server_cores": server / ticks_per_s / seconds,
        "generator_cores": generator / ticks_per_s / seconds,
        "other_cores": sum(others.values()) / ticks_per_s / seconds,
        "others": {name: used / ticks_per_s / seconds for name, used in busiest},
    }


# --- the load test -----------------------------------------------------------------


def request_paths(urls: list[str], base_url: str) -> list[str]:
    """The paths a reader fetched (``urls``, in order), on ``base_url`` only, each once,
    without the query (``index.html?date=…`` is ``/index.html``); the manifest and
    ``/index.html`` first even if the list lacks them."""
    origin = urlparse(base_url).netloc
    paths = ["/index.html", "/manifest.json"]
    for url in urls:
        parts = urlparse(url)
        path = parts.path or "/"
        if parts.netloc == origin and path not in paths:
            paths.append(path)
    return paths


def wrk_script(paths: list[str]) -> str:
    """A wrk Lua script that requests ``paths`` in turn (each thread starting at another
    point of the list) and prints its summary as one JSON line starting ``WRK_JSON``."""
    listed = ", ".join(json.dumps(path) for path in paths)
    return f"""
local paths = {{{listed}}}
local counter = 0
local started = 0
function setup(thread)
  started = started + 1
  thread:set("counter", started * 7)
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {{"duration_us": %d, "requests": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f}}\\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def parse_wrk(output: str) -> dict:
    """wrk's summary from its output (the ``WRK_JSON`` line of ``wrk_script``), with the
    rates and the error count worked out.

    Raises
    ------
    ValueError
        When the output has no such line (wrk failed, or another script was used).
    """
    line = next((line for line in output.splitlines() if line.startswith("WRK_JSON ")), None)
    if line is None:
        raise ValueError(f"no WRK_JSON line in wrk's output: {output.strip()[-300:]!r}")
    result = json.loads(line.removeprefix("WRK_JSON "))
    seconds = result["duration_us"] / 1e6
    errors = sum(result[key] for key in ("connect", "read", "write", "status", "timeout"))
    return {
        **result,
        "seconds": seconds,
        "errors": errors,
        "requests_per_s": result["requests"] / seconds if seconds else 0.0,
        "bytes_per_s": result["bytes"] / seconds if seconds else 0.0,
    }


def load_test(
    base_url: str,
    paths: list[str],
    server_pid: int,
    folder: Path,
    seconds: float,
    connections: int,
    threads: int = 2,
    workers: int = 1,
) -> dict:
    """``wrk`` with ``connections`` connections for ``seconds`` against ``base_url``, each
    request one of ``paths`` in turn, with ``Accept-Encoding: gzip, br``; its summary and
    the CPU used meanwhile by nginx (``server_pid`` and its ``workers``), by wrk and by
    the whole machine, in cores (1.0 = one core busy all the time)."""
    if not Path(WRK).exists():
        raise FileNotFoundError(f"wrk not found at {WRK}: apt-get install wrk (benchmarks/README.md)")
    script = folder / "mix.lua"
    script.write_text(wrk_script(paths), encoding="utf-8")
    command = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-H",
        "Accept-Encoding: gzip, br",
        "-s",
        str(script),
        f"{base_url}/",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first, machine_first, first_at = processes(), machine_ticks(), time.perf_counter()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(seconds * 0.9)  # the last sample while wrk still runs
    last, machine_last, last_at = processes(), machine_ticks(), time.perf_counter()
    out, err = process.communicate(timeout=seconds + 60)
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}: {err.strip()[-300:]}")
    result = parse_wrk(out)
    total = max(1, machine_last["total"] - machine_first["total"])
    result.update(
        command=" ".join(command),
        paths=paths,
        connections=connections,
        threads=threads,
        workers=workers,
        cpu_wall_s=last_at - first_at,
        **cpu_split(first, last, server_pid, process.pid, last_at - first_at, os.sysconf("SC_CLK_TCK")),
        machine_busy=(machine_last["busy"] - machine_first["busy"]) / total,
        machine_softirq=(machine_last["softirq"] - machine_first["softirq"]) / total,
        cores=os.cpu_count(),
        wrk_output=out,
    )
    return result


@contextlib.contextmanager
def serving(site: Path, folder: Path, workers: int | str = 1) -> Iterator[Nginx]:
    """``Nginx`` for the duration of the block."""
    server = Nginx(site, folder, workers)
    try:
        yield server
    finally:
        server.stop()
