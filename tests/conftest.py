"""Shared fixtures: tiny stores built in code, and where the real reference data lives."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from layers.store import NewSnapshot, Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def territory(features: list[tuple]) -> gpd.GeoDataFrame:
    """GeoDataFrame from ``(geometry, held_by, status, source)`` tuples."""
    return gpd.GeoDataFrame(
        {
            "held_by": [f[1] for f in features],
            "status": [f[2] for f in features],
            "source": [f[3] for f in features],
        },
        geometry=[f[0] for f in features],
        crs="EPSG:4326",
    )


def snapshot(layer: str, as_of: str, features: list[tuple], kind: str = "territory") -> NewSnapshot:
    """A snapshot whose sha256 is that of its content, as an imported file's would be."""
    frame = territory(features)
    digest = hashlib.sha256(frame.to_json().encode()).hexdigest()
    return NewSnapshot(
        layer=layer, as_of=dt.date.fromisoformat(as_of), features=frame, sha256=digest, kind=kind
    )


# --- stores: every test that takes `store` runs on SQLite and on PostGIS -------------

#: A PostgreSQL database with PostGIS where the role may create schemas; .ci/run sets one up.
TEST_PG = os.environ.get("FRONTLINE_TEST_PG", "")


@pytest.fixture(scope="session")
def postgis_admin():
    """A connection pool to ``FRONTLINE_TEST_PG`` with PostGIS installed; skips (fails in CI) without it."""
    if not TEST_PG:
        reason = (
            "PostGIS store tests need FRONTLINE_TEST_PG=postgresql://user:password@host/database "
            "(PostGIS installed, the role may create schemas); .ci/run starts one"
        )
        if IN_CI:
            pytest.fail(f"{reason}. Under CI=true they must run, not skip.")
        pytest.skip(reason)
    engine = create_engine(TEST_PG)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except DBAPIError as exc:
        pytest.fail(
            f"FRONTLINE_TEST_PG={make_url(TEST_PG).render_as_string(hide_password=True)} "
            f"is not usable: {exc.orig}"
        )
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def store_url(request, tmp_path):
    """A URL to an empty store: a new SQLite file, or a new schema in the PostGIS test database.

    A schema per test is much faster than a database per test, and the URL carries it
    (``search_path``), so a child process or the command line opens the same store.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin = request.getfixturevalue("postgis_admin")
    name = f"test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {name}"))
    url = make_url(TEST_PG).update_query_dict({"options": f"-csearch_path={name},public"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f"DROP SCHEMA {name} CASCADE"))


@pytest.fixture
def store(store_url) -> Store:
    store = Store(store_url)
    yield store
    store.close()


@pytest.fixture
def two_snapshot_store(store) -> Store:
    """A layer 'Test' with snapshots on 2024-08-10 and 2024-08-20 across the RU-UA border near Sudzha."""
    small = shapely.box(35.10, 51.00, 35.30, 51.25)
    large = shapely.box(35.00, 50.95, 35.45, 51.35)
    store.write(
        [
            snapshot("Test", "2024-08-10", [(small, "UA", "held", "test source A")]),
            snapshot(
                "Test",
                "2024-08-20",
                [
                    (large, "UA", "held", "test source B"),
                    (shapely.box(35.45, 51.0, 35.55, 51.3), "UA", "contested", "test"),
                ],
            ),
        ],
        actor="test",
    )
    return store


def seeded_app(url: str, monkeypatch, timeout_s: int = 90):
    """An AppTest of app.py on a store at ``url`` seeded with the embedded data."""
    from streamlit.testing.v1 import AppTest

    from layers.ingest import seed_default_data

    seed_default_data(Store(url))
    monkeypatch.setenv("FRONTLINE_DB", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout_s)
    # No frontend here, so the map never says it was drawn: open the page as it is once
    # it was (the first paint without the panel is tested on its own).
    at.session_state["_map_drawn"] = True
    return at


@pytest.fixture(scope="session")
def embedded_data_store(tmp_path_factory) -> Store:
    """A SQLite store seeded with the embedded data ("Kursk incursion", 21 snapshots, reported figures).

    Shared by the whole session: tests only read it.
    """
    from layers.ingest import seed_default_data

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'seeded.db'}")
    seed_default_data(store)
    yield store
    store.close()


def box_snapshot(
    source: str, as_of: str = "2024-08-10", east: float = 35.1, layer: str = "Test"
) -> NewSnapshot:
    """A one-box territory snapshot near Sudzha; ``east`` moves its eastern edge, so its content."""
    return snapshot(layer, as_of, [(shapely.box(35, 51, east, 51.1), "UA", "held", source)])


@pytest.fixture(scope="session")
def deepstate_daily() -> list[Path]:
    """The DeepStateMap daily snapshots in ``SHARED_DATA``, sorted by date; skips without them
    and fails under ``CI=true`` (CI has the shared data)."""
    folder = SHARED_DATA / "deepstate-occupied-daily"
    files = sorted(folder.glob("*.geojson")) if folder.is_dir() else []
    if not files:
        reason = f"no DeepStateMap daily snapshot (*.geojson) in {folder}, the shared reference data"
        if IN_CI:
            pytest.fail(f"{reason}; under CI=true it must be present, not skipped")
        pytest.skip(reason)
    return files


def shared_data(*parts: str) -> Path:
    """A path in ``../shared/data``: skipped with the reason when absent, a failure under CI=true."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        reason = (
            f"needs the reference data {path} (the team's ../shared/data folder), which is absent on this "
            "machine"
        )
        if IN_CI:
            pytest.fail(f"{reason}; under CI=true it must be present")
        pytest.skip(reason)
    return path


def geojson_feature(coords=None, geometry_type: str = "Polygon", **properties) -> dict:
    """A valid territory Feature (a triangle near Sudzha) unless the arguments say otherwise.

    ``properties`` are added to ``held_by=UA, status=held, source=ISW``; a value of None
    writes a JSON null.
    """
    coords = coords if coords is not None else [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]
    props = {"held_by": "UA", "status": "held", "source": "ISW"}
    props.update(properties)
    return {
        "type": "Feature",
        "geometry": {"type": geometry_type, "coordinates": coords},
        "properties": props,
    }


def feature_collection(*features, **members) -> bytes:
    """The bytes of a FeatureCollection of ``features``, with any other top-level ``members``."""
    return json.dumps({"type": "FeatureCollection", "features": list(features), **members}).encode()


def problem_lines(report) -> str:
    """Every problem of a validation report, one ``where: field: message`` line each."""
    return "\n".join(str(p) for p in report.problems)


def seed_demo_subprocess(environment: dict[str, str]) -> None:
    """``python -m layers seed-demo`` in a child process, on the store named by FRONTLINE_DB."""
    subprocess.run(
        [sys.executable, "-m", "layers", "seed-demo"],
        env=environment,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
