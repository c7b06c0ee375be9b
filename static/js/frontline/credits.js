// The shown layers' credits in the map's attribution, beside the basemap's (the data:
// layers/attribution.py credit_records; docs/reader.md, "Credits").
//
// Leaflet writes attributions as HTML. So each credit is built as elements whose text is
// set with textContent and handed over as their outerHTML: an editor's credit is text,
// never markup. The licence is a link only when the server gave the address of a licence
// it knows (layers/credits.py LICENCES), and only to Creative Commons or Open Data Commons.

const KNOWN_TERMS = /^https:\/\/(creativecommons\.org|opendatacommons\.org)\/[A-Za-z0-9/._-]*$/;

/** A credit's line as parts: text, and the licence as {text, href} when it may be linked. */
export function creditParts(record) {
  const line = String(record?.line ?? "");
  const licence = String(record?.licence ?? "");
  const url = String(record?.licence_url ?? "");
  const at = licence && KNOWN_TERMS.test(url) ? line.indexOf(`· ${licence}`) : -1;
  if (at < 0) return [{ text: line }];
  const end = at + 2 + licence.length;
  return [{ text: line.slice(0, at + 2) }, { text: licence, href: url }, { text: line.slice(end) }]
    .filter((part) => part.text);
}

/** The credit as an element's HTML, every string set as text. */
export function creditHtml(record, doc = document) {
  const span = doc.createElement("span");
  span.className = "frontline-layer-credit";
  for (const part of creditParts(record)) {
    if (!part.href) {
      span.append(doc.createTextNode(part.text));
      continue;
    }
    const link = doc.createElement("a");
    link.href = part.href;
    link.rel = "license noopener";
    link.target = "_blank";
    link.textContent = part.text;
    span.append(link);
  }
  return span.outerHTML;
}

/**
 * Layers that share one credit as one record, their names joined ("Kursk incursion,
 * Strikes and reports: data … · CC BY 4.0"), so the attribution stays one line where it
 * can and the scale bar under it stays visible. A record whose line does not start with
 * its layer's name is kept as it is.
 */
export function mergedCredits(records) {
  const groups = new Map();
  for (const record of records ?? []) {
    const line = String(record?.line ?? "");
    const layer = String(record?.layer ?? "");
    const rest = layer && line.startsWith(`${layer}: `) ? line.slice(layer.length + 2) : null;
    const key = rest === null ? `\u0000${line}` : `${rest}\u0000${record.licence ?? ""}\u0000${record.licence_url ?? ""}`;
    const group = groups.get(key);
    if (group && rest !== null) group.layers.push(layer);
    else groups.set(key, { record, rest, layers: [layer] });
  }
  return [...groups.values()].map(({ record, rest, layers }) => (rest === null ? record
    : { ...record, layer: layers.join(", "), line: `${layers.join(", ")}: ${rest}` }));
}

/**
 * The basemap's attribution (trusted: the server's settings) and each shown layer's credit,
 * in place of those this returned before (``shown``): the app's reader gets new layers
 * with new data. Returns what it added, for the next call.
 */
export function showAttributions(map, options, shown = []) {
  if (!map) return shown;
  for (const html of shown) map.attributionControl.removeAttribution(html);
  const next = [options.attribution, ...mergedCredits(options.credits).map((record) => creditHtml(record))]
    .filter(Boolean);
  for (const html of next) map.attributionControl.addAttribution(html);
  return next;
}
