"""Load test for readers: N concurrent sessions pausing on dates of the reader's map, on one app process.

Run from the repository root::

    python -m benchmarks.load [--store PATH_OR_URL] [--files N] [--sessions 50] [--pauses 5]
                              [--think 5] [--ramp 5] [--port N] [--json FILE]

One ``streamlit run app.py`` server (``benchmarks.browser.Server``: the same command line
and options as the other benchmarks) is started on a localhost port, pointed at the
store. The sessions are not browsers: each is one WebSocket to ``/_stcore/stream``
speaking Streamlit's own protocol (``BackMsg`` out, ``ForwardMsg`` in), as the frontend
does, so that hundreds of them fit on a 2-core machine beside the server.

What they model: the reader's page (``views/pages/reader.py``), whose map
(``views/readermap.py``, a components-v2 element with key ``reader_map``) draws every date
in the browser. Scrubbing, keys and Play cost the server nothing; when the reader pauses,
the map sends one rerun request with its trigger value ``date`` (``setTriggerValue("date",
day)``), and the page reruns for that day (the address's ``date``, the panel: change,
areas, analytics, and the map's settings). So each session opens the page (a full script
run, at ``?date=`` a day of its own), finds the map's element in the deltas, then
``--pauses`` times waits ``--think`` seconds (± 50 %: the reader scrubbing in the
browser) and sends exactly what the browser sends on a pause onto a new day: every widget
state the session holds plus the map's trigger state (``benchmarks.protocol.trigger_state``).
Each pause-update is timed from sending to ``script_finished`` and checked: no
exception, no ``st.error``, a successful finish, the panel's heading for the new day
("Figures for 25 November 2024") in the page's text and the day given to the map. See
``benchmarks/README.md`` ("Load test: readers who pause").

What these sessions do not do that a browser does: fetch the map's pack and draw it
(static files: no script run), and report the map's view after a pan or zoom (a state
value, one more run per pan).

The store: ``--store`` is a SQLite file (reused if it exists; if it does not, the
DeepStateMap archive, or its first ``--files N`` files, is imported into it and kept) or
a SQLAlchemy URL. Without ``--store``, ``--files N`` imports the first N files into a
temporary store; without either, the server (``benchmarks.browser.Server``) seeds the
embedded demo data into a fresh temporary store (a small timeline: for smoke runs and the tests).

This module is the command and the store; the rest lives by job: ``protocol`` (what the
load test reads of Streamlit's messages), ``reader_session`` (one reader's WebSocket
session), ``load_driver`` (many sessions against one server, watched from outside) and
``load_result`` (the statistics and the report table). Its names used elsewhere
(``drive``, ``Session``, ``LoadResult`` ...) are importable from here too.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.browser import Server, progress, temp_folder  # noqa: E402
from benchmarks.load_driver import drive  # noqa: E402
from benchmarks.load_result import TARGET_P95_MS, LoadResult  # noqa: E402
from benchmarks.reader_session import MAP_KEY, PAUSE_EVENT, Error, Session, StepResult  # noqa: E402

__all__ = [
    "MAP_KEY",
    "PAUSE_EVENT",
    "TARGET_P95_MS",
    "Error",
    "LoadResult",
    "Session",
    "StepResult",
    "drive",
    "main",
    "parser",
    "prepare_store",
]


def prepare_store(store: str | None, files: int | None, folder: Path) -> tuple[str, str]:
    """The store's URL and a description: an existing file or URL, an import, or a fresh
    store the server seeds with the demo."""
    from benchmarks.import_archive import DEFAULT_FOLDER, import_seconds

    if store and "://" in store:
        return store, store
    if store and Path(store).is_file():
        path = Path(store).resolve()
        return f"sqlite:///{path}", f"{path} (existing)"
    if store is None and files is None:
        path = folder / "embedded.db"
        return f"sqlite:///{path}", "a fresh store with the app's embedded data"
    archive = sorted(DEFAULT_FOLDER.glob("*.geojson"))
    if not archive:
        raise SystemExit(
            f"benchmarks.load: the DeepStateMap archive is not at {DEFAULT_FOLDER}; give an existing --store"
        )
    chosen = archive[:files] if files else archive
    path = Path(store).resolve() if store else folder / "archive.db"
    progress(
        f"importing {len(chosen)} files of {DEFAULT_FOLDER} into {path} "
        "(the CLI's import; about 60 ms a file)"
    )
    seconds, summary, _ = import_seconds(chosen, path)
    progress(f"  {seconds:.0f} s: {summary}")
    return f"sqlite:///{path}", f"{path} ({len(chosen)} files imported{'' if store else ', temporary'})"


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    arguments.add_argument(
        "--store",
        metavar="PATH_OR_URL",
        help="SQLite file (reused if it exists, else the archive is imported into it and kept) "
        "or SQLAlchemy URL; default: a temporary store, imported with --files, else the app's embedded data",
    )
    arguments.add_argument(
        "--files",
        type=int,
        metavar="N",
        help="import only the first N files of the archive (with a new store)",
    )
    arguments.add_argument("--sessions", type=int, default=50, help="concurrent sessions (default 50)")
    arguments.add_argument("--pauses", type=int, default=5, help="pauses per session (default 5)")
    arguments.add_argument(
        "--ramp",
        type=float,
        default=5.0,
        help="seconds over which the sessions open, and start reading (default 5)",
    )
    arguments.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="seconds a reader scrubs in the browser before each pause (± 50 %%; default 5)",
    )
    arguments.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds a run may take before it counts as an error (default 30)",
    )
    arguments.add_argument("--port", type=int, help="port for the server (default: a free one)")
    arguments.add_argument(
        "--no-message-cache",
        action="store_true",
        help="claim no cached messages, so the server sends every message in full",
    )
    arguments.add_argument(
        "--pack-wait",
        type=float,
        default=600.0,
        help="seconds the warm-up waits for the map's pack to be built (default 600)",
    )
    arguments.add_argument(
        "--json", type=Path, metavar="FILE", help="write the summary and every pause and error to FILE"
    )
    return arguments


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so that the server and the temporary store are cleaned up


def main(argv: list[str] | None = None) -> int:
    import signal

    options = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    with temp_folder("frontline-load-") as folder_name:
        folder = Path(folder_name)
        url, described = prepare_store(options.store, options.files, folder)
        progress(f"store: {described}; starting streamlit")
        server = Server(url, folder, name="load", **({"port": options.port} if options.port else {}))
        try:
            progress(f"server up in {server.start_seconds:.1f} s on {server.url} (pid {server.process.pid})")
            result = drive(
                server,
                options.sessions,
                options.pauses,
                ramp=options.ramp,
                think=options.think,
                timeout=options.timeout,
                message_cache=not options.no_message_cache,
                store=described,
                pack_wait=options.pack_wait,
            )
        finally:
            server.stop()
        if result.errors:
            for error in result.errors[:20]:
                progress(f"error: session {error.session}, pause {error.step}: {error.kind}: {error.detail}")
            if result.server_log_problems:
                progress("server log:\n" + "\n".join(result.server_log_problems[:5])[-6000:])
    print(f"\nLoad test: {options.sessions} sessions × {options.pauses} pauses on {described}\n")
    print(result.markdown(), flush=True)
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "summary": result.summary(),
                    "pauses": [asdict(s) for s in result.steps],
                    "errors": [asdict(e) for e in result.errors],
                    "open_ms": result.open_ms,
                    "server_runs_ms": result.server_runs_ms,
                    "argv": sys.argv[1:],
                },
                indent=2,
                default=str,
            )
            + "\n",
            encoding="utf-8",
        )
        progress(f"written to {options.json}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
