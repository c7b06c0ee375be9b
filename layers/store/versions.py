"""Inserting versions inside a write transaction: one snapshot, a batch of them, or a copy.

Each new version gets its ``layer_version`` row, its ``feature`` and ``area`` rows, the
``head`` moved to it and an ``audit`` row. The callers in :mod:`.writes` hold the write
lock and have checked the heads; these functions only insert.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, cast

import geopandas as gpd
from sqlalchemy import and_, bindparam, literal, select
from sqlalchemy.engine import Connection, CursorResult, Row

from .. import schema
from ..credits import Credit
from . import tables
from .reads import CurrentVersion, find_layer
from .rows import AreaRow, NewSnapshot, feature_properties, snapshot_area_rows, utc_now

__all__ = [
    "Prepared",
    "audit_detail",
    "batchable",
    "copy_version",
    "ensure_layer",
    "insert_batch",
    "insert_snapshot",
    "move_head",
    "put_credit",
]

#: A snapshot to write and its area rows; None where they are still to be measured.
Prepared = tuple[NewSnapshot, list[AreaRow] | None]


def batchable(snapshots: Sequence[NewSnapshot]) -> bool:
    """Whether :func:`insert_batch` may write these: several, each its own layer and plain date."""
    keys = {(s.layer, s.as_of) for s in snapshots}
    return (
        len(snapshots) > 1
        and len(keys) == len(snapshots)
        and all(type(s.as_of) is dt.date for s in snapshots)
    )


def ensure_layer(connection: Connection, snapshot: NewSnapshot, actor: str) -> int:
    """The id of the snapshot's layer, created with its ``kind``, ``description`` and
    ``credit`` if new; an existing layer without a credit gains the snapshot's (a sync's)."""
    layer_id = find_layer(connection, snapshot.layer)
    if layer_id is None:
        layer_id = _inserted_id(
            connection.execute(
                tables.layer.insert().values(
                    name=snapshot.layer,
                    kind=snapshot.kind,
                    description=snapshot.description,
                    created_at=utc_now(),
                )
            )
        )
    if snapshot.credit is not None and not snapshot.credit.is_empty:
        has_credit = connection.execute(
            select(tables.layer_credit.c.layer_id).where(tables.layer_credit.c.layer_id == layer_id)
        ).first()
        if has_credit is None:
            put_credit(connection, layer_id, snapshot.credit, actor)
    return layer_id


def put_credit(connection: Connection, layer_id: int, credit: Credit, actor: str) -> None:
    """Set a layer's credit (``layer_credit`` row), replacing any it had."""
    connection.execute(tables.layer_credit.delete().where(tables.layer_credit.c.layer_id == layer_id))
    connection.execute(
        tables.layer_credit.insert().values(
            layer_id=layer_id,
            source=credit.source,
            licence=credit.licence,
            attribution=credit.attribution,
            updated_by=actor,
            updated_at=utc_now(),
        )
    )


def move_head(
    connection: Connection, layer_id: int, as_of: dt.date, version_id: int, current: CurrentVersion | None
) -> None:
    """Make ``version_id`` the current version of a layer and date (``current``: the one it replaces)."""
    if current is None:
        connection.execute(tables.head.insert().values(layer_id=layer_id, as_of=as_of, version_id=version_id))
    else:
        connection.execute(
            tables.head.update()
            .where(and_(tables.head.c.layer_id == layer_id, tables.head.c.as_of == as_of))
            .values(version_id=version_id)
        )


def insert_snapshot(
    connection: Connection,
    snapshot: NewSnapshot,
    areas: list[AreaRow],
    actor: str,
    action: str,
    current: CurrentVersion | None,
) -> int:
    """Write ``snapshot`` as a new version that replaces ``current``; return its id."""
    layer_id = ensure_layer(connection, snapshot, actor)
    replaced = current.id if current is not None else None
    now = utc_now()
    version_id = _inserted_id(
        connection.execute(
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
        )
    )
    features = snapshot.features
    if len(features):
        connection.execute(tables.feature.insert(), _feature_rows(version_id, features))
    if areas:
        connection.execute(tables.area.insert(), [dict(row, version_id=version_id) for row in areas])
    move_head(connection, layer_id, snapshot.as_of, version_id, current)
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
            detail=audit_detail(snapshot, areas),
        )
    )
    return version_id


def insert_batch(connection: Connection, prepared: Sequence[Prepared], actor: str, action: str) -> list[int]:
    """What :func:`insert_snapshot` does for each snapshot, in a few multi-row statements.

    For many snapshots of distinct layers and dates (an archive import, see
    :func:`batchable`): one INSERT per table instead of eight statements per snapshot,
    whose cost was SQLAlchemy's per-statement overhead. Ids and rows are the same as
    written one by one, in the same order. With ``action="import"``, a snapshot whose
    ``sha256`` is that of the current version is not written; that version's id is
    returned for it.
    """
    version, head = tables.layer_version, tables.head
    layer_ids = {name: find_layer(connection, name) for name in dict.fromkeys(s.layer for s, _ in prepared)}
    current = {}
    for known in {i for i in layer_ids.values() if i is not None}:
        rows = connection.execute(
            select(head.c.as_of, version.c.id, version.c.sha256)
            .select_from(head.join(version, version.c.id == head.c.version_id))
            .where(head.c.layer_id == known)
        ).all()
        current.update({(known, as_of): (version_id, sha) for as_of, version_id, sha in rows})
    ids: list[int | None] = []
    work = []
    for snapshot, areas in prepared:
        layer_id = layer_ids[snapshot.layer]
        found = current.get((layer_id, snapshot.as_of)) if layer_id is not None else None
        if action == "import" and found is not None and found[1] == snapshot.sha256:
            ids.append(found[0])
            continue
        if areas is None:  # it changed since the check before the transaction
            areas = snapshot_area_rows(snapshot)
        if layer_id is None:
            layer_id = layer_ids[snapshot.layer] = ensure_layer(connection, snapshot, actor)
        ids.append(None)
        work.append(
            (len(ids) - 1, snapshot, areas, layer_id, found[0] if found is not None else None, utc_now())
        )
    if not work:  # every snapshot is unchanged: each position holds its current version's id
        return cast("list[int]", ids)
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
    features: list[dict[str, object]] = []
    areas_rows: list[dict[str, object]] = []
    new_heads: list[dict[str, object]] = []
    moved_heads: list[dict[str, object]] = []
    audits: list[dict[str, object]] = []
    for (position, snapshot, areas, layer_id, replaced, now), version_id in zip(work, new_ids, strict=True):
        ids[position] = version_id
        frame = snapshot.features
        if len(frame):
            features.extend(_feature_rows(version_id, frame))
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
                "detail": audit_detail(snapshot, areas),
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
    # Every position now holds an id: of the version written, or of the unchanged one.
    return cast("list[int]", ids)


def copy_version(connection: Connection, target: Row[Any], actor: str, current: CurrentVersion | None) -> int:
    """Make a copy of the version ``target`` the current one (action ``"revert"``); return its id.

    The audit row records ``current`` as the version replaced and, in its detail,
    ``reverted_to``.
    """
    now = utc_now()
    new_id = _inserted_id(
        connection.execute(
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
        )
    )
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
        dict(row)
        for row in connection.execute(
            select(area.c.held_by, area.c.status, area.c.within, area.c.area_km2, area.c.method).where(
                area.c.version_id == new_id
            )
        ).mappings()
    ]
    move_head(connection, target.layer_id, target.as_of, new_id, current)
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


def audit_detail(snapshot: NewSnapshot, areas: Sequence[AreaRow]) -> str:
    """The JSON kept in a new version's audit row: counts, file name, areas and, if fetched, provenance."""
    detail: dict[str, object] = {
        "n_features": len(snapshot.features),
        "file_name": snapshot.file_name,
        "areas": list(areas),
    }
    if snapshot.provenance is not None:
        detail["provenance"] = dict(snapshot.provenance)
    return json.dumps(detail)


def _feature_rows(version_id: int, features: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """The ``feature`` rows of a version: geometry, and properties as JSON, in order."""
    return [
        {
            "version_id": version_id,
            "idx": i,
            "geometry": geom,
            "properties": json.dumps(props, ensure_ascii=False),
        }
        for i, (geom, props) in enumerate(
            zip(features.geometry.values, feature_properties(features), strict=True)
        )
    ]


def _inserted_id(result: CursorResult[Any]) -> int:
    """The id a single-row INSERT gave its row.

    SQLAlchemy types the key as optional because an ``executemany`` has none; these
    inserts write one row each, so it is there.
    """
    return cast("Row[Any]", result.inserted_primary_key)[0]
