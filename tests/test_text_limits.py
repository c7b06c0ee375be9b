"""Names and text have limits, the same on SQLite and PostGIS, checked before anything is written.

Every test runs on both stores (the ``store`` fixture) and expects the same message on
each: before the limits, an 8,000-character layer name was accepted everywhere, a
300-character one was a driver traceback on PostGIS but accepted on SQLite, and a NUL
character was refused by PostgreSQL alone.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import shapely
from sqlalchemy import func, select

from layers import figures, schema
from layers.__main__ import main
from layers.errors import InvalidInputError
from layers.store import NewSnapshot, Store, tables
from tests.conftest import ROOT, box_snapshot, geojson_feature, territory

BOX = shapely.box(35.0, 51.0, 35.1, 51.1)


def rows_written(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(getattr(tables, name))).scalar()
            for name in ("layer", "layer_version", "feature", "audit", "reported_figure", "milestone")
        }


def refused(store: Store, message: str, **write) -> InvalidInputError:
    """Write ``write`` and expect ``message`` exactly (a regex-free match) and nothing written."""
    before = rows_written(store)
    with pytest.raises(InvalidInputError) as error:
        store.write(actor=write.pop("actor", "test"), **write)
    assert message in str(error.value)
    assert str(error.value).endswith("Nothing was written.")
    assert rows_written(store) == before
    return error.value


@pytest.mark.parametrize(
    "name, message",
    [
        ("A" * 8_000, f"layer name '{'A' * 40}…' is 8,000 characters long; the limit is 100: shorten it."),
        ("A" * 300, f"layer name '{'A' * 40}…' is 300 characters long; the limit is 100: shorten it."),
        ("A" * 101, f"layer name '{'A' * 40}…' is 101 characters long; the limit is 100: shorten it."),
        (
            "Kursk\x00",
            "layer name 'Kursk\\x00' contains a NUL character (U+0000) at position 6, which cannot be "
            "stored: remove it.",
        ),
        ("Kursk\x1b[31m", "layer name 'Kursk\\x1b[31m' contains the control character U+001B at position 6"),
        ("Kursk\nSumy", "layer name 'Kursk\\nSumy' contains the control character U+000A at position 6"),
        ("Kursk\tSumy", "layer name 'Kursk\\tSumy' contains the control character U+0009 at position 6"),
        ("Kursk\x85", "contains the control character U+0085 at position 6"),
        ("Kursk\ud800", "contains U+D800 at position 6, half of a UTF-16 surrogate pair"),
        ("   ", "layer name '   ' is blank; give what the layer is called"),
        ("", "layer name is empty; give what the layer is called"),
    ],
    ids=["8000", "300", "101", "nul", "escape", "newline", "tab", "c1", "surrogate", "blank", "empty"],
)
def test_a_layer_name_over_the_limit_or_with_a_control_character_is_refused(store, name, message):
    refused(store, message, snapshots=[box_snapshot("s", layer=name)])


def test_a_name_at_the_limit_is_kept_whole(store):
    name = "Ж" * schema.LAYER.field_named("name").max_chars  # characters, not bytes
    store.write([box_snapshot("s", layer=name)], actor="test")
    assert [info.name for info in store.layers()] == [name]


def test_every_problem_of_a_write_is_listed_and_nothing_is_written(store):
    good = box_snapshot("s", layer="Good")
    long_name = box_snapshot("s", layer="B" * 150)
    error = refused(store, "layer name 'BBBB", snapshots=[good, long_name, box_snapshot("s", layer="C\x07")])
    assert "U+0007" in str(error)


def test_a_long_description_file_name_or_writer_is_refused(store):
    base = box_snapshot("s")
    described = NewSnapshot(base.layer, base.as_of, base.features, base.sha256, description="d" * 2_001)
    refused(store, "layer 'Test': description 'dddd", snapshots=[described])
    refused(store, "is 2,001 characters long; the limit is 2,000", snapshots=[described])
    multiline = NewSnapshot(base.layer, base.as_of, base.features, base.sha256, description="a\nb\tc")
    named = NewSnapshot(base.layer, base.as_of, base.features, base.sha256, file_name="f" * 301 + ".geojson")
    refused(store, "layer 'Test': file name 'ffff", snapshots=[named])
    refused(store, "the writer's name 'wwww", snapshots=[base], actor="w" * 101)
    store.write([multiline], actor="test")  # line breaks are fine in a description


def test_nul_and_lone_surrogates_in_feature_properties_are_refused_alike(store):
    frame = territory([(BOX, "UA", "held", "ISW"), (BOX, "UA", "held", "ISW")])
    frame["note"] = ["fine", "bad\x00note"]
    with_nul = NewSnapshot("Test", dt.date(2024, 8, 10), frame, "a" * 64)
    refused(
        store,
        "layer 'Test' as of 2024-08-10, feature 1, property 'note': 'bad\\x00note' contains a NUL "
        "character (U+0000) at position 4",
        snapshots=[with_nul],
    )
    frame = territory([(BOX, "UA", "held", "ISW")])
    # pandas' own string type cannot even hold a lone surrogate; a plain object column can.
    frame["source"] = pd.Series(["ISW\udcff"], dtype=object)
    refused(
        store,
        "feature 0, property 'source': 'ISW\\udcff' contains U+DCFF at position 4, half of a UTF-16 "
        "surrogate pair and not a character: the text was decoded wrongly; save it as UTF-8",
        snapshots=[NewSnapshot("Test", dt.date(2024, 8, 10), frame, "b" * 64)],
    )
    frame = territory([(BOX, "UA", "held", "ISW")])
    frame["claims"] = [[{"source": "a", "claim": "b\x00"}]]
    refused(
        store,
        "feature 0, property 'claims'",
        snapshots=[NewSnapshot("Test", dt.date(2024, 8, 10), frame, "c")],
    )
    frame = territory([(BOX, "UA", "held", "ISW")]).rename(columns={"source": "sou\x00rce"})
    refused(
        store,
        "property name 'sou\\x00rce' contains a NUL",
        snapshots=[NewSnapshot("T", dt.date(2024, 8, 10), frame, "d")],
    )


def test_other_control_characters_in_feature_text_are_kept(store):
    # The upload validator decides what a property may hold; the store refuses only what it cannot keep.
    frame = territory([(BOX, "UA", "held", "ISW")])
    frame["note"] = ["line one\nline two\x07"]
    store.write([NewSnapshot("Test", dt.date(2024, 8, 10), frame, "e" * 64)], actor="test")
    version = int(store.heads("Test")["version_id"].iloc[0])
    assert store.features(version)["note"].tolist() == ["line one\nline two\x07"]


def figure_table(**changes: str) -> pd.DataFrame:
    row = {
        "date": "2024-08-20",
        "scope": "area held in Kursk region",
        "layer": "",
        "held_by": "",
        "status": "",
        "within": "",
        "measure": "",
        "value_km2": "1000",
        "kind": "official claim",
        "source": "General Staff",
        "note": "",
    }
    return pd.DataFrame([row | changes])


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"scope": "s" * 201}, "scope 'ssss"),
        ({"source": "s" * 501}, "is 501 characters long; the limit is 500"),
        ({"note": "n" * 2_001}, "is 2,001 characters long; the limit is 2,000"),
        ({"layer": "L" * 101, "held_by": "UA", "status": "held"}, "layer 'LLLL"),
        ({"scope": "a\nb"}, "contains the control character U+000A"),
        ({"note": "quote\x00"}, "contains a NUL character"),
    ],
    ids=["scope", "source", "note", "layer", "newline-in-scope", "nul-in-note"],
)
def test_reported_figures_over_a_limit_are_refused_by_the_check_and_the_store(store, changes, message):
    with pytest.raises(InvalidInputError, match="new figure: ") as checked:
        figures.check_figures(figure_table(**changes), "new figure", first_line=0)
    assert message in str(checked.value)
    # The store refuses them too, for callers that skip the check.
    unchecked = figure_table(**changes).assign(date=dt.date(2024, 8, 20), value_km2=1000.0, measure="at date")
    before = rows_written(store)
    with pytest.raises(InvalidInputError, match="reported figure 1 \\(dated 2024-08-20\\)") as stored:
        store.add_figures(unchecked, actor="test")
    assert message in str(stored.value) and rows_written(store) == before
    refused(store, message, figures=unchecked)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e308, -2.5e7])
def test_a_figure_that_is_not_a_finite_area_is_refused_by_the_store(store, value):
    unchecked = figure_table().assign(date=dt.date(2024, 8, 20), value_km2=value, measure="at date")
    refused(store, "reported figure 1 (dated 2024-08-20): value_km2 ", figures=unchecked)


def test_a_milestone_title_over_the_limit_is_refused(store):
    milestones = pd.DataFrame([{"date": dt.date(2024, 8, 6), "title": "t" * 201, "source": "Reuters"}])
    refused(store, "milestone 1 (dated 2024-08-06): title 'tttt", milestones=milestones)


def test_a_rejection_is_recorded_whatever_the_refused_file_held(store):
    reference = store.record_rejection(
        actor="editor",
        file_name="bad\udcff\x00.geojson",
        sha256="0" * 64,
        size_bytes=10,
        reasons=["Feature 0: note: 'x\ud800' is not valid"],
    )
    with store.engine.connect() as connection:
        detail = json.loads(connection.execute(select(tables.audit.c.detail)).scalar())
    assert detail["correlation_id"] == reference
    assert detail["file_name"] == "bad\ufffd\ufffd.geojson"
    assert detail["reasons"] == ["Feature 0: note: 'x\ufffd' is not valid"]


def test_the_command_line_refuses_a_long_layer_name_without_a_traceback(store_url, tmp_path, capsys):
    path = tmp_path / "held-2024-11-25.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [geojson_feature()]}))
    code = main(["import", "--db", store_url, "--layer", "K" * 300, str(path)])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert f"layer name '{'K' * 40}…' is 300 characters long; the limit is 100: shorten it." in err
    opened = Store(store_url)
    try:
        assert "K" * 300 not in {info.name for info in opened.layers()}
    finally:
        opened.close()


@pytest.mark.parametrize("kind", [schema.LAYER, schema.FIGURE, schema.MILESTONE], ids=lambda kind: kind.name)
def test_every_limit_is_in_the_docs(kind):
    editors = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    for field in kind.fields:
        if field.max_chars is not None:
            assert f"{kind.name} `{field.name}`" in editors and f"{field.max_chars:,} characters" in editors
