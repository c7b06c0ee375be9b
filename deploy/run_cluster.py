"""Several app processes on one PostGIS store, with nginx in front (sticky sessions).

    FRONTLINE_DB=postgresql://frontline:secret@db.example.org/frontline \\
        .venv/bin/python deploy/run_cluster.py --apps 3 --port 8080

starts ``streamlit run app.py`` on ports 8501, 8502, 8503 (``--first-app-port``, or
``--app-ports 9001,9002``), all on the store in ``--db`` / ``FRONTLINE_DB``, then nginx on ``--port`` with
``deploy/nginx.conf`` rewritten for those ports. Ctrl-C (or SIGTERM) stops nginx, then
every app process; if any of them dies, the others are stopped too and the exit status
is 1. nginx's files (config, pid, logs: ``access.log`` names the backend of each
request) go to ``--workdir``, by default a new temporary directory.

The store is never seeded unasked: a named store is the operator's, and the illustrative
demo would sit on top of its real data. ``--seed-demo`` writes the demo into it first if
it is empty (once, not in every process), as ``python -m layers seed-demo`` does.

Every process gets the same ``server.cookieSecret`` (``STREAMLIT_SERVER_COOKIE_SECRET``
if set, else a random one for this run), so a signed cookie (``st.login``) set by one
process is valid in all of them.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
START_TIMEOUT_S = 90
#: The app processes are reached through nginx only.
APP_HOST = "127.0.0.1"


def render_nginx_conf(
    app_ports: list[int], listen: str, host: str = APP_HOST, template: str | None = None
) -> str:
    """``deploy/nginx.conf`` with its ``# cluster:`` lines set to these backends and listen address."""
    text = template if template is not None else NGINX_CONF.read_text(encoding="utf-8")
    lines = text.splitlines()
    backends = [i for i, line in enumerate(lines) if line.rstrip().endswith("# cluster: backends")]
    listens = [i for i, line in enumerate(lines) if line.rstrip().endswith("# cluster: listen")]
    if not backends or len(listens) != 1:
        raise ValueError(f"{NGINX_CONF}: expected '# cluster: backends' and one '# cluster: listen' line")
    indent = re.match(r"\s*", lines[backends[0]]).group(0)
    servers = [f"{indent}server {host}:{port};  # cluster: backends" for port in app_ports]
    lines[listens[0]] = re.sub(r"listen\s+[^;]+;", f"listen {listen};", lines[listens[0]])
    lines[backends[0] : backends[-1] + 1] = servers
    return "\n".join(lines) + "\n"


def _die_with_parent() -> None:
    """In the child, on Linux: get SIGTERM if the launcher itself is killed."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait_for(url: str, processes: list[subprocess.Popen], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"a process exited while waiting for {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


def _hidden(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


class Cluster:
    """The app processes and nginx; ``stop()`` ends them all (nginx first)."""

    def __init__(
        self,
        db: str,
        app_ports: list[int],
        port: int,
        host: str,
        workdir: Path,
        secrets_file: str | None,
        nginx: str,
        log_dir: Path | None = None,
        seed_demo: bool = False,
    ):
        self.db, self.app_ports, self.port, self.host, self.workdir = db, app_ports, port, host, workdir
        self.secrets_file, self.nginx_binary, self.log_dir = secrets_file, nginx, log_dir or workdir
        self.seed_demo = seed_demo
        self.apps: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None
        self._logs = []

    def start(self) -> None:
        if self.seed_demo:
            from layers.ingest import seed_default_data
            from layers.store import Store

            store = Store(self.db)
            written = seed_default_data(store)
            store.close()
            if written:
                print(f"seeded the empty store with the illustrative demo: {written} snapshot(s)", flush=True)
            else:
                print("--seed-demo: the store is not empty; the demo was not written", flush=True)
        env = dict(os.environ, FRONTLINE_DB=self.db)
        env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
        for port in self.app_ports:
            command = [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                APP_HOST,
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ]
            if self.secrets_file:
                command += ["--secrets.files", self.secrets_file]
            # The app writes to its log for as long as it runs; stop() closes them all.
            log = open(self.log_dir / f"app-{port}.log", "w")  # noqa: SIM115
            self._logs.append(log)
            # A session of its own: Ctrl-C reaches the launcher only, which stops nginx
            # before the apps, so no request is sent to a process on its way out.
            self.apps.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )
            )
        for port in self.app_ports:
            _wait_for(f"http://{APP_HOST}:{port}/_stcore/health", self.apps, START_TIMEOUT_S)
        conf = self.workdir / "nginx.conf"
        conf.write_text(render_nginx_conf(self.app_ports, f"{self.host}:{self.port}"), encoding="utf-8")
        nginx = [self.nginx_binary, "-p", str(self.workdir), "-c", str(conf)]
        checked = subprocess.run([*nginx, "-t", "-q"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {checked.stderr.strip()}")
        self.nginx = subprocess.Popen(
            [*nginx, "-g", "daemon off;"], start_new_session=True, preexec_fn=_die_with_parent
        )
        local = APP_HOST if self.host in ("0.0.0.0", "::", "[::]") else self.host
        _wait_for(f"http://{local}:{self.port}/_stcore/health", [*self.apps, self.nginx], 30)

    def name(self, process: subprocess.Popen) -> str:
        return (
            "nginx"
            if process is self.nginx
            else f"the app process on port {self.app_ports[self.apps.index(process)]}"
        )

    @property
    def processes(self) -> list[subprocess.Popen]:
        return [p for p in (self.nginx, *self.apps) if p is not None]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self._logs:
            log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("FRONTLINE_DB", ""),
        help="PostgreSQL URL of the shared store (default: FRONTLINE_DB)",
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="write the illustrative demo into the store first if it is empty (default: never seed)",
    )
    parser.add_argument("--apps", type=int, default=2, help="number of app processes (default 2)")
    parser.add_argument(
        "--first-app-port", type=int, default=8501, help="port of the first app process (default 8501)"
    )
    parser.add_argument(
        "--app-ports",
        help="comma-separated ports of the app processes (overrides --apps and --first-app-port)",
    )
    parser.add_argument("--port", type=int, default=8080, help="port nginx listens on (default 8080)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address nginx listens on (default 127.0.0.1; 0.0.0.0 for every interface); "
        "the app processes listen on 127.0.0.1 only",
    )
    parser.add_argument(
        "--secrets", help="secrets.toml for every app process (the editor password hash, [auth])"
    )
    parser.add_argument(
        "--workdir",
        help="nginx prefix: its config, pid and logs, and the app logs (default: a new temporary directory)",
    )
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx", help="nginx binary")
    args = parser.parse_args(argv)

    if not args.db.startswith("postgresql"):
        parser.error(
            "--db (or FRONTLINE_DB) must be a PostgreSQL URL: "
            "processes share the store through the database; "
            "a SQLite file is one machine's, and its single writer would serialise every process"
        )
    if not Path(args.nginx).exists():
        parser.error(f"nginx not found at {args.nginx} (Debian: apt-get install nginx)")
    ports = (
        [int(p) for p in args.app_ports.split(",")]
        if args.app_ports
        else [args.first_app_port + i for i in range(args.apps)]
    )
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="frontline-cluster-"))
    workdir.mkdir(parents=True, exist_ok=True)

    sys.path.insert(0, str(ROOT))
    cluster = Cluster(
        args.db,
        ports,
        args.port,
        args.host,
        workdir.resolve(),
        args.secrets,
        args.nginx,
        seed_demo=args.seed_demo,
    )
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    # Set explicitly: a shell starts a background job with SIGINT ignored.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    status = 0
    try:
        cluster.start()
        print(
            f"front-line map on http://{args.host}:{args.port} ({len(ports)} app processes on ports "
            f"{', '.join(map(str, ports))}; store {_hidden(args.db)}; logs in {workdir}). Ctrl-C stops all.",
            flush=True,
        )
        while True:
            dead = [p for p in cluster.processes if p.poll() is not None]
            if dead:
                print(
                    f"{cluster.name(dead[0])} exited with status {dead[0].returncode}: stopping the others "
                    f"(logs in {workdir})",
                    file=sys.stderr,
                    flush=True,
                )
                status = 1
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        stopping = True
    except RuntimeError as error:
        print(f"run_cluster: {error} (logs in {workdir})", file=sys.stderr, flush=True)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
    if stopping:
        print("stopped nginx and every app process", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
