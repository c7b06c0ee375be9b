"""Who a layer's data comes from and on what terms: its source, licence and attribution.

Every layer may carry a :class:`Credit`. It is shown wherever the layer's data leaves
the store: on the reader's map, on slides and time-lapses, on published pages and in
every export (GeoJSON ``metadata``, CSV comments). :func:`credit_line` is the one line
they all print, so the map and a slide say the same words.

Licences are free text (a data owner's terms are theirs to state), but the common
open-data licences are known by name (:data:`LICENCES`) with their address, and a
licence that forbids commercial reuse is recognised (:func:`is_non_commercial`) so that
an export states it: "non-commercial use only". Decided here, for want of anyone to ask:

- A layer written before credits existed, or created without them, has none; its
  exports say "licence not stated" rather than guess.
- The embedded layers are the project's own illustrative drawings, credited as such
  (``geodata/manifest.json``).
- DeepStateMap's reuse terms are reported as CC BY-NC-SA 4.0, attribution "DeepStateMap"
  (:data:`DEEPSTATE`); NASA FIRMS asks for acknowledgement only (:data:`FIRMS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "DEEPSTATE",
    "FIRMS",
    "LICENCES",
    "NOT_STATED",
    "PRESET_CREDITS",
    "Credit",
    "credit_line",
    "credits_text",
    "is_non_commercial",
    "licence_url",
]

#: Known licences by the name an editor picks -> the address of their terms.
LICENCES: Mapping[str, str] = MappingProxyType(
    {
        "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
        "CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
        "CC BY-NC 4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
        "CC BY-NC-SA 4.0": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        "CC0 1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
        "ODbL 1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
        "Public domain": "",
        "Free to use with acknowledgement": "",
        "Used with permission": "",
    }
)

#: What an export says of a layer whose licence nobody recorded.
NOT_STATED = "licence not stated"

#: Words that mark a licence as non-commercial: Creative Commons' NC element, or said outright.
_NON_COMMERCIAL = re.compile(r"(?:^|[\s\-_/(])NC(?:$|[\s\-_/)])|non[\s\-_]?commercial", re.IGNORECASE)


@dataclass(frozen=True)
class Credit:
    """A layer's source, licence and attribution; empty strings where not stated.

    Parameters
    ----------
    source : str
        Who made the data (e.g. ``"DeepStateMap"``, ``"NASA FIRMS"``).
    licence : str
        The terms of reuse, ideally a name from :data:`LICENCES`.
    attribution : str
        The credit the source asks for, printed as given (e.g. ``"© DeepStateMap"``).
    """

    source: str = ""
    licence: str = ""
    attribution: str = ""

    @property
    def is_empty(self) -> bool:
        """Nothing stated at all."""
        return not (self.source or self.licence or self.attribution)

    @property
    def non_commercial(self) -> bool:
        """Whether the licence forbids commercial reuse."""
        return is_non_commercial(self.licence)

    def as_dict(self) -> dict[str, object]:
        """For an export's ``metadata``: the three fields, the licence's address and the
        non-commercial flag."""
        return {
            "source": self.source,
            "licence": self.licence or NOT_STATED,
            "licence_url": licence_url(self.licence),
            "attribution": self.attribution,
            "non_commercial": self.non_commercial,
        }


#: DeepStateMap's reported reuse terms and the credit it asks for.
DEEPSTATE = Credit(source="DeepStateMap", licence="CC BY-NC-SA 4.0", attribution="DeepStateMap")

#: NASA's Fire Information for Resource Management System: free to use, acknowledged.
FIRMS = Credit(source="NASA FIRMS", licence="Free to use with acknowledgement", attribution="NASA FIRMS")


#: The credit an import with a preset records for a layer it creates (or that has none).
PRESET_CREDITS: Mapping[str, Credit] = MappingProxyType({"deepstate": DEEPSTATE, "firms": FIRMS})


def is_non_commercial(licence: str) -> bool:
    """Whether ``licence`` forbids commercial reuse (``CC BY-NC-SA 4.0``, "non-commercial only", ...)."""
    return bool(_NON_COMMERCIAL.search(licence or ""))


def licence_url(licence: str) -> str:
    """The address of a known licence's terms, else an empty string."""
    return LICENCES.get((licence or "").strip(), "")


def credit_line(layer: str, credit: Credit | None) -> str:
    """One plain-text line crediting a layer, the same on the map, slides and exports.

    For example ``Occupied Ukraine: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial
    use only``; a layer without a credit says ``licence not stated``.
    """
    credit = credit or Credit()
    who = credit.attribution or credit.source
    parts = [f"data {who}" if who else "source not stated", credit.licence or NOT_STATED]
    line = f"{layer}: {' · '.join(parts)}"
    if credit.non_commercial:
        line += ", non-commercial use only"
    return line


def credits_text(credits: Iterable[tuple[str, Credit | None]]) -> list[str]:
    """:func:`credit_line` for each ``(layer, credit)``, once each, in order."""
    lines: list[str] = []
    for layer, credit in credits:
        line = credit_line(layer, credit)
        if line not in lines:
            lines.append(line)
    return lines
