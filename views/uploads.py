"""The editor's upload widgets: how the file's own properties map to the data contract, and
the validation report (the layer to write to is :mod:`views.layerchoice`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from layers import exports, schema
from layers.checking import outline_bounded
from layers.presets import PRESETS, PropertyMapping
from layers.validation import Report

from .widgets import user_errors

__all__ = ["KINDS", "NO_PRESET", "mapping_ui", "report_ui"]

#: The record kind of each kind of layer.
KINDS = {"territory": schema.TERRITORY, "events": schema.EVENT}
NO_PRESET = "(none: the file uses this app's property names)"
CUSTOM_MAPPING = "map the file's own properties…"


def mapping_ui(kind: str, raw: bytes, file_name: str) -> tuple[PropertyMapping | None, dict[str, str | None]]:
    """A preset or the editor's own mapping, and the values to fill in for features that
    lack a field (a feature's own value wins)."""
    columns = st.columns(4)
    # Read in a bounded child, like the validation that follows (layers.checking).
    suggested, values = outline_bounded(raw, file_name)
    choices = [NO_PRESET, *PRESETS, CUSTOM_MAPPING] if kind == "territory" else [NO_PRESET]
    preset = columns[0].selectbox(
        "Property mapping",
        choices,
        index=choices.index(suggested) if suggested in choices else 0,
        key="preset",
        help="How the file's own properties become side, status and source.",
    )
    mapping = PRESETS.get(preset)
    if preset == CUSTOM_MAPPING:
        mapping = _custom_mapping_ui(values)
    defaults: dict[str, str | None] = {}
    if kind == "territory":
        defaults["held_by"] = (
            columns[1].selectbox("Side, where missing", ["", *schema.SIDES], key="default_held_by") or None
        )
        defaults["status"] = (
            columns[2].selectbox("Status, where missing", ["", *schema.STATUSES], key="default_status")
            or None
        )
    defaults["source"] = columns[3].text_input("Source, where missing", key="default_source").strip() or None
    return mapping, defaults


def _custom_mapping_ui(values: dict[str, list[str]]) -> PropertyMapping | None:
    """Choose the property that gives the side and the status, and map each of its values."""
    if not values:
        st.info("The file's features have no properties to map; fill side, status and source below.")
        return None
    properties = ["(none)", *values]
    columns = st.columns(3)
    held_by_property, held_by_values = _value_map_ui(
        columns[0], "Side", values, properties, list(schema.SIDES), "map_held_by"
    )
    status_property, status_values = _value_map_ui(
        columns[1], "Status", values, properties, list(schema.STATUSES), "map_status"
    )
    source_property = columns[2].selectbox("Source comes from property", properties, key="map_source")
    with user_errors():
        return PropertyMapping(
            name="your mapping",
            held_by_property=held_by_property,
            held_by_values=held_by_values,
            status_property=status_property,
            status_values=status_values,
            source_property=None if source_property == "(none)" else source_property,
        )
    return None


def _value_map_ui(
    column: Any, label: str, values: dict[str, list[str]], properties: list[str], allowed: list[str], key: str
) -> tuple[str | None, dict[str, str]]:
    chosen = column.selectbox(f"{label} comes from property", properties, key=f"{key}_property")
    if chosen == "(none)":
        return None, {}
    table = pd.DataFrame({"value in the file": values[chosen], label.lower(): [""] * len(values[chosen])})
    edited = column.data_editor(
        table,
        hide_index=True,
        disabled=["value in the file"],
        key=f"{key}_values",
        column_config={label.lower(): st.column_config.SelectboxColumn(options=["", *allowed])},
    )
    pairs = zip(edited["value in the file"], edited[label.lower()], strict=True)
    return chosen, {value: target for value, target in pairs if target}


def report_ui(report: Report, reference: str | None) -> None:
    """The validation report: valid or how many problems, and every problem with its fix."""
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        st.error(
            f"{errors} problem(s) to fix before this file can be committed; nothing has been written "
            f"(reference {reference})."
        )
    else:
        notes = f", {warnings} note(s)" if warnings else ""
        st.success(f"Valid: {len(report.features)} feature(s){notes}.")
    if report.problems:
        table = pd.DataFrame(
            [(p.severity, p.where, p.field, p.message) for p in report.problems],
            columns=["severity", "where", "field", "what to do"],
        )
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button(
            "Download the full report (CSV)",
            exports.csv_text(table).encode("utf-8"),
            file_name="validation-report.csv",
            mime="text/csv",
            key="report_csv",
        )
