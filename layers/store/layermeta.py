"""Layers as things of their own: creating one before its first snapshot, and its credit.

:class:`StoreLayers` holds the :class:`~layers.store.Store` methods that create a layer
with its description and credit (``python -m layers layer create``, the editor's "New
layer" form), change a layer's credit, and read the credits for the map and exports.
Each write is audited (actions ``create layer``, ``set credit``) with the values set.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..credits import Credit
from ..errors import InvalidInputError
from . import tables
from .inputs import check_actor, credit_problems, layer_problems
from .reads import find_layer, require_layer
from .rows import utc_now
from .versions import put_credit
from .writes import StoreWrites

__all__ = ["StoreLayers"]


class StoreLayers(StoreWrites):
    """The layer-level writes of :class:`~layers.store.Store` (create a layer, set a credit) and
    the credits' reads."""

    def create_layer(
        self, name: str, kind: str, *, description: str = "", credit: Credit | None = None, actor: str
    ) -> None:
        """Create an empty layer (no snapshots yet) with its description and credit.

        Raises
        ------
        InvalidInputError
            When a field cannot be stored (naming it and the fix), or a layer of that name
            exists already. Nothing is written.
        """
        check_actor(actor)
        credit = credit or Credit()
        problems = layer_problems(name, kind, description) + credit_problems(f"layer {name!r}", credit)
        if problems:
            raise InvalidInputError("\n".join([*problems, "Nothing was written."]))
        with self.writing() as connection:
            if find_layer(connection, name) is not None:
                raise InvalidInputError(
                    f"a layer named {name!r} exists already in {self.display_url}; choose another name, or "
                    "set its credit with `python -m layers layer set-credit`. Nothing was written."
                )
            now = utc_now()
            connection.execute(
                tables.layer.insert().values(name=name, kind=kind, description=description, created_at=now)
            )
            layer_id = require_layer(connection, name, self.display_url)
            if not credit.is_empty:
                put_credit(connection, layer_id, credit, actor)
            detail = {"kind": kind, "description": description, **_fields(credit)}
            _audit(connection, actor, "create layer", layer_id, detail)

    def set_credit(self, layer: str, credit: Credit, *, actor: str) -> None:
        """Replace a layer's source, licence and attribution.

        Raises
        ------
        UnknownLayerError
            When there is no such layer (naming the store's layers).
        InvalidInputError
            When a field cannot be stored. Nothing is written.
        """
        check_actor(actor)
        problems = credit_problems(f"layer {layer!r}", credit)
        if problems:
            raise InvalidInputError("\n".join([*problems, "Nothing was written."]))
        with self.writing() as connection:
            layer_id = require_layer(connection, layer, self.display_url)
            put_credit(connection, layer_id, credit, actor)
            _audit(connection, actor, "set credit", layer_id, _fields(credit))

    def credits(self) -> dict[str, Credit]:
        """Every layer that has a credit -> its credit."""
        credit = tables.layer_credit
        query = select(tables.layer.c.name, credit.c.source, credit.c.licence, credit.c.attribution).join(
            credit, credit.c.layer_id == tables.layer.c.id
        )
        with self.engine.connect() as connection:
            return {name: Credit(*values) for name, *values in connection.execute(query)}

    def credit(self, layer: str) -> Credit | None:
        """The credit of ``layer``, or None when it has none (or there is no such layer)."""
        return self.credits().get(layer)


def _fields(credit: Credit) -> dict[str, str]:
    return {"source": credit.source, "licence": credit.licence, "attribution": credit.attribution}


def _audit(connection: Connection, actor: str, action: str, layer_id: int, detail: dict[str, str]) -> None:
    connection.execute(
        tables.audit.insert().values(
            at=utc_now(), actor=actor, action=action, layer_id=layer_id, detail=json.dumps(detail)
        )
    )
