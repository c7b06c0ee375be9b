"""Table definitions shared by every store backend.

Designed for the editor workflow: every upload is a new immutable ``layer_version``
with its ``feature`` rows and an ``audit`` row, written in one transaction; ``head``
is the only mutable table and says which version is current for each layer and date.
Reverting is a new version that copies an older one. Areas are computed at import
and stored per version, so the whole area series of a long layer is ready at once.

The same definitions serve SQLite and PostgreSQL; the one column that differs by
database, the feature geometry, hides the difference in :class:`WKBGeometry`.
"""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geometry, WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "APPEND_ONLY",
    "SRID",
    "WKBGeometry",
    "area",
    "audit",
    "feature",
    "head",
    "layer",
    "layer_credit",
    "layer_version",
    "meta",
    "metadata",
    "milestone",
    "reported_figure",
]

#: Every stored geometry is longitude/latitude on WGS84.
SRID = 4326


class WKBGeometry(TypeDecorator):
    """A geometry column: shapely geometries in, bytes for ``shapely.from_wkb`` out, on every database.

    SQLite keeps plain WKB in a BLOB (the embedded file needs no SpatiaLite). On
    PostgreSQL the column is a PostGIS ``geometry(Geometry, 4326)``, so spatial SQL and
    a GiST index work there; GeoAlchemy2 wraps values in ``ST_GeomFromEWKT`` and reads
    them back with ``ST_AsEWKB`` (WKB carrying the SRID), both exact binary round trips.
    """

    impl = Geometry(geometry_type="GEOMETRY", srid=SRID, spatial_index=False)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # GeoAlchemy2 also calls this with no dialect when it inspects tables.
        if dialect is not None and dialect.name == "postgresql":
            return self.impl_instance
        return LargeBinary()

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> bytes | WKBElement | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            ewkb = shapely.to_wkb(shapely.set_srid(value, SRID), include_srid=True)
            return WKBElement(ewkb, srid=SRID, extended=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value: WKBElement | bytes | None, dialect: Dialect) -> bytes | None:
        if isinstance(value, WKBElement):
            return bytes(value.data)
        return None if value is None else bytes(value)


metadata = MetaData()

layer = Table(
    "layer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: A layer's source, licence and attribution (``layers.credits``): one row per layer that
#: has them, editable (the only mutable table besides ``head``), each change audited. A
#: table of its own so that stores made before credits existed gain it on opening.
layer_credit = Table(
    "layer_credit",
    metadata,
    Column("layer_id", Integer, ForeignKey("layer.id"), primary_key=True),
    Column("source", Text, nullable=False, default=""),
    Column("licence", Text, nullable=False, default=""),
    Column("attribution", Text, nullable=False, default=""),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

layer_version = Table(
    "layer_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("layer_id", Integer, ForeignKey("layer.id"), nullable=False, index=True),
    Column("as_of", Date, nullable=False),
    Column("parent_version_id", Integer, ForeignKey("layer_version.id")),
    Column("sha256", String(64), nullable=False),
    Column("n_features", Integer, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("file_name", String(300), nullable=False, default=""),
    Column("action", String(20), nullable=False),
)

head = Table(
    "head",
    metadata,
    Column("layer_id", Integer, ForeignKey("layer.id"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("version_id", Integer, ForeignKey("layer_version.id"), nullable=False),
    PrimaryKeyConstraint("layer_id", "as_of"),
)

feature = Table(
    "feature",
    metadata,
    Column("version_id", Integer, ForeignKey("layer_version.id"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("geometry", WKBGeometry, nullable=False),
    Column("properties", Text, nullable=False),
    PrimaryKeyConstraint("version_id", "idx"),
)

# A BLOB on SQLite has nothing to index spatially, so the GiST index exists only on PostGIS.
Index("feature_geometry_gist", feature.c.geometry, postgresql_using="gist").ddl_if(dialect="postgresql")

area = Table(
    "area",
    metadata,
    Column("version_id", Integer, ForeignKey("layer_version.id"), nullable=False),
    Column("held_by", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("within", String(3), nullable=False),
    Column("area_km2", Float, nullable=False),
    Column("method", String(200), nullable=False),
    PrimaryKeyConstraint("version_id", "held_by", "status", "within"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(20), nullable=False),
    Column("layer_id", Integer, ForeignKey("layer.id")),
    Column("as_of", Date),
    Column("version_id", Integer, ForeignKey("layer_version.id")),
    Column("replaced_version_id", Integer, ForeignKey("layer_version.id")),
    Column("sha256", String(64)),
    Column("detail", Text, nullable=False, default="{}"),
)

reported_figure = Table(
    "reported_figure",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("date", Date, nullable=False),
    Column("scope", Text, nullable=False),
    Column("layer", String(200), nullable=False, default=""),
    Column("held_by", String(10), nullable=False, default=""),
    Column("status", String(20), nullable=False, default=""),
    Column("within", String(3), nullable=False, default=""),
    Column("measure", String(20), nullable=False, default="at date"),
    Column("value_km2", Float, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("source", Text, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("added_by", String(200), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    # Identity of a figure includes what it is compared with: the same quote may be set
    # beside two layers (e.g. a drawn demo layer and DeepStateMap's own map).
    UniqueConstraint(
        "date",
        "scope",
        "layer",
        "held_by",
        "status",
        "within",
        "measure",
        "value_km2",
        "source",
        name="uq_reported_figure",
    ),
)

milestone = Table(
    "milestone",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("date", Date, nullable=False),
    Column("title", Text, nullable=False),
    Column("source", Text, nullable=False),
    UniqueConstraint("date", "title", name="uq_milestone"),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Tables whose rows are never updated or deleted once written.
APPEND_ONLY = ("layer_version", "feature", "area", "audit")
