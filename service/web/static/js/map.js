// Leaflet maps: optional tiles in their own coordinate system, pilot communities, a polygon tool.

import { api, el, tiles } from "./common.js";

const L = window.L;
export const BEIJING = [39.95, 116.45]; // [lat, lon]

// Panes, bottom to top: district outlines, delivery zones, communities (Leaflet's overlay
// pane), store markers, community labels. Markers sit above zones and communities, so their
// tooltips can be reached wherever zones overlap.
const PANES = { districts: 250, zones: 380, stores: 450, labels: 460 };

// Scale bar in Chinese units (米 / 公里).
const ScaleZh = L.Control.Scale.extend({
  _updateMetric(maxMeters) {
    const meters = this._getRoundNum(maxMeters);
    const text = meters < 1000 ? `${meters} 米` : `${meters / 1000} 公里`;
    this._updateScale(this._mScale, text, meters / maxMeters);
  },
});

export function baseMap(node, { center = BEIJING, zoom = 11, orient = true } = {}) {
  const map = L.map(node, { center, zoom, zoomSnap: 0.5, zoomControl: false });
  map.attributionControl.setPrefix(false);
  L.control.zoom({ zoomInTitle: "放大", zoomOutTitle: "缩小" }).addTo(map);
  new ScaleZh({ imperial: false, maxWidth: 120 }).addTo(map);
  for (const [name, z] of Object.entries(PANES)) {
    map.createPane(name).style.zIndex = String(z);
  }
  map.getPane("districts").style.pointerEvents = "none";
  map.getPane("labels").style.pointerEvents = "none";
  if (tiles.url) {
    L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 18, subdomains: "abc" }).addTo(map);
  } else {
    node.classList.add("no-tiles");
    // Without tiles: district outlines and pilot community names orient the reader.
    if (orient) {
      addDistricts(map);
      addCommunityLabels(map);
    }
  }
  // Names only when zoomed in enough to read them.
  const labelsShown = () => node.classList.toggle("labels-hidden", map.getZoom() < 9);
  map.on("zoomend", labelsShown);
  labelsShown();
  // Maps inside sections that appear later need their size recomputed.
  const observer = new ResizeObserver(() => {
    if (!map.removed && node.offsetParent !== null) map.invalidateSize();
  });
  observer.observe(node);
  map.on("unload", () => {
    map.removed = true;
    observer.disconnect();
  });
  return map;
}

let districtsCache = null;
export async function addDistricts(map) {
  districtsCache ??= api("GET", `/api/v1/districts?crs=${tiles.crs}`).then((r) =>
    r.ok ? r.data : { type: "FeatureCollection", features: [] },
  );
  const fc = await districtsCache;
  if (map.removed) return null;
  if (fc.attribution) map.attributionControl.addAttribution(fc.attribution);
  const outlines = L.geoJSON(fc, {
    pane: "districts",
    interactive: false,
    style: () => ({ color: "#7a8793", weight: 1.2, fill: false, dashArray: "6 4" }),
  }).addTo(map);
  const names = L.layerGroup().addTo(map);
  outlines.eachLayer((lyr) => {
    L.tooltip({ pane: "labels", permanent: true, direction: "center", className: "district-label", interactive: false })
      .setLatLng(lyr.getBounds().getCenter())
      .setContent(label(lyr.feature.properties.name))
      .addTo(names);
  });
  return outlines;
}

export async function addCommunityLabels(map) {
  const fc = await communities();
  if (map.removed) return null;
  const group = L.layerGroup().addTo(map);
  // A national registry has thousands: names are for the pilot maps, not a gazetteer.
  if (fc.features.length > 300) return group;
  for (const feature of fc.features) {
    if (feature.properties.is_pilot === false) continue;
    const center = L.geoJSON(feature).getBounds().getCenter();
    L.tooltip({ pane: "labels", permanent: true, direction: "center", className: "community-label", interactive: false })
      .setLatLng(center)
      .setContent(label(feature.properties.name))
      .addTo(group);
  }
  return group;
}

export function label(text) {
  return el("span", { text });
}

let communitiesCache = null;
export function communities() {
  communitiesCache ??= api("GET", `/api/v1/communities?crs=${tiles.crs}`).then((r) =>
    r.ok ? r.data : { type: "FeatureCollection", features: [] },
  );
  return communitiesCache;
}

export async function addCommunities(map, style, onFeature) {
  const fc = await communities();
  if (map.removed) return null;
  const layer = L.geoJSON(fc, {
    style: style || (() => ({ color: "#555", weight: 1, fillOpacity: 0.05, dashArray: "4 3" })),
    onEachFeature: (feature, lyr) => {
      lyr.bindTooltip(label(feature.properties.name), { sticky: true });
      if (onFeature) onFeature(feature, lyr);
    },
    interactive: true,
  }).addTo(map);
  return layer;
}

export function fitTo(map, layers) {
  const group = L.featureGroup(layers.filter(Boolean));
  const bounds = group.getBounds();
  // Not animated: a zoom animation still running would undo a setView made meanwhile (a
  // look-up answered within its 250 ms).
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15, animate: false });
}

export function storePoint(lon, lat, options = {}) {
  return L.circleMarker([lat, lon], {
    radius: 7, color: "#fff", weight: 2, fillColor: "#c0262d", fillOpacity: 1, ...options,
  });
}

// Click-to-add-vertices polygon: vertices as [lon, lat] in the map's coordinate system.
export class PolygonDrawer {
  constructor(map, onChange) {
    this.map = map;
    this.onChange = onChange || (() => {});
    this.vertices = [];
    this.layer = L.polygon([], { color: "#1f6feb", weight: 2, fillOpacity: 0.15 }).addTo(map);
    this.handles = L.layerGroup().addTo(map);
  }

  add(lon, lat) {
    this.vertices.push([lon, lat]);
    this.redraw();
  }

  undo() {
    this.vertices.pop();
    this.redraw();
  }

  clear() {
    this.vertices = [];
    this.redraw();
  }

  set(vertices) {
    this.vertices = vertices.map(([lon, lat]) => [lon, lat]);
    this.redraw();
  }

  redraw() {
    this.layer.setLatLngs(this.vertices.map(([lon, lat]) => [lat, lon]));
    this.handles.clearLayers();
    for (const [lon, lat] of this.vertices) {
      L.circleMarker([lat, lon], { radius: 4, color: "#1f6feb", fillOpacity: 1 }).addTo(this.handles);
    }
    this.onChange(this.vertices);
  }

  // A closed GeoJSON Polygon, or null with fewer than three vertices.
  geojson() {
    if (this.vertices.length < 3) return null;
    const ring = this.vertices.map(([lon, lat]) => [round(lon), round(lat)]);
    ring.push([...ring[0]]);
    return { type: "Polygon", coordinates: [ring] };
  }
}

export function round(x) {
  return Math.round(x * 1e7) / 1e7;
}

// The outer ring of a GeoJSON Polygon/MultiPolygon, without its closing vertex.
export function outerRing(geometry) {
  if (!geometry) return [];
  const ring =
    geometry.type === "Polygon" ? geometry.coordinates[0]
      : geometry.type === "MultiPolygon" ? geometry.coordinates[0][0] : [];
  const pts = ring.map(([lon, lat]) => [lon, lat]);
  if (pts.length > 1 && pts[0][0] === pts.at(-1)[0] && pts[0][1] === pts.at(-1)[1]) pts.pop();
  return pts;
}
