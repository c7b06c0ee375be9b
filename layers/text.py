"""Making untrusted strings safe where they are shown: HTML, JS template literals, Markdown."""

from __future__ import annotations

import html
import re

__all__ = ["UNSTORABLE", "escape_html", "escape_markdown", "printable"]

#: NUL and the lone halves of UTF-16 surrogate pairs: neither database can store them
#: (PostgreSQL refuses NUL in text; neither encodes a lone surrogate as UTF-8). Both the
#: upload validator and the store's last check look for them with this.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def escape_html(value: object) -> str:
    """Text made safe for HTML and for folium's JavaScript template literals.

    Besides ``html.escape``, backtick, ``$`` and backslash become entities: folium puts
    some strings inside `` `...` `` template literals, where ``${...}`` would run at
    page load (field notes §2.4).
    """
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def escape_markdown(value: object) -> str:
    """Text shown literally by ``st.markdown``/``st.caption``: no link, image or HTML.

    A layer name like ``![x](https://attacker/beacon.png)`` would otherwise make every
    reader's browser fetch the attacker's URL.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if value is None else str(value)).replace("\n", " ")


def printable(text: object, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, with NUL and lone surrogates written as escapes,
    so that a message naming it can always be printed and stored."""
    cut = str(text)[:limit]
    return cut.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
