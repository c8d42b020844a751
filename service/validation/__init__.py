"""Request validation that reports every invalid field at once.

msgspec (and Litestar on top of it) stops at the first invalid field. `collect`
walks the expected type instead, cleans strings on the way (trimmed, invisible format
characters removed, control characters refused; codes alone NFKC-folded) and gathers
every problem as a FieldError with a JSON pointer and messages in Chinese and English.
"""

from service.validation.checks import Check, Code, Invalid
from service.validation.types import Coordinate, Strict, finite
from service.validation.walker import collect, decode_and_collect

__all__ = [
    "Check", "Code", "Coordinate", "Invalid", "Strict", "collect", "decode_and_collect", "finite",
]
