"""Slides and time-lapses: the map as a PNG, an animated GIF or an MP4, drawn on the server.

No browser and no internet: matplotlib draws on its Agg canvas (a ``Figure`` with a
``FigureCanvasAgg`` of its own, never ``pyplot``, so no global backend is switched), the
basemap comes from the bundled ``static/basemap/countries.geojson`` and
``geodata/places.csv``, and the only font is DejaVu Sans, which ships with matplotlib.

What a slide shows: a title, the date (and how old the snapshot drawn is), the territory
in the app's colours and patterns (:mod:`layers.style`), a key with the km² of each side
and status, the nearest reported figure beside the map's own figure for the same scope,
a scale bar, a north arrow, the snapshots' sources, and the area method.

Projection
----------
Drawn in a Lambert azimuthal equal-area projection (LAEA, WGS84) centred on the extent:
true to scale in every direction at the centre, so the scale bar is right at 51°N
(within 1e-5 across a 100 km view), where Web Mercator would stretch the map 1.6x.
For drawing only: every km² on the image comes from :meth:`Store.area_series`, computed
at import by :func:`layers.areas.area_km2` (``layers.areas.METHOD``), never from the
drawing.

Safety and repeatability
------------------------
Every string from data (layer names, sources, place names, a title) is drawn as plain
text: ``parse_math=False`` and ``usetex=False`` on each Text, so ``$...$`` is not
mathtext and nothing is handed to TeX. The same data gives byte-identical PNG: fixed
font, no ``Software`` or time metadata, no randomness.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
import pyproj
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.offsetbox import AnchoredOffsetbox, DrawingArea
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Affine2D
from matplotlib_scalebar.scalebar import ScaleBar
from shapely.ops import polylabel

from . import schema, style
from .areas import ANYWHERE, BORDERS_SOURCE, METHOD
from .errors import InvalidInputError
from .figures import compare, nearest
from .ingest import read_places
from .snapshots import Snapshot, SnapshotRef, latest_on_or_before
from .store import Store

#: Named slide sizes in pixels (at ``scale=1``).
SIZES = {"16:9": (1920, 1080), "4:3": (1600, 1200), "square": (1080, 1080)}
SCALES = (1, 2)
STEPS = ("daily", "weekly", "snapshot")
FORMATS = ("gif", "mp4")
#: Longest animation: 400 frames is over three minutes at 2 frames a second.
MAX_FRAMES = 400
#: Smallest and largest side of an image in pixels, at ``scale=1``.
MIN_SIDE_PX, MAX_SIDE_PX = 240, 4096
#: Space around the shown snapshots in the default extent, as a share of their width and height.
PADDING = 0.15
#: Narrowest default extent: a small snapshot still shows its surroundings.
MIN_SPAN_M = 40_000.0
FONT = "DejaVu Sans"
BASEMAP_DIR = Path(__file__).resolve().parent.parent / "static" / "basemap"

_DPI = 100
_PT_PER_PX = 72 / _DPI
#: Leaflet's CSS-pixel line weights look thin on a slide seen from the back of a room.
_LINE_SCALE = 1.15
_STATUS_ORDER = {"held": 0, "contested": 1, "claimed": 2}
_SIDE_ORDER = {side: i for i, side in enumerate(schema.SIDES)}
_INK = "#1a1a1a"
_MUTED = "#555555"
_FAINT = "#8c8c8c"
_HALO = [patheffects.withStroke(linewidth=3.2, foreground="white")]
_PLACE_SIZES = {"city": 23, "town": 20, "village": 18}
_RC = {"font.family": FONT, "text.usetex": False, "text.parse_math": False}


@contextmanager
def _drawing():
    """matplotlib's own defaults plus ``_RC``, whatever a matplotlibrc says: the same pixels everywhere."""
    with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
        yield


def pixel_size(size) -> tuple[int, int]:
    """Width and height in pixels at ``scale=1`` of a named size, a ``"WxH"`` text or a pair.

    Raises
    ------
    InvalidInputError
        For an unknown name, a malformed ``WxH`` or a side outside ``MIN_SIDE_PX..MAX_SIDE_PX``.
    """
    if isinstance(size, str):
        text = size.strip().lower()
        if text in SIZES:
            return SIZES[text]
        match = re.fullmatch(r"(\d{1,5})\s*[x×]\s*(\d{1,5})", text)
        if not match:
            raise InvalidInputError(
                f"size {size!r}: use one of {', '.join(SIZES)} or WIDTHxHEIGHT in pixels, e.g. 1280x720."
            )
        width, height = int(match.group(1)), int(match.group(2))
    else:
        try:
            width, height = (int(v) for v in size)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"size {size!r}: give (width, height) in pixels or one of {', '.join(SIZES)}."
            ) from None
    if not (MIN_SIDE_PX <= width <= MAX_SIDE_PX and MIN_SIDE_PX <= height <= MAX_SIDE_PX):
        raise InvalidInputError(
            f"size {width}x{height}: each side must be {MIN_SIDE_PX} to {MAX_SIDE_PX} pixels; use --scale 2 for a sharper image."
        )
    return width, height


def check_extent(extent) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees, checked.

    Raises
    ------
    InvalidInputError
        Unless west < east and south < north, within longitude ±180 and latitude ±85.
    """
    try:
        west, south, east, north = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"extent {extent!r}: give four numbers west,south,east,north in degrees, e.g. 34.6,50.9,35.8,51.5."
        ) from None
    if not all(np.isfinite([west, south, east, north])):
        raise InvalidInputError("extent: west, south, east and north must be finite numbers of degrees.")
    if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
        raise InvalidInputError(
            f"extent {west},{south},{east},{north}: expected west < east (longitude -180..180) and south < north "
            "(latitude -85..85), in that order: west,south,east,north."
        )
    return west, south, east, north


# --- what a frame shows -------------------------------------------------------------


@dataclass(frozen=True)
class Callout:
    """The km² of one side and status of one layer, as drawn in the key."""

    layer: str
    held_by: str
    status: str
    area_km2: float
    #: ``(country name, km²)`` of the part outside the side's own country, e.g. ``("Russia", 519.1)``.
    inside: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ReportedLine:
    """A reported figure near the date, with the map's figure for the same scope."""

    date: dt.date
    scope: str
    measure: str
    kind: str
    source: str
    reported_km2: float
    computed_km2: float | None
    computed_as_of: dt.date | None
    difference_pct: float | None


@dataclass(frozen=True)
class Frame:
    """Everything one image shows for one date, read from the store."""

    as_of: dt.date
    layers: tuple[str, ...]
    snapshots: tuple[Snapshot, ...]
    #: Layers with no snapshot on or before the date.
    missing: tuple[str, ...]
    callouts: tuple[Callout, ...]
    reported: tuple[ReportedLine, ...]
    sources: tuple[str, ...]


def _ordered_keys(pairs) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(set(pairs), key=lambda k: (_STATUS_ORDER.get(k[1], 9), _SIDE_ORDER.get(k[0], 99), k[0]))
    )


def _key_plan(frames: Sequence[Frame]) -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """Per layer, the rows of the key: ``(held_by, status, has_detail)`` over all ``frames``.

    An animation's key has the same rows on every frame (a row with nothing that day
    reads 0 km²), so the panel never jumps.
    """
    plan = {}
    for layer in frames[0].layers:
        callouts = [c for frame in frames for c in frame.callouts if c.layer == layer]
        detailed = {(c.held_by, c.status) for c in callouts if c.inside}
        plan[layer] = tuple(
            (h, st, (h, st) in detailed) for h, st in _ordered_keys((c.held_by, c.status) for c in callouts)
        )
    return plan


def _plain(value) -> str:
    """A data string on one line: control characters and runs of white space become one space."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", str(value)).split())


def _country_names() -> dict[str, str]:
    countries = _countries()
    return dict(zip(countries["iso3"], countries["name"]))


class _Reader:
    """Reads what frames need from the store once: heads, areas, figures, each version's features."""

    def __init__(self, store: Store, layers: Sequence[str] | None):
        self.store = store
        kinds = {info.name: info.kind for info in store.layers()}
        if layers is None or len(layers) == 0:
            layers = [name for name, kind in kinds.items() if kind == "territory"]
            if not layers:
                raise InvalidInputError(
                    f"no territory layer in {store.display_url}; import one first (python -m layers import --layer NAME FILE...)."
                )
        self.layers = tuple(dict.fromkeys(layers))
        for layer in self.layers:
            if layer in kinds and kinds[layer] != "territory":
                territory = ", ".join(repr(n) for n, k in kinds.items() if k == "territory") or "none"
                raise InvalidInputError(
                    f"layer {layer!r} holds {kinds[layer]}, not territory; give a territory layer ({territory})."
                )
        # Names an unknown layer and lists the known ones (UnknownLayerError).
        self.heads = {layer: store.heads(layer) for layer in self.layers}
        series = store.area_series()
        self.series = series[series["layer"].isin(self.layers)]
        comparison = compare(store.reported_figures(), series)
        self.comparison = comparison[comparison["layer"].isin(self.layers)].reset_index(drop=True)
        self._features: dict[int, gpd.GeoDataFrame] = {}

    def snapshot_dates(self) -> list[dt.date]:
        return sorted({d for heads in self.heads.values() for d in heads["as_of"]})

    def refs(self, as_of: dt.date) -> list[SnapshotRef]:
        refs = []
        for layer, heads in self.heads.items():
            index = latest_on_or_before(heads["as_of"], as_of)
            if index is not None:
                refs.append(
                    SnapshotRef(
                        layer, heads["as_of"].iloc[index], as_of, int(heads["version_id"].iloc[index])
                    )
                )
        return refs

    def features(self, version_id: int) -> gpd.GeoDataFrame:
        if version_id not in self._features:
            self._features[version_id] = self.store.features(version_id)
        return self._features[version_id]

    def frame(self, as_of: dt.date) -> Frame:
        refs = self.refs(as_of)
        snapshots = tuple(
            Snapshot(r.layer, r.as_of, r.requested, r.version_id, self.features(r.version_id)) for r in refs
        )
        shown = {r.layer for r in refs}
        return Frame(
            as_of=as_of,
            layers=self.layers,
            snapshots=snapshots,
            missing=tuple(layer for layer in self.layers if layer not in shown),
            callouts=tuple(c for r in refs for c in self._callouts(r)),
            reported=self._reported(as_of),
            sources=_sources(snapshots),
        )

    def _callouts(self, ref: SnapshotRef) -> list[Callout]:
        rows = self.series[(self.series["layer"] == ref.layer) & (self.series["as_of"] == ref.as_of)]
        names = _country_names()
        callouts = []
        for (held_by, status), group in rows.groupby(["held_by", "status"], sort=False):
            total = group.loc[group["within"] == ANYWHERE, "area_km2"].sum()
            inside = tuple(
                (names.get(code, code), float(area))
                for code, area in zip(group["within"], group["area_km2"])
                if code != ANYWHERE and names.get(code, code) != style.side_name(held_by) and area >= 0.05
            )
            callouts.append(Callout(ref.layer, held_by, status, float(total), tuple(sorted(inside))))
        order = {key: i for i, key in enumerate(_ordered_keys((c.held_by, c.status) for c in callouts))}
        return sorted(callouts, key=lambda c: order[(c.held_by, c.status)])

    def _reported(self, as_of: dt.date) -> tuple[ReportedLine, ...]:
        if self.comparison.empty:
            return ()
        lines = []
        closest = nearest(self.comparison, as_of)
        # Only the figures of the nearest date: another scope's figure from months before
        # or after would read as if it were about this day.
        closest = closest[closest["date"] == closest["date"].iloc[0]].head(2)
        for row in closest.to_dict("records"):
            compared = row["comparison"] == "compared"
            lines.append(
                ReportedLine(
                    date=row["date"],
                    scope=_plain(row["scope"]),
                    measure=row["measure"],
                    kind=_plain(row["kind"]),
                    source=_plain(row["source"]),
                    reported_km2=float(row["reported_km2"]),
                    computed_km2=float(row["computed_km2"]) if compared else None,
                    computed_as_of=row["computed_as_of"] if compared else None,
                    difference_pct=float(row["difference_pct"])
                    if compared and pd.notna(row["difference_pct"])
                    else None,
                )
            )
        return tuple(lines)


def _sources(snapshots: Sequence[Snapshot]) -> tuple[str, ...]:
    """The snapshots' ``source`` values, split at ';' and without repeats, in order of appearance."""
    seen = {}
    for snapshot in snapshots:
        if "source" not in snapshot.features:
            continue
        for value in snapshot.features["source"]:
            for part in _plain(value).split(";"):
                part = part.strip()
                if part:
                    seen.setdefault(part.casefold(), part)
    return tuple(seen.values())


def _require_some_snapshot(reader: _Reader, frames: Sequence[Frame]) -> None:
    if any(frame.snapshots for frame in frames):
        return
    firsts = ", ".join(
        f"{layer!r} on {heads['as_of'].min()}" for layer, heads in reader.heads.items() if len(heads)
    )
    last = frames[-1].as_of
    raise InvalidInputError(
        f"nothing to draw: no snapshot of {', '.join(map(repr, reader.layers))} on or before {last}"
        + (f"; the first is {firsts}. Choose a later date." if firsts else "; import a snapshot first.")
    )


# --- the drawing projection and extent ----------------------------------------------


@dataclass(frozen=True)
class View:
    """Where the map looks: a LAEA projection centred on the extent, and its bounds in metres."""

    lon_0: float
    lat_0: float
    bounds_m: tuple[float, float, float, float]

    @property
    def crs(self) -> pyproj.CRS:
        return pyproj.CRS.from_proj4(
            f"+proj=laea +lat_0={self.lat_0:.6f} +lon_0={self.lon_0:.6f} +datum=WGS84 +units=m +no_defs"
        )

    def project(self, geoms):
        """Geometries in lon/lat to the drawing's metres."""
        return shapely.transform(np.asarray(geoms, dtype=object), _forward(self.lon_0, self.lat_0))

    def lonlat_bounds(self, margin_deg: float = 0.0) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = self.bounds_m
        xs = np.concatenate(
            [np.linspace(x0, x1, 21), np.full(21, x1), np.linspace(x1, x0, 21), np.full(21, x0)]
        )
        ys = np.concatenate(
            [np.full(21, y0), np.linspace(y0, y1, 21), np.full(21, y1), np.linspace(y1, y0, 21)]
        )
        lon, lat = _transformer(self.lon_0, self.lat_0).transform(xs, ys, direction="INVERSE")
        return (
            lon.min() - margin_deg,
            lat.min() - margin_deg,
            lon.max() + margin_deg,
            lat.max() + margin_deg,
        )


@lru_cache(maxsize=16)
def _transformer(lon_0: float, lat_0: float) -> pyproj.Transformer:
    crs = View(lon_0, lat_0, (0, 0, 0, 0)).crs
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _forward(lon_0: float, lat_0: float):
    transformer = _transformer(lon_0, lat_0)

    def forward(xy):
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return forward


def view_for(extent, aspect: float, *, pad: bool) -> View:
    """The view of a lon/lat box, widened to the map's ``aspect`` (width / height) without cropping.

    With ``pad`` (the default extent, from the data) the box grows by ``PADDING`` on every
    side and to at least ``MIN_SPAN_M`` across; a box the user gave is kept as it is.
    """
    west, south, east, north = extent
    lon_0, lat_0 = round((west + east) / 2, 4), round((south + north) / 2, 4)
    lon = np.concatenate(
        [np.linspace(west, east, 21), np.full(21, east), np.linspace(east, west, 21), np.full(21, west)]
    )
    lat = np.concatenate(
        [np.full(21, south), np.linspace(south, north, 21), np.full(21, north), np.linspace(north, south, 21)]
    )
    x, y = _transformer(lon_0, lat_0).transform(lon, lat)
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    if pad:
        dx, dy = (x1 - x0) * PADDING, (y1 - y0) * PADDING
        x0, x1, y0, y1 = x0 - dx, x1 + dx, y0 - dy, y1 + dy
        for low, high in ((0, 1), (2, 3)):
            box = [x0, x1, y0, y1]
            span = box[high] - box[low]
            if span < MIN_SPAN_M:
                middle = (box[high] + box[low]) / 2
                box[low], box[high] = middle - MIN_SPAN_M / 2, middle + MIN_SPAN_M / 2
            x0, x1, y0, y1 = box
    width, height = x1 - x0, y1 - y0
    if width / height < aspect:
        grow = (height * aspect - width) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (width / aspect - height) / 2
        y0, y1 = y0 - grow, y1 + grow
    return View(lon_0, lat_0, (x0, y0, x1, y1))


def _data_extent(frames: Sequence[Frame]) -> tuple[float, float, float, float] | None:
    boxes = [s.features.total_bounds for f in frames for s in f.snapshots if len(s.features)]
    boxes = [b for b in boxes if np.all(np.isfinite(b))]
    if not boxes:
        return None
    boxes = np.array(boxes)
    return (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())


# --- the basemap ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _countries() -> gpd.GeoDataFrame:
    return gpd.read_file(BASEMAP_DIR / "countries.geojson")


@lru_cache(maxsize=1)
def _places() -> pd.DataFrame:
    places = read_places()
    places = places[places["label"].astype(str) == "1"].copy()
    places["lon"], places["lat"] = places["lon"].astype(float), places["lat"].astype(float)
    return places


@dataclass(frozen=True)
class _Basemap:
    """Countries and places for one view, projected once and reused by every frame."""

    countries: tuple[tuple[str, str, object], ...]  # (iso3 name, fill, projected geometry)
    places: tuple[tuple[str, str, float, float], ...]  # (name, kind, x, y)


def _basemap(view: View) -> _Basemap:
    west, south, east, north = view.lonlat_bounds(margin_deg=0.5)
    countries = _countries()
    clipped = shapely.clip_by_rect(countries.geometry.values, west, south, east, north)
    x0, y0, x1, y1 = view.bounds_m
    mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    projected = shapely.clip_by_rect(view.project(clipped), x0 - mx, y0 - my, x1 + mx, y1 + my)
    drawn = tuple(
        (name, fill, shapely.orient_polygons(geom))
        for name, fill, geom in zip(countries["name"], countries["fill"], projected)
        if geom is not None and not geom.is_empty
    )
    places = _places()
    inside = places[places["lon"].between(west, east) & places["lat"].between(south, north)]
    x, y = _transformer(view.lon_0, view.lat_0).transform(inside["lon"].to_numpy(), inside["lat"].to_numpy())
    rank = {"city": 0, "town": 1, "village": 2}
    rows = sorted(
        (
            (_plain(n), k, float(px), float(py))
            for n, k, px, py in zip(inside["name"], inside["kind"], x, y)
            if x0 <= px <= x1 and y0 <= py <= y1
        ),
        key=lambda r: (rank.get(r[1], 3), r[0]),
    )
    return _Basemap(drawn, tuple(rows))


def _path(geom) -> MplPath | None:
    """A matplotlib path of a (multi)polygon's rings; holes wind the other way, so they stay open."""
    polygons = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        return None
    vertices, codes = [], []
    for polygon in shapely.orient_polygons(polygons):
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 4:
                continue
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            ring_codes[0], ring_codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


# --- drawing ------------------------------------------------------------------------


def territory_patch_style(held_by: str, status: str, line_scale: float = 1.0) -> dict:
    """``PathPatch`` keywords drawing a side and status as the app does (``style.territory_style``).

    Leaflet's ``dashArray`` (CSS pixels) becomes a matplotlib dash pattern of the same
    proportions; ``line_scale`` multiplies line width and dashes together.
    """
    leaflet = style.territory_style(held_by, status)
    width = leaflet["weight"] * _LINE_SCALE * line_scale
    keywords = {
        "facecolor": to_rgba(leaflet["fillColor"], leaflet["fillOpacity"]),
        "edgecolor": to_rgba(leaflet["color"], leaflet["opacity"]),
        "linewidth": width,
        "joinstyle": "round",
    }
    if "dashArray" in leaflet:
        # matplotlib scales dashes by the line width; Leaflet's are absolute.
        keywords["linestyle"] = (0, tuple(float(v) / leaflet["weight"] for v in leaflet["dashArray"].split()))
    return keywords


#: Text extents by (text, size, weight, scale): the same words recur on every frame.
_MEASURED: dict[tuple, tuple[float, float]] = {}


class _Canvas:
    """A figure in layout pixels (``scale=1``), with text measured as the PNG will draw it."""

    def __init__(self, width: int, height: int, scale: int):
        self.width, self.height, self.scale = width, height, scale
        self.fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI * scale, facecolor="white")
        FigureCanvasAgg(self.fig)
        self.renderer = self.fig.canvas.get_renderer()
        self.px = Affine2D().scale(1 / _DPI) + self.fig.dpi_scale_trans
        self.unit = min(width, height) / 1080

    def font(self, size_px: float, weight: str = "normal") -> FontProperties:
        return FontProperties(family=FONT, size=size_px * self.unit * _PT_PER_PX, weight=weight)

    def measure(self, text: str, font: FontProperties) -> tuple[float, float]:
        """Width and height of one line, in layout pixels."""
        key = (text or " ", font.get_size_in_points(), font.get_weight(), self.scale)
        if key not in _MEASURED:
            width, height, _ = self.renderer.get_text_width_height_descent(text or " ", font, ismath=False)
            if len(_MEASURED) > 20_000:
                _MEASURED.clear()
            _MEASURED[key] = (width / self.scale, height / self.scale)
        return _MEASURED[key]

    def wrap(
        self, text: str, font: FontProperties, width: float, max_lines: int | None = None, more: str = ""
    ) -> list[str]:
        """Lines of ``text`` no wider than ``width``; past ``max_lines`` the last ends in '…' and ``more``.

        Words are measured one by one and summed (kerning across a space is negligible),
        then each line is measured whole and clipped if it still does not fit.
        """
        space = self.measure("a a", font)[0] - self.measure("aa", font)[0]
        lines, line, used = [], "", 0.0
        for word in text.split(" "):
            size = self.measure(word, font)[0] if word else 0.0
            if not line or used + space + size <= width:
                used = used + space + size if line else size
                line = f"{line} {word}" if line else word
            else:
                lines.append(line)
                line, used = word, size
        if line:
            lines.append(line)
        lines = [self._clip(line, font, width) for line in lines]
        if max_lines and len(lines) > max_lines:
            last = lines[max_lines - 1]
            words = last.split(" ")
            while words and self.measure(" ".join(words) + "…" + more, font)[0] > width:
                words.pop()
            lines = lines[: max_lines - 1] + [(" ".join(words).rstrip(",;") + "…" + more).strip()]
        return lines

    def _clip(self, line: str, font: FontProperties, width: float) -> str:
        if self.measure(line, font)[0] <= width:
            return line
        while line and self.measure(line + "…", font)[0] > width:
            line = line[:-1]
        return line + "…"

    def text(self, x: float, y: float, s: str, font: FontProperties, **keywords):
        """Plain text at layout pixel ``(x, y)``: never mathtext, never TeX."""
        return self.fig.text(
            x, y, s, fontproperties=font, transform=self.px, parse_math=False, usetex=False, **keywords
        )


class _Overflow(Exception):
    """The side panel's content does not fit; drawn again with smaller type."""


class _Column:
    """Blocks stacked downwards from ``top`` in a column of the side panel."""

    def __init__(self, canvas: _Canvas, x: float, top: float, width: float, bottom: float):
        self.canvas, self.x, self.y, self.width, self.bottom = canvas, x, top, width, bottom

    def text(
        self,
        s: str,
        size_px: float,
        *,
        weight="normal",
        colour=_INK,
        after=0.0,
        max_lines=2,
        indent=0.0,
        fit=False,
        gid=None,
    ):
        canvas = self.canvas
        font = canvas.font(size_px, weight)
        width = self.width - indent
        if fit:
            # Sized for ``fit`` (a template as wide as any value), so frames keep one size.
            while (
                canvas.measure(fit if isinstance(fit, str) else s, font)[0] > width
                and font.get_size_in_points() > 8
            ):
                font.set_size(font.get_size_in_points() * 0.95)
            lines = [s]
        else:
            lines = canvas.wrap(s, font, width, max_lines)
        line_height = font.get_size_in_points() / _PT_PER_PX * 1.22
        artist = canvas.text(
            self.x + indent,
            self.y,
            "\n".join(lines),
            font,
            color=colour,
            va="top",
            ha="left",
            linespacing=1.22,
            gid=gid,
        )
        self.y -= line_height * len(lines) + after * canvas.unit
        if self.y < self.bottom:
            raise _Overflow
        return artist

    def space(self, px: float) -> None:
        self.y -= px * self.canvas.unit




def _km2(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f} km²"


def _reported_value(value: float) -> str:
    return _km2(value, 0 if float(value).is_integer() else 1)


@dataclass(frozen=True)
class _Layout:
    """Where things go on an image, in layout pixels from the bottom left; the same for every frame."""

    width: int
    height: int
    unit: float
    margin: float
    panel_x: float
    panel_width: float
    footer_top: float
    method_lines: tuple[str, ...]
    map_rect: tuple[float, float, float, float]

    @property
    def map_aspect(self) -> float:
        return self.map_rect[2] / self.map_rect[3]


_FOOTER_PX = 16
#: Lines kept for the sources under the map; longer lists end in "…" and their count.
_SOURCE_LINES = 2
_METHOD = (
    f"Areas computed from the geometry, not from this drawing: {METHOD}. Borders: {BORDERS_SOURCE}. "
    "Drawn in a Lambert azimuthal equal-area projection centred on the map."
)


@lru_cache(maxsize=8)
def _layout(size: tuple[int, int]) -> _Layout:
    width, height = size
    measuring = _Canvas(width, height, 1)
    unit = measuring.unit
    margin = 34 * unit
    panel_width = min(600 * unit, 0.42 * width)
    method_lines = tuple(measuring.wrap(_METHOD, measuring.font(_FOOTER_PX), width - 2 * margin))
    footer_line = _FOOTER_PX * unit * 1.25
    footer_top = 24 * unit + footer_line * (_SOURCE_LINES + len(method_lines))
    map_bottom = footer_top + 22 * unit
    map_width = width - panel_width - 34 * unit - 2 * margin
    return _Layout(
        width,
        height,
        unit,
        margin,
        width - margin - panel_width,
        panel_width,
        footer_top,
        method_lines,
        (margin, map_bottom, map_width, height - margin - map_bottom),
    )


def _figure(
    frame: Frame,
    view: View,
    basemap: _Basemap,
    size: tuple[int, int],
    scale: int,
    title: str | None,
    keys,
    type_scale: float,
) -> Figure:
    layout = _layout(size)
    canvas = _Canvas(layout.width, layout.height, scale)
    _footer(canvas, frame, layout)
    x, y, w, h = layout.map_rect
    ax = canvas.fig.add_axes([x / layout.width, y / layout.height, w / layout.width, h / layout.height])
    _draw_map(ax, canvas, frame, view, basemap)
    column = _Column(
        canvas, layout.panel_x, layout.height - layout.margin + 4 * layout.unit, layout.panel_width, y
    )
    _panel(column, frame, title, keys, type_scale)
    return canvas.fig


def _panel(column: _Column, frame: Frame, title: str | None, keys, s: float) -> None:
    canvas, unit = column.canvas, column.canvas.unit
    column.text(
        _plain(title) if title else " · ".join(frame.layers),
        34 * s,
        weight="bold",
        after=8,
        max_lines=2,
        gid="title",
    )
    widest = f"28 {max(calendar.month_name, key=len)} {frame.as_of.year}"
    column.text(style.long_date(frame.as_of), 64 * s, weight="bold", after=8, fit=widest, gid="date")
    by_layer = {snapshot.layer: snapshot for snapshot in frame.snapshots}
    for layer in frame.layers:
        prefix = f"{layer}: " if len(frame.layers) > 1 else ""
        snapshot = by_layer.get(layer)
        if snapshot is None:
            line = f"{prefix}no snapshot yet"
        else:
            line = f"{prefix}snapshot of {snapshot.as_of.isoformat()}, {style.age_words(snapshot.age_days)}"
        column.text(
            line[0].upper() + line[1:], 22 * s, colour=_MUTED, max_lines=2, after=2, gid="snapshot-age"
        )
    column.space(30 * s)
    column.text("AREA ON THE MAP", 17 * s, weight="bold", colour=_FAINT, after=12)
    swatch_w, swatch_h = 48 * s * unit, 32 * s * unit
    indent = (48 + 18) * s
    for layer in frame.layers:
        rows = keys.get(layer, ())
        if not rows:
            continue
        if len(frame.layers) > 1:
            column.text(layer, 21 * s, weight="bold", after=6, max_lines=1)
        found = {(c.held_by, c.status): c for c in frame.callouts if c.layer == layer}
        contested_sides = sum(status == "contested" for _, status, _ in rows)
        for held_by, status, has_detail in rows:
            callout = found.get((held_by, status))
            top = column.y
            patch = Rectangle(
                (column.x, top - swatch_h - 2 * unit),
                swatch_w,
                swatch_h,
                transform=canvas.px,
                **territory_patch_style(held_by, status, line_scale=1.4 * unit),
                gid="legend",
            )
            canvas.fig.add_artist(patch)
            # One side's grey zone needs no side named; several sides' do.
            label = style.zone_label(held_by, status, name_contested_side=contested_sides > 1)
            column.text(label, 24 * s, colour=_INK, indent=indent, after=0, max_lines=1)
            colour = style.CONTESTED_COLOUR if status == "contested" else style.side_colour(held_by)
            if callout is None:
                colour = _FAINT
            number = _km2(callout.area_km2) if callout else "0 km²"
            column.text(
                number,
                50 * s,
                weight="bold",
                colour=colour,
                indent=indent,
                after=0 if has_detail else 14,
                max_lines=1,
                gid="area",
            )
            if has_detail:
                details = ", ".join(
                    f"{_km2(km2)} inside {country}" for country, km2 in (callout.inside if callout else ())
                )
                column.text(details or " ", 20 * s, colour=_MUTED, indent=indent, after=18, max_lines=1)
    if frame.reported:
        column.space(8 * s)
        column.text("REPORTED", 17 * s, weight="bold", colour=_FAINT, after=10)
        for line in frame.reported:
            peak = line.measure == "peak to date"
            what = (
                "Reported peak"
                if peak
                else ("Reported" if line.measure == "at date" else f"Reported ({line.measure})")
            )
            column.text(
                f"{what}: {_reported_value(line.reported_km2)}",
                30 * s,
                weight="bold",
                after=2,
                max_lines=1,
                gid="reported",
            )
            kind = line.kind[:1].upper() + line.kind[1:]
            column.text(
                f"{kind}\u00a0·\u00a0{line.source}\u00a0·\u00a0{line.date.isoformat()}",
                19 * s,
                colour=_MUTED,
                after=2,
                max_lines=2,
            )
            if line.computed_km2 is not None:
                share = ""
                if line.difference_pct is not None and abs(line.difference_pct) >= 0.5:
                    share = (
                        f", {abs(line.difference_pct):.0f} % {'less' if line.difference_pct < 0 else 'more'}"
                    )
                if peak:
                    mapped = f"Map's peak to that date: {_km2(line.computed_km2)}{share}"
                else:
                    mapped = f"Map on that date: {_km2(line.computed_km2)}{share} (snapshot of {line.computed_as_of.isoformat()})"
                column.text(mapped, 19 * s, colour=_INK, after=16, max_lines=2)
            else:
                column.space(16 * s)


def _footer(canvas: _Canvas, frame: Frame, layout: _Layout) -> None:
    """Sources (``_SOURCE_LINES`` at most) and the method under the map and the panel."""
    unit = canvas.unit
    font = canvas.font(_FOOTER_PX)
    width = layout.width - 2 * layout.margin
    sources = frame.sources
    text = "Sources: " + (
        "; ".join(sources)
        if sources
        else "none given"
        if frame.snapshots
        else "no snapshot on or before this date"
    )
    source_lines = canvas.wrap(
        text, font, width, max_lines=_SOURCE_LINES, more=f" ({len(sources)} in all)" if sources else ""
    )
    lines = [*source_lines, *layout.method_lines]
    canvas.text(
        layout.margin,
        layout.footer_top,
        "\n".join(lines),
        font,
        color=_MUTED,
        va="top",
        ha="left",
        linespacing=1.25,
        gid="footer",
    )
    canvas.fig.add_artist(
        Rectangle(
            (layout.margin, layout.footer_top + 8 * unit),
            width,
            max(1.0, unit),
            transform=canvas.px,
            facecolor="#d0d0d0",
            edgecolor="none",
        )
    )


def _draw_map(ax, canvas: _Canvas, frame: Frame, view: View, basemap: _Basemap) -> None:
    unit = canvas.unit
    x0, y0, x1, y1 = view.bounds_m
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_facecolor(style.BASEMAP["sea"])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#9a9a9a")
        spine.set_linewidth(0.8 * unit)
    border_width = 1.2 * _LINE_SCALE * unit
    for name, fill, geom in basemap.countries:
        path = _path(geom)
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=fill, edgecolor="none", zorder=1))
    for name, fill, geom in basemap.countries:
        path = _path(geom)
        if path is not None:
            # Over the territory: the story is often which side of the border it lies on.
            ax.add_patch(
                PathPatch(
                    path,
                    facecolor="none",
                    edgecolor=style.BASEMAP["border"],
                    linewidth=border_width,
                    zorder=15,
                )
            )

    territory = []
    for snapshot in frame.snapshots:
        features = snapshot.features
        if not len(features):
            continue
        projected = view.project(features.geometry.values)
        for held_by, status, geom in zip(features["held_by"], features["status"], projected):
            territory.append((_STATUS_ORDER.get(status, 3), held_by, status, geom))
    for order, held_by, status, geom in sorted(territory, key=lambda t: t[0]):
        path = _path(geom)
        if path is not None:
            ax.add_patch(
                PathPatch(
                    path,
                    zorder=10 + order,
                    **territory_patch_style(held_by, status, line_scale=unit),
                    gid=f"territory-{status}",
                )
            )

    scalebar = ScaleBar(
        1.0,
        "m",
        location="lower left",
        length_fraction=0.22,
        width_fraction=0.012,
        box_alpha=0.85,
        pad=0.5,
        border_pad=0.9,
        sep=5 * unit,
        color=_INK,
        scale_loc="top",
        font_properties={"family": FONT, "size": 21 * unit * _PT_PER_PX},
    )
    ax.add_artist(scalebar)
    ax.add_artist(_north_arrow(unit))

    obstacles = [
        _axes_corner_box(ax, canvas, "lower left", 300, 95),
        _axes_corner_box(ax, canvas, "upper right", 90, 120),
    ]
    shapes = [geom for *_, geom in territory]
    obstacles += _country_labels(ax, canvas, basemap, view, shapes, obstacles)
    _place_labels(ax, canvas, basemap, obstacles)
    if not frame.snapshots:
        ax.text(
            0.5,
            0.5,
            "No snapshot yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=_MUTED,
            fontproperties=canvas.font(32, "bold"),
            parse_math=False,
            usetex=False,
            zorder=30,
        )


def _north_arrow(unit: float) -> AnchoredOffsetbox:
    size = 58 * unit * _PT_PER_PX
    area = DrawingArea(size * 0.7, size * 1.25)
    w, h = size * 0.7, size * 1.25
    tip, base, middle = (w / 2, h * 0.78), h * 0.08, h * 0.28
    area.add_artist(
        Polygon(
            [tip, (w * 0.08, base), (w / 2, middle)],
            closed=True,
            facecolor=_INK,
            edgecolor=_INK,
            linewidth=0.8 * unit,
        )
    )
    area.add_artist(
        Polygon(
            [tip, (w * 0.92, base), (w / 2, middle)],
            closed=True,
            facecolor="white",
            edgecolor=_INK,
            linewidth=0.8 * unit,
        )
    )
    area.add_artist(
        Text(
            w / 2,
            h * 0.80,
            "N",
            ha="center",
            va="bottom",
            fontproperties=FontProperties(family=FONT, size=21 * unit * _PT_PER_PX, weight="bold"),
            color=_INK,
            parse_math=False,
            usetex=False,
        )
    )
    box = AnchoredOffsetbox(loc="upper right", child=area, pad=0.3, borderpad=0.8, frameon=False)
    box.set_gid("north-arrow")
    box.set_zorder(25)
    return box


def _axes_corner_box(ax, canvas: _Canvas, corner: str, width_px: float, height_px: float):
    """A box in display pixels at a corner of the map kept free of labels (scale bar, north arrow)."""
    (ax0, ay0), (ax1, ay1) = ax.get_window_extent(canvas.renderer).get_points()
    w, h = width_px * canvas.unit * canvas.scale, height_px * canvas.unit * canvas.scale
    if corner == "lower left":
        return (ax0, ay0, ax0 + w, ay0 + h)
    return (ax1 - w, ay1 - h, ax1, ay1)


def _overlaps(box, boxes) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


def _country_labels(ax, canvas: _Canvas, basemap: _Basemap, view: View, territory, obstacles) -> list:
    """Country names in spaced capitals, each in the largest open part of its visible land."""
    x0, y0, x1, y1 = view.bounds_m
    span = min(x1 - x0, y1 - y0)
    inner = shapely.box(
        x0 + 0.08 * (x1 - x0), y0 + 0.12 * (y1 - y0), x1 - 0.08 * (x1 - x0), y1 - 0.1 * (y1 - y0)
    )
    busy = shapely.union_all(
        [g for g in territory if g is not None] + [shapely.Point(0, 0).buffer(0)]
    ).buffer(span * 0.04)
    placed = []
    font = canvas.font(24, "bold")
    view_area = (x1 - x0) * (y1 - y0)
    for name, _fill, geom in sorted(basemap.countries, key=lambda c: -c[2].area):
        if geom.area < 0.06 * view_area:
            continue
        free = shapely.make_valid(geom.intersection(inner).difference(busy))
        parts = [p for p in shapely.get_parts(free) if p.geom_type == "Polygon"]
        if not parts:
            continue
        largest = max(parts, key=lambda p: p.area)
        point = polylabel(largest, tolerance=span / 200)
        label = "\u2009".join(_plain(name).upper())
        width, height = canvas.measure(label, font)
        cx, cy = ax.transData.transform((point.x, point.y))
        w, h = width * canvas.scale, height * canvas.scale
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        (ax0, ay0), (ax1, ay1) = ax.get_window_extent(canvas.renderer).get_points()
        if box[0] < ax0 or box[2] > ax1 or box[1] < ay0 or box[3] > ay1 or _overlaps(box, obstacles + placed):
            continue
        ax.text(
            point.x,
            point.y,
            label,
            ha="center",
            va="center",
            color="#a39d90",
            fontproperties=font,
            parse_math=False,
            usetex=False,
            zorder=8,
            gid="country-label",
        )
        placed.append(box)
    return placed


def _place_labels(ax, canvas: _Canvas, basemap: _Basemap, obstacles) -> None:
    """Settlement names, most important first, each where it overlaps nothing already drawn."""
    placed = list(obstacles)
    (ax0, ay0), (ax1, ay1) = ax.get_window_extent(canvas.renderer).get_points()
    scale, unit = canvas.scale, canvas.unit
    for name, kind, x, y in basemap.places:
        font = canvas.font(_PLACE_SIZES.get(kind, 14), "bold" if kind == "city" else "normal")
        width, height = canvas.measure(name, font)
        w, h = width * scale, height * scale
        px, py = ax.transData.transform((x, y))
        radius = (4.5 if kind == "city" else 3.5) * unit * scale
        dot = (px - radius, py - radius, px + radius, py + radius)
        offset = 8 * unit * scale
        candidates = [
            ("left", "center", (px + offset, py - h / 2, px + offset + w, py + h / 2), (offset, 0)),
            ("right", "center", (px - offset - w, py - h / 2, px - offset, py + h / 2), (-offset, 0)),
            ("center", "bottom", (px - w / 2, py + offset, px + w / 2, py + offset + h), (0, offset)),
            ("center", "top", (px - w / 2, py - offset - h, px + w / 2, py - offset), (0, -offset)),
        ]
        if _overlaps(dot, placed):
            continue
        for ha, va, box, (dx, dy) in candidates:
            pad = 3 * unit * scale
            padded = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
            if (
                padded[0] < ax0
                or padded[2] > ax1
                or padded[1] < ay0
                or padded[3] > ay1
                or _overlaps(padded, placed)
            ):
                continue
            ax.plot(
                [x],
                [y],
                marker="o",
                markersize=2 * radius / scale * _PT_PER_PX,
                color=style.BASEMAP["label"],
                markeredgecolor="white",
                markeredgewidth=1.0 * unit,
                zorder=20,
            )
            ax.annotate(
                name,
                (x, y),
                xytext=(dx / scale * _PT_PER_PX, dy / scale * _PT_PER_PX),
                textcoords="offset points",
                ha=ha,
                va=va,
                color=style.BASEMAP["label"],
                fontproperties=font,
                parse_math=False,
                usetex=False,
                path_effects=[patheffects.withStroke(linewidth=3.5 * unit, foreground="white")],
                zorder=21,
                gid="place-label",
            )
            placed.append(padded)
            placed.append(dot)
            break


# --- public API ---------------------------------------------------------------------


def _figure_for(
    frame: Frame, view: View, basemap: _Basemap, size, scale: int, title: str | None, keys
) -> Figure:
    """The frame's figure, with smaller type if the side panel would not fit otherwise."""
    type_scale = 1.0
    for _ in range(6):
        try:
            return _figure(frame, view, basemap, size, scale, title, keys, type_scale)
        except _Overflow:
            type_scale *= 0.9
    raise InvalidInputError(
        "the key does not fit on an image this size; choose a larger --size or fewer layers."
    )


def _check_scale(scale) -> int:
    if scale not in SCALES:
        raise InvalidInputError(f"scale {scale!r}: use 1 or 2 (2 doubles the pixels, same layout).")
    return int(scale)


def build_figure(
    store: Store,
    layers: Sequence[str] | None,
    as_of: dt.date,
    *,
    size=(1920, 1080),
    scale: int = 1,
    extent=None,
    title: str | None = None,
) -> Figure:
    """The slide of ``layers`` on ``as_of`` as a matplotlib Figure (Agg canvas); see :func:`render_png`."""
    size, scale = pixel_size(size), _check_scale(scale)
    extent = check_extent(extent) if extent is not None else None
    with _drawing():
        reader = _Reader(store, layers)
        frame = reader.frame(as_of)
        _require_some_snapshot(reader, [frame])
        view = _view(extent, [frame], size)
        return _figure_for(frame, view, _basemap(view), size, scale, title, _key_plan([frame]))


def _view(extent, frames, size) -> View:
    aspect = _layout(size).map_aspect
    if extent is not None:
        return view_for(extent, aspect, pad=False)
    data = _data_extent(frames)
    if data is None:
        raise InvalidInputError(
            "nothing to draw: the snapshots shown have no features; give --extent W,S,E,N to draw the basemap alone."
        )
    return view_for(data, aspect, pad=True)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with _drawing():
        fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()


def render_png(
    store: Store,
    layers: Sequence[str] | None,
    as_of: dt.date,
    *,
    size=(1920, 1080),
    scale: int = 1,
    extent=None,
    title: str | None = None,
) -> bytes:
    """The map of ``layers`` on ``as_of`` as a slide-ready PNG.

    Parameters
    ----------
    store : Store
    layers : list of str, or None
        Territory layers to draw; None or empty: every territory layer.
    as_of : datetime.date
        Each layer shows its latest snapshot on or before this date.
    size : (int, int) or str
        Pixels at ``scale=1``: a pair, ``"WxH"``, or one of ``SIZES`` (``"16:9"`` 1920x1080,
        ``"4:3"`` 1600x1200, ``"square"`` 1080x1080).
    scale : {1, 2}
        2 doubles the pixels (twice the dpi), with the same layout.
    extent : (west, south, east, north), optional
        In degrees; widened (never cropped) to the map's shape. Default: the bounds of the
        shown snapshots, padded by ``PADDING`` (at least ``MIN_SPAN_M`` across).
    title : str, optional
        Default: the layer names.

    Returns
    -------
    bytes
        A PNG, identical for identical data and arguments. Drawn in a Lambert azimuthal
        equal-area projection centred on the extent (display only; the km² shown come
        from ``Store.area_series``).

    Raises
    ------
    UnknownLayerError
        For a layer the store does not hold.
    InvalidInputError
        For a bad size, scale or extent, an events layer, or no snapshot on or before ``as_of``.
    """
    fig = build_figure(store, layers, as_of, size=size, scale=scale, extent=extent, title=title)
    return _png(fig)


def animation_dates(
    store: Store, layers: Sequence[str] | None, start: dt.date, end: dt.date, step: str = "weekly"
) -> list[dt.date]:
    """The frame dates of a time-lapse: every day, every 7 days (and ``end``), or each snapshot date.

    Raises
    ------
    InvalidInputError
        For an unknown step, ``start`` after ``end``, no frame, or more than ``MAX_FRAMES``.
    """
    return _dates(_Reader(store, layers), start, end, step)


def _dates(reader: _Reader, start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    if step not in STEPS:
        raise InvalidInputError(f"step {step!r}: use one of {', '.join(STEPS)}.")
    if start > end:
        raise InvalidInputError(f"--from {start} is after --to {end}; give the earlier date first.")
    days = (end - start).days
    if step == "daily":
        count = days + 1
    elif step == "weekly":
        count = days // 7 + 1 + (days % 7 != 0)
    else:
        dates = [d for d in reader.snapshot_dates() if start <= d <= end]
        count = len(dates)
        if not dates:
            raise InvalidInputError(
                f"no snapshot of {', '.join(map(repr, reader.layers))} from {start} to {end}; choose --step daily or weekly, or another range."
            )
    if count > MAX_FRAMES:
        fix = (
            "choose --step weekly or --step snapshot, or a shorter range"
            if step == "daily"
            else "choose --step snapshot or a shorter range"
        )
        raise InvalidInputError(
            f"{count} frames from {start} to {end} with step {step!r} is more than {MAX_FRAMES}; {fix}."
        )
    if step == "daily":
        return [start + dt.timedelta(days=n) for n in range(count)]
    if step == "weekly":
        dates = [start + dt.timedelta(days=n) for n in range(0, days + 1, 7)]
        return dates if dates[-1] == end else [*dates, end]
    return dates


def render_animation(
    store: Store,
    layers: Sequence[str] | None,
    start: dt.date,
    end: dt.date,
    *,
    step: str = "weekly",
    fmt: str = "gif",
    size=(1920, 1080),
    scale: int = 1,
    fps: float = 2,
    extent=None,
    title: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """A time-lapse of ``layers`` from ``start`` to ``end`` as an animated GIF or an H.264 MP4.

    Each frame is drawn like :func:`render_png` for its date, all with the same extent
    (the union of every frame's snapshots, padded, unless ``extent`` is given) and the
    same key, so nothing but the territory, the date and the numbers moves.

    Parameters
    ----------
    step : {"daily", "weekly", "snapshot"}
        One frame a day; every 7 days from ``start`` (and ``end``); or one per date on
        which any of the layers has a snapshot within the range.
    fmt : {"gif", "mp4"}
        GIF through Pillow (looping); MP4 through imageio-ffmpeg's bundled ffmpeg (H.264,
        yuv420p, even dimensions: an odd side loses its last pixel).
    fps : float
        Frames a second, 0.2 to 30.
    progress : callable, optional
        Called as ``progress(done, total)`` after each frame.

    Raises
    ------
    InvalidInputError
        As :func:`render_png`, and for more than ``MAX_FRAMES`` frames (the message names
        the fix: a weekly step or a shorter range), a bad step, format or fps.
    """
    if fmt not in FORMATS:
        raise InvalidInputError(f"format {fmt!r}: use gif or mp4.")
    if not (0.2 <= float(fps) <= 30):
        raise InvalidInputError(f"fps {fps!r}: use 0.2 to 30 frames a second.")
    size, scale = pixel_size(size), _check_scale(scale)
    extent = check_extent(extent) if extent is not None else None
    with _drawing():
        reader = _Reader(store, layers)
        dates = _dates(reader, start, end, step)
        frames = [reader.frame(day) for day in dates]
        _require_some_snapshot(reader, frames)
        view = _view(extent, frames, size)
        basemap = _basemap(view)
        keys = _key_plan(frames)
        images = []
        for done, frame in enumerate(frames, start=1):
            fig = _figure_for(frame, view, basemap, size, scale, title, keys)
            fig.canvas.draw()
            images.append(np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy())
            if progress is not None:
                progress(done, len(frames))
    return _gif(images, fps) if fmt == "gif" else _mp4(images, fps)


def _gif(images: list[np.ndarray], fps: float) -> bytes:
    import imageio.v3 as iio

    return iio.imwrite(
        "<bytes>", np.stack(images), extension=".gif", plugin="pillow", duration=round(1000 / fps), loop=0
    )


def _mp4(images: list[np.ndarray], fps: float) -> bytes:
    import imageio_ffmpeg

    height, width = images[0].shape[:2]
    even_w, even_h = width - width % 2, height - height % 2
    with tempfile.TemporaryDirectory(prefix="frontline-mp4-") as folder:
        path = os.path.join(folder, "animation.mp4")
        writer = imageio_ffmpeg.write_frames(
            path,
            (even_w, even_h),
            fps=fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            quality=None,
            macro_block_size=2,
            ffmpeg_log_level="error",
            output_params=[
                "-crf",
                "18",
                "-preset",
                "medium",
                "-movflags",
                "+faststart",
                "-map_metadata",
                "-1",
                "-fflags",
                "+bitexact",
            ],
        )
        writer.send(None)
        for image in images:
            writer.send(np.ascontiguousarray(image[:even_h, :even_w]).tobytes())
        writer.close()
        return Path(path).read_bytes()
