// Node's test runner on the map's credits (static/js/frontline/credits.js): text parts, and a
// licence linked only to a known licence's terms. The DOM (a hostile credit shown as text) is
// tested in the browser (tests/browser/test_site.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { creditParts, mergedCredits } from "../../static/js/frontline/credits.js";

const NC = "https://creativecommons.org/licenses/by-nc-sa/4.0/";

test("a known licence becomes a link inside the line, the rest stays text", () => {
  const record = {
    line: "Occupied Ukraine: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only",
    licence: "CC BY-NC-SA 4.0",
    licence_url: NC,
  };
  assert.deepEqual(creditParts(record), [
    { text: "Occupied Ukraine: data DeepStateMap · " },
    { text: "CC BY-NC-SA 4.0", href: NC },
    { text: ", non-commercial use only" },
  ]);
});

test("an unknown licence, or an address that is not a licence's, is text only", () => {
  const line = "L: data X · Ask us";
  assert.deepEqual(creditParts({ line, licence: "Ask us", licence_url: "" }), [{ text: line }]);
  for (const url of ["javascript:alert(1)", "https://evil.example/", "https://creativecommons.org/\"><img>"]) {
    assert.deepEqual(creditParts({ line, licence: "Ask us", licence_url: url }), [{ text: line }]);
  }
});

test("a hostile credit is one text part, whatever it holds", () => {
  const line = "H: data <img src=x onerror=window.__xss=1> · licence not stated";
  assert.deepEqual(creditParts({ line, licence: "licence not stated", licence_url: "" }), [{ text: line }]);
  assert.deepEqual(creditParts(null), [{ text: "" }]);
});

test("layers sharing a credit are named together in one line; different credits stay apart", () => {
  const url = "https://creativecommons.org/licenses/by/4.0/";
  const same = (layer) => ({ layer, line: `${layer}: data Us · CC BY 4.0`, licence: "CC BY 4.0", licence_url: url });
  const other = { layer: "DSM", line: "DSM: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only", licence: "CC BY-NC-SA 4.0", licence_url: NC };
  const merged = mergedCredits([same("Kursk"), other, same("Strikes")]);
  assert.deepEqual(merged.map((record) => record.line), [
    "Kursk, Strikes: data Us · CC BY 4.0",
    "DSM: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only",
  ]);
  assert.deepEqual(creditParts(merged[0]), [{ text: "Kursk, Strikes: data Us · " }, { text: "CC BY 4.0", href: url }]);
  const odd = { layer: "X", line: "not starting with its layer" };
  assert.deepEqual(mergedCredits([odd, odd]), [odd], "a line not led by its layer is kept once, as it is");
  assert.deepEqual(mergedCredits(undefined), []);
});
