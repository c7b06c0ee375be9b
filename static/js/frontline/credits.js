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
 * The basemap's attribution (trusted: the server's settings) and each shown layer's credit,
 * in place of those this returned before (``shown``): the app's reader gets new layers
 * with new data. Returns what it added, for the next call.
 */
export function showAttributions(map, options, shown = []) {
  if (!map) return shown;
  for (const html of shown) map.attributionControl.removeAttribution(html);
  const next = [options.attribution, ...(options.credits ?? []).map((record) => creditHtml(record))]
    .filter(Boolean);
  for (const html of next) map.attributionControl.addAttribution(html);
  return next;
}
