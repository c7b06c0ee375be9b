"""Editor sign-in in the sidebar, and who is signed in, re-derived on every run.

The rules (OIDC allowlist or the editor password) are in ``layers.auth``; this module
only reads Streamlit's secrets, user and session state. Readers never see a write
control, and every write checks the role again on the server (``layers.editing``).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from layers import auth
from layers.text import escape_markdown

__all__ = ["current_editor", "just_signed_in", "sign_in_ui"]

#: Set for one run after a successful sign-in, so that the app opens the editor page.
_JUST_SIGNED_IN = "_just_signed_in"


def _secrets() -> dict[str, Any]:
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, AttributeError):
        return {}


def current_editor() -> auth.Editor | None:
    """The signed-in editor, re-derived on every run from server-side state only."""
    secrets = _secrets()
    if auth.oidc_configured(secrets):
        return auth.editor_from_oidc(st.user.to_dict(), secrets)
    # A session signed in with a password that has since been changed is signed out.
    if st.session_state.get("_editor_hash") != auth.editor_settings(secrets).get("password_hash"):
        st.session_state.pop("_editor", None)
    return st.session_state.get("_editor")


def just_signed_in() -> bool:
    """True once, on the run after an editor signed in with the password."""
    return bool(st.session_state.pop(_JUST_SIGNED_IN, False))


def sign_in_ui() -> None:
    """Editor sign-in in the sidebar: OIDC when configured, else the editor password."""
    secrets = _secrets()
    settings = auth.editor_settings(secrets)
    with st.sidebar:
        if auth.oidc_configured(secrets):
            if st.user.is_logged_in:
                reader = "" if current_editor() else " (reader)"
                st.caption(f"Signed in as {escape_markdown(st.user.get('email', ''))}{reader}")
                st.button("Sign out", on_click=st.logout)
            else:
                st.button("Editor sign-in", on_click=st.login)
        elif settings.get("password_hash"):
            editor = st.session_state.get("_editor")
            if editor:
                st.caption(f"Editor: {escape_markdown(editor.name)}")
                st.button("Sign out", on_click=lambda: st.session_state.pop("_editor", None))
            else:
                _password_form(secrets, settings)


def _password_form(secrets: dict[str, Any], settings: Any) -> None:
    with st.expander("Editor sign-in"), st.form("sign_in", border=False):
        name = st.text_input("Your name (recorded with each change)", key="editor_name")
        password = st.text_input("Editor password", type="password", key="editor_password")
        if st.form_submit_button("Sign in"):
            editor = auth.editor_from_password(name, password, secrets)
            if editor:
                st.session_state["_editor"] = editor
                st.session_state["_editor_hash"] = settings.get("password_hash")
                st.session_state[_JUST_SIGNED_IN] = True
                st.rerun()
            st.error("Wrong name or password.")
