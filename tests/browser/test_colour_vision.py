"""The reader's two sides stay apart under colour-vision deficiencies: the map rendered
under Chromium's emulation of deuteranopia and protanopia, its Ukrainian- and
Russian-held fills measured in CIELAB (split from ``test_reader.py``)."""

from __future__ import annotations

import io
import statistics

from layers import style
from tests.browser.conftest import HOSTILE_DATE, TERRITORY_PATHS, open_reader

FILL_POINTS = """([selector, fill, fillOpacity]) => {
  const paths = [...document.querySelectorAll(selector)].filter(p => p.getAttribute('fill') === fill
    && Math.abs(parseFloat(p.getAttribute('fill-opacity')) - fillOpacity) < 1e-6);
  const covers = [...document.querySelectorAll('.frontline-place, .leaflet-control, .leaflet-marker-icon')]
    .map(e => e.getBoundingClientRect());
  const out = [];
  for (const path of paths) {
    const r = path.getBoundingClientRect();
    for (let i = 1; i < 16; i++) for (let j = 1; j < 16; j++) {
      const x = Math.round(r.left + r.width * i / 16), y = Math.round(r.top + r.height * j / 16);
      if (x < 5 || y < 5 || x > innerWidth - 5 || y > innerHeight - 5) continue;
      const inside = [[0, 0], [5, 0], [-5, 0], [0, 5], [0, -5]]
        .every(([dx, dy]) => document.elementFromPoint(x + dx, y + dy) === path);
      const covered = covers.some(c =>
        x > c.left - 3 && x < c.right + 3 && y > c.top - 3 && y < c.bottom + 3);
      if (inside && !covered) out.push([x, y]);
    }
  }
  return out;
}"""


def lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour (0-255)."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def median_colour(image, points: list[list[int]]) -> tuple[float, float, float]:
    """The median of each channel over ``points`` of an RGB image."""
    pixels = [image.getpixel((x, y)) for x, y in points]
    return tuple(statistics.median(p[k] for p in pixels) for k in range(3))


def delta_e(one: tuple[float, float, float], other: tuple[float, float, float]) -> float:
    """CIE 1976 colour difference."""
    return sum((a - b) ** 2 for a, b in zip(one, other, strict=True)) ** 0.5


def test_lab_matches_published_values():
    """The conversion the colour test relies on, against CIELAB values of sRGB primaries
    published with the sRGB standard's D65 white (e.g. Bruce Lindbloom's calculator)."""
    for rgb, expected in {
        (255, 255, 255): (100.0, 0.0, 0.0),
        (255, 0, 0): (53.24, 80.09, 67.20),
        (0, 0, 255): (32.30, 79.19, -107.86),
    }.items():
        assert delta_e(lab(rgb), expected) < 0.1, (rgb, lab(rgb))


def test_the_two_sides_stay_apart_under_colour_vision_deficiencies(page, app_url, tmp_path):
    from PIL import Image

    open_reader(page, app_url, f"?date={HOSTILE_DATE}")
    page.wait_for_selector(".frontline-place", state="attached", timeout=20_000)
    page.wait_for_timeout(500)
    points = {}
    for side in ("UA", "RU"):
        held = style.territory_style(side, "held")
        points[side] = page.evaluate(FILL_POINTS, [TERRITORY_PATHS, held["fillColor"], held["fillOpacity"]])
        assert len(points[side]) >= 5, f"too few points inside {side}-held ground on screen: {points[side]}"
    cdp = page.context.new_cdp_session(page)
    colours = {}
    try:
        for vision in ("none", "deuteranopia", "protanopia"):
            cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": vision})
            page.wait_for_timeout(300)
            path = tmp_path / f"map-{vision}.png"
            page.screenshot(path=path)
            image = Image.open(io.BytesIO(path.read_bytes())).convert("RGB")
            colours[vision] = {
                side: lab(
                    tuple(statistics.median(image.getpixel((x, y))[k] for x, y in xy) for k in range(3))
                )
                for side, xy in points.items()
            }
    finally:
        cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": "none"})
        cdp.detach()
    report = {
        vision: f"ΔE76 {delta_e(c['UA'], c['RU']):.1f} (UA Lab {tuple(round(v) for v in c['UA'])}, "
        f"RU Lab {tuple(round(v) for v in c['RU'])})"
        for vision, c in colours.items()
    }
    print("\n" + "; ".join(f"{vision}: {text}" for vision, text in report.items()))
    # The emulation must have reached the screenshots, or the test would prove nothing.
    for vision in ("deuteranopia", "protanopia"):
        assert delta_e(colours[vision]["RU"], colours["none"]["RU"]) > 3, (
            f"{vision} emulation did not change the screenshot: {report}"
        )
    for vision, c in colours.items():
        assert delta_e(c["UA"], c["RU"]) >= 20, f"{vision}: the sides are too close: {report[vision]}"


# --- (g) the text alternative ------------------------------------------------------------
