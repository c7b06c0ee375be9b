"""The editor's choice of layer: deliberate, never a silent default.

The *Layer* box starts empty ("Choose a layer…"), so an upload cannot slip into whatever
layer happens to be listed first; until one is chosen the page says so and checks
nothing. The chosen layer's credit (source, licence, attribution) is shown under it and
can be changed. *New layer…* opens a form that asks for everything a layer needs before
its first snapshot: name, kind, description, source, licence and attribution; the layer
is created (empty, audited) when the form is submitted, and then chosen.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from layers import schema
from layers.credits import LICENCES, Credit, credit_line
from layers.editing import EditSession
from layers.store import LayerInfo
from layers.text import escape_markdown

from .widgets import user_errors

__all__ = ["NEW_LAYER", "OTHER_LICENCE", "layer_choice_ui"]

NEW_LAYER = "New layer…"
OTHER_LICENCE = "Other (type it below)"
#: Session key of a layer just created, chosen in the box on the next run (a widget's
#: value cannot be set after it is drawn in a run).
_CHOOSE_NEXT = "edit_layer_next"
_NAME_MAX_CHARS = next(f.max_chars for f in schema.LAYER_FIELDS if f.name == "name")


def layer_choice_ui(session: EditSession, infos: Sequence[LayerInfo]) -> tuple[str | None, str]:
    """The layer an upload goes into, and its kind; ``(None, "")`` until the editor chooses."""
    names = [info.name for info in infos]
    chosen_next = st.session_state.pop(_CHOOSE_NEXT, None)
    if chosen_next in names:
        st.session_state["edit_layer"] = chosen_next
    choice = st.selectbox(
        "Layer",
        [*names, NEW_LAYER],
        index=None,
        placeholder="Choose a layer…",
        key="edit_layer",
        help="The layer this upload goes into. Nothing is chosen for you: a file in the wrong layer "
        "would change its areas and history.",
    )
    if choice is None:
        st.info("Choose the layer this file goes into, or *New layer…* to create one, before uploading.")
        return None, ""
    if choice == NEW_LAYER:
        _new_layer_form(session, names)
        return None, ""
    info = next(info for info in infos if info.name == choice)
    _credit_ui(session, info)
    return choice, info.kind


def _credit_ui(session: EditSession, info: LayerInfo) -> None:
    credit = info.credit
    line = credit_line(info.name, credit)
    if credit.licence:
        st.caption(f"{escape_markdown(info.kind.capitalize())} layer. Credit: {escape_markdown(line)}")
    else:
        st.warning(
            f"{escape_markdown(info.name)} has no licence recorded, so its map, slides and exports say "
            "'licence not stated'. State its source, licence and attribution below."
        )
    with st.expander("Source, licence and attribution of this layer", expanded=not credit.licence):
        edited = _credit_fields(credit, key=f"credit:{info.name}")
        if st.button("Save credit", key=f"credit:{info.name}:save", disabled=edited == credit):
            with user_errors():
                session.set_credit(info.name, edited)
                st.success(f"Saved: {escape_markdown(credit_line(info.name, edited))}")


def _new_layer_form(session: EditSession, names: Sequence[str]) -> None:
    st.markdown("**New layer**: state what it is and on what terms its data may be reused.")
    name = st.text_input(
        "Name",
        max_chars=_NAME_MAX_CHARS,
        key="new_layer_name",
        help="As the sidebar, the key and every export will show it.",
    )
    kind = st.radio(
        "Kind",
        list(schema.LAYER_KINDS),
        horizontal=True,
        key="new_layer_kind",
        captions=list(schema.LAYER_KINDS.values()),
    )
    description = st.text_area(
        "Description", key="new_layer_description", help="What the layer shows and where its data comes from."
    )
    credit = _credit_fields(Credit(), key="new_layer")
    if not st.button("Create layer", key="new_layer_create", type="primary"):
        return
    problems = []
    if not name.strip():
        problems.append("Give the layer a name.")
    elif name.strip() in names:
        problems.append(
            f"A layer named {escape_markdown(name.strip())} exists already; choose it above instead."
        )
    if not credit.source:
        problems.append("Give the source: who made the data.")
    if not credit.licence:
        problems.append("Give the licence: the terms on which the data may be reused.")
    if problems:
        st.error(" ".join(problems) + " Nothing was created.")
        return
    with user_errors():
        session.create_layer(name, kind, description, credit)
        st.session_state[_CHOOSE_NEXT] = name.strip()
        st.rerun()


def _credit_fields(credit: Credit, *, key: str) -> Credit:
    """Source, licence (a known one or typed) and attribution, starting from ``credit``."""
    columns = st.columns(3)
    source = columns[0].text_input(
        "Source", value=credit.source, key=f"{key}:source", help="Who made the data, e.g. DeepStateMap."
    )
    choices = [*LICENCES, OTHER_LICENCE]
    known = credit.licence in LICENCES
    picked = columns[1].selectbox(
        "Licence",
        choices,
        index=choices.index(credit.licence) if known else (None if not credit.licence else len(LICENCES)),
        placeholder="Choose the licence…",
        key=f"{key}:licence",
        help="A non-commercial licence (NC) is stated on the map, slides and every export.",
    )
    typed = ""
    if picked == OTHER_LICENCE:
        typed = columns[1].text_input(
            "Licence, as the source states it",
            value="" if known else credit.licence,
            key=f"{key}:licence_text",
        )
    attribution = columns[2].text_input(
        "Attribution",
        value=credit.attribution,
        key=f"{key}:attribution",
        help="The credit the source asks for; the source's name if left empty.",
    )
    licence = typed.strip() if picked == OTHER_LICENCE else (picked or "")
    return Credit(source.strip(), licence, attribution.strip() or source.strip())
