"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", as Stripe signs its webhooks.

Header: `X-Boai-Signature: t=<unix seconds>,v1=<hex digest>`. A receiver recomputes the
digest over the exact bytes it received, compares in constant time, and refuses a
timestamp too far from its own clock (a replayed old request). `verify` does all three.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Boai-Signature"
EVENT_ID_HEADER = "X-Boai-Event-Id"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    pass


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header's value for `body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={_digest(secret, ts, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a signature header against the received body; return its timestamp."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    expected = _digest(secret, timestamp, body)
    # Several v1 values may be sent while a secret is being rotated; one must match.
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    return timestamp
