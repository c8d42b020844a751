"""Shapes every request body shares: strict structs and finite coordinates."""

from __future__ import annotations

import math
from typing import Annotated

import msgspec

from service.validation.checks import Check, Invalid


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Unknown fields are errors: a typo must not silently drop data."""


def finite(value: float) -> float:
    if not math.isfinite(value):
        raise Invalid("not_finite", "Must be a finite number", "必须是有限的数值")
    return value


Coordinate = Annotated[float, Check(finite)]
