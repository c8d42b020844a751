"""Request bodies: organisations and a round's joint rules."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

OrgKind = Literal[
    "foundation", "platform_foundation", "street_office", "community_committee", "ngo_partner"
]
# Kinds whose reviewers see only candidates covering their area.
AREA_KINDS = ("street_office", "community_committee")
KIND_ZH = {
    "foundation": "基金会",
    "platform_foundation": "平台基金会",
    "street_office": "街道办事处",
    "community_committee": "社区居委会",
    "ngo_partner": "社会组织伙伴",
}
OrgCode = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
CommunityCode = Annotated[str, Meta(pattern=r"^\d{12}$")]
StreetCode = Annotated[str, Meta(pattern=r"^\d{9}$")]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class OrganisationIn(Strict):
    code: OrgCode
    name: Annotated[str, Meta(min_length=2, max_length=200)]
    kind: OrgKind
    communities: Annotated[list[CommunityCode], Meta(max_length=500)] = []
    streets: Annotated[list[StreetCode], Meta(max_length=200)] = []


class RequiredKind(Strict):
    kind: OrgKind
    # True: one review by an organisation of this kind for each pilot community the
    # candidate covers (the street office of each community), else one review of the kind.
    per_community: bool = False


class JointRulesIn(Strict):
    required: Annotated[list[RequiredKind], Meta(max_length=5)] = []
    quorum: Annotated[int, Meta(ge=0, le=50)] = 0
    site_visit_required: bool = False
