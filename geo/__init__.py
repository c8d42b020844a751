"""Pure geometry and coordinate-system helpers (no I/O): WGS-84 / GCJ-02 / BD-09, China
outline, geodesic distances and areas, GeoJSON polygon input."""

from geo.china import CHINA_OUTLINE, geometry_in_china, in_china
from geo.crs import (
    CRS,
    convert_array,
    from_wgs84,
    from_wgs84_array,
    to_wgs84,
    to_wgs84_array,
    transform_geometry,
)
from geo.distance import geodesic_area_m2, geodesic_m, geodesic_m_array
from geo.shapes import (
    Geometry,
    MultiPolygon,
    Point,
    Polygon,
    ShapeProblem,
    ShapeResult,
    distance_to_m,
    geodesic_circle,
    polygon_from_geojson,
    reach_problems,
    to_geojson,
)

__all__ = [
    "CHINA_OUTLINE",
    "CRS",
    "Geometry",
    "MultiPolygon",
    "Point",
    "Polygon",
    "ShapeProblem",
    "ShapeResult",
    "convert_array",
    "distance_to_m",
    "from_wgs84",
    "from_wgs84_array",
    "geodesic_area_m2",
    "geodesic_circle",
    "geodesic_m",
    "geodesic_m_array",
    "geometry_in_china",
    "in_china",
    "polygon_from_geojson",
    "reach_problems",
    "to_geojson",
    "to_wgs84",
    "to_wgs84_array",
    "transform_geometry",
]
