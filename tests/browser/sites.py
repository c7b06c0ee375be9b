"""The published site in tests: publish a store with the command line, serve a folder with
``python -m http.server`` or with nginx as ``docs/deployment.md`` configures it (the
benchmark's configuration, ``benchmarks/site_serve.py``: one definition of it)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, free_port, need
from tests.conftest import ROOT, seed_demo_subprocess

__all__ = ["nginx_server", "publish_site", "static_server", "wait_for"]


def wait_for(url: str, timeout_s: float = 30) -> None:
    """Until ``url`` answers (fails the test after ``timeout_s``)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer")


def publish_site(folder: Path, *options: str, url: str | None = None) -> tuple[Path, dict[str, str]]:
    """``python -m layers publish --out folder/site [options]`` of the store at ``url``
    (default: a new store in ``folder``, seeded with the embedded data by ``seed-demo``, as a
    named store is not seeded unasked); the site's folder and the environment that names the store."""
    need(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package")
    env = {
        **os.environ,
        "FRONTLINE_DB": url or f"sqlite:///{folder / 'store.db'}",
        "PYTHONPATH": str(ROOT),
    }
    if url is None:
        seed_demo_subprocess(env)
    subprocess.run(
        [sys.executable, "-m", "layers", "publish", "--out", str(folder / "site"), *options],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder / "site", env


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """``python -m http.server`` serving ``folder`` on a free local port; its address."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


@contextlib.contextmanager
def nginx_server(site: Path, folder: Path) -> Iterator[str]:
    """nginx serving ``site`` with the documented headers (``gzip_static``, hashed files
    immutable, manifest and pages ``no-cache``); its address."""
    from benchmarks.site_serve import NGINX, serving

    need(Path(NGINX).exists(), f"nginx not found at {NGINX}: install Debian's 'nginx' package (.ci/run does)")
    with serving(site, folder) as server:
        yield server.url
