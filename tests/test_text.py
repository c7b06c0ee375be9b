"""Escaping untrusted strings for HTML, template literals and Markdown."""

from layers.text import escape_html, escape_markdown


def test_html_payloads_become_text():
    assert escape_html("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape_html("\"quoted\" & 'single'") == "&quot;quoted&quot; &amp; &#x27;single&#x27;"


def test_template_literal_payloads_are_neutralised():
    escaped = escape_html("`+alert(7)+` ${alert(3)} \\u0060")
    assert "`" not in escaped and "${" not in escaped and "\\" not in escaped


def test_markdown_links_and_images_are_not_rendered():
    escaped = escape_markdown("![x](https://attacker/beacon.png) [click](javascript:alert(1))")
    assert "](" not in escaped.replace("\\]\\(", "")
    assert escaped.startswith("\\!\\[x\\]\\(")


def test_none_is_empty():
    assert escape_html(None) == "" and escape_markdown(None) == ""
