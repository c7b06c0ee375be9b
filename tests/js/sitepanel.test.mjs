// The published page's panel (static/js/frontline/sitepanel.js): which reported figures it
// shows for a date, how it states a difference, and the series it charts.
import { test } from "node:test";
import assert from "node:assert/strict";

import { formatDifference, heldSeries, nearestFigures } from "../../static/js/frontline/sitepanel.js";
import { dayNumber } from "../../static/js/frontline/days.js";

const ROWS = [
  { date: "2024-08-12", scope: "held", reported_km2: 1000 },
  { date: "2024-08-20", scope: "held", reported_km2: 1263 },
  { date: "2024-08-22", scope: "held", reported_km2: 646 },
  { date: "2024-08-14", scope: "peak", reported_km2: 1100 },
  { date: "2024-08-26", scope: "peak", reported_km2: 1200 },
];

test("each scope's figures dated nearest to the day, nearest first, ties kept", () => {
  assert.deepEqual(nearestFigures(ROWS, "2024-08-21").map((r) => r.date), ["2024-08-20", "2024-08-22", "2024-08-26"]);
  assert.deepEqual(nearestFigures(ROWS, "2024-08-13").map((r) => r.date), ["2024-08-12", "2024-08-14"]);
  assert.deepEqual(nearestFigures(ROWS, "2024-08-21", 1).map((r) => r.date), ["2024-08-20"]);
  assert.deepEqual(nearestFigures([], "2024-08-21"), []);
});

test("a difference is signed, in km² and as a share of the reported figure", () => {
  assert.equal(formatDifference({ difference_km2: -501, difference_pct: -50.1 }), "−501 km² (−50 %)");
  assert.equal(formatDifference({ difference_km2: 18, difference_pct: 2.8 }), "+18.0 km² (+3 %)");
  assert.equal(formatDifference({ difference_km2: null, difference_pct: null }), "");
});

test("the chart's series is the held km² per side over the whole drawn area", () => {
  const layer = {
    dates: ["2024-08-06", "2024-08-08"],
    areas: { keys: ["UA|contested|", "UA|held|", "UA|held|RUS", "RU|held|"], rows: [[1, 2, 3, null], [4, 5, 6, 7]] },
  };
  assert.deepEqual(heldSeries(layer), {
    UA: [[dayNumber("2024-08-06"), 2], [dayNumber("2024-08-08"), 5]],
    RU: [[dayNumber("2024-08-06"), 0], [dayNumber("2024-08-08"), 7]],
  });
});
