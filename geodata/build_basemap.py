"""Write the offline basemap the browser loads once: ``static/basemap/*.geojson``.

Run after changing ``geodata/borders.geojson`` or ``geodata/places.csv``::

    python geodata/build_basemap.py

The map fetches these files from the app's own static server, so the base map sent
with every slider step stays a few hundred bytes and the browser caches the data.
Display only: areas always use the full-resolution ``geodata/borders.geojson``.
A test checks the committed files match what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers.mapview import basemap_files  # noqa: E402

OUT = ROOT / "static" / "basemap"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in basemap_files().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name} ({len(text) // 1024} KB)")


if __name__ == "__main__":
    main()
