"""Convert Natural Earth 1:10m country borders into ``geodata/borders.geojson``.

Run once, by hand, when the borders change (the output is committed)::

    python geodata/build_borders.py            # fetches world-atlas@2.0.2 with `npm pack`
    python geodata/build_borders.py PATH.json  # or converts a countries-10m.json you have

Decisions, also stated in ``geodata/README.md``:

* Source: Natural Earth admin-0 countries at 1:10m (public domain), as TopoJSON in the
  npm package ``world-atlas`` 2.0.2; GDAL's TopoJSON driver reads it.
* Natural Earth in that package draws Crimea (with Sevastopol) as part of Russia. The
  app measures against internationally recognised borders (UN General Assembly
  resolution 68/262), as DeepStateMap and ISW do, so the Crimean part is moved to Ukraine.
* Only countries within ``EXTENT`` are kept, clipped to it, to keep the file small; every
  area the app computes lies well inside it.
* Natural Earth polygons can be invalid; each is repaired with ``shapely.make_valid``
  and the repair is reported.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import shapely

HERE = Path(__file__).resolve().parent
OUT = HERE / "borders.geojson"
PACKAGE = "world-atlas@2.0.2"
#: lon/lat box kept: Ukraine, western Russia and their neighbours.
EXTENT = (18.0, 40.0, 50.0, 60.0)
#: Natural Earth / ISO 3166-1 numeric code -> alpha-3, for the countries in EXTENT.
ISO3 = {
    "804": "UKR",
    "643": "RUS",
    "112": "BLR",
    "616": "POL",
    "642": "ROU",
    "498": "MDA",
    "703": "SVK",
    "348": "HUN",
    "440": "LTU",
    "428": "LVA",
    "233": "EST",
    "268": "GEO",
    "100": "BGR",
    "688": "SRB",
    "499": "MNE",
    "792": "TUR",
    "398": "KAZ",
    "031": "AZE",
    "051": "ARM",
    "203": "CZE",
    "040": "AUT",
    "191": "HRV",
    "070": "BIH",
    "008": "ALB",
    "807": "MKD",
    "300": "GRC",
    "246": "FIN",
    "752": "SWE",
    "578": "NOR",
    "276": "DEU",
    "705": "SVN",
    "208": "DNK",
}
SIMFEROPOL = shapely.Point(34.10, 44.95)


def fetch_package() -> Path:
    """Download world-atlas from the npm registry and return its countries-10m.json."""
    folder = Path(tempfile.mkdtemp(prefix="world-atlas-"))
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=folder, check=True)
    archive = next(folder.glob("world-atlas-*.tgz"))
    with tarfile.open(archive) as tar:
        tar.extract("package/countries-10m.json", folder, filter="data")
    return folder / "package" / "countries-10m.json"


def convert(source: Path) -> gpd.GeoDataFrame:
    countries = gpd.read_file(source, layer="countries").set_crs("EPSG:4326")
    countries = countries[countries["id"].isin(ISO3)].copy()
    countries["iso3"] = countries["id"].map(ISO3)

    invalid = ~countries.geometry.is_valid
    for name, reason in zip(
        countries.loc[invalid, "name"], countries.loc[invalid].geometry.is_valid_reason(), strict=True
    ):
        print(f"repairing {name}: {reason}", file=sys.stderr)
    countries["geometry"] = shapely.make_valid(countries.geometry.values, method="structure")

    russia = countries.index[countries["iso3"] == "RUS"][0]
    ukraine = countries.index[countries["iso3"] == "UKR"][0]
    parts = shapely.get_parts(countries.at[russia, "geometry"])
    crimea = [p for p in parts if p.within(shapely.box(32.4, 44.3, 36.7, 46.3))]
    if not any(p.contains(SIMFEROPOL) for p in crimea):
        raise SystemExit("Crimea not found as a separate part of Russia: check the source")
    rest = [p for p in parts if not any(p is c for c in crimea)]
    countries.at[russia, "geometry"] = shapely.MultiPolygon(rest)
    countries.at[ukraine, "geometry"] = shapely.union_all([countries.at[ukraine, "geometry"], *crimea])
    print(f"moved {len(crimea)} Crimean part(s) from Russia to Ukraine", file=sys.stderr)

    countries["geometry"] = countries.geometry.clip_by_rect(*EXTENT)
    countries = countries[~countries.geometry.is_empty]
    countries["geometry"] = shapely.make_valid(countries.geometry.values)
    countries = countries[["iso3", "name", "geometry"]].sort_values("iso3")
    assert countries.geometry.is_valid.all()
    return countries.reset_index(drop=True)


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else fetch_package()
    borders = convert(source)
    borders.to_file(OUT, driver="GeoJSON", COORDINATE_PRECISION=6, RFC7946="YES")
    print(f"wrote {OUT} ({len(borders)} countries, {OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(sys.argv[1:])
