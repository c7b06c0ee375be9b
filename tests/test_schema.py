"""The data contract: complete, self-describing, and documented in the README."""

from __future__ import annotations

from layers import schema
from tests.conftest import ROOT


def test_every_field_and_allowed_value_has_help():
    for kind in schema.ALL_KINDS:
        for field in kind.fields:
            assert field.help.strip(), f"{kind.name}.{field.name} has no help"
            for value, meaning in (field.allowed or {}).items():
                assert value and meaning.strip(), f"{kind.name}.{field.name}={value!r} has no help"


def test_brief_vocabulary():
    assert set(schema.STATUSES) == {"held", "contested", "claimed"}
    assert set(schema.CONFIDENCES) == {"confirmed", "claimed", "disputed"}
    assert set(schema.EVENT_KINDS) == {"strike", "troop_presence", "fire_detection", "other"}
    assert schema.TERRITORY.geometry_types == ("Polygon", "MultiPolygon")


def test_the_docs_document_every_field_and_value():
    contract = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    for kind in schema.ALL_KINDS:
        for field in kind.fields:
            assert f"`{field.name}`" in contract, (
                f"docs/editors.md does not document {kind.name}.{field.name}"
            )
            for value in field.allowed or {}:
                assert f"`{value}`" in contract, f"docs/editors.md does not document {field.name}={value!r}"
