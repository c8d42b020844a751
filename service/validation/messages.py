"""Chinese renderings of msgspec's validation messages."""

from __future__ import annotations

import re

_TYPES_ZH = {
    "int": "整数",
    "float": "数字",
    "str": "字符串",
    "bool": "布尔值",
    "object": "对象",
    "array": "数组",
    "null": "空值",
    "number": "数字",
}

_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"Expected `(\w+)`, got `(\w+)`"), "type", "类型错误：应为{0}，实际为{1}"),
    (re.compile(r"Expected `(\w+)` of length >= (\d+)"), "too_short", "长度不能少于 {1}"),
    (re.compile(r"Expected `(\w+)` of length <= (\d+)"), "too_long", "长度不能超过 {1}"),
    (re.compile(r"Expected `(\w+)` >= (\S+)"), "too_small", "数值不能小于 {1}"),
    (re.compile(r"Expected `(\w+)` > (\S+)"), "too_small", "数值必须大于 {1}"),
    (re.compile(r"Expected `(\w+)` <= (\S+)"), "too_large", "数值不能大于 {1}"),
    (re.compile(r"Expected `(\w+)` < (\S+)"), "too_large", "数值必须小于 {1}"),
    (re.compile(r"Expected `(\w+)` matching regex"), "pattern", "格式不正确"),
    (re.compile(r"Invalid enum value"), "enum", "取值不在允许范围内"),
    (re.compile(r"Expected `array` of length"), "length", "数组长度不符合要求"),
]


def translate(message: str) -> tuple[str, str, str]:
    """(code, english, chinese) for one msgspec message (without its `- at ...` tail)."""
    english = message.split(" - at ", 1)[0]
    for pattern, code, zh in _RULES:
        if match := pattern.search(english):
            groups = [_TYPES_ZH.get(g, g) for g in match.groups()]
            return code, english, zh.format(*groups)
    return "invalid", english, "取值无效"
