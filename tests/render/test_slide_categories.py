"""A slide's key names a layer's ground by DeepStateMap's categories when its features carry them."""

from __future__ import annotations

import datetime as dt
import hashlib

import geopandas as gpd
import shapely
from PIL import Image

from layers import render
from layers.__main__ import main
from layers.store import NewSnapshot, Store
from tests.conftest import snapshot
from tests.test_categoryareas import deepstate_store

SMALL = (960, 540)


def _texts(fig) -> list[str]:
    return [t.get_text().replace("\n", " ") for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]


def _categorised(layer: str, as_of: str) -> NewSnapshot:
    frame = gpd.GeoDataFrame(
        {
            "held_by": ["UA", "RU", "RU", "RU"],
            "status": ["held", "held", "held", "contested"],
            "source": ["DeepStateMap"] * 4,
            "category": ["liberated", "occupied_to_24_02_2022", "occupied_after_24_02_2022", "unspecified"],
        },
        geometry=[
            shapely.box(35.0, 50.9, 35.3, 51.3),
            shapely.box(35.3, 50.6, 35.6, 50.9),
            shapely.box(35.6, 50.6, 35.9, 50.9),
            shapely.box(35.9, 50.6, 36.0, 50.9),
        ],
        crs="EPSG:4326",
    )
    digest = hashlib.sha256(frame.to_json().encode()).hexdigest()
    return NewSnapshot(layer=layer, as_of=dt.date.fromisoformat(as_of), features=frame, sha256=digest)


def test_key_text_is_the_category_label_and_old_layers_keep_theirs(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'cat.db'}")
    store.write(
        [
            _categorised("DeepStateMap", "2025-03-12"),
            snapshot("Plain", "2025-03-12", [(shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", "ISW")]),
        ],
        actor="t",
    )
    texts = _texts(render.build_figure(store, ["DeepStateMap"], dt.date(2025, 3, 12), size=SMALL))
    assert "Retaken (DeepStateMap 'liberated')" in texts
    assert "Occupied (DeepStateMap: before and after 24 Feb 2022)" in texts
    assert "Unknown status (DeepStateMap)" in texts
    assert "Held by Ukraine" not in texts and "Held by Russia" not in texts
    plain = _texts(render.build_figure(store, ["Plain"], dt.date(2025, 3, 12), size=SMALL))
    assert "Held by Ukraine" in plain and not any("DeepStateMap" in text for text in plain)
    store.close()


def test_export_png_of_the_real_export_keys_its_categories(tmp_path, capsys):
    url = deepstate_store(tmp_path)
    store = Store(url)
    texts = _texts(render.build_figure(store, ["DeepStateMap"], dt.date(2025, 3, 12), size=SMALL))
    store.close()
    assert "Retaken (DeepStateMap 'liberated')" in texts
    # The grey zone lies on both sides of the border: each row names its side.
    assert {
        "Unknown status (DeepStateMap), Ukraine side",
        "Unknown status (DeepStateMap), Russia side",
    } <= set(texts)
    out = tmp_path / "slide.png"
    argv = ["export-png", "--db", url, "--date", "2025-03-12", "--out", str(out), "--layer", "DeepStateMap"]
    assert main([*argv, "--size", "960x540"]) == 0
    assert Image.open(out).size == SMALL
