"""Fixed vocabularies of the partner programme, each entry labelled in Chinese and English.

Codes are the stable identifiers stored in applications and rubrics; labels are for people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Label:
    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    zh: str
    en: str
    excluded: bool  # vouchers never buy it; the till must block it
    explanation_zh: str
    explanation_en: str


@dataclass(frozen=True, slots=True)
class Capability:
    code: str
    zh: str
    en: str
    serves: frozenset[str]  # priority-group codes this capability helps


def _cat(code: str, zh: str, en: str, why_zh: str, why_en: str, *, excluded: bool = False):
    return Category(code, zh, en, excluded, why_zh, why_en)


_ELIG_ZH, _ELIG_EN = "可用赈济券购买的生活必需品。", "Daily necessity that vouchers may buy."
CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        _cat("grain_oil", "粮油", "Grain and cooking oil", _ELIG_ZH, _ELIG_EN),
        _cat("fresh_food", "生鲜", "Fresh food", _ELIG_ZH, _ELIG_EN),
        _cat("daily_goods", "日用品", "Daily goods", _ELIG_ZH, _ELIG_EN),
        _cat("mother_infant", "母婴用品", "Mother and infant supplies", _ELIG_ZH, _ELIG_EN),
        _cat("elderly_care", "老年护理用品", "Elderly care supplies", _ELIG_ZH, _ELIG_EN),
        _cat("medical_supplies", "医疗用品", "Medical supplies",
             "非处方急救用品，如绷带、消毒用品。", "Non-prescription first-aid supplies only."),
        _cat("appliances", "家用电器", "Household appliances",
             "灾后恢复阶段添置冰箱等家电。", "Appliances such as a fridge, mainly for recovery."),
        _cat("clothing", "服装鞋帽", "Clothing and shoes", _ELIG_ZH, _ELIG_EN),
        _cat("emergency_kit", "应急物资", "Emergency kits", _ELIG_ZH, _ELIG_EN),
        _cat("drinking_water", "饮用水", "Drinking water", _ELIG_ZH, _ELIG_EN),
        _cat("fuel_heating", "燃料取暖", "Fuel and heating", _ELIG_ZH, _ELIG_EN),
        _cat("stationery", "学习用品", "School supplies", _ELIG_ZH, _ELIG_EN),
        _cat("bedding", "床上用品", "Bedding", _ELIG_ZH, _ELIG_EN),
        _cat("kitchenware", "厨具", "Kitchenware", _ELIG_ZH, _ELIG_EN),
        _cat("tobacco", "烟草", "Tobacco",
             "赈济券不得购买烟草。", "Vouchers never buy tobacco.", excluded=True),
        _cat("alcohol", "酒类", "Alcohol",
             "赈济券不得购买酒类。", "Vouchers never buy alcohol.", excluded=True),
        _cat("health_supplements", "保健品", "Health supplements",
             "赈济券不得购买保健品。", "Vouchers never buy health supplements.", excluded=True),
    )
}
ELIGIBLE: frozenset[str] = frozenset(c for c, v in CATEGORIES.items() if not v.excluded)
EXCLUDED: frozenset[str] = frozenset(c for c, v in CATEGORIES.items() if v.excluded)

# "residents" is the base group every person belongs to; the others are the programme's
# priority groups. Women are a priority group too, but communities report no count for them.
PRIORITY_GROUPS: dict[str, Label] = {
    g.code: g
    for g in (
        Label("residents", "居民", "residents"),
        Label("elderly", "老人", "elderly"),
        Label("elderly_alone", "独居老人", "elderly living alone"),
        Label("disabled", "残障人士", "people with disabilities"),
        Label("mothers_infants", "母婴", "mothers with infants"),
        Label("children", "儿童", "children"),
    )
}

_BASE = frozenset({"residents"})  # general preparedness work for everyone
_ELDERLY = frozenset({"elderly", "elderly_alone"})
_IMMOBILE = frozenset({"elderly", "elderly_alone", "disabled"})
CAPABILITIES: dict[str, Capability] = {
    c.code: c
    for c in (
        Capability("drills", "应急演练", "emergency drills", _BASE),
        Capability("training", "培训", "training", _BASE),
        Capability("resource_mapping", "风险与资源排查", "hazard and resource mapping", _BASE),
        Capability("emergency_planning", "社区应急预案", "community emergency planning", _BASE),
        Capability("first_aid", "急救", "first aid", _BASE),
        Capability("elderly_phone_help", "帮助老人使用手机领券",
                   "helping elderly people claim vouchers by phone", _ELDERLY),
        Capability("home_delivery", "送货上门", "home delivery",
                   _IMMOBILE | {"mothers_infants"}),
        Capability("psychosocial_support", "心理支持", "psychosocial support",
                   frozenset({"residents", "elderly_alone", "children"})),
        Capability("child_care", "儿童照护", "child care",
                   frozenset({"children", "mothers_infants"})),
        Capability("disability_support", "残障人士支持", "disability support",
                   frozenset({"disabled"})),
        Capability("elderly_visits", "独居老人探访", "visits to elderly living alone",
                   frozenset({"elderly_alone"})),
        Capability("maternal_support", "孕产妇与婴幼儿支持", "support for mothers and infants",
                   frozenset({"mothers_infants"})),
    )
}

PHASES: dict[str, Label] = {
    p.code: p
    for p in (
        Label("preparedness", "日常备灾", "routine preparedness"),
        Label("warning", "灾害预警", "disaster warning"),
        Label("recovery", "灾后恢复", "recovery"),
    )
}

MERCHANT_CRITERIA = ("coverage", "delivery", "settlement", "track_record")
NGO_CRITERIA = ("communities", "experience", "people", "capabilities")
CRITERIA: dict[str, Label] = {
    c.code: c
    for c in (
        Label("coverage", "社区覆盖", "community coverage"),
        Label("delivery", "配送能力", "delivery capacity"),
        Label("settlement", "结算与数据准备", "settlement and data readiness"),
        Label("track_record", "履约记录", "track record in the network"),
        Label("communities", "服务社区", "communities served"),
        Label("experience", "救灾经验", "disaster experience"),
        Label("people", "人员力量", "staff and volunteers"),
        Label("capabilities", "重点人群服务能力", "capabilities for priority groups"),
    )
}

GATES: dict[str, Label] = {
    g.code: g
    for g in (
        Label("wechat_pay", "微信支付直连商户号", "direct WeChat Pay merchant account"),
        Label("eligible_category", "可用券商品品类", "voucher-eligible category"),
        Label("pilot_distance", "临近试点社区", "near a pilot community"),
        Label("ngo_reach", "服务社区或服务区域", "communities or service area"),
    )
}
