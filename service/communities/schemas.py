"""Community import: a GeoJSON FeatureCollection of community boundaries and counts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

# Bounds on one import: the body limit applies too, these keep the work per request small.
MAX_FEATURES = 2_000
MAX_VERTICES_PER_FEATURE = 5_000
MAX_TOTAL_VERTICES = 200_000
MIN_AREA_M2 = 100.0
MAX_AREA_M2 = 2_000 * 1e6  # a township-sized village, with margin

Count = Annotated[int, Meta(ge=0, le=10_000_000)]
Text = Annotated[str, Meta(max_length=200)]


class FeatureIn(msgspec.Struct):
    """Geometry and properties are checked per feature by the importer, so that every bad
    feature is named at once whatever is wrong with it."""

    type: Literal["Feature"]
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None
    id: str | int | None = None


class FeatureCollectionIn(msgspec.Struct):
    type: Literal["FeatureCollection"]
    features: Annotated[list[FeatureIn], Meta(min_length=1, max_length=MAX_FEATURES)]


class CommunityProps(msgspec.Struct):
    """Known properties; any others are kept in the community's `properties`."""

    code: Annotated[str, Meta(pattern=r"^[0-9]{12}$",
                              description="12-digit statistical division code")]
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    name_full: Text = ""
    street: Text = ""
    district: Text = ""
    households: Count = 0
    residents: Count = 0
    elderly: Count = 0
    elderly_alone: Count = 0
    disabled: Count = 0
    mothers_infants: Count = 0
    children: Count = 0
    estimated: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=20)] = (
        msgspec.field(default_factory=list))
    is_pilot: bool = True


class ImportNote(msgspec.Struct):
    pointer: str
    code: str
    detail_en: str
    detail_zh: str


class ImportResult(msgspec.Struct):
    imported: int
    inserted: int
    updated: int
    codes: list[str]
    notes: list[ImportNote]
