"""A layer's credit where its data goes: JSON for the map and the published site, HTML for a
page, a CSV column for a table.

:mod:`layers.credits` says what a credit is and the one line that prints it
(:func:`~layers.credits.credit_line`); this module carries that line, unchanged, to each
place the data leaves by:

- the reader's map and the published site's manifest get :func:`credit_records`: per
  layer, the line, the three fields, the licence's address (only for a licence known in
  :data:`~layers.credits.LICENCES`) and the non-commercial flag. ``static/js/frontline/credits.js``
  writes them into the map's attribution as text;
- a page written on the server gets :func:`credits_html`: every string HTML-escaped, the
  licence a link only when its address is a known licence's;
- a CSV gets a ``credit`` column (:func:`credit_column`): the credit line of the row's
  layer, on every row. Decided so, rather than ``#`` comment lines above the header (which
  spreadsheets show as data and ``pandas.read_csv`` or R's ``read.csv`` read as a broken
  first row) or a file beside it (which is lost when the CSV is forwarded): a row copied
  into another table keeps its terms, and a newsroom filters or drops the column as it
  likes. The line ends "non-commercial use only" when the licence says so.

A credit is typed by an editor: untrusted text. Nothing here makes markup of it but
:func:`credits_html`, which escapes it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from .credits import Credit, credit_line, licence_url

if TYPE_CHECKING:
    from .store import LayerInfo

__all__ = ["credit_column", "credit_records", "credits_html", "layer_credits"]


def layer_credits(infos: Iterable[LayerInfo], names: Sequence[str]) -> list[tuple[str, Credit]]:
    """``(layer, credit)`` for each of ``names`` in order, once each; an empty credit for a
    layer without one (or unknown)."""
    known = {info.name: info.credit for info in infos}
    return [(name, known.get(name, Credit())) for name in dict.fromkeys(names)]


def credit_records(credits: Iterable[tuple[str, Credit | None]]) -> list[dict[str, object]]:
    """Per layer, for JSON: ``layer``, ``line`` (:func:`~layers.credits.credit_line`) and
    :meth:`Credit.as_dict <layers.credits.Credit.as_dict>` (``licence_url`` empty unless known)."""
    records = []
    for layer, credit in dict(credits).items():
        credit = credit or Credit()
        records.append({"layer": layer, "line": credit_line(layer, credit), **credit.as_dict()})
    return records


def credits_html(credits: Iterable[tuple[str, Credit | None]]) -> str:
    """One ``<li>`` per layer's credit line, escaped, inside ``<ul class="frontline-licences">``;
    a known licence's name links to its terms (``rel="license"``). Empty for no layer."""
    items = []
    for layer, credit in dict(credits).items():
        credit = credit or Credit()
        line = html.escape(credit_line(layer, credit), quote=True)
        url = licence_url(credit.licence)
        if url and credit.licence:
            name = html.escape(credit.licence, quote=True)
            link = f'<a rel="license" href="{html.escape(url, quote=True)}">{name}</a>'
            # The licence's name as the line prints it (after "· "), replaced once by its link.
            line = line.replace(f"· {name}", f"· {link}", 1)
        items.append(f"<li>{line}</li>")
    if not items:
        return ""
    return '<ul class="frontline-licences" aria-label="Data credits and licences">' + "".join(items) + "</ul>"


def credit_column(layers: pd.Series, credits: Mapping[str, Credit]) -> pd.Series:
    """The ``credit`` column of a CSV: each row's layer's credit line ("licence not stated"
    for a layer without a credit)."""
    lines = {name: credit_line(str(name), credits.get(str(name))) for name in layers.unique()}
    return layers.map(lines).astype(object)
