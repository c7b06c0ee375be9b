"""Writing to the store: snapshots, reverts, refused uploads and reported figures, all or nothing.

:class:`StoreWrites` holds the :class:`~layers.store.Store` methods that write. Each
runs in one transaction from :meth:`StoreWrites.writing`, which holds the store's
write lock, so the optimistic-concurrency check of the heads and the write that
follows see the same heads.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import schema
from ..errors import ConflictError, InvalidInputError, StoreError
from . import postgis, sqlite, tables
from .inputs import check_actor, check_figure_rows, check_milestones, check_snapshots, storable
from .reads import current_version, find_layer, require_layer
from .rows import (
    NewSnapshot,
    as_date,
    as_version_id,
    figure_key,
    figure_rows,
    snapshot_area_rows,
    utc_now,
)
from .versions import Prepared, batchable, copy_version, insert_batch, insert_snapshot

__all__ = ["StoreWrites"]

# The package's logger, named as before the split, for whoever filters the audit lines by name.
_LOG = logging.getLogger("layers.store")


class StoreWrites:
    """The writing half of :class:`~layers.store.Store`."""

    display_url: str
    dialect: str
    engine: Engine

    def write(
        self,
        snapshots: Iterable[NewSnapshot] = (),
        figures: pd.DataFrame | None = None,
        milestones: pd.DataFrame | None = None,
        *,
        actor: str,
        action: str = "import",
        only_if_empty: bool = False,
        expected_heads: Mapping[tuple[str, dt.date], int | None] | None = None,
    ) -> list[int]:
        """Write snapshots, reported figures and milestones in one transaction: all or nothing.

        Parameters
        ----------
        snapshots : iterable of NewSnapshot
        figures : DataFrame, optional
            Columns per ``schema.FIGURE_FIELDS``.
        milestones : DataFrame, optional
            Columns ``date, title, source``.
        actor : str
            Who is writing (editor name, ``seed``, ``cli``).
        action : str
            Recorded on the version and the audit row. With ``"import"``, a snapshot whose
            ``sha256`` equals that of the current version of its layer and date is not
            written again: its existing version id is returned, so a double-click or a
            retry after a lost connection is harmless.
        only_if_empty : bool
            Write nothing if any layer exists, checked inside the transaction, so that
            two app processes starting at once seed the store only once.
        expected_heads : dict, optional
            ``{(layer_name, as_of_date): version_id}``: the version each snapshot was
            previewed against (from :meth:`head_version`), None where there was none.
            Checked inside the transaction; keys not given are not checked.

        Returns
        -------
        list of int
            The version ids, in input order (empty if nothing was written).

        Raises
        ------
        InvalidInputError
            When any text is over its limit or holds characters the store refuses, or a
            figure is not a finite number (see :mod:`.inputs`). Nothing is written.
        ConflictError
            When the current version of any key of ``expected_heads`` is not the expected
            one (someone committed since the preview). Nothing is written.
        StoreError
            When another write holds the store for longer than the lock timeout (30 s).
        """
        snapshots = list(snapshots)
        check_actor(actor)
        check_snapshots(snapshots)
        new_figures = figure_rows(figures, actor) if figures is not None and len(figures) else []
        check_figure_rows(new_figures)
        if milestones is not None and len(milestones):
            check_milestones(milestones)
        expected = {
            (str(name), as_date(as_of)): as_version_id(version)
            for (name, as_of), version in (expected_heads or {}).items()
        }
        # Areas are the costly part of a write; computed before taking the write lock, and
        # only for snapshots that will be written (a re-import of identical files skips them).
        unchanged = _current_shas(self.engine, snapshots) if action == "import" else {}
        prepared: list[Prepared] = [
            (s, None if unchanged.get((s.layer, as_date(s.as_of))) == s.sha256 else snapshot_area_rows(s))
            for s in snapshots
        ]
        ids = []
        with self.writing() as connection:
            if only_if_empty and connection.execute(select(func.count()).select_from(tables.layer)).scalar():
                return []
            retries = snapshots if action == "import" else []
            for (name, as_of), version in expected.items():
                _check_head(connection, name, as_of, version, retries)
            if batchable(snapshots):
                ids = insert_batch(connection, prepared, actor, action)
            else:
                for snapshot, areas in prepared:
                    current = current_version(
                        connection, find_layer(connection, snapshot.layer), snapshot.as_of
                    )
                    if action == "import" and current is not None and current.sha256 == snapshot.sha256:
                        ids.append(current.id)
                        continue
                    if areas is None:  # it changed since the check above
                        areas = snapshot_area_rows(snapshot)
                    ids.append(insert_snapshot(connection, snapshot, areas, actor, action, current))
            if new_figures:
                connection.execute(tables.reported_figure.insert(), new_figures)
            if milestones is not None and len(milestones):
                records = milestones[["date", "title", "source"]].to_dict("records")
                connection.execute(tables.milestone.insert(), cast("list[dict[str, Any]]", records))
        return ids

    def revert(
        self, layer: str, as_of: dt.date | str, version_id: int, *, actor: str, expected_head: int | None
    ) -> int:
        """Make an older version of a layer and date current again, as a new version.

        The new version (action ``"revert"``) copies the features and areas of
        ``version_id``; its audit row records the version it replaced and, in its detail,
        ``reverted_to``. Nothing is deleted. If the current version already has the same
        content (same ``sha256``), nothing is written and its id is returned.

        Parameters
        ----------
        layer : str
        as_of : date or str
            The snapshot date (``YYYY-MM-DD`` accepted).
        version_id : int
            The version to restore: one of ``history(layer)`` for that date.
        actor : str
            Who is reverting.
        expected_head : int or None
            The current version the editor saw, as for ``expected_heads`` in :meth:`write`.

        Returns
        -------
        int
            The id of the version now current.

        Raises
        ------
        UnknownLayerError, InvalidInputError
            When the layer does not exist or ``version_id`` is not one of its versions for that date.
        ConflictError
            When the current version is not ``expected_head``.
        """
        as_of = as_date(as_of)
        wanted = as_version_id(version_id)
        check_actor(actor)
        with self.writing() as connection:
            layer_id = require_layer(connection, layer, self.display_url)
            target = connection.execute(
                select(tables.layer_version).where(tables.layer_version.c.id == wanted)
            ).one_or_none()
            if target is None or target.layer_id != layer_id or target.as_of != as_of:
                raise InvalidInputError(
                    _not_a_version_message(connection, self.display_url, layer, as_of, wanted, target)
                )
            current = current_version(connection, layer_id, as_of)
            if current is not None and current.sha256 == target.sha256:
                return current.id
            _check_head(connection, layer, as_of, as_version_id(expected_head), [])
            return copy_version(connection, target, actor, current)

    def record_rejection(
        self, *, actor: str, file_name: str, sha256: str, size_bytes: int, reasons: list[str]
    ) -> str:
        """Write an audit row for a refused upload and return its correlation id.

        Nothing else is written; the id is shown to the editor and logged, so a support
        question about a refusal can be matched to the audit log. The file name and the
        reasons describe a refused file, so whatever it held is recorded: characters no
        database can store become U+FFFD instead of refusing the record.
        """
        check_actor(actor)
        correlation = uuid.uuid4().hex[:12]
        with self.writing() as connection:
            connection.execute(
                tables.audit.insert().values(
                    at=utc_now(),
                    actor=actor,
                    action="rejected",
                    sha256=sha256,
                    detail=json.dumps(
                        {
                            "correlation_id": correlation,
                            "file_name": storable(file_name[: schema.FILE_NAME_MAX_CHARS]),
                            "size_bytes": size_bytes,
                            "reasons": [storable(reason) for reason in reasons[:50]],
                        },
                        ensure_ascii=False,
                    ),
                )
            )
        _LOG.info(
            "upload rejected: correlation id %s, %d reason(s), sha256 %s", correlation, len(reasons), sha256
        )
        return correlation

    def add_figures(self, figures: pd.DataFrame, *, actor: str, origin: str = "") -> int:
        """Add reported figures (checked by ``figures.check_figures``); return how many were new.

        A figure identical in every field to one already stored is not added again, so
        importing the same CSV twice is harmless. One audit row records the addition.

        Raises
        ------
        InvalidInputError
            When any text is over its limit or holds characters the store refuses, or a
            figure is not a finite number (see :mod:`.inputs`). Nothing is added.
        StoreError
            When the store's older uniqueness rule refuses a figure that differs only by
            layer or measure. Nothing is added.
        """
        check_actor(actor)
        rows = figure_rows(figures, actor)
        check_figure_rows(rows)
        columns = [f.name for f in schema.FIGURE_FIELDS]
        with self.writing() as connection:
            existing = {
                figure_key(dict(zip(columns, row, strict=True)))
                for row in connection.execute(
                    select(*(tables.reported_figure.c[name] for name in columns))
                ).all()
            }
            new, seen = [], set()
            for row in rows:
                key = figure_key(row)
                if key not in existing and key not in seen:
                    new.append(row)
                    seen.add(key)
            if new:
                try:
                    connection.execute(tables.reported_figure.insert(), new)
                except IntegrityError as error:
                    raise StoreError(
                        "a figure with the same date, scope, value and source is already stored and this "
                        "store's older uniqueness rule does not tell them apart by layer or measure; give "
                        "the new figure a more specific scope. Nothing was added."
                    ) from error
                connection.execute(
                    tables.audit.insert().values(
                        at=utc_now(),
                        actor=actor,
                        action="figures",
                        detail=json.dumps(
                            {
                                "added": len(new),
                                "skipped_duplicates": len(rows) - len(new),
                                "origin": origin[:300],
                            },
                            ensure_ascii=False,
                        ),
                    )
                )
        return len(new)

    def put_meta(self, key: str, value: str) -> None:
        """Set one key of the store's ``meta`` table (the only mutable table besides ``head``).

        For small bookkeeping kept with the data, e.g. when a layer was last synced
        (:mod:`layers.sync.status`). Keys are at most 100 characters.
        """
        with self.writing() as connection:
            connection.execute(tables.meta.delete().where(tables.meta.c.key == key))
            connection.execute(tables.meta.insert().values(key=key, value=value))

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A connection in a write transaction that holds the store's write lock; commits on success.

        SQLite takes the lock at ``BEGIN IMMEDIATE``; PostgreSQL takes an advisory lock
        first thing. Either way a head read inside the transaction stays current until
        COMMIT, which is what makes the ``expected_heads`` check sound.

        Raises
        ------
        StoreError
            When another write holds the lock for longer than the lock timeout.
        """
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{sqlite.WRITE_OPTION: True})
                with connection.begin():
                    if self.dialect == "postgresql":
                        postgis.lock_for_write(connection)
                    yield connection
        except OperationalError as exc:
            if not _is_lock_timeout(exc):
                raise
            raise StoreError(
                f"the store {self.display_url!r} is busy: another write held it for too long. "
                "Nothing was written; try again in a minute."
            ) from exc


def _current_shas(engine: Engine, snapshots: Sequence[NewSnapshot]) -> dict[tuple[str, dt.date], str]:
    """``{(layer, as_of): sha256}`` of the current versions of the given snapshots' keys."""
    names = {s.layer for s in snapshots}
    if not names:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(tables.layer.c.name, tables.head.c.as_of, tables.layer_version.c.sha256)
            .join(tables.head, tables.head.c.layer_id == tables.layer.c.id)
            .join(tables.layer_version, tables.layer_version.c.id == tables.head.c.version_id)
            .where(tables.layer.c.name.in_(names))
        ).all()
    return {(name, as_date(as_of)): sha for name, as_of, sha in rows}


def _check_head(
    connection: Connection,
    layer: str,
    as_of: dt.date,
    expected: int | None,
    retries: Sequence[NewSnapshot],
) -> None:
    """Refuse a write unless the current version of ``layer`` and ``as_of`` is ``expected``.

    A retry (one of ``retries`` identical to the current version) passes: the earlier
    attempt wrote it.
    """
    current = current_version(connection, find_layer(connection, layer), as_of)
    if (current.id if current is not None else None) == expected:
        return
    if current is not None and any(
        s.layer == layer and s.as_of == as_of and s.sha256 == current.sha256 for s in retries
    ):
        return
    if current is None:
        raise ConflictError(
            f"{layer} as of {as_of:%Y-%m-%d} has no version now, but you opened version {expected}. "
            "Reload the layer and commit again."
        )
    raise ConflictError(
        f"{layer} as of {as_of:%Y-%m-%d} changed since you opened it: now version {current.id} by "
        f"{current.created_by} at {_utc(current.created_at):%Y-%m-%d %H:%M} UTC. "
        "Review the new version and commit again."
    )


def _not_a_version_message(
    connection: Connection,
    display_url: str,
    layer: str,
    as_of: dt.date,
    version: int | None,
    target: Row[Any] | None,
) -> str:
    fix = f"pick a version_id from the history of {layer!r} with as_of {as_of:%Y-%m-%d}."
    if target is None:
        return f"there is no version {version} in {display_url}; {fix}"
    other = connection.execute(
        select(tables.layer.c.name).where(tables.layer.c.id == target.layer_id)
    ).scalar()
    return (
        f"version {version} is {other!r} as of {target.as_of:%Y-%m-%d}, "
        f"not {layer!r} as of {as_of:%Y-%m-%d}; {fix}"
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back the naive UTC time it was given; PostgreSQL an aware one.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _is_lock_timeout(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "55P03" or "database is locked" in str(exc.orig)
