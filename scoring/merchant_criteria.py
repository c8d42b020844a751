"""Merchant sub-scores: coverage, delivery, settlement.

Every measure is a union or best-of over the merchant's stores, never an average, so adding a
store can never lower a sub-score (a chain is not punished for a weak extra branch).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from scoring.card import Draft, num
from scoring.coverage import CommunityIndex, marginal_gains
from scoring.models import MerchantFacts
from scoring.rubric import Rubric

TOP_NAMED = 3  # communities named in an explanation


def coverage(
    served_by_store: Mapping[str, set[str]],
    index: CommunityIndex,
    rubric: Rubric,
    existing: Mapping[str, int],
) -> Draft:
    k = rubric.target_stores_per_community
    m = Counter(code for codes in served_by_store.values() for code in codes)
    gains = marginal_gains(m, existing, index.weights(rubric.priority_weights), k)
    total_gain = sum(gains[c] for c in sorted(gains))
    rows = []
    for code in sorted(gains, key=lambda c: (-gains[c], c)):
        c, n = index.by_code[code], existing.get(code, 0)
        rows.append({"code": code, "name": c.name, "residents": c.residents,
                     "elderly": c.elderly, "network_stores": n, "candidate_stores": m[code],
                     "stores_after": n + m[code], "gain": round(gains[code], 2)})
    adding = [r for r in rows if r["gain"] > 0][:TOP_NAMED]
    if adding:
        zh = "；".join(
            f"新增覆盖{r['name']}{num(r['elderly'])}名老人、{num(r['residents'])}名居民"
            f"（网络门店{r['network_stores']}→{r['stores_after']}家）" for r in adding)
        en = "; ".join(
            f"adds coverage for {num(r['elderly'])} elderly and {num(r['residents'])} "
            f"residents in {index.by_code[r['code']].name_en or r['name']} "
            f"(network stores {r['network_stores']}→{r['stores_after']})" for r in adding)
        zh += f"。加权新增人口{num(total_gain)}（满分线{num(rubric.coverage_full_marks)}）。"
        en = (en[0].upper() + en[1:] + f". Weighted marginal population {num(total_gain)} "
              f"(full marks at {num(rubric.coverage_full_marks)}).")
    elif rows:
        zh = f"所服务社区均已有至少{k}家网络门店，无新增覆盖。"
        en = f"Every community it serves already has {k} or more network stores; adds nothing."
    else:
        zh = "没有门店位于试点社区的步行或配送范围内。"
        en = "No store is within walking or delivery reach of a pilot community."
    facts = {"target_k": k, "weighted_gain": round(total_gain, 2), "communities": rows,
             "stores": {key: sorted(served_by_store[key]) for key in sorted(served_by_store)}}
    return Draft("coverage", 100 * total_gain / rubric.coverage_full_marks, facts, zh, en)


# Points inside the delivery sub-score; they sum to 100.
DELIVERY_POINTS = {"home_delivery": 30, "reach": 25, "capacity": 20, "emergency_24h": 15,
                   "mobility_assist": 10}


def delivery(
    facts: MerchantFacts, served_by_store: Mapping[str, set[str]], index: CommunityIndex,
    rubric: Rubric,
) -> Draft:
    stores = sorted(facts.stores, key=lambda s: s.key)
    hh = {code: index.by_code[code].households for codes in served_by_store.values()
          for code in codes}
    delivering = [s.key for s in stores if s.home_delivery]
    # A delivering store reaches its zone's communities and those within walking distance.
    reach = {code for key in delivering for code in served_by_store[key]}
    reach_hh = sum(hh[c] for c in reach)
    served_hh = sum(hh.values())
    capacity = sum(s.daily_capacity for s in stores)
    # min(capacity, households) rises with every store, unlike a capacity/households ratio.
    servable = min(capacity, served_hh)
    full = rubric.delivery_full_households
    parts = {
        "home_delivery": 1.0 if delivering else 0.0,
        "reach": min(1.0, reach_hh / full),
        "capacity": min(1.0, servable / rubric.daily_capacity_full_marks),
        "emergency_24h": 1.0 if any(s.emergency_24h for s in stores) else 0.0,
        "mobility_assist": 1.0 if any(s.mobility_assist for s in stores) else 0.0,
    }
    points = {p: round(DELIVERY_POINTS[p] * v, 1) for p, v in parts.items()}
    # "(earned/possible)" from the same table as the score, so text and score cannot disagree.
    of = {p: f"{points[p]}/{DELIVERY_POINTS[p]}" for p in DELIVERY_POINTS}
    zh = (f"送货上门门店{len(delivering)}家（{of['home_delivery']}）；"
          f"配送可达{num(reach_hh)}户（{of['reach']}）；"
          f"日服务能力{num(capacity)}户，所服务社区共{num(served_hh)}户，"
          f"每日{num(rubric.daily_capacity_full_marks)}户得满分"
          f"（{of['capacity']}）；24小时应急（{of['emergency_24h']}）；"
          f"助行服务（{of['mobility_assist']}）。")
    en = (f"{len(delivering)} store(s) deliver home ({of['home_delivery']}); "
          f"delivery reaches {num(reach_hh)} households ({of['reach']}); "
          f"daily capacity {num(capacity)} for {num(served_hh)} households served, full at "
          f"{num(rubric.daily_capacity_full_marks)} a day ({of['capacity']}); "
          f"24-hour emergency ({of['emergency_24h']}); "
          f"mobility assistance ({of['mobility_assist']}).")
    out = {"home_delivery_stores": delivering, "delivery_households": reach_hh,
           "served_households": served_hh, "daily_capacity": capacity,
           "emergency_24h_stores": [s.key for s in stores if s.emergency_24h],
           "mobility_assist_stores": [s.key for s in stores if s.mobility_assist],
           "points": points}
    return Draft("delivery", sum(DELIVERY_POINTS[p] * v for p, v in parts.items()), out, zh, en)


# Points inside the settlement sub-score; they sum to 100.
SETTLEMENT_POINTS = {"wechat_pay": 40, "settlement_contact": 20, "data_feedback": 20,
                     "trained_staff": 20}


def settlement(facts: MerchantFacts, rubric: Rubric) -> Draft:
    cap = rubric.trained_staff_full_marks
    parts = {"wechat_pay": 1.0 if facts.has_wechat_pay_mch_id else 0.0,
             "settlement_contact": 1.0 if facts.has_settlement_contact else 0.0,
             "data_feedback": 1.0 if facts.data_feedback else 0.0,
             "trained_staff": min(facts.trained_staff, cap) / cap}
    points = {p: round(float(SETTLEMENT_POINTS[p]) * v, 1) for p, v in parts.items()}
    of = {p: f"{points[p]}/{SETTLEMENT_POINTS[p]}" for p in SETTLEMENT_POINTS}
    zh = (f"微信支付直连商户号（{of['wechat_pay']}）；结算对账联系人"
          f"（{of['settlement_contact']}）；承诺数据反馈（{of['data_feedback']}）；"
          f"已培训员工{facts.trained_staff}名，{cap}名得满分（{of['trained_staff']}）。")
    en = (f"Direct WeChat Pay merchant account ({of['wechat_pay']}); settlement contact "
          f"({of['settlement_contact']}); data feedback commitment "
          f"({of['data_feedback']}); {facts.trained_staff} trained staff, full marks at "
          f"{cap} ({of['trained_staff']}).")
    # unrounded, so the sub-score is exact
    score = sum(SETTLEMENT_POINTS[p] * v for p, v in parts.items())
    return Draft("settlement", score, {"trained_staff": facts.trained_staff, "points": points},
                 zh, en)


# Points inside the track-record sub-score; they sum to 100.
TRACK_RECORD_POINTS = {"fulfilled": 40, "timely": 30, "violations": 30}


def track_record(facts: MerchantFacts, rubric: Rubric) -> Draft:
    """Reservations fulfilled, reports on time, monitoring violations: the facts of the
    merchant's earlier work in the network. No history scores the rubric's neutral value."""
    record = facts.track_record
    if record is None or (record.reservations == 0 and record.records == 0):
        score = rubric.track_record_unknown_score
        return Draft("track_record", score, {"history": False},
                     f"网络中尚无该商户的履约记录，按中性分{num(score)}计。",
                     f"No track record in the network yet; neutral score {num(score)}.")
    cap = rubric.track_record_max_violations
    parts = {
        "fulfilled": record.fulfilled / record.reservations if record.reservations else 1.0,
        "timely": record.timely / record.records if record.records else 0.0,
        "violations": max(0.0, 1.0 - record.violations / cap),
    }
    points = {p: round(TRACK_RECORD_POINTS[p] * v, 1) for p, v in parts.items()}
    of = {p: f"{points[p]}/{TRACK_RECORD_POINTS[p]}" for p in TRACK_RECORD_POINTS}
    zh = (f"派单{record.reservations}户，已核销并上报{record.fulfilled}户（{of['fulfilled']}）；"
          f"上报核销{record.records}笔，24小时内上报{record.timely}笔（{of['timely']}）；"
          f"监测违规{record.violations}次，{cap}次扣完（{of['violations']}）。")
    en = (f"{record.fulfilled} of {record.reservations} routed households redeemed and reported "
          f"({of['fulfilled']}); {record.timely} of {record.records} redemptions reported "
          f"within 24 hours ({of['timely']}); {record.violations} monitoring violation(s), "
          f"all points lost at {cap} ({of['violations']}).")
    out = {"history": True, "reservations": record.reservations,
           "fulfilled": record.fulfilled, "records": record.records, "timely": record.timely,
           "violations": record.violations, "points": points}
    return Draft("track_record", sum(TRACK_RECORD_POINTS[p] * v for p, v in parts.items()),
                 out, zh, en)
