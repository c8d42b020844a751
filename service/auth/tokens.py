"""Tokens are random, shown once, and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

STAFF_PREFIX = "boai_s_"
APPLICANT_PREFIX = "boai_a_"


def new_token(prefix: str = STAFF_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> bytes:
    # A fast hash suffices: tokens carry 256 bits of randomness, nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).digest()
