"""Reading files into snapshots: dates from file names, the embedded default data.

``geodata/manifest.json`` lists the embedded layers; :func:`seed_default_data` checks
every file against the data contract first and writes nothing unless all pass.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pandas as pd

from . import schema
from .errors import InvalidInputError, ValidationFailed
from .figures import read_reported_figures
from .store import NewSnapshot, Store
from .validation import validate

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


def date_from_name(name: str) -> dt.date | None:
    """The date in a file name (``2024-11-25`` or ``20241125``), or None."""
    for match in _DATE_IN_NAME.finditer(Path(name).name):
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            continue
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
            problems.append(f"{path.name} line {number}: date expected like 2025-01-20, got {row.get('date')!r}.")
    if problems:
        raise InvalidInputError("\n".join(problems))
    milestones["date"] = milestones["date"].map(dt.date.fromisoformat)
    return milestones


def snapshots_by_date(raw: bytes, layer: dict, file_name: str) -> list[NewSnapshot]:
    """Split a territory file whose features carry ``as_of`` into one snapshot per date."""
    report = validate(raw, schema.TERRITORY, name=file_name)
    if not report.ok:
        raise ValidationFailed(report)
    features = report.features
    bad = [i for i, value in enumerate(features.get("as_of", [None] * len(features))) if not _is_date(value)]
    if bad:
        raise InvalidInputError(f"{file_name}: Feature {bad[0]}: as_of: valid date expected like 2024-08-12; every feature of an embedded layer needs its snapshot date.")
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
        )
        for as_of, group in features.groupby("as_of", sort=True)
    ]


def _is_date(value) -> bool:
    try:
        dt.date.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def events_snapshot(raw: bytes, layer: dict, file_name: str) -> NewSnapshot:
    """An events file as one snapshot of an events layer, dated by the manifest."""
    report = validate(raw, schema.EVENT, name=file_name)
    if not report.ok:
        raise ValidationFailed(report)
    return NewSnapshot(
        layer=layer["name"],
        as_of=dt.date.fromisoformat(layer["as_of"]),
        features=report.features,
        sha256=sha256(raw),
        kind="events",
        description=layer.get("description", ""),
        file_name=file_name,
    )


def default_data(geodata: Path = GEODATA):
    """Read and check every embedded file: ``(snapshots, figures, milestones)``."""
    manifest = json.loads((geodata / "manifest.json").read_text(encoding="utf-8"))
    snapshots = []
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
