"""A layer's credit carried to the map (JSON), a page (escaped HTML) and a CSV (a column)."""

from __future__ import annotations

import pandas as pd

from layers.attribution import credit_column, credit_records, credits_html, layer_credits
from layers.credits import DEEPSTATE, FIRMS, LICENCES, Credit
from layers.store import LayerInfo

NC_LINE = "Occupied Ukraine: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only"


def test_records_carry_the_line_the_fields_and_a_known_licences_address():
    (record, bare) = credit_records([("Occupied Ukraine", DEEPSTATE), ("Drawn", None)])
    assert record == {
        "layer": "Occupied Ukraine",
        "line": NC_LINE,
        "source": "DeepStateMap",
        "licence": "CC BY-NC-SA 4.0",
        "licence_url": LICENCES["CC BY-NC-SA 4.0"],
        "attribution": "DeepStateMap",
        "non_commercial": True,
    }
    assert bare["line"] == "Drawn: source not stated · licence not stated" and bare["licence_url"] == ""


def test_layer_credits_follow_the_names_asked_for_once_each():
    infos = [
        LayerInfo("A", "territory", "", 1, None, None, FIRMS),
        LayerInfo("B", "events", "", 0, None, None),
    ]
    assert layer_credits(infos, ["B", "A", "B", "Gone"]) == [
        ("B", Credit()),
        ("A", FIRMS),
        ("Gone", Credit()),
    ]


def test_html_escapes_every_string_and_links_only_a_known_licence():
    page = credits_html(
        [
            ("Occupied Ukraine", DEEPSTATE),
            ("<script>", Credit("<img src=x onerror=window.__xss=1>", "CC BY 4.0 <i>", "")),
        ]
    )
    assert page.startswith('<ul class="frontline-licences"') and page.count("<li>") == 2
    assert (
        'DeepStateMap · <a rel="license" href="https://creativecommons.org/licenses/by-nc-sa/4.0/">'
        "CC BY-NC-SA 4.0</a>, non-commercial use only" in page
    )
    assert "<script>" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;: data &lt;img src=x onerror=window.__xss=1&gt; · CC BY 4.0 &lt;i&gt;" in page
    assert page.count("<a ") == 1, "an unknown licence is not linked"
    assert credits_html([]) == ""


def test_the_csv_column_gives_each_rows_layer_its_line():
    layers = pd.Series(["Occupied Ukraine", "Drawn", "Occupied Ukraine"])
    column = credit_column(layers, {"Occupied Ukraine": DEEPSTATE})
    assert list(column) == [NC_LINE, "Drawn: source not stated · licence not stated", NC_LINE]
