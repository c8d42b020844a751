"""Chinese renderings of msgspec's validation messages, in words a shop owner understands.

The English stays msgspec's (API clients read it); the Chinese names the field and says what
to do: "请填写企业名称", "请输入 0 到 100 之间的整数", never "类型错误：应为数字，实际为字符串".
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

# What the forms call each field, by JSON pointer with list indexes as "*".
FIELD_ZH: dict[str, str] = {
    "/round": "招募批次编码",
    "/legal_name": "企业名称",
    "/credit_code": "统一社会信用代码",
    "/wechat_pay_mch_id": "微信支付商户号",
    "/settlement_contact/name": "结算对账联系人",
    "/settlement_contact/mobile": "联系人手机号",
    "/contact/name": "联系人",
    "/contact/mobile": "联系人手机号",
    "/data_feedback": "数据反馈承诺",
    "/trained_staff": "已参加培训的员工人数",
    "/stores/*/name": "门店名称",
    "/stores/*/address": "门店地址",
    "/stores/*/location/lon": "经度",
    "/stores/*/location/lat": "纬度",
    "/stores/*/location/crs": "坐标系",
    "/stores/*/categories": "经营品类",
    "/stores/*/opening_hours": "营业时间",
    "/stores/*/delivery/home_delivery": "是否送货上门",
    "/stores/*/delivery/radius_m": "配送半径",
    "/stores/*/delivery/daily_capacity": "每日可配送单数",
    "/disaster_experience_years": "救灾工作年限",
    "/staff": "专职人员数",
    "/volunteers": "志愿者人数",
    "/capabilities": "服务能力",
    "/communities_served": "服务的试点社区",
    "/answer": "回复内容",
    "/reason": "原因",
    "/question": "问题",
}
_INDEX = re.compile(r"/\d+(?=/|$)")

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Expected `(\w+)`, got `(\w+)`"), "type"),
    (re.compile(r"Expected `(\w+)` of length >= (\d+)"), "too_short"),
    (re.compile(r"Expected `(\w+)` of length <= (\d+)"), "too_long"),
    (re.compile(r"Expected `(\w+)` >= (\S+)"), "too_small"),
    (re.compile(r"Expected `(\w+)` > (\S+)"), "too_small"),
    (re.compile(r"Expected `(\w+)` <= (\S+)"), "too_large"),
    (re.compile(r"Expected `(\w+)` < (\S+)"), "too_large"),
    (re.compile(r"Expected `(\w+)` matching regex"), "pattern"),
    (re.compile(r"Invalid enum value"), "enum"),
    (re.compile(r"Expected `array` of length"), "length"),
]


def label(pointer: str) -> str:
    """The field's name on the forms, or "" when it has none."""
    return FIELD_ZH.get(_INDEX.sub("/*", pointer), "")


def _unwrap(ann: Any) -> tuple[Any, list[msgspec.Meta]]:
    """The base type and its Meta constraints, through Annotated and Optional."""
    metas: list[msgspec.Meta] = []
    while True:
        origin = get_origin(ann)
        if origin is Annotated:
            ann, *rest = get_args(ann)
            metas.extend(m for m in rest if isinstance(m, msgspec.Meta))
        elif origin is Union or type(ann).__name__ == "UnionType":
            args = [a for a in get_args(ann) if a is not type(None)]
            if len(args) != 1:
                return ann, metas
            ann = args[0]
        else:
            return ann, metas


def _bound(metas: list[msgspec.Meta], *names: str) -> Any:
    for meta in metas:
        for name in names:
            value = getattr(meta, name, None)
            if value is not None:
                return value
    return None


def _number(base: Any, metas: list[msgspec.Meta]) -> str:
    what = "整数" if base is int else "数字"
    lo, hi = _bound(metas, "ge", "gt"), _bound(metas, "le", "lt")
    if lo is not None and hi is not None:
        return f"请输入 {lo:g} 到 {hi:g} 之间的{what}"
    if lo is not None:
        return f"请输入不小于 {lo:g} 的{what}"
    if hi is not None:
        return f"请输入不大于 {hi:g} 的{what}"
    return f"请输入{what}"


def required_zh(pointer: str, ann: Any = None) -> str:
    """A missing field: what to fill in or choose."""
    name = label(pointer)
    base, _ = _unwrap(ann)
    if get_origin(base) is Literal or base is bool:
        return f"请选择{name}" if name else "请选择一项"
    if get_origin(base) in (list, tuple, set, frozenset):
        return f"请至少选择一项{name}" if name else "请至少选择一项"
    return f"请填写{name}" if name else "请填写此项"


def too_few_zh(pointer: str, minimum: int) -> str:
    name = label(pointer)
    if minimum == 1:
        return f"请至少选择一项{name}" if name else "请至少选择一项"
    return f"{name or '此项'}至少需要 {minimum} 项"


def translate(
    message: str, *, pointer: str = "", ann: Any = None, raw: Any = None
) -> tuple[str, str, str]:
    """(code, english, chinese) for one msgspec message (without its `- at ...` tail).

    With the field's pointer, type and value the Chinese names the field and the range.
    """
    english = message.split(" - at ", 1)[0]
    base, metas = _unwrap(ann)
    if get_origin(base) is dict:  # e.g. scores: {criterion: 0..100}: the values' range
        base, metas = _unwrap(get_args(base)[1])
    name = label(pointer)
    for pattern, code in _RULES:
        match = pattern.search(english)
        if not match:
            continue
        groups = match.groups()
        if code in ("too_small", "too_large") or (
            code == "type" and groups[0] in ("int", "float", "number")
        ):
            if ann is None and code != "type":
                word = "小于" if code == "too_small" else "大于"
                return code, english, f"数值不能{word} {groups[1]}"
            number = int if groups[0] == "int" or base is int else float
            return code, english, _number(number, metas)
        if code == "type" and groups[0] == "bool":
            return code, english, f"请选择{name}" if name else "请选择是或否"
        if code == "type" and groups[0] == "str":
            return code, english, f"请填写{name}（文字）" if name else "请填写文字"
        if code == "type":
            return code, english, f"{name or '此项'}的格式不正确"
        if code == "too_short":
            if (isinstance(raw, str) and raw.strip() == "") or groups[1] == "1":
                return code, english, required_zh(pointer, ann)
            return code, english, f"{name or '此项'}至少需要 {groups[1]} 个字"
        if code == "too_long":
            return code, english, f"{name or '此项'}不能超过 {groups[1]} 个字"
        if code == "enum":
            return code, english, f"请从选项中选择{name}" if name else "请从选项中选择"
        return code, english, f"{name or '此项'}的格式不正确"
    return "invalid", english, f"{name or '此项'}填写有误"
