"""The table ``benchmarks.run`` prints: one Markdown row per target, printed as soon as it
is measured, and every raw number kept for ``--json``. ``benchmarks.timeline`` prints
``Compared`` rows instead: each target measured on an earlier commit and on this tree."""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.browser import median, progress

__all__ = ["HEADER", "Compared", "Report", "Row", "compared_header", "ms", "verdict"]


@dataclass
class Row:
    what: str
    measured: str
    target: str
    reference: str
    verdict: str

    def markdown(self) -> str:
        return f"| {self.what} | {self.measured} | {self.target} | {self.reference} | {self.verdict} |"


HEADER = "| what | measured (median) | target | reference | ratio or verdict |\n|---|---|---|---|---|"


@dataclass
class Compared:
    """One target measured on two trees; the verdict is on ``after``."""

    what: str
    before: str
    after: str
    target: str
    verdict: str

    def markdown(self) -> str:
        return f"| {self.what} | {self.before} | {self.after} | {self.target} | {self.verdict} |"


def compared_header(before: str, after: str) -> str:
    """The header of a table of ``Compared`` rows, naming the two trees."""
    return f"| what | before ({before}) | after ({after}) | target | verdict (after) |\n|---|---|---|---|---|"


@dataclass
class Report:
    rows: list[Row | Compared] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    header: str = HEADER

    def add(self, row: Row | Compared, key: str, raw: dict) -> None:
        self.rows.append(row)
        self.raw[key] = {"row": asdict(row), **raw}
        if len(self.rows) == 1:
            print(self.header, flush=True)
        print(row.markdown(), flush=True)

    def fail(self, what: str, key: str, error: BaseException) -> None:
        progress(f"{what}: FAILED\n{''.join(traceback.format_exception(error))}")
        self.failed.append(key)
        self.add(
            Row(
                what,
                f"failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:200],
                "",
                "",
                "error",
            ),
            key,
            {"error": repr(error)},
        )

    def table(self) -> str:
        return "\n".join([self.header, *(row.markdown() for row in self.rows)])

    def finish(
        self,
        started: float,
        *,
        quick: bool,
        counted: str = "",
        notes: Sequence[str] = (),
        notes_title: str = "Contract points that did not hold",
        json_path: Path | None = None,
    ) -> int:
        """End a run: its time and the load average before and after (other work on the
        machine shows there, so it is printed beside the timings), the whole table, the
        contract ``notes``, every raw number to ``json_path``; the exit status (1 if a
        target was missed or a measurement failed)."""
        self.raw["seconds"] = time.perf_counter() - started
        self.raw["load_average_after"] = os.getloadavg()
        loads = [
            ", ".join(f"{x:.1f}" for x in self.raw[key])
            for key in ("load_average_before", "load_average_after")
        ]
        print(
            f"\n{'Quick run' if quick else 'Full run'}: {counted}{self.raw['seconds'] / 60:.1f} min; "
            f"load average (1, 5, 15 min) before {loads[0]}, after {loads[1]}\n",
            flush=True,
        )
        print(self.table(), flush=True)
        if notes:
            print(f"\n{notes_title}:", *(f"- {note}" for note in notes), sep="\n")
        if json_path:
            json_path.write_text(json.dumps(self.raw, indent=2, default=str) + "\n", encoding="utf-8")
            progress(f"raw numbers written to {json_path}")
        return 1 if self.failed else 0


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def ms(values: list[float]) -> str:
    return f"{median(values):.0f} ms"
