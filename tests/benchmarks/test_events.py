"""The pure parts of ``benchmarks.events``: the FIRMS file it generates, the stepper's bounds. No browser."""

from __future__ import annotations

import datetime as dt
import math

from shapely.geometry import box

from benchmarks.events import FIRMS_COLUMNS, firms_rows, main, write_firms_csv
from benchmarks.stepping import Stepper
from layers.eventcsv import FIRMS, read_events_csv

DAYS = [dt.date(2025, 8, 1) + dt.timedelta(days=n) for n in range(3)]
BOUNDARY = box(36.0, 48.0, 37.0, 49.0).boundary


def test_a_generated_file_is_a_firms_csv_that_imports_whole(tmp_path):
    path = write_firms_csv(tmp_path / "f.csv", firms_rows(BOUNDARY, DAYS, 90, seed=1))
    raw = path.read_bytes()
    assert raw.decode().splitlines()[0].split(",") == FIRMS_COLUMNS
    found = read_events_csv(raw, "f.csv", FIRMS, today=dt.date(2025, 9, 1))
    assert found.report.ok, found.report.summary()
    assert len(found.events) == 90 and found.duplicates == 0
    per_day = found.events["occurred_on"].value_counts()
    assert sorted(per_day.index) == [day.isoformat() for day in DAYS] and set(per_day) == {30}
    assert set(found.events["firms_confidence"]) == {"low", "nominal", "high"}
    assert set(found.events["daynight"]) == {"D", "N"}


def test_points_lie_within_30_km_of_the_boundary_and_the_seed_fixes_them():
    rows = firms_rows(BOUNDARY, DAYS, 200, seed=2)
    assert rows == firms_rows(BOUNDARY, DAYS, 200, seed=2)
    for row in rows:
        lat, lon = float(row["latitude"]), float(row["longitude"])
        dx = max(36.0 - lon, 0, lon - 37.0) * 111.32 * math.cos(math.radians(lat))
        dy = max(48.0 - lat, 0, lat - 49.0) * 111.32
        inside = 36.0 <= lon <= 37.0 and 48.0 <= lat <= 49.0
        edge_km = min(lon - 36.0, 37.0 - lon) * 111.32 * math.cos(math.radians(lat)) if inside else 0
        edge_km = min(edge_km, (lat - 48.0) * 111.32, (49.0 - lat) * 111.32) if inside else math.hypot(dx, dy)
        assert edge_km <= 30.5


def test_the_stepper_turns_back_at_its_low_bound():
    days = list(range(10))
    stepper = Stepper(days, [days], start=9, low=6)
    keys = [stepper.next()[0] for _ in range(6)]
    assert keys == ["ArrowLeft"] * 3 + ["ArrowRight"] * 3
    assert stepper.position == 9


def test_without_the_archive_nothing_is_measured(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("benchmarks.events.ARCHIVE", tmp_path / "absent")
    assert main(["--quick"]) == 2
    assert "nothing measured" in capsys.readouterr().err
