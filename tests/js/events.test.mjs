// The events drawing's pure functions (static/js/frontline/events.js): the filter mask, the
// mode chosen, grid clusters, hexagonal bins, density classes and the tooltip's kind counts.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CLUSTER_PX, DENSITY_STEPS, FEW_EVENTS, HEX_PX, SYMBOL_ZOOM, densityColour, drawMode, eventMask,
  gridClusters, groupLines, hexBins, kindCounts, kindName,
} from "../../static/js/frontline/events.js";

const columns = {
  date: ["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-03"],
  kind: ["strike", "fire_detection", "strike", "other"],
  confidence: ["confirmed", "claimed", "disputed", "confirmed"],
  source: ["A", "<b>B</b>", "A", ""],
};

test("an empty filter keeps every event; each list narrows by its field", () => {
  assert.deepEqual([...eventMask(columns, {})], [1, 1, 1, 1]);
  assert.deepEqual([...eventMask(columns, { kinds: ["strike"] })], [1, 0, 1, 0]);
  assert.deepEqual([...eventMask(columns, { kinds: ["strike"], confidences: ["disputed"] })], [0, 0, 1, 0]);
  assert.deepEqual([...eventMask(columns, { sources: ["<b>B</b>"] })], [0, 1, 0, 0]);
  assert.deepEqual([...eventMask(columns, { kinds: [] , sources: null })], [1, 1, 1, 1]);
  assert.deepEqual([...eventMask(columns, { kinds: ["nothing"] })], [0, 0, 0, 0]);
});

test("auto draws symbols when zoomed in or few, clusters otherwise; a chosen mode stays", () => {
  assert.equal(drawMode("auto", SYMBOL_ZOOM, 5000), "symbols");
  assert.equal(drawMode("auto", SYMBOL_ZOOM - 1, FEW_EVENTS), "symbols");
  assert.equal(drawMode("auto", SYMBOL_ZOOM - 1, FEW_EVENTS + 1), "clusters");
  assert.equal(drawMode("density", 14, 1), "density");
  assert.equal(drawMode("symbols", 3, 99999), "symbols");
  assert.equal(drawMode("<script>", 3, 99999), "clusters");
});

test("grid clusters group the points of one cell at their mean", () => {
  const xs = [1, 3, CLUSTER_PX + 1, 5];
  const ys = [1, 5, 1, 3];
  const clusters = gridClusters(xs, ys, [0, 1, 2, 3]);
  assert.equal(clusters.length, 2);
  assert.deepEqual(clusters[0].members, [0, 1, 3]);
  assert.equal(clusters[0].x, 3);
  assert.equal(clusters[0].y, 3);
  assert.deepEqual(clusters[1].members, [2]);
});

test("hexagonal bins hold every point once, each in the hexagon whose centre is nearest", () => {
  const xs = [];
  const ys = [];
  for (let i = 0; i < 400; i += 1) {
    xs.push((i * 37) % 301);
    ys.push((i * 53) % 211);
  }
  const members = xs.map((_, i) => i);
  const bins = hexBins(xs, ys, members);
  assert.equal(bins.reduce((n, bin) => n + bin.members.length, 0), 400);
  for (const bin of bins) {
    for (const i of bin.members) {
      const own = Math.hypot(xs[i] - bin.x, ys[i] - bin.y);
      assert.ok(own <= HEX_PX + 1e-9, `point ${i} is ${own} px from its bin's centre`);
      for (const other of bins) assert.ok(own <= Math.hypot(xs[i] - other.x, ys[i] - other.y) + 1e-9);
    }
  }
});

test("density classes follow the fixed steps", () => {
  assert.equal(densityColour(1), DENSITY_STEPS[0][1]);
  assert.equal(densityColour(DENSITY_STEPS[1][0]), DENSITY_STEPS[1][1]);
  assert.equal(densityColour(100000), DENSITY_STEPS[DENSITY_STEPS.length - 1][1]);
});

test("a group's tooltip counts each kind, most first, in words", () => {
  assert.deepEqual(kindCounts(columns.kind, [0, 1, 2]), [["strike", 2], ["fire_detection", 1]]);
  assert.deepEqual(groupLines(columns.kind, [0, 1, 2]), [["", "2 strike"], ["", "1 fire detection"]]);
  assert.equal(kindName("troop_presence"), "troop presence");
  assert.equal(kindName("made_up_kind"), "made up kind");
});
