"""The plausibility guard (``layers.guard``) and the command line's refusal: the full raw
DeepStateMap export loaded into the Kursk layer is refused without ``--accept-large-change``
and nothing is written; with it, it commits. Ordinary days pass."""

from __future__ import annotations

import datetime as dt

import shapely

from layers import guard
from layers.__main__ import main
from layers.ingest import plan_import, read_uploads, seed_default_data
from layers.presets import PRESETS
from layers.snapshots import snapshot_at
from layers.store import Store
from tests.conftest import shared_data, territory

KURSK = "Kursk incursion"
D = dt.date.fromisoformat


def _raw_export_plan(store: Store):
    path = shared_data("deepstate-raw-full", "2025-03-12.geojson")
    plan = plan_import(read_uploads([path]), KURSK, mapping=PRESETS["deepstate"], repair=True)
    assert plan.ok
    return path, plan


def test_the_country_wide_export_into_the_kursk_layer_is_unusual(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    seed_default_data(store)
    _, plan = _raw_export_plan(store)
    (found,) = guard.check_import(store, KURSK, plan.snapshots)
    assert found.against == "the stored snapshot of 2025-03-09"
    text = found.check.explanation(found.against)
    assert "the total area goes from 417.0 km² to " in text and "times; unusual from 5 times" in text
    assert "its bounding box is " in text and "times the previous one's" in text
    assert "also: it is dated 2025-03-12, before the layer's latest snapshot (2025-03-31)" in text


def test_ordinary_days_of_the_layer_pass_and_a_first_snapshot_has_nothing_to_compare(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    seed_default_data(store)
    heads = sorted(store.heads(KURSK)["as_of"])
    for before, after in zip(heads, heads[1:], strict=False):
        old, new = snapshot_at(store, KURSK, before), snapshot_at(store, KURSK, after)
        check = guard.check_change(old.features, old.as_of, new.features, new.as_of, heads[-1])
        assert not check.needs_confirmation, (after, check.unusual)
    first = snapshot_at(store, KURSK, heads[0])
    assert not guard.check_change(None, None, first.features, first.as_of).needs_confirmation


def test_each_rule_on_its_own():
    box = territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "s")])
    far = territory([(shapely.box(30.0, 46.0, 30.2, 46.2), "UA", "held", "s")])
    big = territory([(shapely.box(34.0, 50.5, 36.0, 51.9), "UA", "held", "s")])
    small = territory([(shapely.box(35.0, 51.0, 35.05, 51.05), "UA", "held", "s")])
    both = territory(
        [
            (shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "s"),
            (shapely.box(35.2, 51.0, 35.25, 51.2), "RU", "contested", "s"),
        ]
    )
    day, next_day = D("2025-01-01"), D("2025-01-02")
    assert not guard.check_change(box, day, box, next_day).unusual
    [overlap] = guard.check_change(box, day, far, next_day).unusual
    assert "barely overlaps" in overlap and "0% of the smaller bounding box" in overlap
    grown = guard.check_change(box, day, big, next_day).unusual
    assert any("total area goes from" in p for p in grown) and any(
        "bounding box is 70.0 times" in p for p in grown
    )
    shrunk = guard.check_change(box, day, small, next_day).unusual
    assert any("0.1 times" in p for p in shrunk), shrunk
    sides = guard.check_change(box, day, both, next_day)
    assert not sides.unusual, "a side appearing is noted, not refused"
    assert sides.notes == [
        "ground held by a side the layer did not show appears: Russia",
        "new status: contested",
    ]
    backfill = guard.check_change(box, next_day, box, day, latest_as_of=next_day)
    assert not backfill.unusual and "a backfill" in backfill.notes[0]


def test_the_command_line_refuses_the_large_change_and_writes_nothing_unless_accepted(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = Store(url)
    seed_default_data(store)
    path, _ = _raw_export_plan(store)
    before = store.history(KURSK)
    argv = ["import", "--db", url, "--layer", KURSK, "--preset", "deepstate", "--repair", str(path)]
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 2
    assert (
        "2025-03-12.geojson: This snapshot is an unusual change from the stored snapshot of 2025-03-09" in err
    )
    assert "nothing was written" in err and "--accept-large-change" in err
    assert len(Store(url).history(KURSK)) == len(before), "nothing was written"
    assert main([*argv, "--accept-large-change"]) == 0
    after = Store(url).history(KURSK)
    assert len(after) == len(before) + 1 and D("2025-03-12") in set(after["as_of"])
    # The same file again is identical to the stored one: nothing to guard, nothing written.
    assert main(argv) == 0


def test_an_import_is_guarded_file_after_file(tmp_path, capsys):
    """Within one import each file is compared with the one before it."""
    near = tmp_path / "a-2025-01-01.geojson"
    far = tmp_path / "a-2025-01-02.geojson"
    near.write_text(territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "s")]).to_json())
    far.write_text(territory([(shapely.box(30.0, 46.0, 30.2, 46.2), "UA", "held", "s")]).to_json())
    url = f"sqlite:///{tmp_path / 'n.db'}"
    assert main(["import", "--db", url, "--layer", "New", str(near), str(far)]) == 2
    err = capsys.readouterr().err
    assert (
        "a-2025-01-02.geojson: This snapshot is an unusual change from "
        "the snapshot of 2025-01-01 in this import" in err
    )
    assert "New" not in {info.name for info in Store(url).layers()}
