"""Reading the store: layers, current versions, history, features, areas, figures, milestones.

:class:`StoreReads` holds the :class:`~layers.store.Store` methods that read; the
functions below find a layer and its current version on an open connection, for the
reads here and for the checks the writes make inside their transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection, Engine, Row

from .. import schema
from ..credits import Credit
from ..errors import UnknownLayerError
from . import tables
from .rows import as_date

__all__ = [
    "PROVENANCE_KEYS",
    "CurrentVersion",
    "LayerInfo",
    "StoreReads",
    "current_version",
    "find_layer",
    "require_layer",
]

#: The current version of a layer and date: ``id, sha256, created_by, created_at``.
CurrentVersion = Row[Any, Any, Any, Any]


@dataclass(frozen=True)
class LayerInfo:
    """A layer and the span of its snapshots."""

    name: str
    kind: str
    description: str
    n_snapshots: int
    first: dt.date | None
    last: dt.date | None
    #: Its source, licence and attribution; empty where none was recorded.
    credit: Credit = Credit()


#: The keys of a synced version's provenance, in the order they are shown.
PROVENANCE_KEYS = ("url", "fetched_at", "sha256", "etag", "last_modified")


def _provenance(detail: str | None) -> dict[str, str | None] | None:
    """The ``provenance`` object of an audit row's JSON detail, keys per ``PROVENANCE_KEYS``."""
    if not detail:
        return None
    try:
        found = json.loads(detail).get("provenance")
    except (ValueError, AttributeError):
        return None
    if not isinstance(found, dict):
        return None
    return {key: None if found.get(key) is None else str(found[key]) for key in PROVENANCE_KEYS}


def find_layer(connection: Connection, name: str) -> int | None:
    """The id of the layer called ``name``, or None if there is none."""
    return connection.execute(select(tables.layer.c.id).where(tables.layer.c.name == name)).scalar()


def require_layer(connection: Connection, name: str, display_url: str) -> int:
    """The id of the layer called ``name``.

    Raises
    ------
    UnknownLayerError
        When there is none; the message names the store (``display_url``) and its layers.
    """
    layer_id = find_layer(connection, name)
    if layer_id is None:
        names = connection.execute(select(tables.layer.c.name).order_by(tables.layer.c.name)).scalars()
        known = ", ".join(repr(n) for n in names) or "none yet"
        shown = repr(name) if len(name) <= 100 else f"{name[:80]!r}… ({len(name):,} characters)"
        raise UnknownLayerError(f"no layer named {shown} in {display_url}; layers: {known}.")
    return layer_id


def current_version(connection: Connection, layer_id: int | None, as_of: dt.date) -> CurrentVersion | None:
    """The current version of a layer and date (``id, sha256, created_by, created_at``), or None."""
    if layer_id is None:
        return None
    version = tables.layer_version
    return connection.execute(
        select(version.c.id, version.c.sha256, version.c.created_by, version.c.created_at)
        .select_from(tables.head.join(version, version.c.id == tables.head.c.version_id))
        .where(and_(tables.head.c.layer_id == layer_id, tables.head.c.as_of == as_of))
    ).one_or_none()


class StoreReads:
    """The reading half of :class:`~layers.store.Store`: every method opens its own connection."""

    url: str
    display_url: str
    engine: Engine

    def is_empty(self) -> bool:
        """True when no layer has been written yet."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(tables.layer)).scalar() == 0

    def layers(self) -> list[LayerInfo]:
        """Every layer with its number of snapshots, their first and last dates, and its credit."""
        credit = tables.layer_credit
        query = (
            select(
                tables.layer.c.name,
                tables.layer.c.kind,
                tables.layer.c.description,
                func.count(tables.head.c.as_of),
                func.min(tables.head.c.as_of),
                func.max(tables.head.c.as_of),
                func.max(credit.c.source),
                func.max(credit.c.licence),
                func.max(credit.c.attribution),
            )
            .select_from(tables.layer.outerjoin(tables.head).outerjoin(credit))
            .group_by(tables.layer.c.id)
            .order_by(tables.layer.c.name)
        )
        with self.engine.connect() as connection:
            return [
                LayerInfo(
                    name, kind, description, n, first, last, Credit(source or "", licence or "", by or "")
                )
                for name, kind, description, n, first, last, source, licence, by in connection.execute(query)
            ]

    def head_version(self, layer: str, as_of: dt.date | str) -> int | None:
        """The current version id of a layer and date, or None if there is none (or no such layer).

        This is what an editor's preview passes back as ``expected_heads`` when committing.
        """
        with self.engine.connect() as connection:
            current = current_version(connection, find_layer(connection, layer), as_date(as_of))
        return None if current is None else current.id

    def history(self, layer: str) -> pd.DataFrame:
        """Every version of a layer, newest first, with who wrote it and which is current.

        Returns
        -------
        DataFrame
            Columns ``version_id, as_of, action, created_by, created_at`` (UTC),
            ``file_name, sha256, n_features, replaced_version_id`` (the version that was
            current for that date before, from the audit row; missing for the first),
            ``is_head`` and ``fetched_from`` (the URL a sync fetched the file from; empty
            for an upload).

        Raises
        ------
        UnknownLayerError
            When there is no such layer.
        """
        version, audit, head = tables.layer_version, tables.audit, tables.head
        # From the version's first audit row (the one that wrote it): what it replaced, and its detail.
        replaced, detail = (
            select(column)
            .where(audit.c.version_id == version.c.id)
            .order_by(audit.c.id)
            .limit(1)
            .scalar_subquery()
            for column in (audit.c.replaced_version_id, audit.c.detail)
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
                detail,
            )
            .select_from(version.outerjoin(head, head.c.version_id == version.c.id))
            .order_by(version.c.id.desc())
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                query.where(version.c.layer_id == require_layer(connection, layer, self.display_url))
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
            "detail",
        ]
        history = pd.DataFrame(rows, columns=columns)
        history["fetched_from"] = [(_provenance(d) or {}).get("url") or "" for d in history.pop("detail")]
        history["version_id"] = history["version_id"].astype("int64")
        history["n_features"] = history["n_features"].astype("int64")
        history["created_at"] = pd.to_datetime(history["created_at"], utc=True)
        history["replaced_version_id"] = pd.array(
            [None if pd.isna(v) else int(v) for v in history["replaced_version_id"]], dtype="Int64"
        )
        history["is_head"] = history["is_head"].notna()
        return history

    def heads(self, layer: str) -> pd.DataFrame:
        """The current version of each snapshot date of a layer: columns ``as_of, version_id``.

        Raises
        ------
        UnknownLayerError
            When there is no such layer.
        """
        with self.engine.connect() as connection:
            layer_id = require_layer(connection, layer, self.display_url)
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
        geometry: np.ndarray | list[shapely.Geometry] = (
            shapely.from_wkb([geom for geom, _ in rows]) if rows else []
        )
        return gpd.GeoDataFrame(
            properties, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"), crs="EPSG:4326"
        )

    def categorised(self, version_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Per version, the properties of its features that carry a ``category`` (a mapping
        project's own, ``schema.CATEGORIES``); versions with none are left out. Filtered in
        the database on the properties' text, so a long archive costs one query, not a read
        of every version's geometry."""
        found: dict[int, list[dict[str, Any]]] = {}
        if not version_ids:
            return found
        query = select(tables.feature.c.version_id, tables.feature.c.properties).where(
            tables.feature.c.version_id.in_(version_ids), tables.feature.c.properties.like('%"category"%')
        )
        with self.engine.connect() as connection:
            for version_id, text in connection.execute(query):
                properties = json.loads(text)
                if isinstance(properties, dict) and "category" in properties:
                    found.setdefault(int(version_id), []).append(properties)
        return found

    def area_series(self, layer: str | None = None) -> pd.DataFrame:
        """Stored areas of every current snapshot, or of one layer's.

        Returns
        -------
        DataFrame
            Columns ``as_of, layer, held_by, status, within, area_km2, method``.

        Raises
        ------
        UnknownLayerError
            When ``layer`` is given and there is no such layer.
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
                query = query.where(
                    tables.head.c.layer_id == require_layer(connection, layer, self.display_url)
                )
            rows = connection.execute(query).all()
        return pd.DataFrame(
            rows, columns=["as_of", "layer", "held_by", "status", "within", "area_km2", "method"]
        )

    def provenance(self, version_id: int) -> dict[str, str | None] | None:
        """Where a version's file came from, when a sync fetched it (see ``NewSnapshot.provenance``).

        None for a version written from an upload, a revert or before provenance was kept.
        """
        with self.engine.connect() as connection:
            detail = connection.execute(
                select(tables.audit.c.detail)
                .where(tables.audit.c.version_id == version_id)
                .order_by(tables.audit.c.id)
                .limit(1)
            ).scalar()
        return _provenance(detail)

    def synced(self, layer: str) -> pd.DataFrame:
        """The provenance of each current snapshot of ``layer`` that a sync fetched.

        Returns
        -------
        DataFrame
            Columns ``as_of, version_id, url, fetched_at`` (UTC), ``sha256, etag,
            last_modified``, oldest snapshot first; empty when no snapshot was synced.

        Raises
        ------
        UnknownLayerError
            When there is no such layer.
        """
        head, audit = tables.head, tables.audit
        with self.engine.connect() as connection:
            layer_id = require_layer(connection, layer, self.display_url)
            rows = connection.execute(
                select(head.c.as_of, head.c.version_id, audit.c.detail)
                .select_from(head.join(audit, audit.c.version_id == head.c.version_id))
                .where(head.c.layer_id == layer_id, audit.c.action == "sync")
                .order_by(head.c.as_of, audit.c.id)
            ).all()
        records: list[dict[str, object]] = []
        for as_of, version_id, detail in rows:
            found = _provenance(detail)
            if found is not None and not (records and records[-1]["version_id"] == version_id):
                records.append({"as_of": as_of, "version_id": int(version_id), **found})
        columns = ["as_of", "version_id", *PROVENANCE_KEYS]
        synced = pd.DataFrame(records, columns=columns)
        synced["fetched_at"] = pd.to_datetime(synced["fetched_at"], utc=True, format="ISO8601")
        return synced

    def reported_figures(self) -> pd.DataFrame:
        """Every reported figure, oldest first: the columns of ``schema.FIGURE_FIELDS``."""
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

    def get_meta(self, key: str) -> str | None:
        """The value of one key of the ``meta`` table, or None (see ``put_meta``)."""
        with self.engine.connect() as connection:
            return connection.execute(select(tables.meta.c.value).where(tables.meta.c.key == key)).scalar()

    def layer_id(self, layer: str) -> int:
        """The layer's id, stable for its life (a key that fits where its name may not).

        Raises
        ------
        UnknownLayerError
            When there is no such layer.
        """
        with self.engine.connect() as connection:
            return require_layer(connection, layer, self.display_url)

    def revision(self) -> str:
        """A token that changes whenever anything is written: for cache keys."""
        with self.engine.connect() as connection:
            audit_max = connection.execute(select(func.max(tables.audit.c.id))).scalar()
            figures = connection.execute(select(func.count()).select_from(tables.reported_figure)).scalar()
            milestones = connection.execute(select(func.count()).select_from(tables.milestone)).scalar()
        return f"{self.url}|{audit_max}|{figures}|{milestones}"
