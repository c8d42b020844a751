"""Normalisation applied to every string before validation.

Forms typed on Chinese keyboards carry full-width digits and letters (１２３, ＡＢ)
and stray spaces; pasted text can hide zero-width and bidi control characters.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFKC", value)
    # Drop format characters (zero-width space/joiners, RTL/LTR overrides, BOM).
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    return value.strip()


MAX_DEPTH = 32


class TooDeep(ValueError):
    """JSON nested deeper than any of our documents needs."""


def normalise(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [normalise(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v, depth + 1) for k, v in value.items()}
    return value
