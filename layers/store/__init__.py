"""Storage of layers, snapshot versions, areas, reported figures and milestones.

One interface, :class:`Store`, over SQLAlchemy. The embedded SQLite file is the
default; ``FRONTLINE_DB`` (a SQLAlchemy URL) selects another database. Only this
package talks to the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import and_, create_engine, func, select
from sqlalchemy.exc import ArgumentError, OperationalError

from .. import schema
from ..areas import ANYWHERE, METHOD, area_table
from ..errors import StoreError, UnknownLayerError
from . import sqlite, tables

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
        try:
            if self.url.startswith("sqlite:///"):
                Path(self.url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(self.url)
        except (ArgumentError, OSError) as exc:
            raise StoreError(f"cannot open the store {self.url!r}: {exc}. Set FRONTLINE_DB to a valid SQLAlchemy URL.") from exc
        if self.engine.dialect.name == "sqlite":
            sqlite.configure(self.engine)
        self.create()

    def create(self) -> None:
        """Create missing tables (and, on SQLite, the append-only triggers)."""
        try:
            with self.engine.begin() as connection:
                tables.metadata.create_all(connection)
                if self.engine.dialect.name == "sqlite":
                    sqlite.create_triggers(connection)
                if self._meta(connection, "schema_version") is None:
                    connection.execute(tables.meta.insert().values(key="schema_version", value=str(schema.SCHEMA_VERSION)))
        except OperationalError as exc:
            raise StoreError(f"cannot create the tables in {self.url!r}: {exc.orig}") from exc

    @staticmethod
    def _meta(connection, key):
        return connection.execute(select(tables.meta.c.value).where(tables.meta.c.key == key)).scalar()

    # --- writing -------------------------------------------------------------

    def write(self, snapshots=(), figures=None, milestones=None, *, actor: str, action: str = "import", only_if_empty: bool = False) -> list[int]:
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
        only_if_empty : bool
            Write nothing if any layer exists, checked inside the transaction, so that
            two app processes starting at once seed the store only once.

        Returns
        -------
        list of int
            The new version ids, in input order (empty if nothing was written).
        """
        prepared = [(s, _area_rows(s)) for s in snapshots]
        ids = []
        with self.writing() as connection:
            if only_if_empty and connection.execute(select(func.count()).select_from(tables.layer)).scalar():
                return []
            for snapshot, areas in prepared:
                ids.append(self._write_snapshot(connection, snapshot, areas, actor, action))
            if figures is not None and len(figures):
                connection.execute(tables.reported_figure.insert(), _figure_rows(figures, actor))
            if milestones is not None and len(milestones):
                connection.execute(tables.milestone.insert(), milestones[["date", "title", "source"]].to_dict("records"))
        return ids

    @contextmanager
    def writing(self):
        """A connection in a write transaction, locked at BEGIN on SQLite; commits on success."""
        with self.engine.connect() as connection:
            connection.execution_options(**{sqlite.WRITE_OPTION: True})
            with connection.begin():
                yield connection

    def _write_snapshot(self, connection, snapshot, areas, actor, action) -> int:
        layer_id = self._ensure_layer(connection, snapshot.layer, snapshot.kind, snapshot.description)
        replaced = connection.execute(
            select(tables.head.c.version_id).where(
                and_(tables.head.c.layer_id == layer_id, tables.head.c.as_of == snapshot.as_of)
            )
        ).scalar()
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
                    {"version_id": version_id, "idx": i, "geometry": shapely.to_wkb(geom), "properties": json.dumps(props, ensure_ascii=False)}
                    for i, (geom, props) in enumerate(zip(features.geometry.values, _properties(features)))
                ],
            )
        if areas:
            connection.execute(tables.area.insert(), [dict(row, version_id=version_id) for row in areas])
        if replaced is None:
            connection.execute(tables.head.insert().values(layer_id=layer_id, as_of=snapshot.as_of, version_id=version_id))
        else:
            connection.execute(
                tables.head.update()
                .where(and_(tables.head.c.layer_id == layer_id, tables.head.c.as_of == snapshot.as_of))
                .values(version_id=version_id)
            )
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
                detail=json.dumps({"n_features": len(features), "file_name": snapshot.file_name, "areas": areas}),
            )
        )
        return version_id

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
        layer_id = connection.execute(select(tables.layer.c.id).where(tables.layer.c.name == name)).scalar()
        if layer_id is None:
            names = connection.execute(select(tables.layer.c.name).order_by(tables.layer.c.name)).scalars()
            known = ", ".join(repr(n) for n in names) or "none yet"
            raise UnknownLayerError(f"no layer named {name!r} in {self.url}; layers: {known}.")
        return layer_id

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
        geometry = shapely.from_wkb([bytes(geom) for geom, _ in rows]) if rows else []
        return gpd.GeoDataFrame(properties, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"), crs="EPSG:4326")

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
            .order_by(tables.head.c.as_of, tables.layer.c.name, tables.area.c.held_by, tables.area.c.status, tables.area.c.within)
        )
        with self.engine.connect() as connection:
            if layer is not None:
                query = query.where(tables.head.c.layer_id == self._layer_id(connection, layer))
            rows = connection.execute(query).all()
        return pd.DataFrame(rows, columns=["as_of", "layer", "held_by", "status", "within", "area_km2", "method"])

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


def _properties(features: gpd.GeoDataFrame) -> list[dict]:
    columns = [c for c in features.columns if c != features.geometry.name]
    records = features[columns].to_dict("records")
    return [{k: v for k, v in record.items() if not _missing(v)} for record in records]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _area_rows(snapshot: NewSnapshot) -> list[dict]:
    if snapshot.kind != "territory" or not len(snapshot.features):
        return []
    table = area_table(snapshot.features, within=(ANYWHERE, "RUS", "UKR"))
    return [dict(row, method=METHOD) for row in table.to_dict("records")]
