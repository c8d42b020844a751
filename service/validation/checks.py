"""Field checks attached to types with `Annotated[..., Check(fn)]`.

A check receives the decoded value and returns it, possibly normalised, or raises
`Invalid`. msgspec ignores this metadata; the walker applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Invalid(Exception):
    """A field value breaks a rule: machine code plus English and Chinese text."""

    def __init__(self, code: str, detail_en: str, detail_zh: str, suffix: str = "") -> None:
        super().__init__(detail_en)
        self.code = code
        self.detail_en = detail_en
        self.detail_zh = detail_zh
        # A pointer suffix below the field, e.g. "/coordinates/0" for a ring.
        self.suffix = suffix


@dataclass(frozen=True, slots=True)
class Check:
    fn: Callable[[Any], Any]

    def __call__(self, value: Any) -> Any:
        return self.fn(value)


@dataclass(frozen=True, slots=True)
class Code:
    """Marks a string field as a code, number or phone number: the walker folds it with
    NFKC (full-width digits, letters, spaces, hyphens) before checking it. Free text is
    never folded."""
