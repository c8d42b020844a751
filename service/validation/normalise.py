"""Normalisation applied to every string before validation.

Text is kept as typed: full-width punctuation （）、，： is part of a registered Chinese name.
Every string is trimmed and loses invisible format characters (zero-width space/joiners,
RTL/LTR overrides, BOM) that pasted text can hide; a control character (NUL and the other
C0/C1 codes but tab and line breaks) or a lone surrogate is refused, because PostgreSQL
cannot store it and no form needs it. Only codes, numbers and phone numbers are folded
with NFKC (full-width digits, letters, spaces and hyphens typed on Chinese keyboards): the
walker does that for the fields whose type says they are codes (see `fold`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def bad_character(value: str) -> str | None:
    """The first character PostgreSQL or a reader must never get (a control or a lone
    surrogate), else None."""
    for ch in value:
        if ch in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            return ch
    return None


def describe(ch: str) -> tuple[str, str]:
    """English and Chinese text naming a refused character."""
    kind_en = "a lone surrogate" if unicodedata.category(ch) == "Cs" else "a control character"
    kind_zh = "孤立的代理码位" if unicodedata.category(ch) == "Cs" else "控制字符"
    code = f"U+{ord(ch):04X}"
    return (
        f"Contains {kind_en} ({code}); remove it.",
        f"包含不允许的{kind_zh}（{code}），请删除后重试。",
    )


def clean_text(value: str) -> str:
    """Drop format characters (Cf) and trim; everything else stays as typed."""
    if any(unicodedata.category(ch) == "Cf" for ch in value):
        value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    return value.strip()


def fold(value: str) -> str:
    """Codes, numbers and phone numbers: NFKC (１２３ -> 123, ＡＢ -> AB, full-width space
    and hyphen -> ASCII), format characters dropped, trimmed."""
    return clean_text(unicodedata.normalize("NFKC", value))


MAX_DEPTH = 32


class TooDeep(ValueError):
    """JSON nested deeper than any of our documents needs."""


class BadCharacter(ValueError):
    """A string (or an object key) holds a character that must not be stored."""

    def __init__(self, pointer: str, char: str) -> None:
        super().__init__(pointer)
        self.pointer = pointer
        self.char = char


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def normalise(
    value: Any, depth: int = 0, pointer: str = "", bad: list[BadCharacter] | None = None
) -> Any:
    """Clean every string in decoded JSON; refused characters are appended to `bad`
    (one entry per string, with its JSON pointer) and the string is kept as given."""
    if depth > MAX_DEPTH:
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if (ch := bad_character(value)) is not None:
            if bad is not None:
                bad.append(BadCharacter(pointer or "/", ch))
            return value
        return clean_text(value)
    if isinstance(value, list):
        return [normalise(v, depth + 1, f"{pointer}/{i}", bad) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            child = f"{pointer}/{_escape(k)}"
            if bad is not None and (ch := bad_character(k)) is not None:
                bad.append(BadCharacter(child, ch))
            out[k] = normalise(v, depth + 1, child, bad)
        return out
    return value
