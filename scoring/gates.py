"""Pass/fail gates. A failed gate makes a candidate ineligible whatever its total."""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from shapely.geometry.base import BaseGeometry

from scoring.card import Gate, num
from scoring.coverage import CommunityIndex
from scoring.models import MerchantFacts, NgoFacts
from scoring.rubric import Rubric
from scoring.vocabulary import CATEGORIES, ELIGIBLE, EXCLUDED


def wechat_pay(facts: MerchantFacts, rubric: Rubric) -> Gate:
    if facts.has_wechat_pay_mch_id:
        return Gate("wechat_pay", True, "已有微信支付直连商户号。",
                    "Has a direct WeChat Pay merchant account.")
    if not rubric.gates.require_wechat_pay:
        return Gate("wechat_pay", True, "本轮规则不要求微信支付直连商户号。",
                    "This round does not require a direct WeChat Pay merchant account.")
    return Gate("wechat_pay", False,
                "没有微信支付直连商户号，收银时无法优先抵扣赈济券。",
                "No direct WeChat Pay merchant account: the till cannot deduct vouchers first.")


def eligible_category(facts: MerchantFacts, rubric: Rubric) -> Gate:
    sold = {c for s in facts.stores for c in s.categories}
    eligible = sorted(sold & ELIGIBLE)
    block = sorted(sold & EXCLUDED)
    out = {"eligible_categories": eligible, "till_must_block": block,
           "unknown_categories": sorted(sold - ELIGIBLE - EXCLUDED)}
    if eligible or not rubric.gates.require_eligible_category:
        zh = "经营可用券品类：" + "、".join(CATEGORIES[c].zh for c in eligible) + "。"
        en = "Sells voucher-eligible categories: " + ", ".join(
            CATEGORIES[c].en for c in eligible) + "."
        if not eligible:
            zh = "本轮规则不要求可用券品类。"
            en = "This round does not require an eligible category."
        if block:
            zh += "收银须拦截：" + "、".join(CATEGORIES[c].zh for c in block) + "。"
            en += " The till must block: " + ", ".join(CATEGORIES[c].en for c in block) + "."
        return Gate("eligible_category", True, zh, en, out)
    return Gate("eligible_category", False, "没有任何可用赈济券购买的商品品类。",
                "Sells no voucher-eligible category.", out)


def _near_pilot(areas: Iterable[BaseGeometry], index: CommunityIndex, limit_m: float) -> bool:
    return any(index.within(a, limit_m) for a in areas)


def _distance_gate(ok: bool, limit_m: float, what_zh: str, what_en: str) -> Gate:
    if ok:
        return Gate("pilot_distance", True, f"{what_zh}距试点社区不超过{num(limit_m)}米。",
                    f"A {what_en} lies within {num(limit_m)} m of a pilot community.")
    return Gate("pilot_distance", False, f"没有{what_zh}距任何试点社区在{num(limit_m)}米以内。",
                f"No {what_en} lies within {num(limit_m)} m of any pilot community.")


def merchant_near_pilot(
    facts: MerchantFacts, served: set[str], index: CommunityIndex, rubric: Rubric
) -> Gate:
    limit = rubric.gates.max_distance_to_pilot_m
    # A served community is at distance 0 (zone overlap) or within walking distance.
    ok = bool(served) and rubric.walking_distance_m <= limit
    if not ok:
        stores = sorted(facts.stores, key=lambda s: s.key)
        areas = [shapely.Point(s.lon, s.lat) for s in stores]
        areas += [s.zone for s in stores if s.home_delivery and s.zone is not None]
        ok = _near_pilot(areas, index, limit)
    return _distance_gate(ok, limit, "门店或配送范围", "store or delivery zone")


def ngo_reach(facts: NgoFacts) -> Gate:
    if facts.communities_served or facts.service_area is not None:
        return Gate("ngo_reach", True, "已申报服务社区或服务区域。",
                    "Declares communities served or a service area.")
    return Gate("ngo_reach", False, "既未申报服务社区，也未申报服务区域。",
                "Declares neither communities served nor a service area.")


def ngo_near_pilot(facts: NgoFacts, served: set[str], index: CommunityIndex,
                   rubric: Rubric) -> Gate:
    limit = rubric.gates.max_distance_to_pilot_m
    areas = [] if facts.service_area is None else [facts.service_area]
    ok = bool(served) or _near_pilot(areas, index, limit)
    return _distance_gate(ok, limit, "服务社区或服务区域", "served community or service area")
