"""The editor role: password hashes, OIDC allowlist, and the check before every write."""

from __future__ import annotations

import pytest

from layers import auth
from layers.errors import NotAuthorisedError


def test_password_hash_round_trip_and_salting():
    stored = auth.hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert auth.check_password("correct horse", stored)
    assert not auth.check_password("correct hors", stored)
    assert auth.hash_password("correct horse") != stored, "each hash has its own salt"


@pytest.mark.parametrize("stored", ["", "plain", "md5$x$y", "scrypt$1$2$3$!!$!!", None])
def test_malformed_hashes_never_match(stored):
    assert not auth.check_password("anything", stored)


def test_editor_from_password_needs_name_and_right_password():
    secrets = {"editors": {"password_hash": auth.hash_password("s3cret")}}
    assert auth.editor_from_password("alice", "s3cret", secrets) == auth.Editor("alice", "password")
    assert auth.editor_from_password("alice", "wrong", secrets) is None
    assert auth.editor_from_password("  ", "s3cret", secrets) is None
    assert auth.editor_from_password("alice", "s3cret", {}) is None, "no hash configured: nobody writes"


def test_oidc_editor_must_be_on_the_allowlist():
    secrets = {"auth": {"client_id": "x"}, "editors": {"emails": ["Editor@Example.org"]}}
    assert auth.oidc_configured(secrets)
    assert (
        auth.editor_from_oidc({"is_logged_in": True, "email": "editor@example.org"}, secrets).name
        == "editor@example.org"
    )
    assert auth.editor_from_oidc({"is_logged_in": True, "email": "reader@example.org"}, secrets) is None
    assert auth.editor_from_oidc({"is_logged_in": False, "email": "editor@example.org"}, secrets) is None


def test_require_editor_refuses_anonymous():
    with pytest.raises(NotAuthorisedError, match="Only signed-in editors can write"):
        auth.require_editor(None)
    assert auth.require_editor(auth.Editor("a", "password")).name == "a"
