"""Storage of layers, snapshot versions, areas, reported figures and milestones.

One interface, :class:`Store`, over SQLAlchemy. The embedded SQLite file is the
default; ``FRONTLINE_DB`` (a SQLAlchemy URL) selects another database, e.g.
``postgresql://user:password@host/db`` for PostgreSQL with PostGIS. Only this package
talks to the database.

Editors commit with optimistic concurrency: they preview against the current version
of a layer and date (:meth:`Store.head_version`) and pass it back as ``expected_heads``;
a commit made after someone else's is refused with :class:`~layers.errors.ConflictError`.
Writes are serialised (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL),
so the check and the write see the same head.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import and_, bindparam, create_engine, func, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from .. import schema
from ..areas import ANYWHERE, METHOD, area_rows
from ..errors import ConflictError, InvalidInputError, StoreError, UnknownLayerError
from . import postgis, sqlite, tables

_LOG = logging.getLogger(__name__)
DEFAULT_PATH = Path(__file__).resolve().parents[2] / ".frontline" / "frontline.db"


def default_url() -> str:
    """The store the app and the command line use: ``FRONTLINE_DB``, else the embedded file."""
    return os.environ.get("FRONTLINE_DB") or f"sqlite:///{DEFAULT_PATH}"


@dataclass(frozen=True)
class LayerInfo:
    """A layer and the span of its snapshots."""

    name: str
    kind: str
    description: str
    n_snapshots: int
    first: dt.date | None
    last: dt.date | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Store:
    """A connection to one database holding the project's tables.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; defaults to :func:`default_url`.
    """

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self.display_url = self.url
        try:
            # Messages reach the app's page: never show a database password there.
            self.display_url = make_url(self.url).render_as_string(hide_password=True)
            if self.url.startswith("sqlite:///"):
                Path(self.url.removeprefix("sqlite:///")).expanduser().parent.mkdir(
                    parents=True, exist_ok=True
                )
            # A server may restart under a long-running app: test pooled connections before use.
            self.engine = create_engine(self.url, pool_pre_ping=not self.url.startswith("sqlite"))
        except ImportError as exc:
            raise StoreError(
                f"cannot open the store {self.display_url!r}: {exc}. Install the pinned requirements "
                "(pip install -r requirements.txt), which include the PostgreSQL driver."
            ) from exc
        except (ArgumentError, OSError) as exc:
            raise StoreError(
                f"cannot open the store {self.display_url!r}: {exc}. Set FRONTLINE_DB to a valid SQLAlchemy URL "
                "(sqlite:////path/to/file.db or postgresql://user:password@host/database)."
            ) from exc
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            sqlite.configure(self.engine)
        self.create()

    def create(self) -> None:
        """Create missing tables and the append-only triggers (and PostGIS on PostgreSQL)."""
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    postgis.lock_for_create(connection)
                    postgis.create_extension(connection)
                tables.metadata.create_all(connection)
                if self.dialect == "sqlite":
                    sqlite.create_triggers(connection)
                elif self.dialect == "postgresql":
                    postgis.create_triggers(connection)
                if self._meta(connection, "schema_version") is None:
                    connection.execute(
                        tables.meta.insert().values(key="schema_version", value=str(schema.SCHEMA_VERSION))
                    )
        except DBAPIError as exc:
            hint = ""
            if self.dialect == "postgresql":
                hint = (
                    " Check that the server is running and the URL's user, password and database are right; "
                    "PostGIS 3 must be installed on the server (Debian: postgresql-15-postgis-3) and, unless the "
                    "user may create extensions, a superuser must first run CREATE EXTENSION postgis in that database."
                )
            raise StoreError(
                f"cannot create the tables in {self.display_url!r}: {_sentence(exc.orig)}{hint}"
            ) from exc

    def close(self) -> None:
        """Close the pooled connections; the store can still be used, and reconnects."""
        self.engine.dispose()

    @staticmethod
    def _meta(connection, key):
        return connection.execute(select(tables.meta.c.value).where(tables.meta.c.key == key)).scalar()

    # --- writing -------------------------------------------------------------

    def write(
        self,
        snapshots=(),
        figures=None,
        milestones=None,
        *,
        actor: str,
        action: str = "import",
        only_if_empty: bool = False,
        expected_heads: dict | None = None,
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
        ConflictError
            When the current version of any key of ``expected_heads`` is not the expected
            one (someone committed since the preview). Nothing is written.
        StoreError
            When another write holds the store for longer than the lock timeout (30 s).
        """
        snapshots = list(snapshots)
        expected = {
            (str(name), _as_date(as_of)): _version_id(version)
            for (name, as_of), version in (expected_heads or {}).items()
        }
        # Areas are the costly part of a write; computed before taking the write lock, and
        # only for snapshots that will be written (a re-import of identical files skips them).
        unchanged = self._current_shas(snapshots) if action == "import" else {}
        prepared = [
            (s, None if unchanged.get((s.layer, _as_date(s.as_of))) == s.sha256 else _area_rows(s))
            for s in snapshots
        ]
        ids = []
        with self.writing() as connection:
            if only_if_empty and connection.execute(select(func.count()).select_from(tables.layer)).scalar():
                return []
            retries = snapshots if action == "import" else []
            for (name, as_of), version in expected.items():
                self._check_head(connection, name, as_of, version, retries)
            if _batchable(snapshots):
                ids = self._write_batch(connection, prepared, actor, action)
            else:
                for snapshot, areas in prepared:
                    current = self._current(
                        connection, self._find_layer(connection, snapshot.layer), snapshot.as_of
                    )
                    if action == "import" and current is not None and current.sha256 == snapshot.sha256:
                        ids.append(current.id)
                        continue
                    if areas is None:  # it changed since the check above
                        areas = _area_rows(snapshot)
                    ids.append(self._write_snapshot(connection, snapshot, areas, actor, action, current))
            if figures is not None and len(figures):
                connection.execute(tables.reported_figure.insert(), _figure_rows(figures, actor))
            if milestones is not None and len(milestones):
                connection.execute(
                    tables.milestone.insert(), milestones[["date", "title", "source"]].to_dict("records")
                )
        return ids

    def _current_shas(self, snapshots) -> dict:
        """``{(layer, as_of): sha256}`` of the current versions of the given snapshots' keys."""
        names = {s.layer for s in snapshots}
        if not names:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(tables.layer.c.name, tables.head.c.as_of, tables.layer_version.c.sha256)
                .join(tables.head, tables.head.c.layer_id == tables.layer.c.id)
                .join(tables.layer_version, tables.layer_version.c.id == tables.head.c.version_id)
                .where(tables.layer.c.name.in_(names))
            ).all()
        return {(name, _as_date(as_of)): sha for name, as_of, sha in rows}

    def revert(self, layer: str, as_of, version_id: int, *, actor: str, expected_head: int | None) -> int:
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
        as_of = _as_date(as_of)
        version_id = _version_id(version_id)
        with self.writing() as connection:
            layer_id = self._layer_id(connection, layer)
            target = connection.execute(
                select(tables.layer_version).where(tables.layer_version.c.id == version_id)
            ).one_or_none()
            if target is None or target.layer_id != layer_id or target.as_of != as_of:
                raise InvalidInputError(
                    self._not_a_version_message(connection, layer, as_of, version_id, target)
                )
            current = self._current(connection, layer_id, as_of)
            if current is not None and current.sha256 == target.sha256:
                return current.id
            self._check_head(connection, layer, as_of, _version_id(expected_head), [])
            return self._copy_version(connection, target, actor, current)

    def _copy_version(self, connection, target, actor, current) -> int:
        now = _now()
        new_id = connection.execute(
            tables.layer_version.insert().values(
                layer_id=target.layer_id,
                as_of=target.as_of,
                parent_version_id=current.id if current is not None else None,
                sha256=target.sha256,
                n_features=target.n_features,
                schema_version=target.schema_version,
                created_by=actor,
                created_at=now,
                file_name=target.file_name,
                action="revert",
            )
        ).inserted_primary_key[0]
        # Copied inside the database, so geometries come back bit for bit on both backends.
        feature, area = tables.feature, tables.area
        connection.execute(
            feature.insert().from_select(
                ["version_id", "idx", "geometry", "properties"],
                select(literal(new_id), feature.c.idx, feature.c.geometry, feature.c.properties).where(
                    feature.c.version_id == target.id
                ),
            )
        )
        connection.execute(
            area.insert().from_select(
                ["version_id", "held_by", "status", "within", "area_km2", "method"],
                select(
                    literal(new_id),
                    area.c.held_by,
                    area.c.status,
                    area.c.within,
                    area.c.area_km2,
                    area.c.method,
                ).where(area.c.version_id == target.id),
            )
        )
        areas = [
            dict(row._mapping)
            for row in connection.execute(
                select(area.c.held_by, area.c.status, area.c.within, area.c.area_km2, area.c.method).where(
                    area.c.version_id == new_id
                )
            )
        ]
        self._move_head(connection, target.layer_id, target.as_of, new_id, current)
        connection.execute(
            tables.audit.insert().values(
                at=now,
                actor=actor,
                action="revert",
                layer_id=target.layer_id,
                as_of=target.as_of,
                version_id=new_id,
                replaced_version_id=current.id if current is not None else None,
                sha256=target.sha256,
                detail=json.dumps(
                    {
                        "n_features": target.n_features,
                        "file_name": target.file_name,
                        "areas": areas,
                        "reverted_to": target.id,
                    }
                ),
            )
        )
        return new_id

    def record_rejection(
        self, *, actor: str, file_name: str, sha256: str, size_bytes: int, reasons: list[str]
    ) -> str:
        """Write an audit row for a refused upload and return its correlation id.

        Nothing else is written; the id is shown to the editor and logged, so a support
        question about a refusal can be matched to the audit log.
        """
        correlation = uuid.uuid4().hex[:12]
        with self.writing() as connection:
            connection.execute(
                tables.audit.insert().values(
                    at=_now(),
                    actor=actor,
                    action="rejected",
                    sha256=sha256,
                    detail=json.dumps(
                        {
                            "correlation_id": correlation,
                            "file_name": file_name[:300],
                            "size_bytes": size_bytes,
                            "reasons": reasons[:50],
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
        """
        rows = _figure_rows(figures, actor)
        columns = [f.name for f in schema.FIGURE_FIELDS]
        with self.writing() as connection:
            existing = {
                _figure_key(dict(zip(columns, row)))
                for row in connection.execute(
                    select(*(tables.reported_figure.c[name] for name in columns))
                ).all()
            }
            new, seen = [], set()
            for row in rows:
                key = _figure_key(row)
                if key not in existing and key not in seen:
                    new.append(row)
                    seen.add(key)
            if new:
                try:
                    connection.execute(tables.reported_figure.insert(), new)
                except IntegrityError as error:
                    raise StoreError(
                        "a figure with the same date, scope, value and source is already stored and this store's older "
                        "uniqueness rule does not tell them apart by layer or measure; give the new figure a more specific "
                        "scope. Nothing was added."
                    ) from error
                connection.execute(
                    tables.audit.insert().values(
                        at=_now(),
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

    @contextmanager
    def writing(self):
        """A connection in a write transaction that holds the store's write lock; commits on success.

        SQLite takes the lock at ``BEGIN IMMEDIATE``; PostgreSQL takes an advisory lock
        first thing. Either way a head read inside the transaction stays current until
        COMMIT, which is what makes the ``expected_heads`` check sound.
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

    def _check_head(self, connection, layer: str, as_of: dt.date, expected: int | None, retries) -> None:
        current = self._current(connection, self._find_layer(connection, layer), as_of)
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

    def _not_a_version_message(self, connection, layer, as_of, version_id, target) -> str:
        fix = f"pick a version_id from the history of {layer!r} with as_of {as_of:%Y-%m-%d}."
        if target is None:
            return f"there is no version {version_id} in {self.display_url}; {fix}"
        other = connection.execute(
            select(tables.layer.c.name).where(tables.layer.c.id == target.layer_id)
        ).scalar()
        return f"version {version_id} is {other!r} as of {target.as_of:%Y-%m-%d}, not {layer!r} as of {as_of:%Y-%m-%d}; {fix}"

    @staticmethod
    def _find_layer(connection, name: str) -> int | None:
        return connection.execute(select(tables.layer.c.id).where(tables.layer.c.name == name)).scalar()

    @staticmethod
    def _current(connection, layer_id: int | None, as_of: dt.date):
        """The current version of a layer and date (``id, sha256, created_by, created_at``), or None."""
        if layer_id is None:
            return None
        version = tables.layer_version
        return connection.execute(
            select(version.c.id, version.c.sha256, version.c.created_by, version.c.created_at)
            .select_from(tables.head.join(version, version.c.id == tables.head.c.version_id))
            .where(and_(tables.head.c.layer_id == layer_id, tables.head.c.as_of == as_of))
        ).one_or_none()

    @staticmethod
    def _move_head(connection, layer_id: int, as_of: dt.date, version_id: int, current) -> None:
        if current is None:
            connection.execute(
                tables.head.insert().values(layer_id=layer_id, as_of=as_of, version_id=version_id)
            )
        else:
            connection.execute(
                tables.head.update()
                .where(and_(tables.head.c.layer_id == layer_id, tables.head.c.as_of == as_of))
                .values(version_id=version_id)
            )

    def _write_snapshot(self, connection, snapshot, areas, actor, action, current) -> int:
        layer_id = self._ensure_layer(connection, snapshot.layer, snapshot.kind, snapshot.description)
        replaced = current.id if current is not None else None
        now = _now()
        version_id = connection.execute(
            tables.layer_version.insert().values(
                layer_id=layer_id,
                as_of=snapshot.as_of,
                parent_version_id=replaced,
                sha256=snapshot.sha256,
                n_features=len(snapshot.features),
                schema_version=schema.SCHEMA_VERSION,
                created_by=actor,
                created_at=now,
                file_name=snapshot.file_name,
                action=action,
            )
        ).inserted_primary_key[0]
        features = snapshot.features
        if len(features):
            connection.execute(
                tables.feature.insert(),
                [
                    {
                        "version_id": version_id,
                        "idx": i,
                        "geometry": geom,
                        "properties": json.dumps(props, ensure_ascii=False),
                    }
                    for i, (geom, props) in enumerate(zip(features.geometry.values, _properties(features)))
                ],
            )
        if areas:
            connection.execute(tables.area.insert(), [dict(row, version_id=version_id) for row in areas])
        self._move_head(connection, layer_id, snapshot.as_of, version_id, current)
        connection.execute(
            tables.audit.insert().values(
                at=now,
                actor=actor,
                action=action,
                layer_id=layer_id,
                as_of=snapshot.as_of,
                version_id=version_id,
                replaced_version_id=replaced,
                sha256=snapshot.sha256,
                detail=json.dumps(
                    {"n_features": len(features), "file_name": snapshot.file_name, "areas": areas}
                ),
            )
        )
        return version_id

    def _write_batch(self, connection, prepared, actor, action) -> list[int]:
        """What :meth:`_write_snapshot` does for each snapshot, in a few multi-row statements.

        For many snapshots of distinct layers and dates (an archive import): one INSERT
        per table instead of eight statements per snapshot, whose cost was SQLAlchemy's
        per-statement overhead. Ids and rows are the same as written one by one, in the
        same order.
        """
        version, head = tables.layer_version, tables.head
        layer_ids = {
            name: self._find_layer(connection, name) for name in dict.fromkeys(s.layer for s, _ in prepared)
        }
        current = {}
        for layer_id in {i for i in layer_ids.values() if i is not None}:
            rows = connection.execute(
                select(head.c.as_of, version.c.id, version.c.sha256)
                .select_from(head.join(version, version.c.id == head.c.version_id))
                .where(head.c.layer_id == layer_id)
            ).all()
            current.update({(layer_id, as_of): (version_id, sha) for as_of, version_id, sha in rows})
        ids: list[int | None] = []
        work = []
        for snapshot, areas in prepared:
            layer_id = layer_ids[snapshot.layer]
            found = current.get((layer_id, snapshot.as_of)) if layer_id is not None else None
            if action == "import" and found is not None and found[1] == snapshot.sha256:
                ids.append(found[0])
                continue
            if areas is None:  # it changed since the check before the transaction
                areas = _area_rows(snapshot)
            if layer_id is None:
                layer_id = layer_ids[snapshot.layer] = self._ensure_layer(
                    connection, snapshot.layer, snapshot.kind, snapshot.description
                )
            ids.append(None)
            work.append(
                (len(ids) - 1, snapshot, areas, layer_id, found[0] if found is not None else None, _now())
            )
        if not work:
            return ids
        new_ids = (
            connection.execute(
                version.insert().returning(version.c.id, sort_by_parameter_order=True),
                [
                    {
                        "layer_id": layer_id,
                        "as_of": snapshot.as_of,
                        "parent_version_id": replaced,
                        "sha256": snapshot.sha256,
                        "n_features": len(snapshot.features),
                        "schema_version": schema.SCHEMA_VERSION,
                        "created_by": actor,
                        "created_at": now,
                        "file_name": snapshot.file_name,
                        "action": action,
                    }
                    for _, snapshot, _, layer_id, replaced, now in work
                ],
            )
            .scalars()
            .all()
        )
        features, areas_rows, new_heads, moved_heads, audits = [], [], [], [], []
        for (position, snapshot, areas, layer_id, replaced, now), version_id in zip(work, new_ids):
            ids[position] = version_id
            frame = snapshot.features
            if len(frame):
                features.extend(
                    {
                        "version_id": version_id,
                        "idx": i,
                        "geometry": geom,
                        "properties": json.dumps(props, ensure_ascii=False),
                    }
                    for i, (geom, props) in enumerate(zip(frame.geometry.values, _properties(frame)))
                )
            areas_rows.extend(dict(row, version_id=version_id) for row in areas)
            key = {"b_layer_id": layer_id, "b_as_of": snapshot.as_of, "b_version_id": version_id}
            (moved_heads if replaced is not None else new_heads).append(key)
            audits.append(
                {
                    "at": now,
                    "actor": actor,
                    "action": action,
                    "layer_id": layer_id,
                    "as_of": snapshot.as_of,
                    "version_id": version_id,
                    "replaced_version_id": replaced,
                    "sha256": snapshot.sha256,
                    "detail": json.dumps(
                        {"n_features": len(frame), "file_name": snapshot.file_name, "areas": areas}
                    ),
                }
            )
        if features:
            connection.execute(tables.feature.insert(), features)
        if areas_rows:
            connection.execute(tables.area.insert(), areas_rows)
        if new_heads:
            connection.execute(
                head.insert().values(
                    layer_id=bindparam("b_layer_id"),
                    as_of=bindparam("b_as_of"),
                    version_id=bindparam("b_version_id"),
                ),
                new_heads,
            )
        if moved_heads:
            connection.execute(
                head.update()
                .where(and_(head.c.layer_id == bindparam("b_layer_id"), head.c.as_of == bindparam("b_as_of")))
                .values(version_id=bindparam("b_version_id")),
                moved_heads,
            )
        connection.execute(tables.audit.insert(), audits)
        return ids

    def _ensure_layer(self, connection, name, kind, description) -> int:
        layer_id = connection.execute(select(tables.layer.c.id).where(tables.layer.c.name == name)).scalar()
        if layer_id is None:
            layer_id = connection.execute(
                tables.layer.insert().values(name=name, kind=kind, description=description, created_at=_now())
            ).inserted_primary_key[0]
        return layer_id

    # --- reading -------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when no layer has been written yet."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(tables.layer)).scalar() == 0

    def layers(self) -> list[LayerInfo]:
        """Every layer with its number of snapshots and their first and last dates."""
        query = (
            select(
                tables.layer.c.name,
                tables.layer.c.kind,
                tables.layer.c.description,
                func.count(tables.head.c.as_of),
                func.min(tables.head.c.as_of),
                func.max(tables.head.c.as_of),
            )
            .select_from(tables.layer.outerjoin(tables.head))
            .group_by(tables.layer.c.id)
            .order_by(tables.layer.c.name)
        )
        with self.engine.connect() as connection:
            return [LayerInfo(*row) for row in connection.execute(query)]

    def _layer_id(self, connection, name: str) -> int:
        layer_id = self._find_layer(connection, name)
        if layer_id is None:
            names = connection.execute(select(tables.layer.c.name).order_by(tables.layer.c.name)).scalars()
            known = ", ".join(repr(n) for n in names) or "none yet"
            raise UnknownLayerError(f"no layer named {name!r} in {self.display_url}; layers: {known}.")
        return layer_id

    def head_version(self, layer: str, as_of) -> int | None:
        """The current version id of a layer and date, or None if there is none (or no such layer).

        This is what an editor's preview passes back as ``expected_heads`` when committing.
        """
        with self.engine.connect() as connection:
            current = self._current(connection, self._find_layer(connection, layer), _as_date(as_of))
        return None if current is None else current.id

    def history(self, layer: str) -> pd.DataFrame:
        """Every version of a layer, newest first, with who wrote it and which is current.

        Returns
        -------
        DataFrame
            Columns ``version_id, as_of, action, created_by, created_at`` (UTC),
            ``file_name, sha256, n_features, replaced_version_id`` (the version that was
            current for that date before, from the audit row; missing for the first) and
            ``is_head``.
        """
        version, audit, head = tables.layer_version, tables.audit, tables.head
        replaced = (
            select(audit.c.replaced_version_id)
            .where(audit.c.version_id == version.c.id)
            .order_by(audit.c.id)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                version.c.id,
                version.c.as_of,
                version.c.action,
                version.c.created_by,
                version.c.created_at,
                version.c.file_name,
                version.c.sha256,
                version.c.n_features,
                replaced,
                head.c.version_id,
            )
            .select_from(version.outerjoin(head, head.c.version_id == version.c.id))
            .order_by(version.c.id.desc())
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                query.where(version.c.layer_id == self._layer_id(connection, layer))
            ).all()
        columns = [
            "version_id",
            "as_of",
            "action",
            "created_by",
            "created_at",
            "file_name",
            "sha256",
            "n_features",
            "replaced_version_id",
            "is_head",
        ]
        history = pd.DataFrame(rows, columns=columns)
        history["version_id"] = history["version_id"].astype("int64")
        history["n_features"] = history["n_features"].astype("int64")
        history["created_at"] = pd.to_datetime(history["created_at"], utc=True)
        history["replaced_version_id"] = pd.array(
            [None if pd.isna(v) else int(v) for v in history["replaced_version_id"]], dtype="Int64"
        )
        history["is_head"] = history["is_head"].notna()
        return history

    def heads(self, layer: str) -> pd.DataFrame:
        """The current version of each snapshot date of a layer: columns ``as_of, version_id``."""
        with self.engine.connect() as connection:
            layer_id = self._layer_id(connection, layer)
            rows = connection.execute(
                select(tables.head.c.as_of, tables.head.c.version_id)
                .where(tables.head.c.layer_id == layer_id)
                .order_by(tables.head.c.as_of)
            ).all()
        return pd.DataFrame(rows, columns=["as_of", "version_id"])

    def features(self, version_id: int) -> gpd.GeoDataFrame:
        """The features of one stored version, properties as columns, in EPSG:4326."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(tables.feature.c.geometry, tables.feature.c.properties)
                .where(tables.feature.c.version_id == version_id)
                .order_by(tables.feature.c.idx)
            ).all()
        properties = pd.DataFrame([json.loads(props) for _, props in rows])
        geometry = shapely.from_wkb([geom for geom, _ in rows]) if rows else []
        return gpd.GeoDataFrame(
            properties, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"), crs="EPSG:4326"
        )

    def area_series(self, layer: str | None = None) -> pd.DataFrame:
        """Stored areas of every current snapshot.

        Returns
        -------
        DataFrame
            Columns ``as_of, layer, held_by, status, within, area_km2, method``.
        """
        query = (
            select(
                tables.head.c.as_of,
                tables.layer.c.name.label("layer"),
                tables.area.c.held_by,
                tables.area.c.status,
                tables.area.c.within,
                tables.area.c.area_km2,
                tables.area.c.method,
            )
            .select_from(
                tables.head.join(tables.layer, tables.head.c.layer_id == tables.layer.c.id).join(
                    tables.area, tables.area.c.version_id == tables.head.c.version_id
                )
            )
            .order_by(
                tables.head.c.as_of,
                tables.layer.c.name,
                tables.area.c.held_by,
                tables.area.c.status,
                tables.area.c.within,
            )
        )
        with self.engine.connect() as connection:
            if layer is not None:
                query = query.where(tables.head.c.layer_id == self._layer_id(connection, layer))
            rows = connection.execute(query).all()
        return pd.DataFrame(
            rows, columns=["as_of", "layer", "held_by", "status", "within", "area_km2", "method"]
        )

    def reported_figures(self) -> pd.DataFrame:
        """Every reported figure, oldest first."""
        columns = [f.name for f in schema.FIGURE_FIELDS]
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(*(tables.reported_figure.c[name] for name in columns)).order_by(
                    tables.reported_figure.c.date, tables.reported_figure.c.id
                )
            ).all()
        return pd.DataFrame(rows, columns=columns)

    def milestones(self) -> pd.DataFrame:
        """Every milestone, oldest first: columns ``date, title, source``."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(tables.milestone.c.date, tables.milestone.c.title, tables.milestone.c.source).order_by(
                    tables.milestone.c.date
                )
            ).all()
        return pd.DataFrame(rows, columns=["date", "title", "source"])

    def revision(self) -> str:
        """A token that changes whenever anything is written: for cache keys."""
        with self.engine.connect() as connection:
            audit_max = connection.execute(select(func.max(tables.audit.c.id))).scalar()
            figures = connection.execute(select(func.count()).select_from(tables.reported_figure)).scalar()
            milestones = connection.execute(select(func.count()).select_from(tables.milestone)).scalar()
        return f"{self.url}|{audit_max}|{figures}|{milestones}"


@dataclass(frozen=True)
class NewSnapshot:
    """A snapshot about to be written: the full state of one layer as of a date."""

    layer: str
    as_of: dt.date
    features: gpd.GeoDataFrame
    sha256: str
    kind: str = "territory"
    description: str = ""
    file_name: str = ""
    #: The area rows, when already computed from ``features`` (an import's worker
    #: processes do it beside validation); None: computed when written.
    areas: tuple[dict, ...] | None = None


def _batchable(snapshots) -> bool:
    """Whether :meth:`Store._write_batch` may write these: several, each its own layer and plain date."""
    keys = {(s.layer, s.as_of) for s in snapshots}
    return (
        len(snapshots) > 1
        and len(keys) == len(snapshots)
        and all(type(s.as_of) is dt.date for s in snapshots)
    )


def _as_date(value) -> dt.date:
    """A snapshot date from a date, a datetime or Timestamp, or ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(f"snapshot date expected like 2024-11-25, got {value!r}.") from None


def _version_id(value) -> int | None:
    """A version id as a plain int (pandas and numpy hand out their own integer types)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"version id expected as a whole number, got {value!r}; take it from the layer's history."
        ) from None


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back the naive UTC time it was given; PostgreSQL an aware one.
    return (
        moment.replace(tzinfo=dt.timezone.utc)
        if moment.tzinfo is None
        else moment.astimezone(dt.timezone.utc)
    )


def _sentence(error) -> str:
    """A driver's multi-line error message as one sentence."""
    words = " ".join(str(error).split())
    return words if words.endswith((".", "?", "!")) else f"{words}."


def _is_lock_timeout(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "55P03" or "database is locked" in str(exc.orig)


def _figure_rows(figures: pd.DataFrame, actor: str) -> list[dict]:
    now = _now()
    rows = []
    for record in figures.to_dict("records"):
        row = {f.name: record.get(f.name) for f in schema.FIGURE_FIELDS}
        for name in ("layer", "held_by", "status", "within", "note"):
            row[name] = "" if _missing(row[name]) else str(row[name])
        row["measure"] = "at date" if _missing(row["measure"]) or not row["measure"] else str(row["measure"])
        rows.append(dict(row, added_by=actor, added_at=now))
    return rows


def _figure_key(row: dict) -> tuple:
    """A figure's identity for duplicate detection: every field, values normalised."""
    return tuple(
        round(float(row[f.name]), 6)
        if f.name == "value_km2"
        else _as_date(row[f.name])
        if f.name == "date"
        else str(row[f.name] or "")
        for f in schema.FIGURE_FIELDS
    )


def _properties(features: gpd.GeoDataFrame) -> list[dict]:
    """Each feature's properties, missing values left out (what ``to_dict("records")`` gives, at a tenth of its cost)."""
    geometry = features.geometry.name
    columns = [c for c in features.columns if c != geometry]
    if not columns:
        return [{} for _ in range(len(features))]
    if not features.columns.is_unique:
        records = features[columns].to_dict("records")
        return [{k: v for k, v in record.items() if not _missing(v)} for record in records]
    # Column by column as plain Python values; GeoDataFrame.__getitem__ would check each for geometry.
    values = [pd.DataFrame.__getitem__(features, column).tolist() for column in columns]
    return [{k: v for k, v in zip(columns, row) if not _missing(v)} for row in zip(*values)]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _area_rows(snapshot: NewSnapshot) -> list[dict]:
    if snapshot.areas is not None:
        return [dict(row) for row in snapshot.areas]
    return computed_area_rows(snapshot.features, snapshot.kind)


def computed_area_rows(features: gpd.GeoDataFrame, kind: str = "territory") -> list[dict]:
    """The area rows stored with a snapshot: per side and status, unclipped and within RUS and UKR."""
    if kind != "territory" or not len(features):
        return []
    return [
        {"held_by": held_by, "status": status, "within": within, "area_km2": km2, "method": METHOD}
        for held_by, status, within, km2 in area_rows(features, within=(ANYWHERE, "RUS", "UKR"))
    ]
