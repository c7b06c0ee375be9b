"""What the load test reads of Streamlit's protocol: how a script run ends, what one run
sent, and the widget state the frontend keeps for each widget it drew."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "FINISHED_EARLY_FOR_RERUN",
    "FINISHED_FRAGMENT_RUN_SUCCESSFULLY",
    "FINISHED_SUCCESSFULLY",
    "FINISHED_WITH_COMPILE_ERROR",
    "STATUS_NAMES",
    "Run",
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
    map_at: float | None = None
    first_at: float | None = None
    map_args: str | None = None
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
