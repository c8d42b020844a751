// Leaflet maps: optional tiles in their own coordinate system, pilot communities, a polygon tool.

import { api, el, tiles } from "./common.js";

const L = window.L;
export const BEIJING = [39.95, 116.45]; // [lat, lon]

export function baseMap(node, { center = BEIJING, zoom = 11 } = {}) {
  const map = L.map(node, { center, zoom, zoomSnap: 0.5 });
  map.attributionControl.setPrefix(false);
  if (tiles.url) {
    L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 18, subdomains: "abc" }).addTo(map);
  } else {
    node.classList.add("no-tiles");
  }
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
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
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
