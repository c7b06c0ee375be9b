"""Who may write: the editor role, checked on the server before every write.

Two ways to be an editor, chosen by the app's secrets (``.streamlit/secrets.toml``):

* **OIDC** (``st.login``), when an ``[auth]`` section is configured: a signed-in user
  whose e-mail is listed in ``[editors] emails = [...]`` is an editor.
* **Editor password**, otherwise: ``[editors] password_hash = "scrypt$..."``, made with
  ``python -m layers.auth``. Only the hash is stored; the check is constant-time.

With neither configured, nobody can write: the app is read-only. Readers never see a
write control, and every write path calls :func:`require_editor` again, so a replayed
or crafted rerun without the role is refused, not merely hidden.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import NotAuthorisedError

__all__ = [
    "Editor",
    "check_password",
    "editor_from_oidc",
    "editor_from_password",
    "editor_settings",
    "hash_password",
    "main",
    "oidc_configured",
    "require_editor",
]

#: scrypt cost: slow enough that guessing is slow, cheap enough for one check per sign-in
#: (benchmarks/README.md).
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Editor:
    """A person allowed to write, as recorded in the audit log."""

    name: str
    method: str  # "oidc" or "password"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A storable scrypt hash of an editor password: ``scrypt$n$r$p$salt$hash``."""
    if not password:
        raise ValueError("the editor password must not be empty")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    encode = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${encode(salt)}${encode(digest)}"


def check_password(password: str, stored: str) -> bool:
    """True if ``password`` matches a hash made by :func:`hash_password`; never raises on bad input."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            dklen=len(expected),
            n=int(n),
            r=int(r),
            p=int(p),
        )
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(actual, expected)


def editor_settings(secrets: Mapping) -> Mapping:
    """The ``[editors]`` section of the app's secrets, or an empty mapping."""
    try:
        return secrets.get("editors", {}) or {}
    except (AttributeError, FileNotFoundError):
        return {}


def oidc_configured(secrets: Mapping) -> bool:
    try:
        return bool(secrets.get("auth"))
    except (AttributeError, FileNotFoundError):
        return False


def editor_from_oidc(user: Mapping, secrets: Mapping) -> Editor | None:
    """The editor for a signed-in OIDC user whose e-mail is on the allowlist, else None."""
    if not user or not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or "").strip().lower()
    allowed = {str(e).strip().lower() for e in editor_settings(secrets).get("emails", [])}
    return Editor(email, "oidc") if email and email in allowed else None


def editor_from_password(name: str, password: str, secrets: Mapping) -> Editor | None:
    """The editor for a correct editor password (``name`` is recorded in the audit), else None."""
    stored = editor_settings(secrets).get("password_hash")
    if not stored or not name.strip() or not check_password(password, stored):
        return None
    return Editor(name.strip()[:100], "password")


def require_editor(editor: Editor | None) -> Editor:
    """Raise unless there is a signed-in editor; call before every write.

    Raises
    ------
    NotAuthorisedError
    """
    if editor is None:
        raise NotAuthorisedError(
            "Only signed-in editors can write. Sign in as an editor (sidebar) and try again."
        )
    return editor


def main() -> None:
    """Print the hash to put in ``.streamlit/secrets.toml`` as ``[editors] password_hash``."""
    password = getpass.getpass("Editor password: ")
    if password != getpass.getpass("Again: "):
        sys.exit("The two passwords differ.")
    print(f'[editors]\npassword_hash = "{hash_password(password)}"')


if __name__ == "__main__":
    main()
