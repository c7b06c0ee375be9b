"""Side by side (``/compare?left=…&right=…``, or an older link's ``?mode=compare``): two
dates next to each other, pan and zoom synchronised, each labelled, and the change in
km² between them; below, where the map disagrees most with DeepStateMap's own figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st
from streamlit_folium import st_folium

from layers import mapview

from .. import routes
from ..appdata import Data
from ..panels import change_ui
from ..widgets import Selection, static_url

__all__ = ["page"]

COMPARE_MAP_HEIGHT_PX = 600
#: Rows of each table of disagreements.
DISAGREEMENTS_SHOWN = 10


def page(data: Data, selection: Selection, dates: Sequence[dt.date]) -> None:
    """Pick two snapshot dates; see both maps and the change from the left to the right."""
    stops = data.snapshot_stops(selection.visible) or list(dates)
    left_column, right_column, exit_column = st.columns([2, 2, 1], vertical_alignment="bottom")
    left = left_column.selectbox(
        "Left", stops, index=0, key="left", bind="query-params", format_func=dt.date.isoformat
    )
    right = right_column.selectbox(
        "Right", stops, index=len(stops) - 1, key="right", bind="query-params", format_func=dt.date.isoformat
    )
    if exit_column.button("Back to the timeline", key="compare_exit"):
        routes.go(routes.READER)
    if left >= right:
        st.warning("Pick a left date before the right one to see what changed between them.")
    left_refs = data.shown(selection.visible, left)
    right_refs = data.shown(selection.visible, right)
    st_folium(
        mapview.side_by_side_map(
            static_url(),
            [data.territory_display(ref, encoded=False) for ref in left_refs],
            [data.territory_display(ref, encoded=False) for ref in right_refs],
            f"{left:%d %b %Y}",
            f"{right:%d %b %Y}",
        ),
        key=f"compare:{left}:{right}",
        returned_objects=[],
        use_container_width=True,
        height=COMPARE_MAP_HEIGHT_PX,
    )
    if left < right:
        by_layer = {ref.layer: ref for ref in left_refs}
        changes = [
            data.layer_change(ref.layer, by_layer[ref.layer], ref)
            for ref in right_refs
            if ref.layer in by_layer
        ]
        missing = [ref.layer for ref in right_refs if ref.layer not in by_layer]
        change_ui(data, left, changes, missing, until=right)
    disagreements_ui(data)


def disagreements_ui(data: Data) -> None:
    """The figures DeepStateMap published from its own map that the map's km² differ from most."""
    by_km2 = data.disagreements("absolute", DISAGREEMENTS_SHOWN)
    if by_km2.empty:
        return
    st.subheader("Largest disagreements with DeepStateMap's own figures")
    st.caption(
        "DeepStateMap's published area for a snapshot (stored by `python -m layers sync deepstate-history`, "
        "or added as a reported figure of kind *mapped*) beside the km² this app computes from the same "
        "snapshot, for the same side, status and border. A large difference points at a category mapped "
        "differently or at a map that covers only part of the front."
    )
    absolute, relative = st.tabs([f"Top {DISAGREEMENTS_SHOWN} by km²", f"Top {DISAGREEMENTS_SHOWN} by %"])
    absolute.dataframe(by_km2, hide_index=True, width="stretch")
    relative.dataframe(data.disagreements("relative", DISAGREEMENTS_SHOWN), hide_index=True, width="stretch")
