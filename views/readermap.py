"""The reader's map: a Streamlit custom component (components v2) that draws every date in
the browser from the store's timeline pack (``layers.mapview.pack``).

The component's code is the ES modules in ``static/js/frontline/`` (``streamlit.js`` mounts
``reader.js``), served by the app's static file serving like Leaflet itself; the inline
JavaScript registered here only imports them, so that the published site runs the same
files. Python sends the settings (pack, visible layers, events, window, initial view and
date) once per run; the browser owns the date while the reader scrubs and tells Python
once per pause (trigger value ``date``, debounced 300 ms in the browser) and once per
pan or zoom (state value ``view``). Python then updates the address and the panels.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
import streamlit as st

from layers import change as change_mod
from layers import links
from layers.attribution import credit_records, layer_credits
from layers.mapview import pack
from layers.mapview.display import round_coordinates
from layers.mapview.reader import reader_settings

from .appdata import Data, open_store
from .widgets import Selection, static_url

__all__ = [
    "CHANGE_DECIMALS",
    "KEY",
    "PACK_ROOT",
    "MapEvent",
    "change_features",
    "pack_url",
    "pending",
    "show",
]

KEY = "reader_map"
#: Session flag: this session's map has been drawn once (the component said so). Until
#: then the page holds back its panel: the panel's frontend code (data grids, Vega) would
#: be loaded and run in the page before the map's, delaying the first map.
DRAWN_KEY = "_map_drawn"
#: Where packs are written: under the folder the app serves as ``/app/static``.
PACK_ROOT = Path(__file__).resolve().parent.parent / "static" / "packs"
#: The component's own JavaScript: imports the reader's modules all at once (not one
#: import after another) and hints Leaflet and the pack's index to the browser, so that
#: they load while the modules do.
_LOADER_JS = """
export default async function (component) {
  const { static: base, pack } = component.data;
  const href = (path) => new URL(path, window.location.href).href;
  const hint = (rel, url, as) => {
    if ([...document.head.querySelectorAll(`link[rel="${rel}"]`)].some((l) => l.href === url)) return;
    const link = document.createElement("link");
    link.rel = rel;
    link.href = url;
    if (as) { link.as = as; link.crossOrigin = "anonymous"; }
    document.head.append(link);
  };
  hint("modulepreload", href(`${base}/vendor/leaflet/leaflet.js`));
  hint("preload", href(`${pack}index.json.gz`), "fetch");
  const names = [
    "days", "pack", "strip", "draw", "events", "legend", "basemap", "figures", "reader", "streamlit",
  ];
  const modules = await Promise.all(names.map((name) => import(href(`${base}/js/frontline/${name}.js`))));
  return modules[modules.length - 1].default(component);
}
"""
_component = st.components.v2.component("frontline.reader_map", js=_LOADER_JS, isolate_styles=False)
_log = logging.getLogger(__name__)


def _pack_folder(url: str, revision: str) -> str:
    """The pack's folder name, its build started (in a child process) if it is not complete
    and none is running: one file test per run once it is, and a failed build is tried
    again at the next run."""

    def report(error: BaseException) -> None:
        _log.error("building the timeline pack of %s failed: %s", url, error, exc_info=error)

    return pack.ensure(open_store(url), PACK_ROOT, revision, on_error=report).name


def pack_url(data: Data) -> str:
    """The URL of the store's current pack, ending with ``/``."""
    return f"{static_url()}/packs/{_pack_folder(data.url, data.revision)}/"


@dataclass(frozen=True)
class MapEvent:
    """What the component said in this run: the date the reader paused on (None if it did
    not), and the view it last reported (None before any pan or zoom)."""

    date: dt.date | None
    view: links.ReportedView | None


def _view(value: Any) -> links.ReportedView | None:
    """The component's ``view`` state as ``links.reported_view`` reads a map's report."""
    if not isinstance(value, dict):
        return None
    try:
        lat, lng = (float(x) for x in value["center"])
        south, west, north, east = (float(x) for x in value.get("bounds") or (0, 0, 0, 0))
    except (KeyError, TypeError, ValueError):
        return None
    report = {
        "center": {"lat": lat, "lng": lng},
        "zoom": value.get("zoom"),
        "bounds": {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}
        if value.get("bounds")
        else None,
    }
    return links.reported_view(report)


def _date(value: Any, dates: list[dt.date]) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return None
    return day if dates and dates[0] <= day <= dates[-1] else None


#: Decimals of the change polygons sent with the settings (~11 m).
CHANGE_DECIMALS = 4


def change_features(changes: Sequence[change_mod.Change]) -> list[dict[str, Any]]:
    """Ground gained and lost between the panel's two dates, as plain GeoJSON features
    (properties: layer, side, change, km², since, until; the browser styles them and sets
    their text with ``textContent``)."""
    features = []
    for change in changes:
        frame = change.polygons
        if not len(frame):
            continue
        shapes = round_coordinates(frame.geometry.values, CHANGE_DECIMALS)
        for side, kind, km2, shape in zip(
            frame["held_by"], frame["change"], frame["area_km2"], shapes, strict=True
        ):
            if shape is None or shapely.is_empty(shape):
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "layer": change.layer,
                        "side": str(side),
                        "change": str(kind),
                        "km2": round(float(km2), 1),
                        "since": change.since.as_of.isoformat(),
                        "until": change.until.as_of.isoformat(),
                    },
                    "geometry": json.loads(shapely.to_geojson(shape)),
                }
            )
    return features


def _shown_layers(selection: Selection) -> list[str]:
    """The layers whose credits the map's attribution shows: the visible ones, then the events'."""
    return [*selection.visible, *([selection.events_layer] if selection.events_layer else [])]


def show(
    data: Data,
    selection: Selection,
    as_of: dt.date,
    dates: list[dt.date],
    changes: Sequence[change_mod.Change] = (),
) -> MapEvent:
    """The map component at ``as_of`` with the sidebar's selection, and the panel's change
    (drawn over the territory while the reader stays on the date it was computed for)."""
    center, zoom, _ = links.parse_view(st.query_params.get("center"), st.query_params.get("zoom"))
    if "_reader_view" not in st.session_state:
        # The view the map opens on: the link's, once per session (the browser keeps it after).
        st.session_state["_reader_view"] = {"center": list(center), "zoom": zoom}
    settings = reader_settings(
        static=static_url(),
        pack=pack_url(data),
        date=as_of.isoformat(),
        layers=selection.visible,
        events=selection.events_layer,
        window_days=selection.window_days,
        view=st.session_state["_reader_view"],
        change={"date": as_of.isoformat(), "features": change_features(changes)},
        illustrative=sorted(data.illustrative_layers()),
        event_filter=selection.event_filter.settings(),
        event_view=selection.event_filter.mode,
        credits=credit_records(layer_credits(data.layer_infos(), _shown_layers(selection))),
    )
    _component(
        key=KEY,
        data=settings,
        default={"view": None, "drawn": False},
        on_date_change=_ignore,
        on_view_change=_ignore,
        on_drawn_change=_ignore,
    )


def pending(dates: list[dt.date]) -> MapEvent:
    """What the component said since the last run, read at the start of this one (before
    the page is drawn, so that everything on it follows the date the reader paused on)."""
    value = st.session_state.get(KEY)
    get = value.get if isinstance(value, dict) else (lambda name, default=None: getattr(value, name, default))
    if get("drawn"):
        st.session_state[DRAWN_KEY] = True
    return MapEvent(_date(get("date"), dates), _view(get("view")))


def drawn() -> bool:
    """Whether this session's map has been drawn (``pending`` notes it)."""
    return bool(st.session_state.get(DRAWN_KEY))


def _ignore() -> None:
    """Callbacks declare the component's state and trigger names; the page reads the values."""
