"""Request validation that reports every invalid field at once.

msgspec (and Litestar on top of it) stops at the first invalid field. `collect`
walks the expected type instead, normalises strings on the way (NFKC, trimmed,
invisible format characters removed) and gathers every problem as a FieldError
with a JSON pointer and messages in Chinese and English.
"""

from service.validation.checks import Check, Invalid
from service.validation.walker import collect, decode_and_collect

__all__ = ["Check", "Invalid", "collect", "decode_and_collect"]
