"""Slides and time-lapses: the map as a PNG, an animated GIF or an MP4, drawn on the server.

No browser and no internet: matplotlib draws on its Agg canvas (a ``Figure`` with a
``FigureCanvasAgg`` of its own, never ``pyplot``, so no global backend is switched), the
basemap comes from the bundled ``static/basemap/countries.geojson`` and
``geodata/places.csv``, and the only font is DejaVu Sans, which ships with matplotlib.

What a slide shows: a title, the date (and how old the snapshot drawn is), the territory
in the app's colours and patterns (:mod:`layers.style`), a key with the km² of each side
and status, the nearest reported figure beside the map's own figure for the same scope,
a scale bar, a north arrow, the snapshots' sources, each layer's credit (source, licence
and "non-commercial use only" where it says so; also in the PNG's ``Copyright`` text),
and the area method; with an events
layer, its events of the window ending at the date, a symbol each when few and their
density in hexagons when many, keyed with counts by kind, the window and the sources.

The modules, in the order a slide is made:

- :mod:`~layers.render.data`: what a frame shows, read from the store and the basemap files;
- :mod:`~layers.render.projection`: the drawing projection, the extent, the basemap for a view;
- :mod:`~layers.render.canvas` and :mod:`~layers.render.layout`: the drawing surface, text
  measured and wrapped, the image's size and where the map, panel and footer go;
- :mod:`~layers.render.events`: the events of a frame's window, as symbols or density;
- :mod:`~layers.render.map_axes` and :mod:`~layers.render.labels`: the map and its names;
- :mod:`~layers.render.panel`: the side panel and its key;
- :mod:`~layers.render.slide`: one image, as a Figure or a PNG;
- :mod:`~layers.render.animation` and :mod:`~layers.render.encoders`: the frame dates, and
  the GIF or MP4 written frame by frame.

Projection
----------
Drawn in a Lambert azimuthal equal-area projection (LAEA, WGS84) centred on the extent,
for drawing only: every km² on the image comes from :meth:`Store.area_series`, never from
the drawing (:mod:`~layers.render.projection`).

Safety and repeatability
------------------------
Every string from data (layer names, sources, place names, a title) is drawn as plain
text: ``parse_math=False`` and ``usetex=False`` on each Text, so ``$...$`` is not
mathtext and nothing is handed to TeX. The same data gives byte-identical PNG: fixed
font, no ``Software`` or time metadata, no randomness.

Bounds
------
No input takes the process down: a time-lapse has at most
``layers.settings.limits().render_max_frames`` frames (:func:`check_frames`, before
anything is drawn) and its frames stream to the encoder, so its memory does not grow with
its length; an extent must be drawable, at most a hemisphere (:func:`check_extent`; the
app clamps the view on screen with :func:`screen_extent`); any text is cut to the lines it
has with "…", and only as many characters as fit are measured
(:meth:`~layers.render.canvas.Canvas.wrap`). ``docs/slides.md`` ("Limits") has the figures.
"""

from __future__ import annotations

from .animation import FORMATS, STEPS, animation_dates, check_frames, frame_count, render_animation
from .canvas import FONT
from .data import BASEMAP_DIR, Callout, Frame, ReportedLine
from .layout import MAX_SIDE_PX, MIN_SIDE_PX, SCALES, SIZES, pixel_size
from .map_axes import territory_patch_style
from .projection import MIN_SPAN_M, PADDING, View, check_extent, screen_extent, view_for
from .slide import build_figure, render_png

__all__ = [
    "BASEMAP_DIR",
    "FONT",
    "FORMATS",
    "MAX_SIDE_PX",
    "MIN_SIDE_PX",
    "MIN_SPAN_M",
    "PADDING",
    "SCALES",
    "SIZES",
    "STEPS",
    "Callout",
    "Frame",
    "ReportedLine",
    "View",
    "animation_dates",
    "build_figure",
    "check_extent",
    "check_frames",
    "frame_count",
    "pixel_size",
    "render_animation",
    "render_png",
    "screen_extent",
    "territory_patch_style",
    "view_for",
]
