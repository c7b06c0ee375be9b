"""Making untrusted strings safe where they are shown: HTML, JS template literals, Markdown."""

from __future__ import annotations

import html
import re

__all__ = ["escape_html", "escape_markdown"]

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
