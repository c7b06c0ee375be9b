"""An editor's writes and their memory between page runs, on both stores: commits and
reverts expect what the editor saw, refused uploads are audited once, figures are checked."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely
from sqlalchemy import text

from layers.auth import Editor
from layers.editing import EditSession
from layers.errors import ConflictError, InvalidInputError, NotAuthorisedError
from layers.store import NewSnapshot
from layers.validation import validate
from tests.conftest import snapshot, territory

D = dt.date.fromisoformat
ALICE = Editor("alice", "password")
LAYER = "Test"


def upload(store_snapshot: NewSnapshot, digest: str = "upload") -> NewSnapshot:
    """The same features as a file an editor uploaded (its own sha256)."""
    return NewSnapshot(store_snapshot.layer, store_snapshot.as_of, store_snapshot.features, digest)


def test_a_commit_writes_once_and_then_is_a_no_op(two_snapshot_store):
    session = EditSession(two_snapshot_store, {}, ALICE)
    new = upload(snapshot(LAYER, "2024-08-25", [(shapely.box(35.0, 51.0, 35.5, 51.4), "UA", "held", "x")]))
    preview = session.preview(new.layer, new.as_of, new.features, new.sha256, "territory")
    assert (
        preview.expected_head is None
        and preview.previous is not None
        and preview.previous.as_of == D("2024-08-20")
    )
    first = session.commit(new)
    assert first.written and two_snapshot_store.head_version(LAYER, new.as_of) == first.version
    again = session.commit(new)
    assert not again.written and again.version == first.version
    assert len(two_snapshot_store.history(LAYER).query("as_of == @new.as_of")) == 1


def test_a_commit_after_someone_else_committed_is_refused(two_snapshot_store):
    session = EditSession(two_snapshot_store, {}, ALICE)
    mine = upload(snapshot(LAYER, "2024-08-20", [(shapely.box(35, 51, 35.2, 51.2), "UA", "held", "mine")]))
    session.preview(mine.layer, mine.as_of, mine.features, mine.sha256, "territory")
    theirs = snapshot(LAYER, "2024-08-20", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "theirs")])
    two_snapshot_store.write([theirs], actor="bob")
    with pytest.raises(ConflictError, match="changed since you opened it"):
        session.commit(mine)
    head = two_snapshot_store.head_version(LAYER, D("2024-08-20"))
    assert two_snapshot_store.features(head)["source"].tolist() == ["theirs"]


def test_the_preview_measures_what_the_commit_changes(two_snapshot_store):
    session = EditSession(two_snapshot_store, {}, ALICE)
    bigger = shapely.box(35.0, 50.95, 35.6, 51.35)
    new = upload(snapshot(LAYER, "2024-08-21", [(bigger, "UA", "held", "x")]))
    preview = session.preview(new.layer, new.as_of, new.features, new.sha256, "territory")
    total = preview.areas[(preview.areas["held_by"] == "UA") & (preview.areas["status"] == "held")]
    total = total[total["within"] == ""].iloc[0]
    previous_held = two_snapshot_store.area_series(LAYER)
    previous_held = previous_held[
        (previous_held.as_of == D("2024-08-20"))
        & (previous_held.held_by == "UA")
        & (previous_held.status == "held")
        & (previous_held.within == "")
    ]["area_km2"].item()
    assert total["before_km2"] == pytest.approx(previous_held, rel=1e-9)
    gained = preview.diff[(preview.diff["held_by"] == "UA") & (preview.diff["change"] == "gained")]
    # Nothing was lost: the ground gained is the growth of the held area, within the
    # product's 0.01 % (the polygons are cut in an equal-area plane, the areas geodesic).
    assert not len(preview.diff[preview.diff["change"] == "lost"])
    assert gained["area_km2"].sum() == pytest.approx(total["after_km2"] - total["before_km2"], rel=1e-4)


def test_a_first_snapshot_is_previewed_against_nothing(store):
    session = EditSession(store, {}, ALICE)
    new = upload(snapshot("Brand new", "2024-08-25", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "x")]))
    preview = session.preview(new.layer, new.as_of, new.features, new.sha256, "territory")
    assert preview.previous is None and preview.expected_head is None
    assert (preview.areas["before_km2"] == 0).all()


def test_a_revert_expects_the_head_the_history_showed(two_snapshot_store):
    memory: dict = {}
    session = EditSession(two_snapshot_store, memory, ALICE)
    correction = snapshot(
        LAYER, "2024-08-20", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "correction")]
    )
    two_snapshot_store.write([correction], actor="alice")
    history = session.history(LAYER)  # the run that shows the table
    original = int(history[(history["as_of"] == D("2024-08-20")) & ~history["is_head"]]["version_id"].iloc[0])
    session.history(LAYER)  # the run in which Revert is clicked
    restored = session.revert(LAYER, original)
    assert two_snapshot_store.head_version(LAYER, D("2024-08-20")) == restored != original
    assert two_snapshot_store.features(restored)["source"].tolist() == ["test source B", "test"]


def test_a_revert_is_refused_when_the_head_moved_since_the_history_was_shown(two_snapshot_store):
    session = EditSession(two_snapshot_store, {}, ALICE)
    history = session.history(LAYER)
    first = int(history[history["as_of"] == D("2024-08-20")]["version_id"].iloc[0])
    other = snapshot(LAYER, "2024-08-20", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "bob's")])
    two_snapshot_store.write([other], actor="bob")
    session.history(LAYER)  # the click's run reads the table again: the revert expects the one shown before
    with pytest.raises(ConflictError):
        session.revert(LAYER, first)


def test_a_revert_to_a_version_of_another_layer_is_refused(two_snapshot_store):
    with pytest.raises(InvalidInputError, match="not a version of layer 'Test'"):
        EditSession(two_snapshot_store, {}, ALICE).revert(LAYER, 10_000)


def test_a_refused_upload_is_audited_once_per_file_and_report(store):
    memory: dict = {}
    session = EditSession(store, memory, ALICE)
    raw = b'{"type": "FeatureCollection", "features": [NaN]}'
    report = validate(raw, name="bad-2024-11-30.geojson")
    assert not report.ok
    reference = session.record_rejection("bad-2024-11-30.geojson", raw, report)
    assert session.record_rejection("bad-2024-11-30.geojson", raw, report) == reference
    with store.engine.connect() as connection:
        rows = connection.execute(text("select actor, detail from audit where action = 'rejected'")).all()
    assert len(rows) == 1 and rows[0][0] == "alice" and json.loads(rows[0][1])["correlation_id"] == reference


def test_a_figure_is_checked_then_stored_once(two_snapshot_store):
    session = EditSession(two_snapshot_store, {}, ALICE)
    row = {
        "date": "2024-08-20",
        "scope": "UA-held area",
        "layer": LAYER,
        "held_by": "UA",
        "status": "held",
        "within": "RUS",
        "measure": "at date",
        "value_km2": "650",
        "kind": "official claim",
        "source": "<b>someone</b>",
        "note": "",
    }
    before = len(two_snapshot_store.reported_figures())
    assert session.add_figure(row) is True
    assert session.add_figure(row) is False, "the same figure twice is stored once"
    assert len(two_snapshot_store.reported_figures()) == before + 1
    with pytest.raises(InvalidInputError, match="value_km2 expected a number"):
        session.add_figure(row | {"value_km2": "lots"})


@pytest.mark.parametrize("write", ["commit", "revert", "figure", "rejection"])
def test_nothing_is_written_without_an_editor(two_snapshot_store, write):
    session = EditSession(two_snapshot_store, {}, None)
    new = upload(snapshot(LAYER, "2024-08-25", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "x")]))
    calls = {
        "commit": lambda: session.commit(new),
        "revert": lambda: session.revert(LAYER, 1),
        "figure": lambda: session.add_figure({"date": "2024-08-20"}),
        "rejection": lambda: session.record_rejection("x.geojson", b"{}", validate(b"{}", name="x.geojson")),
    }
    with pytest.raises(NotAuthorisedError, match="Only signed-in editors can write"):
        calls[write]()
    assert D("2024-08-25") not in set(two_snapshot_store.heads(LAYER)["as_of"])


def test_an_events_preview_has_no_area_table(store):
    features = territory([(shapely.Point(35, 51), "UA", "held", "x")])
    preview = EditSession(store, {}, ALICE).preview("Events", D("2024-08-25"), features, "digest", "events")
    assert preview.areas is None and preview.diff is None
