// The interface's words (static/js/frontline/strings.js): English by default, a registered
// catalogue by ?lang=, English for an unknown language or a missing key; figures and
// dates in days.js follow the language's locale.
import { test } from "node:test";
import assert from "node:assert/strict";

import { dayNumber, formatChange, formatKm2, longDate } from "../../static/js/frontline/days.js";
import {
  addCatalogue, english, language, resolveLanguage, setLanguage, sideName, t, zoneLabel,
} from "../../static/js/frontline/strings.js";

addCatalogue("xx", {
  locale: "de-DE",
  strings: {
    "play.label": "Abspielen",
    "side.UA": "Ukraine (xx)",
    "zone.held": "Gehalten von {side}",
    "figures.stale": { one: "{count} Tag alt", other: "{count} Tage alt" },
    "area.km2": "{value} km² (xx)",
  },
});

test("English by default, with its parameters filled in", () => {
  setLanguage("en");
  assert.equal(language(), "en");
  assert.equal(t("play.label"), "Play");
  assert.equal(t("figures.stale", { date: "2024-10-01", age: 40 }), "last mapped on 2024-10-01 (stale: 40 days old)");
  assert.equal(t("summary.layer", { layer: "L" }), "L ({when}): {sides}.", "a missing parameter stays visible");
  assert.equal(t("no.such.key"), "no.such.key");
  assert.equal(sideName("UA"), "Ukraine");
  assert.equal(sideName("XX"), "XX", "a side with no name keeps its code");
  assert.equal(zoneLabel("RU", "claimed", "pack"), "Claimed by Russia, unconfirmed");
  assert.equal(zoneLabel("UA", "besieged", "pack label"), "pack label");
});

test("an unknown or malformed language falls back to English; a region to its language", () => {
  assert.equal(resolveLanguage("uk"), "en");
  assert.equal(resolveLanguage("<script>"), "en");
  assert.equal(resolveLanguage(undefined), "en");
  assert.equal(resolveLanguage("XX-ab"), "xx");
  assert.equal(setLanguage("zz-ZZ"), "en");
  assert.equal(t("play.label"), "Play");
});

test("a registered catalogue is used, English filling the keys it lacks", () => {
  try {
    assert.equal(setLanguage("xx"), "xx");
    assert.equal(t("play.label"), "Abspielen");
    assert.equal(t("play.pause"), "Pause", "missing key: English");
    assert.equal(zoneLabel("UA", "held", "Held by Ukraine"), "Gehalten von Ukraine (xx)");
    assert.equal(t("figures.stale", { count: 1 }), "1 Tag alt");
    assert.equal(t("figures.stale", { count: 40 }), "40 Tage alt");
    assert.equal(formatKm2(1376.4), "1.376 km² (xx)", "grouped as the locale groups digits");
    assert.equal(longDate(dayNumber("2024-11-25")), "25. November 2024");
  } finally {
    setLanguage("en");
  }
  assert.equal(formatKm2(1376.4), "1,376 km²");
  assert.equal(formatChange(0.01), "no change");
  assert.equal(longDate(dayNumber("2024-11-25")), "25 November 2024");
});

test("every English string is text (or plural forms of text), and every {name} is a plain word", () => {
  for (const [key, value] of Object.entries(english)) {
    const forms = typeof value === "object" ? Object.values(value) : [value];
    if (typeof value === "object") assert.ok("other" in value, `${key}: plural forms need "other"`);
    for (const form of forms) {
      assert.equal(typeof form, "string", key);
      assert.ok(form.length > 0, key);
      for (const name of form.match(/\{[^}]*\}/g) ?? []) assert.match(name, /^\{\w+\}$/, key);
    }
  }
});
