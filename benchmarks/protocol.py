"""What the load test reads of Streamlit's protocol: how a script run ends, what one run
sent, the widget state the frontend keeps for each widget it drew, and what it sends when
a custom component (components v2) sets a trigger value."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FINISHED_EARLY_FOR_RERUN",
    "FINISHED_FRAGMENT_RUN_SUCCESSFULLY",
    "FINISHED_SUCCESSFULLY",
    "FINISHED_WITH_COMPILE_ERROR",
    "STATUS_NAMES",
    "Run",
    "component_data",
    "component_state",
    "trigger_id",
    "trigger_state",
    "widget_state",
]

# ScriptFinishedStatus values (ForwardMsg.proto).
(
    FINISHED_SUCCESSFULLY,
    FINISHED_WITH_COMPILE_ERROR,
    FINISHED_EARLY_FOR_RERUN,
    FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
) = 0, 1, 2, 3
STATUS_NAMES = {0: "success", 1: "compile error", 2: "early for rerun", 3: "fragment success"}


@dataclass
class Run:
    """What the server sent for one script run (from our rerun request to script_finished)."""

    status: int | None = None
    finished_at: float | None = None
    map_at: float | None = None  # when the map component's element arrived
    first_at: float | None = None
    map_args: str | None = None  # the map component's data, as sent (JSON)
    texts: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    widget_ids: set[str] = field(default_factory=set)
    fragment_ids: set[str] = field(default_factory=set)
    bytes: int = 0
    messages: int = 0


def widget_state(element, kind: str):
    """The ``WidgetState`` the frontend holds for a widget element as drawn (its value or its
    default), or None for widgets that hold no value between runs (buttons, components)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=element.id)
    if kind == "slider":
        from streamlit.proto.Slider_pb2 import Slider

        if element.type == Slider.Type.SELECT_SLIDER:
            values = (
                list(element.raw_value)
                if element.set_value and element.raw_value
                else [element.options[int(i)] for i in element.default]
            )
            state.string_array_value.data[:] = values
        else:
            state.double_array_value.data[:] = (
                list(element.value) if element.set_value else list(element.default)
            )
    elif kind in ("selectbox", "radio"):
        if element.set_value and element.HasField("raw_value"):
            state.string_value = element.raw_value
        elif element.HasField("default") and 0 <= element.default < len(element.options):
            state.string_value = element.options[element.default]
        else:
            return None
    elif kind == "multiselect":
        state.string_array_value.data[:] = (
            list(element.raw_values) if element.set_value else [element.options[i] for i in element.default]
        )
    elif kind == "button_group":
        state.string_array_value.data[:] = (
            list(element.raw_values)
            if element.set_value
            else [element.options[i].content for i in element.default]
        )
    elif kind == "checkbox":
        state.bool_value = element.value if element.set_value else element.default
    else:
        return None
    return state


def trigger_id(component_id: str) -> str:
    """The widget id under which the frontend sends a components-v2 element's trigger
    values: one "aggregator" per element, ``$$STREAMLIT_INTERNAL_KEY_<element id>__events``
    (the frontend's ``BidiComponent`` bundle; ``_make_trigger_id`` in
    ``streamlit/components/v2/bidi_component/main.py``)."""
    return f"$$STREAMLIT_INTERNAL_KEY_{component_id}__events"


def trigger_state(component_id: str, event: str, value: Any):
    """The ``WidgetState`` the frontend sends once when the component calls
    ``setTriggerValue(event, value)``: a JSON list of ``{event, value}`` payloads (one per
    trigger set before the flush) as ``json_trigger_value``. The frontend drops it after
    that rerun request; it is never sent again."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=trigger_id(component_id))
    state.json_trigger_value = json.dumps([{"event": event, "value": value}], separators=(",", ":"))
    return state


def component_state(component_id: str, values: dict[str, Any]):
    """The ``WidgetState`` the frontend holds for a components-v2 element once the
    component has called ``setStateValue``: every state value set so far, as one JSON
    object (``json_value``) under the element's id. Unlike a trigger it is kept, and sent
    with every later rerun request."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=component_id)
    state.json_value = json.dumps(values, separators=(",", ":"))
    return state


def component_data(element) -> str | None:
    """A components-v2 element's (``BidiComponent``) data as the JSON it was sent in, or
    None if it was sent as bytes or Arrow only."""
    kind = element.WhichOneof("data")
    if kind == "json":
        return element.json
    if kind == "mixed":
        return element.mixed.json
    return None
