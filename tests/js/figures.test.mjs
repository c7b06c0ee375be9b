// The reader's figures and text alternative (static/js/frontline/figures.js): a snapshot
// whose ground carries DeepStateMap's categories names its held ground as DeepStateMap
// does; other snapshots, and other layers, keep the sides' names.
import { test } from "node:test";
import assert from "node:assert/strict";

import { dayNumber } from "../../static/js/frontline/days.js";
import { heldName, layerMethod, summaryText } from "../../static/js/frontline/figures.js";
import { setLanguage } from "../../static/js/frontline/strings.js";

const RETAKEN = "retaken (DeepStateMap 'liberated')";
const OCCUPIED = "occupied (DeepStateMap: before and after 24 Feb 2022)";

function layer(heldNames) {
  const dates = ["2025-03-09", "2025-03-12"];
  return {
    name: "Map",
    dates,
    days: dates.map(dayNumber),
    stale_days: 30,
    areas: { keys: ["RU|held|", "UA|held|"], rows: [[400, 17], [112420, 42529]], method: "geodesic" },
    ...(heldNames ? { held_names: heldNames } : {}),
  };
}

test("a snapshot with categories names its held ground by them; one without keeps the side", () => {
  const named = layer([null, { UA: RETAKEN, RU: OCCUPIED }]);
  assert.equal(heldName(named, 1, "UA"), RETAKEN);
  assert.equal(heldName(named, 0, "UA"), null, "the earlier snapshot had no categories");
  assert.equal(heldName(layer(), 1, "UA"), null);
  assert.equal(heldName({ held_names: [{ UA: 5 }] }, 0, "UA"), null, "only text names a side");
});

test("the text alternative says what DeepStateMap calls the ground, never 'Ukraine holds' it", () => {
  setLanguage("en");
  const text = summaryText(dayNumber("2025-03-12"), [layer([null, { UA: RETAKEN, RU: OCCUPIED }])]);
  assert.match(text, /retaken \(DeepStateMap 'liberated'\): 42,529 km², \+42,512 km² since 2025-03-09/);
  assert.match(text, /occupied \(DeepStateMap: before and after 24 Feb 2022\): 112,420 km²/);
  assert.doesNotMatch(text, /Ukraine holds/);
  const before = summaryText(dayNumber("2025-03-10"), [layer([null, { UA: RETAKEN, RU: OCCUPIED }])]);
  assert.match(before, /Ukraine holds 17.0 km²/, "the snapshot without categories keeps the side's name");
  assert.equal(layerMethod([layer(), layer()]), "geodesic");
});
