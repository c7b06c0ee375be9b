"""Row 1 of ``benchmarks.run``: the command line's import of the archive against a bare read."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.browser import median, progress
from benchmarks.plan import Plan
from benchmarks.table import Report, Row, verdict

__all__ = ["measure_import"]


def measure_import(report: Report, files: list[Path], database: Path, plan: Plan) -> None:
    from benchmarks.import_archive import bare_read_seconds, import_seconds

    what = f"import of {len(files)} files into a fresh SQLite store (the CLI's import, in-process)"
    size = sum(len(path.read_bytes()) for path in files)  # warms the page cache for both timings
    bare = []
    for index in range(plan.bare_reads):
        progress(
            f"bare pyogrio read {index + 1}/{plan.bare_reads} of {len(files)} files ({size / 1e6:.0f} MB)"
        )
        bare.append(bare_read_seconds(files))
    progress(f"import of {len(files)} files (validation, areas, one transaction)")
    seconds, summary, _ = import_seconds(files, database)
    ratio = seconds / median(bare)
    split = re.search(r"\((validation [^)]*)\)", summary)  # the command line's own split of its time
    report.add(
        Row(
            what,
            f"{seconds:.1f} s ({seconds / len(files) * 1000:.0f} ms a file"
            f"{'; ' + split.group(1) if split else ''})",
            "≤ 1.5× bare read",
            f"bare `pyogrio.read_dataframe`: {median(bare):.1f} s (median of {len(bare)})",
            f"{ratio:.1f}× — {verdict(ratio <= 1.5)}",
        ),
        "import",
        {
            "files": len(files),
            "megabytes": size / 1e6,
            "import_s": seconds,
            "bare_read_s": bare,
            "ratio": ratio,
            "cli_summary": summary,
        },
    )
