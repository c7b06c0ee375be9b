"""``python -m layers events``: the listing (CSV, GeoJSON, filters, hostile text), near-front rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import geopandas as gpd
import pytest
import shapely

from layers.__main__ import main
from layers.areas import country_border
from layers.credits import Credit
from layers.eventlisting import LISTING_COLUMNS, NEAR_FRONT_COLUMNS
from layers.store import NewSnapshot
from tests.conftest import snapshot
from tests.test_pipes import run_into_a_closed_pipe

HOSTILE = '=HYPERLINK("http://x","<b>click</b>")'


def events_frame(rows: list[dict]) -> NewSnapshot:
    frame = gpd.GeoDataFrame(
        [{key: value for key, value in row.items() if key not in ("lon", "lat")} for row in rows],
        geometry=[shapely.Point(row["lon"], row["lat"]) for row in rows],
        crs="EPSG:4326",
    )
    return NewSnapshot("Strikes", dt.date(2024, 8, 25), frame, "x" * 64, kind="events")


def event(
    event_id: str, day: str, kind: str = "strike", lon: float = 29.95, lat: float = 49.5, **extra
) -> dict:
    return {
        "id": event_id,
        "occurred_on": day,
        "kind": kind,
        "title": f"event {event_id}",
        "source": "test",
        "confidence": "claimed",
        "lon": lon,
        "lat": lat,
        **extra,
    }


@pytest.fixture
def listed(store):
    """A territory layer 'Front' from 2024-08-10 and an events layer 'Strikes' of 5 events."""
    zone = shapely.box(30.0, 49.0, 46.0, 50.0).intersection(country_border("UKR"))
    store.write([snapshot("Front", "2024-08-10", [(zone, "RU", "held", "test")])], actor="t")
    rows = [
        event("b", "2024-08-12", frp=1.5),
        event("a", "2024-08-12", kind="other", satellite="N"),
        event("c", "2024-08-01", source=HOSTILE, title="-2+3"),
        event("d", "2024-08-20", lon=31.0, claims=[{"source": "x", "claim": "y"}]),
        event("e", "2024-08-21", kind="troop_presence"),
    ]
    store.write([events_frame(rows)], actor="t")
    return store


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_csv_listing_sorted_with_extra_columns(listed, capsys):
    code, out, _ = run(capsys, "events", "--db", listed.url, "--layer", "Strikes")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [*LISTING_COLUMNS, "frp", "satellite", "credit"]
    assert {row["credit"] for row in rows} == {"Strikes: source not stated · licence not stated"}
    assert [row["id"] for row in rows] == ["c", "a", "b", "d", "e"], "by date, then id"
    assert rows[2]["frp"] == "1.5" and rows[1]["satellite"] == "N"
    assert rows[0]["lat"] == "49.5" and rows[0]["lon"] == "29.95"
    assert json.loads(rows[3]["claims"]) == [{"source": "x", "claim": "y"}]


def test_hostile_text_stays_text_and_is_guarded(listed, capsys):
    _, out, _ = run(capsys, "events", "--db", listed.url, "--layer", "Strikes", "--to", "2024-08-01")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["source"] == "'" + HOSTILE and row["title"] == "'-2+3"
    _, out, _ = run(capsys, "events", "--db", listed.url, "--layer", "Strikes", "--format", "geojson")
    assert json.loads(out)["features"][0]["properties"]["source"] == HOSTILE, (
        "GeoJSON keeps the text as it is"
    )


def test_filters_by_dates_and_kind(listed, capsys):
    argv = ["events", "--db", listed.url, "--layer", "Strikes"]
    _, out, _ = run(capsys, *argv, "--from", "2024-08-12", "--to", "2024-08-20")
    assert [row["id"] for row in csv.DictReader(io.StringIO(out))] == ["a", "b", "d"]
    _, out, _ = run(capsys, *argv, "--kind", "strike", "--from", "2024-08-02")
    assert [row["id"] for row in csv.DictReader(io.StringIO(out))] == ["b", "d"]


def test_geojson_listing(listed, capsys):
    code, out, _ = run(
        capsys, "events", "--db", listed.url, "--layer", "Strikes", "--format", "geojson", "--kind", "strike"
    )
    collection = json.loads(out)
    assert code == 0 and collection["type"] == "FeatureCollection"
    assert collection["metadata"] == {
        "layer": "Strikes",
        "from": None,
        "to": None,
        "kind": "strike",
        "credit": {
            "source": "",
            "licence": "licence not stated",
            "licence_url": "",
            "attribution": "",
            "non_commercial": False,
            "line": "Strikes: source not stated · licence not stated",
        },
        "count": 3,
    }
    assert [f["properties"]["id"] for f in collection["features"]] == ["c", "b", "d"]
    assert collection["features"][1]["geometry"] == {"type": "Point", "coordinates": [29.95, 49.5]}
    assert "satellite" not in collection["features"][1]["properties"], "missing properties are left out"


def test_illustrative_layer_says_so(embedded_data_store, capsys):
    _, out, _ = run(
        capsys,
        "events",
        "--db",
        embedded_data_store.url,
        "--layer",
        "Strikes and reports",
        "--format",
        "geojson",
    )
    metadata = json.loads(out)["metadata"]
    assert metadata["illustrative"] is True and "hand-drawn" in metadata["note"]
    assert metadata["count"] == len(json.loads(out)["features"]) > 0


def test_near_front_rows(listed, capsys):
    code, out, err = run(capsys, "events", "--db", listed.url, "--layer", "Strikes", "--near-front", "10")
    assert code == 0 and "transverse Mercator" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == NEAR_FRONT_COLUMNS
    assert len(rows) == 21, "every day from the first event to the last"
    by_day = {row["date"]: row for row in rows}
    assert by_day["2024-08-01"]["snapshot"] == "" and by_day["2024-08-01"]["near_front"] == ""
    day = by_day["2024-08-12"]
    assert (day["front_layer"], day["snapshot"], day["near_front"], day["UA"], day["events"]) == (
        "Front",
        "2024-08-10",
        "2",
        "2",
        "2",
    )
    assert by_day["2024-08-20"]["near_front"] == "0", "70 km inside the zone"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--layer", "Nope"], "no such events layer; the store's events layers: 'Strikes'"),
        (["--layer", "Front"], "is a territory layer; give an events layer: 'Strikes'"),
        (["--layer", "Strikes", "--from", "2024-09-01", "--to", "2024-08-01"], "after --to"),
        (["--layer", "Strikes", "--near-front", "10", "--front-layer", "Nope"], "territory layers: 'Front'"),
        (["--layer", "Strikes", "--near-front", "10", "--front-layer", "Strikes"], "is an events layer"),
        (["--layer", "Strikes", "--near-front", "-1"], "above 0"),
        (["--layer", "Strikes", "--near-front", "10", "--format", "geojson"], "CSV only"),
        (["--layer", "Strikes", "--front-layer", "Front"], "goes with --near-front"),
    ],
)
def test_bad_options_exit_2(listed, capsys, argv, message):
    code, out, err = run(capsys, "events", "--db", listed.url, *argv)
    assert code == 2 and message in err and out == ""


def test_unknown_kind_lists_kinds(listed, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["events", "--db", listed.url, "--layer", "Strikes", "--kind", "bogus"])
    assert raised.value.code == 2 and "strike" in capsys.readouterr().err


def test_closed_pipe(embedded_data_store):
    result = run_into_a_closed_pipe(
        "events", "--layer", "Strikes and reports", "--db", embedded_data_store.url
    )
    assert b"Traceback" not in result.stderr and result.returncode == 141


def test_near_front_guards_the_layer_name(store, capsys):
    zone = shapely.box(30.0, 49.0, 46.0, 50.0).intersection(country_border("UKR"))
    store.write([snapshot("@Front", "2024-08-10", [(zone, "RU", "held", "test")])], actor="t")
    store.write([events_frame([event("a", "2024-08-12")])], actor="t")
    code, out, _ = run(capsys, "events", "--db", store.url, "--layer", "Strikes", "--near-front", "5")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and row["front_layer"] == "'@Front" and row["near_front"] == "1" and row["km"] == "5.0"


def test_the_listing_states_the_layers_credit_in_csv_geojson_and_on_stderr(listed, capsys):
    credit = Credit("Strike monitor", "CC BY-NC 4.0", "© Strike monitor")
    listed.set_credit("Strikes", credit, actor="t")
    line = "Strikes: data © Strike monitor · CC BY-NC 4.0, non-commercial use only"
    _, out, err = run(capsys, "events", "--db", listed.url, "--layer", "Strikes")
    assert {row["credit"] for row in csv.DictReader(io.StringIO(out))} == {line}
    assert f"# credit: {line}" in err
    _, out, _ = run(capsys, "events", "--db", listed.url, "--layer", "Strikes", "--format", "geojson")
    metadata = json.loads(out)["metadata"]
    assert metadata["credit"]["line"] == line and metadata["credit"]["non_commercial"] is True
