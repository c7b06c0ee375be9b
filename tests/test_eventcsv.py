"""Reading CSV files of events: every bad row named with its line, column and fix."""

import datetime as dt

import pytest

from layers import eventcsv
from layers.eventcsv import FIRMS, CsvMapping, read_bounded, read_events_csv, swapped_columns
from layers.firms import FIRMS_SOURCE

TODAY = dt.date(2025, 9, 1)
HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,"
    "bright_ti5,frp,daynight,instrument"
)
ROW = "48.40647,37.19036,337.59,0.49,0.48,2025-08-18,00:13:00,N20,nominal,2.0NRT,289.87,4.26,N,VIIRS"
STRIKES = CsvMapping(lat="lat", lon="lon", date="date", kind="strike", source="Test desk")


def firms_file(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode() + b"\n"


def firms_row(**changes: str) -> str:
    cells = dict(zip(HEADER.split(","), ROW.split(","), strict=True))
    cells.update(changes)
    return ",".join(cells.values())


def read(raw: bytes, mapping: CsvMapping = FIRMS, **options):
    return read_events_csv(raw, "test.csv", mapping, today=TODAY, **options)


def lines(found) -> str:
    return "\n".join(str(problem) for problem in found.report.problems)


def test_a_firms_row_becomes_a_fire_detection_with_firms_values_kept():
    found = read(firms_file(ROW))
    assert found.report.ok, lines(found)
    event = found.events.iloc[0]
    assert event["kind"] == "fire_detection"
    assert event["source"] == FIRMS_SOURCE
    assert event["confidence"] == "claimed"
    assert event["firms_confidence"] == "nominal"
    assert event["frp"] == pytest.approx(4.26)
    assert (event["satellite"], event["daynight"], event["instrument"]) == ("N20", "N", "VIIRS")
    assert event["acq_time"] == "00:13:00"
    assert event["occurred_on"] == "2025-08-18"
    assert event["title"] == "Fire detection · FRP 4.3 MW · VIIRS N20 · night"
    assert (event.geometry.x, event.geometry.y) == (37.19036, 48.40647)
    assert found.lines == [2]


def test_ids_are_derived_deterministically_and_differ_by_place_time_and_satellite():
    first = read(firms_file(ROW)).events["id"].iloc[0]
    assert first == read(firms_file(ROW)).events["id"].iloc[0]
    assert first.startswith("firms-")
    others = read(
        firms_file(firms_row(latitude="48.40648"), firms_row(acq_time="0014"), firms_row(satellite="N21"))
    )
    assert first not in set(others.events["id"])
    assert others.events["id"].is_unique


def test_every_bad_row_is_named_with_its_line_column_and_fix():
    found = read(
        firms_file(
            ROW,
            firms_row(latitude="abc"),
            firms_row(longitude="nan"),
            firms_row(acq_date="18/08/2025"),
            firms_row(acq_time="2561"),
            firms_row(confidence="medium"),
            firms_row(frp="inf"),
            firms_row(longitude="200"),
            firms_row(acq_date="2099-01-01"),
        )
    )
    assert not found.report.ok
    assert found.events is None
    text = lines(found)
    assert "Line 3: latitude: 'abc' is not a number; give decimal degrees like 48.40647." in text
    assert "Line 4: longitude: 'nan' is not a finite number" in text
    assert "Line 5: acq_date: valid date expected like 2025-08-18, got '18/08/2025'." in text
    assert "Line 6: acq_time: time of day expected like 00:13" in text
    assert "Line 7: confidence: 'medium' is not a FIRMS confidence; expected low, nominal or high" in text
    assert "Line 8: frp: 'inf' is not a number" in text
    assert "Line 9: longitude: 200 is outside -180..180; correct the row." in text
    assert "Line 10: acq_date: 2099-01-01 is more than 7 days in the future" in text
    assert "--any-date" in text
    assert len(found.report.errors) == 8


def test_any_date_accepts_dates_outside_the_plausible_range():
    assert read(firms_file(firms_row(acq_date="1850-01-01")), any_date=True).report.ok


def test_problems_of_one_kind_are_capped_with_a_count_of_the_rest():
    found = read(firms_file(*[firms_row(latitude="x")] * 30))
    text = lines(found)
    assert "Line 21: latitude" in text and "Line 22: latitude" not in text
    assert "10 more feature(s) have this problem (30 in all" in text


def test_missing_columns_are_named_with_the_columns_the_file_has():
    found = read(b"lat,lon,when\n48,37,2025-08-18\n", STRIKES)
    text = lines(found)
    assert "no column 'date' (--date) in the header; the file has the columns 'lat', 'lon', 'when'" in text
    assert "--date COLUMN" in text


def test_an_empty_file_and_a_ragged_row_are_reported():
    assert "the file is empty" in lines(read(b""))
    found = read(firms_file(ROW + ",extra"))
    assert "Line 2: has 15 cell(s); the header has 14" in lines(found)


def test_a_row_with_latitude_beyond_90_and_a_valid_longitude_looks_swapped():
    found = read(firms_file(firms_row(latitude="120.5", longitude="48.4")))
    assert "120.5 is outside -90..90 and the longitude '48.4' would be a valid latitude" in lines(found)
    assert "swap --lat and --lon" in lines(found)


def test_a_file_whose_points_land_in_the_region_only_when_swapped_is_refused():
    swapped = [firms_row(latitude="37.19", longitude="48.41"), firms_row(latitude="35.5", longitude="47.6")]
    found = read(firms_file(*swapped))
    assert "latitude and longitude look swapped" in lines(found)
    assert "--lat longitude --lon latitude" in lines(found)
    assert read(firms_file(*swapped), swap_check=False).report.ok


def test_a_single_row_that_looks_swapped_is_named_but_imported():
    rows = [firms_row(latitude="48.4", longitude=f"37.{i}") for i in range(9)]
    found = read(firms_file(*rows, firms_row(latitude="37.19", longitude="48.41")))
    assert found.report.ok, "a few such rows may be real places"
    (warning,) = [p for p in found.report.problems if p.severity == "warning"]
    assert warning.where == "Line 11" and "not swapped" in warning.message
    assert "37.19°N 48.41°E" in warning.message
    assert not [p for p in read(firms_file(*rows)).report.problems if p.severity == "warning"]


def test_swap_rule_needs_nine_in_ten():
    right = [(48.4, 37.2)] * 2
    wrong = [(37.2, 48.4)] * 18
    assert swapped_columns(wrong)
    assert not swapped_columns(right + wrong[:17])
    assert not swapped_columns(right)
    assert not swapped_columns([])


def test_duplicate_rows_are_reported_with_both_lines_and_kept_once():
    found = read(firms_file(ROW, firms_row(acq_time="0014"), ROW))
    assert found.report.ok
    assert len(found.events) == 2
    assert found.duplicates == 1
    assert "Line 4: the same event as line 2" in lines(found)


def test_an_id_column_used_twice_for_different_events_is_an_error():
    mapping = CsvMapping(lat="lat", lon="lon", date="date", kind="strike", source="desk", id_column="id")
    raw = b"id,lat,lon,date\na,48,37,2025-08-01\na,48.5,37,2025-08-01\na,48,37,2025-08-01\n"
    found = read(raw, mapping)
    assert "Line 3: id: id 'a' is also on line 2 for another event" in lines(found)
    assert "Line 4: the same event as line 2" in lines(found)


def test_a_kind_column_is_a_closed_vocabulary():
    mapping = CsvMapping(lat="lat", lon="lon", date="date", kind_column="what", source="desk")
    found = read(b"lat,lon,date,what\n48,37,2025-08-01,strike\n48,37.1,2025-08-01,explosion\n", mapping)
    assert "Line 3: what: 'explosion' is not an event kind; use one of strike, troop_presence" in lines(found)


def test_a_confidence_column_of_our_own_values():
    mapping = CsvMapping(lat="lat", lon="lon", date="date", kind="strike", source="d", confidence_column="c")
    good = read(b"lat,lon,date,c\n48,37,2025-08-01,Confirmed\n", mapping)
    assert good.events["confidence"].tolist() == ["confirmed"]
    bad = read(b"lat,lon,date,c\n48,37,2025-08-01,sure\n", mapping)
    assert "'sure' is not a confidence; use one of confirmed, claimed, disputed" in lines(bad)
    assert read(b"lat,lon,date\n48,37,2025-08-01\n", STRIKES).events["confidence"].tolist() == ["claimed"]


@pytest.mark.parametrize(
    "source",
    ["<img src=x onerror=alert(1)>", "=cmd|' /C calc'!A0", "+SUM(A1)", "@evil", "Desk <b>bold</b>"],
)
def test_hostile_sources_are_kept_as_text(source):
    mapping = CsvMapping(lat="lat", lon="lon", date="date", kind="strike", source_column="src")
    quoted = '"' + source.replace('"', '""') + '"'
    found = read(f"lat,lon,date,src\n48,37,2025-08-01,{quoted}\n".encode(), mapping)
    assert found.report.ok, lines(found)
    assert found.events["source"].iloc[0] == source
    assert found.events["title"].iloc[0].startswith("Strike · ")


def test_unstorable_or_overlong_sources_are_refused_with_the_fix():
    mapping = CsvMapping(lat="lat", lon="lon", date="date", kind="strike", source_column="src")
    long = "x" * 501
    found = read(f"lat,lon,date,src\n48,37,2025-08-01,{long}\n48,37.1,2025-08-01,a\x00b\n".encode(), mapping)
    text = lines(found)
    assert "Line 2: src:" in text and "is 501 characters long; the limit is 500" in text
    assert "Line 3: src:" in text and "NUL" in text
    assert (
        "Line 3"
        in read(b"lat,lon,date,src\n48,37,2025-08-01,ok\n48,37,2025-08-01,\n", mapping).report.summary()
    )


def test_bytes_that_are_not_utf8_are_named_by_line():
    mapping = CsvMapping(lat="lat", lon="lon", date="date", kind="strike", source_column="src")
    found = read(b"lat,lon,date,src\n48,37,2025-08-01,caf\xe9\n", mapping)
    assert not found.report.ok
    assert "Line 2: src:" in lines(found)


def test_the_row_limit_stops_reading(monkeypatch):
    monkeypatch.setattr(eventcsv, "MAX_CSV_ROWS", 3)
    found = read(firms_file(*[firms_row(frp=str(n)) for n in range(5)]))
    assert "more than 3 rows; the limit is 3 per file" in lines(found)


def test_the_size_limit_is_checked_before_reading(monkeypatch, tmp_path):
    monkeypatch.setattr(eventcsv, "MAX_CSV_MB", 1)
    path = tmp_path / "big.csv"
    with open(path, "wb") as stream:
        stream.truncate(2 * 1024 * 1024)  # sparse: nothing to read if the size is checked first
    raw, why = read_bounded(path)
    assert raw is None and "the limit is 1 MB per file" in why
    assert read_bounded(tmp_path / "absent.csv")[1].startswith("cannot read the file")


def test_a_semicolon_separated_file_is_named_as_such():
    found = read(b"lat;lon;date\n48;37;2025-08-01\n", STRIKES)
    assert "the file is not comma-separated" in lines(found)
