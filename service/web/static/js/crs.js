// WGS-84 / GCJ-02 / BD-09 for drawing typed coordinates on the map: the same published
// formulas as geo/crs.py (the service converts what is stored; this only draws), with the
// inverses solved by the same fixed-point iteration.

const A = 6378245.0;
const EE = 0.00669342162296594323;
const X_PI = (Math.PI * 3000.0) / 180.0;

function outside(lon, lat) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function dLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function dLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

function wgsToGcj([lon, lat]) {
  if (outside(lon, lat)) return [lon, lat];
  const radlat = (lat / 180.0) * Math.PI;
  const magic = 1.0 - EE * Math.sin(radlat) ** 2;
  const sqrtmagic = Math.sqrt(magic);
  const la = (dLat(lon - 105.0, lat - 35.0) * 180.0) / (((A * (1.0 - EE)) / (magic * sqrtmagic)) * Math.PI);
  const lo = (dLon(lon - 105.0, lat - 35.0) * 180.0) / ((A / sqrtmagic) * Math.cos(radlat) * Math.PI);
  return [lon + lo, lat + la];
}

function gcjToBd([lon, lat]) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

// forward(x) = target, solved from `start` (forward is the identity plus a small offset).
function invert(forward, target, start) {
  let [x, y] = start;
  for (let i = 0; i < 30; i++) {
    const [fx, fy] = forward([x, y]);
    const dx = fx - target[0];
    const dy = fy - target[1];
    x -= dx;
    y -= dy;
    if (Math.abs(dx) < 1e-11 && Math.abs(dy) < 1e-11) break;
  }
  return [x, y];
}

const toWgs = {
  wgs84: (p) => p,
  gcj02: (p) => invert(wgsToGcj, p, p),
  bd09: (p) => {
    const gcj = invert(gcjToBd, p, [p[0] - 0.0065, p[1] - 0.006]);
    return invert(wgsToGcj, gcj, gcj);
  },
};
const fromWgs = {
  wgs84: (p) => p,
  gcj02: (p) => wgsToGcj(p),
  bd09: (p) => gcjToBd(wgsToGcj(p)),
};

export const CRS_NAMES = Object.keys(toWgs);

// [lon, lat] from one system to another.
export function convert(point, src, dst) {
  if (src === dst) return [...point];
  return fromWgs[dst](toWgs[src](point));
}

export const CRS_LABEL = { wgs84: "WGS-84", gcj02: "GCJ-02", bd09: "BD-09" };
