"""Reading files into snapshots: dates from file names, editors' imports, the embedded default data.

``geodata/manifest.json`` lists the embedded layers, an illustrative demo;
:func:`seed_default_data` checks every file against the data contract first and writes
nothing unless all pass. Only the embedded default store is seeded unasked
(:func:`seed_if_embedded`); a store the user named gets the demo from ``seed-demo`` alone.
An import (:func:`plan_import`, then :func:`write_import`) works the same way: every
file is validated before anything is written, and all snapshots are then written in
one transaction, each with its file name and SHA-256 in the audit log.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from . import schema
from .checking import MAX_WORKERS, PARALLEL_MIN_FILES, WORKERS_VARIABLE, Checked, Job, checked, worker_count
from .credits import Credit
from .dates import date_problem
from .errors import InvalidInputError, ValidationFailed
from .figures import read_reported_figures
from .presets import PropertyMapping
from .store import NewSnapshot, Store, is_embedded_default
from .store.inputs import preview, text_problem
from .text import printable
from .validation import Report, validate

__all__ = [
    "GEODATA",
    "MAX_WORKERS",
    "PARALLEL_MIN_FILES",
    "WORKERS_VARIABLE",
    "Checked",
    "ImportPlan",
    "Upload",
    "Written",
    "date_from_name",
    "dates_in_name",
    "default_data",
    "demo_layer_names",
    "manifest_credit",
    "events_snapshot",
    "name_problem",
    "plan_import",
    "read_milestones",
    "read_places",
    "read_uploads",
    "seed_default_data",
    "seed_if_embedded",
    "sha256",
    "snapshot_dates",
    "snapshots_by_date",
    "worker_count",
    "write_import",
]

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


def dates_in_name(name: str) -> list[dt.date]:
    """Every distinct date in a file name (``2024-11-25`` or ``20241125``), in order."""
    found: list[dt.date] = []
    for match in _DATE_IN_NAME.finditer(Path(name).name):
        try:
            date = dt.date(*map(int, match.groups()))
        except ValueError:
            continue
        if date not in found:
            found.append(date)
    return found


def date_from_name(name: str) -> dt.date | None:
    """The date in a file name (``2024-11-25`` or ``20241125``), or None when it holds none
    or several different ones (``kursk-v2-2024-1201-2024-11-25``: which is meant?)."""
    found = dates_in_name(name)
    return found[0] if len(found) == 1 else None


def name_problem(name: str) -> str | None:
    """Why a file name cannot be used (it is shown, stored in the audit log), or None."""
    base = Path(name).name
    try:
        base.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"the file name '{printable(base, 200)}' is not valid UTF-8 (character {error.start + 1} is an "
            "undecodable byte, shown as \\udcXX); rename the file."
        )
    if "\x00" in base:
        return f"the file name '{printable(base, 200)}' holds a NUL character; rename the file."
    return None


def sha256(raw: bytes) -> str:
    """Hex SHA-256 of a file's bytes, recorded with every version."""
    return hashlib.sha256(raw).hexdigest()


def read_places(path: Path = GEODATA / "places.csv") -> pd.DataFrame:
    """The gazetteer of settlements drawn as basemap labels: ``name, lat, lon, label, ...``."""
    if not path.exists():
        return pd.DataFrame(columns=["name", "lat", "lon", "label"])
    return pd.read_csv(path, dtype={"name": str}, keep_default_na=False)


def read_milestones(path: Path) -> pd.DataFrame:
    """Read a milestones CSV (``date, title, source``), checking every row."""
    milestones = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    for number, row in enumerate(milestones.to_dict("records"), start=2):
        for spec in schema.MILESTONE_FIELDS:
            if spec.required and not row.get(spec.name):
                problems.append(f"{path.name} line {number}: {spec.name} is empty; give {spec.help}.")
        try:
            dt.date.fromisoformat(row.get("date", ""))
        except ValueError:
            problems.append(
                f"{path.name} line {number}: date expected like 2025-01-20, got {row.get('date')!r}."
            )
    if problems:
        raise InvalidInputError("\n".join(problems))
    milestones["date"] = milestones["date"].map(dt.date.fromisoformat)
    return milestones


def snapshots_by_date(raw: bytes, layer: dict, file_name: str) -> list[NewSnapshot]:
    """Split a territory file whose features carry ``as_of`` into one snapshot per date."""
    features = _passed(validate(raw, schema.TERRITORY, name=file_name))
    bad = [i for i, value in enumerate(features.get("as_of", [None] * len(features))) if not _is_date(value)]
    if bad:
        raise InvalidInputError(
            f"{file_name}: Feature {bad[0]}: as_of: valid date expected like 2024-08-12; "
            "every feature of an embedded layer needs its snapshot date."
        )
    digest = sha256(raw)
    return [
        NewSnapshot(
            layer=layer["name"],
            as_of=dt.date.fromisoformat(as_of),
            features=group.drop(columns="as_of").reset_index(drop=True),
            sha256=digest,
            kind="territory",
            description=layer.get("description", ""),
            file_name=file_name,
            credit=manifest_credit(layer),
        )
        for as_of, group in features.groupby("as_of", sort=True)
    ]


def manifest_credit(layer: dict) -> Credit | None:
    """An embedded layer's ``credit`` in ``manifest.json`` (source, licence, attribution), if any."""
    given = layer.get("credit")
    if not isinstance(given, dict):
        return None
    return Credit(**{key: str(given.get(key, "")) for key in ("source", "licence", "attribution")})


def _passed(report: Report) -> gpd.GeoDataFrame:
    """The features of a file that passed validation.

    Raises
    ------
    ValidationFailed
        With the report, when the file did not pass.
    """
    if not report.ok or report.features is None:
        raise ValidationFailed(report)
    return report.features


def _is_date(value: object) -> bool:
    try:
        dt.date.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def events_snapshot(raw: bytes, layer: dict, file_name: str) -> NewSnapshot:
    """An events file as one snapshot of an events layer, dated by the manifest."""
    features = _passed(validate(raw, schema.EVENT, name=file_name))
    return NewSnapshot(
        layer=layer["name"],
        as_of=dt.date.fromisoformat(layer["as_of"]),
        features=features,
        sha256=sha256(raw),
        kind="events",
        description=layer.get("description", ""),
        file_name=file_name,
        credit=manifest_credit(layer),
    )


def default_data(geodata: Path = GEODATA) -> tuple[list[NewSnapshot], pd.DataFrame, pd.DataFrame]:
    """Read and check every embedded file: ``(snapshots, figures, milestones)``.

    Raises
    ------
    ValidationFailed, InvalidInputError
        For the first file that breaks the data contract.
    """
    manifest = json.loads((geodata / "manifest.json").read_text(encoding="utf-8"))
    snapshots: list[NewSnapshot] = []
    for layer in manifest["layers"]:
        path = geodata / layer["file"]
        raw = path.read_bytes()
        if layer["kind"] == "territory":
            snapshots.extend(snapshots_by_date(raw, layer, path.name))
        else:
            snapshots.append(events_snapshot(raw, layer, path.name))
    figures = read_reported_figures(geodata / manifest["reported_figures"])
    milestones = read_milestones(geodata / manifest["milestones"])
    return snapshots, figures, milestones


def seed_default_data(store: Store, geodata: Path = GEODATA) -> int:
    """Fill an empty store with the embedded data; returns the number of snapshots written."""
    if not store.is_empty():
        return 0
    snapshots, figures, milestones = default_data(geodata)
    return len(store.write(snapshots, figures, milestones, actor="seed", action="seed", only_if_empty=True))


def seed_if_embedded(store: Store, geodata: Path = GEODATA) -> int:
    """Seed the embedded default store when it is empty (so that ``streamlit run app.py``
    shows a map on first run); leave a store the user named as it is. Returns the number
    of snapshots written."""
    if not is_embedded_default(store.url):
        return 0
    return seed_default_data(store, geodata)


def demo_layer_names(geodata: Path = GEODATA) -> list[str]:
    """The names of the embedded (demo) layers, in the manifest's order."""
    manifest = json.loads((geodata / "manifest.json").read_text(encoding="utf-8"))
    return [layer["name"] for layer in manifest["layers"]]


# --- editors' imports ------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file to import: the name it came under (for its date, messages and the audit log) and its bytes."""

    name: str
    raw: bytes


@dataclass
class ImportPlan:
    """Every file of an import, validated, and the snapshots to write if all passed."""

    layer: str
    kind: str
    reports: list[Report] = field(default_factory=list)
    snapshots: list[NewSnapshot] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.reports)

    @property
    def failed(self) -> list[Report]:
        return [report for report in self.reports if not report.ok]

    @property
    def n_features(self) -> int:
        return sum(len(snapshot.features) for snapshot in self.snapshots)


def read_uploads(paths: Sequence[Path]) -> list[Upload]:
    """Read files from disk as uploads.

    Raises
    ------
    InvalidInputError
        Naming every file that cannot be read.
    """
    uploads, unreadable = [], []
    for path in paths:
        problem = name_problem(str(path))
        if problem:
            unreadable.append(problem)
            continue
        try:
            uploads.append(Upload(Path(path).name, Path(path).read_bytes()))
        except OSError as exc:
            unreadable.append(f"{path}: cannot read the file ({exc.strerror}); check the path.")
    if unreadable:
        raise InvalidInputError("\n".join(unreadable))
    return uploads


def snapshot_dates(
    names: Sequence[str], as_of: dt.date | None = None, *, any_date: bool = False
) -> list[dt.date]:
    """The snapshot date of each file: ``as_of`` if given, else the date in its name.

    Raises
    ------
    InvalidInputError
        When a name holds no date or two different ones, when two files would give the
        same date, when ``as_of`` is given for several files (they would all replace
        each other), or when a date is implausible (:mod:`layers.dates`) and
        ``any_date`` is not set.
    """
    dates = _named_dates(names, as_of)
    if not any_date:
        for name, date in zip(names, dates, strict=True):
            problem = date_problem(date)
            if problem:
                where = "--as-of" if as_of is not None else f"the date in the file name '{printable(name)}'"
                raise InvalidInputError(f"{where}: {problem}")
    return dates


def _named_dates(names: Sequence[str], as_of: dt.date | None) -> list[dt.date]:
    if as_of is not None:
        if len(names) > 1:
            raise InvalidInputError(
                f"--as-of gives every file the same date, and {len(names)} files were given; "
                "import one file per date, or leave --as-of out and let each file name carry its date "
                "(2024-11-25 or 20241125)."
            )
        return [as_of]
    named = [dates_in_name(name) for name in names]
    ambiguous = [(name, found) for name, found in zip(names, named, strict=True) if len(found) > 1]
    if ambiguous:
        name, found_dates = ambiguous[0]
        raise InvalidInputError(
            f"the file name '{printable(name)}' holds {len(found_dates)} dates "
            f"({', '.join(d.isoformat() for d in found_dates)}), so its snapshot date is ambiguous; pass "
            "--as-of YYYY-MM-DD, or rename the file to hold one date."
        )
    found = [dates[0] if dates else None for dates in named]
    undated = [name for name, date in zip(names, found, strict=True) if date is None]
    if undated:
        listed = ", ".join(undated[:10]) + (f" and {len(undated) - 10} more" if len(undated) > 10 else "")
        raise InvalidInputError(
            f"no date in the file name of {listed}; pass --as-of YYYY-MM-DD, or rename the file to include "
            "its date (2024-11-25 or 20241125)."
        )
    dates = [date for date in found if date is not None]
    seen: dict[dt.date, str] = {}
    for name, date in zip(names, dates, strict=True):
        if date in seen:
            raise InvalidInputError(
                f"{seen[date]} and {name} both give the date {date}; a layer has one snapshot per date. "
                "Import one of them."
            )
        seen[date] = name
    return dates


def plan_import(
    uploads: Sequence[Upload],
    layer: str,
    *,
    as_of: dt.date | None = None,
    kind: str = "territory",
    defaults: dict[str, Any] | None = None,
    mapping: PropertyMapping | None = None,
    repair: bool = False,
    description: str = "",
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    any_date: bool = False,
) -> ImportPlan:
    """Validate every file of an import and build its snapshots; writes nothing.

    Parameters
    ----------
    uploads : sequence of Upload
        The files; each becomes one snapshot.
    layer : str
        Layer to import into (created on write if new).
    as_of : datetime.date, optional
        Snapshot date for a single file; otherwise each file name's date.
    kind : str
        ``territory`` or ``events``.
    defaults : dict, optional
        Values for fields a feature lacks, e.g. ``{"held_by": "RU", "status": "held"}``.
    mapping : PropertyMapping, optional
        How the files' own properties map to the contract (e.g. a preset).
    repair : bool
        Whether invalid polygons may be repaired (see :func:`layers.validation.validate`).
    description : str
        Description of the layer if the import creates it.
    progress : callable, optional
        Called as ``progress(done, total)`` after each file is validated.
    workers : int, optional
        Files checked at once. Each file is decoded, validated and measured in its own
        child process under the parse budget (:mod:`layers.checking`); by default an
        import of :data:`PARALLEL_MIN_FILES` files or more from the command line checks
        one per CPU (at most :data:`MAX_WORKERS`) at once. The plan is the same either way.
    any_date : bool
        Accept snapshot and event dates outside :mod:`layers.dates`' plausible range.

    Returns
    -------
    ImportPlan
        ``plan.ok`` is False when any file failed; ``plan.snapshots`` is then empty.

    Raises
    ------
    InvalidInputError
        For a bad layer name, kind or dates, before any file is validated.
    """
    if not layer or not layer.strip():
        raise InvalidInputError("--layer is empty; give the name of the layer to import into.")
    if kind not in schema.LAYER_KINDS:
        raise InvalidInputError(f"kind {kind!r} is not a layer kind; use {', '.join(schema.LAYER_KINDS)}.")
    if not uploads:
        raise InvalidInputError("no file to import; give at least one file.")
    # The store checks the name again on write; checking it here fails before any file is read.
    name_field = schema.LAYER.field_named("name")
    problem = text_problem(layer.strip(), name_field.max_chars if name_field else None, one_line=True)
    if problem:
        raise InvalidInputError(f"layer name {preview(layer)} {problem}. Nothing was written.")
    for upload in uploads:
        problem = name_problem(upload.name)
        if problem:
            raise InvalidInputError(problem)
    dates = snapshot_dates([upload.name for upload in uploads], as_of, any_date=any_date)
    record_kind = schema.TERRITORY if kind == "territory" else schema.EVENT
    plan = ImportPlan(layer=layer.strip(), kind=kind)
    built = []
    job = Job(list(uploads), record_kind, kind, defaults, mapping, repair, any_date)
    with _collector_paused():
        for done, (upload, date, (report, digest, areas)) in enumerate(
            zip(uploads, dates, checked(job, workers), strict=True), start=1
        ):
            plan.reports.append(report)
            if report.ok:
                built.append(
                    NewSnapshot(
                        layer=plan.layer,
                        as_of=date,
                        features=report.features,
                        sha256=digest,
                        kind=kind,
                        description=description,
                        file_name=upload.name,
                        areas=areas,
                    )
                )
            if progress is not None:
                progress(done, len(uploads))
    if plan.ok:
        plan.snapshots = built
    return plan


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while many files are checked or written.

    The reports pile up as the import goes (each with its GeoDataFrame), and every full
    collection walks all of them, a measurable share of an archive import's time (see
    ``benchmarks/README.md``) that frees no memory: they are referenced, not garbage.
    Reference counting still frees everything else.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Written:
    """What an import wrote: a version id per file, and the files identical to the current version."""

    version_ids: list[int]
    unchanged: list[str]


def write_import(
    store: Store,
    plan: ImportPlan,
    *,
    actor: str,
    action: str = "import",
    figures: pd.DataFrame | None = None,
) -> Written:
    """Write a validated import in one transaction: all snapshots or none.

    A file identical (same SHA-256) to the current version of its layer and date is
    not written again (the store returns that version); it is listed in ``unchanged``.
    ``figures`` (checked reported figures, e.g. a source's own figures for the same
    snapshot) are written in the same transaction.

    Returns
    -------
    Written
        The version ids in file order, and the names of the unchanged files.

    Raises
    ------
    ValidationFailed
        If any file of the plan failed validation (the first such report).
    InvalidInputError
        If the layer exists with another kind.
    """
    if not plan.ok:
        raise ValidationFailed(plan.failed[0])
    existing = {info.name: info.kind for info in store.layers()}
    if existing.get(plan.layer, plan.kind) != plan.kind:
        raise InvalidInputError(
            f"layer {plan.layer!r} is a {existing[plan.layer]} layer; these files are {plan.kind}. "
            "Import them into another layer (--layer)."
        )
    current = {}
    if plan.layer in existing:
        history = store.history(plan.layer)
        current = dict(
            zip(
                history.loc[history["is_head"], "as_of"],
                history.loc[history["is_head"], "sha256"],
                strict=True,
            )
        )
    unchanged = [s.file_name for s in plan.snapshots if current.get(s.as_of) == s.sha256]
    with _collector_paused():
        return Written(store.write(plan.snapshots, figures, actor=actor, action=action), unchanged)
