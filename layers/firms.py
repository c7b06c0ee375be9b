"""NASA FIRMS active-fire detections as events: the confidence rule and each detection's title.

FIRMS (Fire Information for Resource Management System) publishes satellite thermal
anomalies as CSV: one row per pixel where VIIRS or MODIS saw heat, with its place,
``acq_date`` and ``acq_time`` (UTC), ``frp`` (fire radiative power, MW), ``satellite``,
``daynight`` and ``confidence``. A detection is a fire or other heat source, not
necessarily a strike: it becomes an event of kind ``fire_detection``.

The confidence rule
-------------------
FIRMS' ``confidence`` says how sure the detection algorithm is that the pixel holds a
fire, not who says what happened; ours (``schema.CONFIDENCES``) say how sure the sources
are. Both grade belief in the event's existence, so FIRMS' own three classes map to our
three, in order:

- VIIRS ``high`` (or ``h``) -> ``confirmed``: a saturated or unambiguous fire pixel.
- VIIRS ``nominal`` (``n``) -> ``claimed``: one detection, not independently confirmed.
- VIIRS ``low`` (``l``) -> ``disputed``: FIRMS itself flags these as often sun glint or
  hot ground; the detection and the background disagree.
- MODIS 0-100: the MODIS fire product's documented classes: ``>= 80`` high ->
  ``confirmed``; ``30-79`` nominal -> ``claimed``; ``< 30`` low -> ``disputed``.

The original value is kept as ``firms_confidence``, so nothing is lost and a reader can
filter on FIRMS' own grading.
"""

from __future__ import annotations

import math

__all__ = [
    "FIRMS_KEPT",
    "FIRMS_SOURCE",
    "MODIS_CLAIMED_FROM",
    "MODIS_CONFIRMED_FROM",
    "VIIRS_CONFIDENCES",
    "confidence_from_firms",
    "firms_title",
]

#: The ``source`` of every FIRMS event.
FIRMS_SOURCE = "NASA FIRMS (satellite)"

#: VIIRS confidence classes (full and one-letter forms) -> ours.
VIIRS_CONFIDENCES = {
    "high": "confirmed",
    "h": "confirmed",
    "nominal": "claimed",
    "n": "claimed",
    "low": "disputed",
    "l": "disputed",
}
#: MODIS confidence (percent) from which a detection is ``confirmed`` (FIRMS' "high" class).
MODIS_CONFIRMED_FROM = 80
#: MODIS confidence (percent) from which a detection is ``claimed`` (FIRMS' "nominal" class).
MODIS_CLAIMED_FROM = 30

#: FIRMS columns kept as event properties -> the property name they are stored under.
#: ``confidence`` becomes ``firms_confidence``: ``confidence`` holds ours.
FIRMS_KEPT = {
    "confidence": "firms_confidence",
    "frp": "frp",
    "satellite": "satellite",
    "daynight": "daynight",
    "instrument": "instrument",
}

_DAYNIGHT = {"D": "day", "N": "night"}


def confidence_from_firms(value: str) -> str | None:
    """Our confidence for a FIRMS ``confidence`` value (VIIRS class or MODIS percent), or None
    when the value is neither (the caller reports it)."""
    text = value.strip().lower()
    if text in VIIRS_CONFIDENCES:
        return VIIRS_CONFIDENCES[text]
    try:
        percent = float(text)
    except ValueError:
        return None
    if not math.isfinite(percent) or not 0 <= percent <= 100:
        return None
    if percent >= MODIS_CONFIRMED_FROM:
        return "confirmed"
    return "claimed" if percent >= MODIS_CLAIMED_FROM else "disputed"


def firms_title(frp: float | None, instrument: str, satellite: str, daynight: str) -> str:
    """A one-line title for tooltips and listings: ``Fire detection · FRP 4.3 MW · VIIRS N20 · night``."""
    parts = ["Fire detection"]
    if frp is not None and math.isfinite(frp):
        parts.append(f"FRP {frp:.1f} MW")
    seen_by = " ".join(text for text in (instrument.strip(), satellite.strip()) if text)
    if seen_by:
        parts.append(seen_by)
    when = _DAYNIGHT.get(daynight.strip().upper())
    if when:
        parts.append(when)
    return " · ".join(parts)
