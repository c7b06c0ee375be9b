"""A mapping project's own categories of ground, in words: the one source of their labels.

DeepStateMap sorts its map into categories that a side and a status flatten:
its "Liberated" is ground Ukraine has retaken since 24 February 2022, not all the
ground Ukraine holds, so "held by Ukraine, 42,529 km²" would be a wrong statement at
country scale. A territory feature may keep the category (``schema.CATEGORIES``, the
``category`` property; the ``deepstate`` preset sets it), and wherever a feature or an
area of such a layer is named (tooltips, the reader's areas table, slide keys, GeoJSON
exports) the label here is used instead of the side and status. Layers without
categories keep the side-and-status labels of :mod:`layers.style`.

The labels travel to the browser as data (:func:`category_labels_json`), never as
literals repeated in JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from . import schema, style

__all__ = [
    "CATEGORY_LABELS",
    "CATEGORY_ORDER",
    "GEOJSON_LABEL",
    "category_label",
    "category_labels_json",
    "group_label",
    "has_categories",
    "heading",
    "held_names",
    "label_features",
    "layer_categories",
]

#: What each category is called for a reader, lower case (capitalised where it starts a line).
CATEGORY_LABELS: Mapping[str, str] = {
    "liberated": "retaken (DeepStateMap 'liberated')",
    "occupied_to_24_02_2022": "occupied before 24 Feb 2022",
    "occupied_after_24_02_2022": "occupied after 24 Feb 2022",
    "unspecified": "unknown status (DeepStateMap)",
}
assert set(CATEGORY_LABELS) == set(schema.CATEGORIES), "every category needs a label"

#: Order of categories in tables and keys.
CATEGORY_ORDER: Mapping[str, int] = {code: i for i, code in enumerate(CATEGORY_LABELS)}

#: The property a GeoJSON export adds beside ``category``: its label.
GEOJSON_LABEL = "category_label"

#: Label of a row covering both of DeepStateMap's occupied categories (a slide key's Russian-held row).
_BOTH_OCCUPIED = "occupied (DeepStateMap: before and after 24 Feb 2022)"


def category_label(category: object) -> str | None:
    """A category's label, or None for no category or a value outside the contract."""
    return CATEGORY_LABELS.get(category) if isinstance(category, str) else None


def heading(held_by: str, status: str, category: object = None) -> str:
    """What a zone is, first letter upper case: its category's label if it has one, else
    :func:`layers.style.zone_label` ("Held by Ukraine")."""
    label = category_label(category)
    if label is None:
        return style.zone_label(held_by, status)
    return label[0].upper() + label[1:]


def group_label(categories: Iterable[object]) -> str | None:
    """One label for a key row covering ``categories`` (e.g. a side and status), or None
    when none of them is a category; both occupied categories read as one row."""
    codes = sorted(
        {c for c in categories if category_label(c) is not None}, key=lambda c: CATEGORY_ORDER[str(c)]
    )
    if not codes:
        return None
    if codes == ["occupied_to_24_02_2022", "occupied_after_24_02_2022"]:
        return _BOTH_OCCUPIED
    return " + ".join(CATEGORY_LABELS[str(c)] for c in codes)


def has_categories(features: pd.DataFrame) -> bool:
    """Whether any feature carries a category of the contract."""
    if "category" not in features.columns:
        return False
    return any(category_label(value) is not None for value in features["category"].tolist())


def layer_categories(features: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """The categories present per ``(held_by, status)``, in :data:`CATEGORY_ORDER`; empty
    without categories."""
    if not has_categories(features):
        return {}
    found: dict[tuple[str, str], set[str]] = {}
    columns = [pd.DataFrame.__getitem__(features, c).tolist() for c in ("held_by", "status", "category")]
    for held_by, status, category in zip(*columns, strict=True):
        if category_label(category) is not None:
            found.setdefault((str(held_by), str(status)), set()).add(category)
    return {key: sorted(codes, key=CATEGORY_ORDER.__getitem__) for key, codes in found.items()}


def held_names(records: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """What each side's *held* ground is called in features with categories (their
    properties as records): ``{"UA": "retaken (DeepStateMap 'liberated')", "RU":
    "occupied (DeepStateMap: before and after 24 Feb 2022)"}``; empty without categories.
    The reader's figures name the ground by it instead of "Ukraine 42,529 km²"."""
    codes: dict[str, set[object]] = {}
    for record in records:
        if record.get("status") == "held" and category_label(record.get("category")) is not None:
            codes.setdefault(str(record.get("held_by")), set()).add(record.get("category"))
    return {side: label for side, found in sorted(codes.items()) if (label := group_label(found))}


def label_features(collection: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (as decoded) with :data:`GEOJSON_LABEL` beside each
    feature's ``category``; features without one are left as they are. Changed in place
    and returned."""
    for feature in collection.get("features") or ():
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            label = category_label(properties.get("category"))
            if label is not None:
                properties[GEOJSON_LABEL] = label
    return collection


def category_labels_json() -> str:
    """The labels as a JSON object, for the browser (the reader's tooltips)."""
    return json.dumps(dict(CATEGORY_LABELS), ensure_ascii=False)
