"""The editor's page (listed only for a signed-in editor): upload a snapshot, map its
properties, validate it, preview it against the previous snapshot and commit it; a
layer's history with revert; reported figures typed in and compared with the map.

Every write goes through ``layers.editing``, which checks the editor role again and
refuses a head that moved since the editor saw it.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit_folium import st_folium

from layers import auth, categories, categoryareas, dates, guard, mapview, schema, snapshots, style
from layers import change as change_mod
from layers.checking import swapped_bounded, validate_bounded
from layers.credits import PRESET_CREDITS, Credit
from layers.editing import EditSession
from layers.ingest import date_from_name, sha256
from layers.presets import PRESETS
from layers.store import NewSnapshot
from layers.text import escape_markdown
from layers.validation import Report

from ..appdata import Data, figure_table
from ..layerchoice import layer_choice_ui
from ..uploads import KINDS, mapping_ui, report_ui
from ..widgets import static_url, user_errors

__all__ = ["page", "source_categories"]

UPLOAD_TYPES = ["geojson", "json", "gz", "kml", "gpkg"]
MAX_UPLOAD_MB = 20


def page(data: Data, editor: auth.Editor) -> None:
    """Upload, validate, map properties, preview against the previous snapshot, commit;
    history and revert; reported figures."""
    session = EditSession(data.store, st.session_state, editor)
    st.subheader("Editor")
    st.caption(f"Signed in as {escape_markdown(editor.name)}; every change is recorded with this name.")
    infos = data.layer_infos()
    layer, kind = layer_choice_ui(session, infos)
    upload = st.file_uploader(
        "Snapshot file: GeoJSON, gzipped GeoJSON, KML or GeoPackage",
        type=UPLOAD_TYPES,
        max_upload_size=MAX_UPLOAD_MB,
        key="upload",
    )
    if upload is not None and layer:
        _upload_ui(session, layer, kind, upload)
    if layer and layer in {info.name for info in infos}:
        _history_ui(session, layer)
    _add_figure_ui(session, data)


def _upload_ui(session: EditSession, layer: str, kind: str, upload: UploadedFile) -> None:
    raw = upload.getvalue()
    named = date_from_name(upload.name)
    # Plausible dates only (layers.dates): a typo cannot stretch the slider over centuries.
    earliest, latest = dates.EARLIEST, dates.latest()
    as_of = st.date_input(
        "Snapshot date (the state of the layer as of this date)",
        value=named if named is not None and dates.date_problem(named) is None else None,
        min_value=earliest,
        max_value=latest,
        key=f"as_of_{upload.file_id}",
        help=f"From {earliest:%d %B %Y} to {latest:%d %B %Y}. A file name with no date, two dates or an "
        "implausible one leaves this for you to choose.",
    )
    mapping, defaults = mapping_ui(kind, raw, upload.name)
    repair = st.checkbox(
        "Repair invalid geometry (the report shows how each repair changes the area)", key="repair"
    )
    report = validate_bounded(
        raw, KINDS[kind], name=upload.name, defaults=defaults, mapping=mapping, repair=repair
    )
    if any(p.rule == "swapped" for p in report.errors) and st.checkbox(
        "Swap longitude and latitude in every position and check again", key="swap"
    ):
        raw = swapped_bounded(raw, upload.name)
        report = validate_bounded(
            raw, KINDS[kind], name=upload.name, defaults=defaults, mapping=mapping, repair=repair
        )
    reference = session.record_rejection(upload.name, raw, report) if not report.ok else None
    report_ui(report, reference)
    if not as_of:
        st.error(
            "No usable date in the file name (none, two different ones, or an implausible one); choose "
            "the snapshot date above."
        )
    elif report.ok:
        # A preset knows its source's terms; they become the layer's credit if it has none.
        credit = next((PRESET_CREDITS.get(key) for key, known in PRESETS.items() if known is mapping), None)
        _preview_and_commit_ui(session, layer, kind, as_of, raw, upload.name, report, credit)


def change_styler(table: pd.DataFrame) -> Styler:
    """The preview's table as the reader's read: km² with thousands separators and one
    decimal, changes signed (+/−) and coloured (a gain blue, a loss red)."""

    def colour(value: float) -> str:
        if value > 0.05:
            return f"color: {style.SIDE_COLOURS['UA']}"
        return f"color: {style.SIDE_COLOURS['RU']}" if value < -0.05 else ""

    def signed(value: float) -> str:
        return f"{'+' if value > 0.05 else '−' if value < -0.05 else '±'}{abs(value):,.1f}"

    return (
        table.style.format("{:,.1f}", subset=["before km²", "after km²"])
        .format(signed, subset=["change km²"])
        .map(colour, subset=["change km²"])
    )


def _preview_and_commit_ui(
    session: EditSession,
    layer: str,
    kind: str,
    as_of: dt.date,
    raw: bytes,
    file_name: str,
    report: Report,
    credit: Credit | None,
) -> None:
    digest = sha256(raw)
    new = report.features
    preview = session.preview(layer, as_of, new, digest, kind)
    previous = preview.previous
    against = (
        f"the snapshot of {previous.as_of}"
        if previous is not None
        else "nothing (first snapshot of this layer)"
    )
    st.markdown(f"**Preview** — against {against}")
    if preview.areas is not None and preview.diff is not None:
        table_column, map_column = st.columns([1, 1])
        with table_column:
            before = previous.features if previous is not None else None
            named = source_categories(before, new)
            st.dataframe(
                change_styler(change_mod.readable_change(preview.areas, named)),
                hide_index=True,
                width="stretch",
            )
            st.caption("Largest changes first; gains in blue, losses in red. Geodesic km², full detail.")
            if named:
                _category_change_ui(before, new)
        shown = snapshots.Snapshot(layer, as_of, as_of, 0, new)
        with map_column:
            st_folium(
                mapview.base_map(static_url()),
                key="preview",
                feature_group_to_add=[
                    mapview.territory_group([mapview.territory_geojson(shown)]),
                    mapview.change_group(
                        previous.features if previous is not None else None,
                        preview.diff,
                        previous.as_of if previous is not None else None,
                    ),
                ],
                returned_objects=[],
                use_container_width=True,
                height=480,
            )
    else:
        st.dataframe(new.drop(columns=new.geometry.name), hide_index=True, width="stretch")
    confirmed = True
    if kind == "territory":
        latest = session.latest_date(layer)
        check = guard.check_change(
            previous.features if previous is not None else None,
            previous.as_of if previous is not None else None,
            new,
            as_of,
            latest,
        )
        if check.needs_confirmation:
            lines = check.explanation(against).split("\n")
            st.warning("  \n".join(escape_markdown(line) for line in lines), icon="⚠️")
            confirmed = st.checkbox(
                f"I have checked this change and want to commit it into {escape_markdown(layer)}",
                key=f"confirm_{digest}",
            )
        elif check.notes:
            st.info(escape_markdown("Note: " + "; ".join(check.notes) + "."))
    if st.button("Commit this snapshot", type="primary", key="commit", disabled=not confirmed):
        with user_errors():
            snapshot = NewSnapshot(
                layer, as_of, new, digest, kind=kind, file_name=file_name[:300], credit=credit
            )
            committed = session.commit(snapshot)
            if committed.written:
                st.success(
                    f"Committed as version {committed.version}. "
                    "Readers see it within a few seconds, at their next step or reload."
                )
            else:
                st.info(f"Identical to version {committed.version}, the current one: nothing was written.")


def source_categories(before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame) -> dict[tuple[str, str], str]:
    """What the source calls each side and status's ground (``categories.group_label``), from
    the upload, else the snapshot it follows; empty when neither has categories."""
    found: dict[tuple[str, str], list[str]] = {}
    for features in (before, after):
        if features is not None:
            found.update(categories.layer_categories(features))
    return {key: label for key, codes in found.items() if (label := categories.group_label(codes))}


def _category_change_ui(before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame) -> None:
    """km² per DeepStateMap category inside Ukraine, before and after: how the source states its figures."""

    def inside_ukraine(features: gpd.GeoDataFrame | None) -> pd.Series:
        if features is None:
            return pd.Series(dtype=float)
        summed = categoryareas.by_category(categoryareas.category_areas(features))
        summed = summed[summed["within"] == "UKR"]
        return pd.Series(summed["area_km2"].to_numpy(), index=summed["category"].to_numpy(), dtype=float)

    old, new = inside_ukraine(before), inside_ukraine(after)
    codes = sorted(set(old.index) | set(new.index), key=categories.CATEGORY_ORDER.__getitem__)
    table = pd.DataFrame(
        {
            "category (inside Ukraine)": [categories.CATEGORY_LABELS[code] for code in codes],
            "before km²": [float(old.get(code, 0.0)) for code in codes],
            "after km²": [float(new.get(code, 0.0)) for code in codes],
        }
    )
    table["change km²"] = table["after km²"] - table["before km²"]
    st.dataframe(change_styler(table), hide_index=True, width="stretch")
    st.caption(
        "By the source's own categories, as DeepStateMap states its figures: 'liberated' is ground "
        "retaken since 24 Feb 2022, not all the ground Ukraine holds."
    )


def _history_ui(session: EditSession, layer: str) -> None:
    with st.expander(f"History of {escape_markdown(layer)}"):
        history = session.history(layer)
        st.dataframe(history, hide_index=True, width="stretch")
        if len(history):
            choice = st.selectbox("Version to restore", history["version_id"], key="revert_version")
            if st.button("Revert to this version", key="revert"):
                with user_errors():
                    new_version = session.revert(layer, int(choice))
                    st.success(
                        f"Restored version {choice} as new version {new_version}; nothing was deleted."
                    )


def _add_figure_ui(session: EditSession, data: Data) -> None:
    """A reported figure typed in by an editor, checked like a CSV row, then stored; every
    figure against the map below it."""
    territory = data.layer_names("territory")
    with st.expander("Add a reported figure"), st.form("add_figure", clear_on_submit=False, border=False):
        first = st.columns(4)
        date = first[0].date_input("Date the figure refers to", value=None, key="figure_date")
        value = first[1].text_input("Reported km²", key="figure_value")
        kind = first[2].selectbox("Kind", list(schema.FIGURE_KINDS), key="figure_kind")
        measure = first[3].selectbox(
            "Measure",
            list(schema.MEASURES),
            key="figure_measure",
            help="\n".join(f"{k}: {v}" for k, v in schema.MEASURES.items()),
        )
        scope = st.text_input(
            "What it measures, in words",
            key="figure_scope",
            max_chars=300,
            placeholder="Ukrainian-held area in Kursk region (Russia)",
        )
        second = st.columns(4)
        layer = second[0].selectbox("Compare with layer", ["", *territory], key="figure_layer")
        held_by = second[1].selectbox("Side", ["", *schema.SIDES], key="figure_held_by")
        status = second[2].selectbox("Status", ["", *schema.STATUSES], key="figure_status")
        within = second[3].selectbox(
            "Within", list(style.BORDER_LABELS), format_func=style.BORDER_LABELS.get, key="figure_within"
        )
        source = st.text_input("Source (who published it)", key="figure_source", max_chars=300)
        note = st.text_input("Quote or context", key="figure_note", max_chars=500)
        if st.form_submit_button("Add figure"):
            row = {
                "date": date.isoformat() if date else "",
                "scope": scope,
                "layer": layer,
                "held_by": held_by,
                "status": status,
                "within": within,
                "measure": measure,
                "value_km2": value,
                "kind": kind,
                "source": source,
                "note": note,
            }
            with user_errors():
                added = session.add_figure(row)
                # Rerun so that the comparison below, cached by store revision, includes it.
                st.session_state["figure_flash"] = (
                    "Figure added; see it against the map below, "
                    "and in the map's tab *Reported figures vs map*."
                    if added
                    else "That exact figure is already stored: nothing was added."
                )
                st.rerun()
        if "figure_flash" in st.session_state:
            st.success(st.session_state.pop("figure_flash"))
    st.markdown("**Reported figures against the map**")
    st.dataframe(figure_table(data.comparison()), hide_index=True, width="stretch")
    st.caption("How each is compared, and the comparison as CSV: the map's tab *Reported figures vs map*.")
