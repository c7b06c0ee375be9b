// The offline basemap under the reader's map: countries and place names from the app's own
// files (static/basemap), and online tiles only as an option in the layer switcher. Place
// names are set with textContent.

/** Add the basemap to ``map`` for ``reader`` (its options, abort signal and theme colours:
 * ``reader.countries`` and ``reader.places`` are the layers, once loaded). */
export function addBasemap(reader, L, map) {
  const o = reader.options;
  map.createPane("basemap").style.zIndex = 150;
  const places = map.createPane("places");
  places.style.zIndex = 620;
  places.style.pointerEvents = "none";
  fetch(`${o.static}/basemap/countries.geojson`, { signal: reader.abort.signal })
    .then((r) => r.json())
    .then((data) => {
      reader.countries = L.geoJSON(data, { pane: "basemap", interactive: false, style: (f) => reader.countryStyle(f) }).addTo(map);
    })
    .catch(() => {});
  fetch(`${o.static}/basemap/places.geojson`, { signal: reader.abort.signal })
    .then((r) => r.json())
    .then((data) => {
      reader.places = L.geoJSON(data, {
        pane: "places", interactive: false,
        pointToLayer: (feature, latlng) => {
          const label = document.createElement("span");
          label.textContent = feature.properties.name;
          return L.circleMarker(latlng, { pane: "places", radius: 2, color: reader.placeColour(), weight: 1, fillOpacity: 1, interactive: false })
            .bindTooltip(label, { permanent: true, direction: "right", className: "frontline-place", interactive: false });
        },
      }).addTo(map);
    })
    .catch(() => {});
  const overlays = {};
  for (const [name, [url, attribution]] of Object.entries(o.tiles ?? {})) {
    overlays[name] = L.tileLayer(url, { attribution, opacity: 0.85 });
  }
  if (Object.keys(overlays).length) L.control.layers(null, overlays, { collapsed: true }).addTo(map);
}
