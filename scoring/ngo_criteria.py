"""NGO sub-scores: communities served, disaster experience, people, priority-group capabilities.

Experience and people saturate as 100 * (1 - 0.5 ** (x / half)): the first years and the first
volunteers matter most, and no amount of either buys more than 100.
"""

from __future__ import annotations

from scoring.card import Draft, num
from scoring.coverage import CommunityIndex
from scoring.models import NgoFacts
from scoring.rubric import Rubric
from scoring.vocabulary import CAPABILITIES, PRIORITY_GROUPS

TOP_NAMED = 3
# Capabilities score: 70 points for the priority groups reached (weighted by the rubric's
# priority weights), 30 for breadth, full at this many distinct known capabilities.
GROUP_POINTS, BREADTH_POINTS, BREADTH_FULL = 70.0, 30.0, 6


def saturating(x: float, half: float) -> float:
    return 100.0 * (1.0 - 0.5 ** (x / half))


def served_communities(facts: NgoFacts, index: CommunityIndex) -> set[str]:
    """Declared pilot communities plus those the service area overlaps."""
    served = {c for c in facts.communities_served if c in index.by_code}
    if facts.service_area is not None:
        served |= index.overlapping(facts.service_area)
    return served


def communities(facts: NgoFacts, served: set[str], index: CommunityIndex,
                rubric: Rubric) -> Draft:
    w = index.weights(rubric.priority_weights)
    total = sum(w[c] for c in sorted(served))
    rows = [{"code": c, "name": index.by_code[c].name, "weighted_population": round(w[c], 2),
             "residents": index.by_code[c].residents, "elderly": index.by_code[c].elderly}
            for c in sorted(served, key=lambda c: (-w[c], c))]
    named = rows[:TOP_NAMED]
    zh = "服务" + "、".join(f"{r['name']}（老人{num(r['elderly'])}名，居民{num(r['residents'])}名）"
                          for r in named)
    en = "Serves " + "; ".join(
        f"{index.by_code[r['code']].name_en or r['name']} ({num(r['elderly'])} elderly, "
        f"{num(r['residents'])} residents)" for r in named)
    if not named:
        zh, en = "未服务任何试点社区", "Serves no pilot community"
    full = num(rubric.ngo_population_full_marks)
    zh += f"等{len(rows)}个试点社区，加权人口{num(total)}（满分线{full}）。"
    plural = "community" if len(rows) == 1 else "communities"
    en += (f"; {len(rows)} pilot {plural}, weighted population {num(total)} "
           f"(full marks at {full}).")
    out = {"communities": rows, "weighted_population": round(total, 2),
           "non_pilot_declared": sorted(facts.communities_served - set(index.by_code))}
    return Draft("communities", 100 * total / rubric.ngo_population_full_marks, out, zh, en)


def experience(facts: NgoFacts, rubric: Rubric) -> Draft:
    years, half = facts.disaster_experience_years, rubric.experience_half_years
    return Draft("experience", saturating(years, half), {"years": years},
                 f"救灾经验{years:g}年（{half:g}年得50分，逐年递减增益）。",
                 f"{years:g} years of disaster experience ({half:g} years earn 50, "
                 "with diminishing returns).")


def people(facts: NgoFacts, served: set[str], index: CommunityIndex, rubric: Rubric) -> Draft:
    households = sum(index.by_code[c].households for c in served)
    headcount = facts.staff + facts.volunteers
    per_100 = 100.0 * headcount / households if households else 0.0
    out = {"staff": facts.staff, "volunteers": facts.volunteers,
           "households_served": households, "per_100_households": round(per_100, 3)}
    if not households:
        return Draft("people", 0.0, out, "未服务有住户的试点社区，无法按户评估人员力量。",
                     "Serves no pilot households, so people per household cannot be rated.")
    half = rubric.people_per_100_households_half
    return Draft("people", saturating(per_100, half), out,
                 f"专职{facts.staff}人、志愿者{facts.volunteers}人，服务{num(households)}户，"
                 f"每百户{per_100:.2f}人（每百户{half:g}人得50分）。",
                 f"{facts.staff} staff and {facts.volunteers} volunteers for {num(households)} "
                 f"households: {per_100:.2f} per 100 households ({half:g} earns 50).")


def capabilities(facts: NgoFacts, rubric: Rubric) -> Draft:
    known = sorted(facts.capabilities & set(CAPABILITIES))
    reached_set = {g for c in known for g in CAPABILITIES[c].serves}
    groups = [g for g in PRIORITY_GROUPS if g in reached_set]  # vocabulary order
    pw = rubric.priority_weights
    reached = sum(getattr(pw, g) for g in groups) / sum(getattr(pw, g) for g in PRIORITY_GROUPS)
    score = GROUP_POINTS * reached + BREADTH_POINTS * min(1.0, len(known) / BREADTH_FULL)
    missing = [g for g in PRIORITY_GROUPS if g not in groups]
    zh = ("能力：" + ("、".join(CAPABILITIES[c].zh for c in known) or "无") + "；覆盖人群："
          + ("、".join(PRIORITY_GROUPS[g].zh for g in groups) or "无") + "；未覆盖："
          + ("、".join(PRIORITY_GROUPS[g].zh for g in missing) or "无") + "。")
    en = ("Capabilities: " + (", ".join(CAPABILITIES[c].en for c in known) or "none")
          + "; groups served: " + (", ".join(PRIORITY_GROUPS[g].en for g in groups) or "none")
          + "; not served: " + (", ".join(PRIORITY_GROUPS[g].en for g in missing) or "none")
          + ".")
    out = {"capabilities": known, "groups_served": groups, "groups_missing": missing,
           "unknown_capabilities": sorted(facts.capabilities - set(CAPABILITIES))}
    return Draft("capabilities", score, out, zh, en)
