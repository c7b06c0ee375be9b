"""Adding the events of CSV files to an events layer, on SQLite and PostGIS."""

import datetime as dt

import geopandas as gpd
import pytest
from shapely.geometry import Point

from layers.errors import InvalidInputError
from layers.eventcsv import FIRMS, CsvMapping
from layers.eventimport import plan_csv_import, write_csv_import
from layers.events import all_events
from layers.store import NewSnapshot
from tests.conftest import shared_data, snapshot
from tests.test_eventcsv import HEADER, firms_row

SAMPLE = ("firms-sample", "J1_VIIRS_C2_2025-08-18-sample.csv")


def firms_csv(path, *rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def versions(store, layer):
    return len(store.history(layer))


def test_the_real_firms_sample_is_imported_and_read_back(store):
    plan = plan_csv_import([shared_data(*SAMPLE)], "FIRMS", FIRMS)
    assert plan.ok, [report.summary() for report in plan.failed]
    written = write_csv_import(store, plan, actor="test")
    assert (written.added, written.already, written.total) == (35, 0, 35)
    events = all_events(store, "FIRMS")
    assert len(events) == 35
    assert set(events["kind"]) == {"fire_detection"}
    assert set(events["occurred_on"]) == {dt.date(2025, 8, 18)}
    assert events["id"].is_unique
    assert {"firms_confidence", "frp", "satellite", "daynight", "instrument", "acq_time"} <= set(
        events.columns
    )
    again = write_csv_import(store, plan_csv_import([shared_data(*SAMPLE)], "FIRMS", FIRMS), actor="test")
    assert (again.added, again.already, again.version_id) == (0, 35, None)
    assert versions(store, "FIRMS") == 1


def test_files_accumulate_and_an_earlier_file_still_lands_in_the_current_list(store, tmp_path):
    late = firms_csv(
        tmp_path / "late.csv", firms_row(acq_date="2025-08-20"), firms_row(acq_date="2025-08-21")
    )
    early = firms_csv(
        tmp_path / "early.csv", firms_row(acq_date="2025-08-01"), firms_row(acq_date="2025-08-21")
    )
    write_csv_import(store, plan_csv_import([late], "FIRMS", FIRMS), actor="test")
    written = write_csv_import(store, plan_csv_import([early], "FIRMS", FIRMS), actor="test")
    assert (written.added, written.already, written.total) == (1, 1, 3)
    assert written.as_of == dt.date(2025, 8, 21)
    events = all_events(store, "FIRMS")
    assert [day.isoformat() for day in events["occurred_on"]] == ["2025-08-01", "2025-08-20", "2025-08-21"]


def test_csv_events_join_an_events_layer_written_otherwise(store, tmp_path):
    strike = gpd.GeoDataFrame(
        {
            "id": ["s1"],
            "kind": ["strike"],
            "occurred_on": ["2025-09-01"],
            "title": ["A strike"],
            "source": ["desk"],
            "confidence": ["confirmed"],
            "weapon": ["ATACMS"],
        },
        geometry=[Point(36.1, 51.7)],
        crs="EPSG:4326",
    )
    store.write([NewSnapshot("Events", dt.date(2025, 9, 1), strike, "x" * 64, kind="events")], actor="test")
    written = write_csv_import(
        store, plan_csv_import([firms_csv(tmp_path / "f.csv", firms_row())], "Events", FIRMS), actor="test"
    )
    assert written.as_of == dt.date(2025, 9, 1)
    events = all_events(store, "Events")
    assert events["id"].tolist()[1] == "s1"
    assert events.loc[events["id"] == "s1", "weapon"].iloc[0] == "ATACMS"
    assert len(events) == 2


def test_a_territory_layer_is_refused(store, tmp_path):
    from shapely.geometry import box

    store.write([snapshot("Kursk", "2024-08-10", [(box(35, 51, 36, 52), "UA", "held", "x")])], actor="t")
    plan = plan_csv_import([firms_csv(tmp_path / "f.csv", firms_row())], "Kursk", FIRMS)
    with pytest.raises(InvalidInputError, match="'Kursk' is a territory layer; these files are events"):
        write_csv_import(store, plan, actor="test")
    assert versions(store, "Kursk") == 1


def test_a_failed_plan_writes_nothing(store, tmp_path):
    plan = plan_csv_import(
        [firms_csv(tmp_path / "a.csv", firms_row()), firms_csv(tmp_path / "b.csv", firms_row(latitude="x"))],
        "FIRMS",
        FIRMS,
    )
    assert not plan.ok and len(plan.failed) == 1
    with pytest.raises(InvalidInputError, match="failed validation; nothing was written"):
        write_csv_import(store, plan, actor="test")
    assert "FIRMS" not in {info.name for info in store.layers()}


def test_the_same_event_in_two_files_is_counted_once(tmp_path):
    plan = plan_csv_import(
        [
            firms_csv(tmp_path / "a.csv", firms_row()),
            firms_csv(tmp_path / "b.csv", firms_row(), firms_row(frp="1")),
        ],
        "FIRMS",
        FIRMS,
    )
    assert len(plan.events) == 1 and plan.duplicates == 2


def test_bad_layer_names_and_mappings_fail_before_reading(tmp_path):
    with pytest.raises(InvalidInputError, match="--layer is empty"):
        plan_csv_import([tmp_path / "absent.csv"], " ", FIRMS)
    with pytest.raises(InvalidInputError, match="--source"):
        plan_csv_import([tmp_path / "absent.csv"], "L", CsvMapping(kind="strike"))
    missing = plan_csv_import([tmp_path / "absent.csv"], "L", FIRMS)
    assert not missing.ok and "cannot read the file" in missing.failed[0].summary()
