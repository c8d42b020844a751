"""Realistic request bodies for the intake tests."""

from __future__ import annotations

import copy
import random
from typing import Any

import asyncpg
from stdnum.cn import uscc

from geo import from_wgs84

ZHONGLUBEI = (116.4663, 39.9303)  # WGS-84, near 团结湖中路北社区


def credit_code(seed: int, first: str = "9") -> str:
    rng = random.Random(seed)
    body = first + "1" + "110105" + "".join(rng.choice("0123456789ABCDEFGH") for _ in range(9))
    return body + uscc.calc_check_digit(body)


def store(
    name: str = "团结湖店",
    lon: float = ZHONGLUBEI[0],
    lat: float = ZHONGLUBEI[1],
    crs: str = "wgs84",
    **delivery: Any,
) -> dict[str, Any]:
    if crs != "wgs84":
        lon, lat = from_wgs84(lon, lat, crs)
    return {
        "name": name,
        "address": "北京市朝阳区团结湖中路北1号",
        "location": {"lon": lon, "lat": lat, "crs": crs},
        "categories": ["grain_oil", "daily_goods", "fresh_food"],
        "opening_hours": "07:00-22:00",
        "delivery": {
            "home_delivery": True,
            "radius_m": 1500,
            "daily_capacity": 40,
            "emergency_24h": True,
            "mobility_assist": True,
            **delivery,
        },
    }


def merchant(seed: int = 1, **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "merchant",
        "round": "beijing-2",
        "legal_name": "北京物美商业集团股份有限公司",
        "credit_code": credit_code(seed),
        "wechat_pay_mch_id": "1900012345",
        "settlement_contact": {"name": "王芳", "mobile": "13800138000"},
        "data_feedback": True,
        "trained_staff": 3,
        "stores": [store()],
    }
    body.update(copy.deepcopy(overrides))
    return body


def ngo(seed: int = 100, **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "ngo",
        "round": "beijing-2",
        "legal_name": "北京市朝阳区社区韧性发展中心",
        "credit_code": credit_code(seed, first="5"),
        "contact": {"name": "李强", "mobile": "13911112222"},
        "communities_served": ["110105013029"],
        "disaster_experience_years": 6,
        "staff": 8,
        "volunteers": 120,
        "capabilities": ["drills", "elderly_phone_help", "home_delivery"],
    }
    body.update(copy.deepcopy(overrides))
    return body


async def open_round(conn: asyncpg.Connection, code: str = "beijing-2") -> None:
    """An open round with the default rubric, made the way admins make it."""
    from service.rounds.service import create_round

    await create_round(conn, code, "北京第二批爱心商家招募", "open", None, "test")
