"""An editor's writes and what they remember between two page runs.

Several editors may work on the same layer at once, and a page runs again on every
click. So a commit or a revert is checked against the version the editor *saw*, not the
one current when the button is pressed: otherwise a version another editor committed in
between would be overwritten silently. This module keeps that bookkeeping in a plain
mapping (the app passes its session state) and writes through the store, which refuses
a head that moved (:class:`~layers.errors.ConflictError`):

- a preview remembers the head it was made against, once per layer, date and file;
- the history remembers the heads it showed, and a revert expects those;
- a refused upload is audited once per file and report, not on every rerun.

Reported figures an editor types in are checked like a CSV row before they are stored.

Every write checks the editor role again (:func:`~layers.auth.require_editor`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from .auth import Editor, require_editor
from .change import change_table, gained_and_lost
from .credits import Credit
from .errors import InvalidInputError
from .figures import check_figures
from .ingest import sha256
from .schema import ANYWHERE
from .snapshots import Snapshot, snapshot_at
from .store import NewSnapshot, Store
from .validation import Report

__all__ = ["PREVIEW_BORDERS", "Committed", "EditSession", "Preview"]


#: The borders a preview's km² table is given for, besides the unclipped total.
PREVIEW_BORDERS = (ANYWHERE, "RUS", "UKR")


@dataclass(frozen=True)
class Preview:
    """What committing an upload would change, shown before the editor commits it.

    Attributes
    ----------
    previous : Snapshot or None
        The snapshot the upload is compared with: the layer's latest on or before its
        date; None for a new layer or a date before its first snapshot.
    expected_head : int or None
        The version a commit of this upload expects to replace (``EditSession.commit``).
    areas : DataFrame or None
        Territory only: km² before, after and the change per side, status and border
        (``CHANGE_COLUMNS``).
    diff : GeoDataFrame or None
        Territory only: the held ground each side gained and lost.
    """

    previous: Snapshot | None
    expected_head: int | None
    areas: pd.DataFrame | None
    diff: gpd.GeoDataFrame | None


@dataclass(frozen=True)
class Committed:
    """The outcome of a commit: the current version and whether this commit wrote it."""

    version: int
    written: bool


class EditSession:
    """One editor's writes to a store, with their memory of what the editor saw.

    Parameters
    ----------
    store : Store
    memory : mutable mapping
        Kept between page runs (the app's session state); a dict in tests.
    editor : Editor or None
        The signed-in editor; every write raises ``NotAuthorisedError`` without one.
    """

    def __init__(self, store: Store, memory: MutableMapping[str, Any], editor: Editor | None):
        self.store = store
        self.memory = memory
        self.editor = editor

    def preview_head(self, layer: str, as_of: dt.date, digest: str) -> int | None:
        """The version of ``layer`` on ``as_of`` that the preview of the file ``digest`` was
        made against: read the first time it is asked, then kept."""
        key = f"preview_head:{layer}:{as_of}:{digest}"
        if key not in self.memory:
            self.memory[key] = self.store.head_version(layer, as_of)
        return self.memory[key]

    def latest_date(self, layer: str) -> dt.date | None:
        """The date of ``layer``'s latest snapshot (None for a new layer): a commit dated
        before it is a backfill (``layers.guard``)."""
        if layer not in {info.name for info in self.store.layers()}:
            return None
        heads = self.store.heads(layer)
        return max(heads["as_of"]) if len(heads) else None

    def preview(
        self, layer: str, as_of: dt.date, features: gpd.GeoDataFrame, digest: str, kind: str
    ) -> Preview:
        """Compare an upload with the snapshot it would follow, and remember the head it was
        compared against (``preview_head``), which a commit of it then expects."""
        expected = self.preview_head(layer, as_of, digest)
        known = layer in {info.name for info in self.store.layers()}
        previous = snapshot_at(self.store, layer, as_of) if known else None
        if kind != "territory":
            return Preview(previous, expected, None, None)
        before = previous.features if previous is not None else None
        areas = change_table(before, features, within=PREVIEW_BORDERS)
        return Preview(previous, expected, areas, gained_and_lost(before, features))

    def commit(self, snapshot: NewSnapshot) -> Committed:
        """Write an upload previewed earlier, unless the head moved since its preview.

        Committing the same file again writes nothing and returns the current version.

        Raises
        ------
        NotAuthorisedError
            Without a signed-in editor.
        ConflictError
            If another version was committed for that layer and date since the preview.
        """
        who = require_editor(self.editor)
        expected = self.preview_head(snapshot.layer, snapshot.as_of, snapshot.sha256)
        version = self.store.write(
            [snapshot], expected_heads={(snapshot.layer, snapshot.as_of): expected}, actor=who.name
        )[0]
        if version != expected:
            # The preview is now against this version: committing it again is a no-op.
            self.memory[f"preview_head:{snapshot.layer}:{snapshot.as_of}:{snapshot.sha256}"] = version
        return Committed(version, written=version != expected)

    def history(self, layer: str) -> pd.DataFrame:
        """Every version of ``layer`` (``Store.history``), to show with a revert control.

        Remembers the heads it shows. A page calls this on every run, before handling the
        revert button shown under the table: the revert then expects the heads the table
        showed on the *previous* run, the one the editor chose from.
        """
        shown = self.store.history(layer)
        current = shown[shown["is_head"]]
        heads = {
            f"{layer}\n{as_of}": int(version)
            for as_of, version in zip(current["as_of"], current["version_id"], strict=True)
        }
        self.memory["history_heads_seen"] = self.memory.get("history_heads", {})
        self.memory["history_heads"] = heads
        return shown

    def revert(self, layer: str, version_id: int) -> int:
        """Make ``version_id`` of ``layer`` current again, as a new version.

        The head expected for its date is the one the history showed the editor (see
        ``history``), else the current one.

        Raises
        ------
        InvalidInputError
            If ``version_id`` is not a version of ``layer``.
        NotAuthorisedError, ConflictError
            As for ``commit``.
        """
        who = require_editor(self.editor)
        history = self.store.history(layer)
        rows = history[history["version_id"] == version_id]
        if rows.empty:
            raise InvalidInputError(
                f"Version {version_id} is not a version of layer {layer!r}; pick one from its history."
            )
        as_of = rows["as_of"].iloc[0]
        seen = self.memory.get("history_heads_seen", {})
        expected = seen.get(f"{layer}\n{as_of}", self.store.head_version(layer, as_of))
        return self.store.revert(layer, as_of, int(version_id), actor=who.name, expected_head=expected)

    def create_layer(self, name: str, kind: str, description: str, credit: Credit) -> None:
        """Create an empty layer with its description and credit (the editor's "New layer" form).

        Raises
        ------
        InvalidInputError
            When a field cannot be stored or the name is taken; nothing is written.
        NotAuthorisedError
            Without an editor.
        """
        who = require_editor(self.editor)
        self.store.create_layer(
            name.strip(), kind, description=description.strip(), credit=credit, actor=who.name
        )

    def set_credit(self, layer: str, credit: Credit) -> None:
        """Replace a layer's source, licence and attribution (audited with the editor's name)."""
        who = require_editor(self.editor)
        self.store.set_credit(layer, credit, actor=who.name)

    def add_figure(self, row: Mapping[str, str]) -> bool:
        """Check a reported figure typed in by the editor like a CSV row, and store it.

        Returns
        -------
        bool
            False when that exact figure was stored already (nothing is written).

        Raises
        ------
        InvalidInputError
            Naming each field that is wrong and how to fix it; nothing is written.
        """
        who = require_editor(self.editor)
        checked = check_figures(pd.DataFrame([dict(row)]), "new figure", first_line=0)
        return bool(self.store.add_figures(checked, actor=who.name, origin="app"))

    def record_rejection(self, file_name: str, raw: bytes, report: Report) -> str:
        """Audit a refused upload once per file content and report, and return the
        reference shown to the editor (the same on every rerun)."""
        who = require_editor(self.editor)
        digest = sha256(raw)
        key = f"rejected:{digest}:{report.summary()}"
        if key not in self.memory:
            self.memory[key] = self.store.record_rejection(
                actor=who.name,
                file_name=file_name,
                sha256=digest,
                size_bytes=len(raw),
                reasons=[str(problem) for problem in report.errors],
            )
        return self.memory[key]
