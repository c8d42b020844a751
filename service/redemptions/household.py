"""Households are pseudonymised: the service keeps HMAC-SHA256(secret, ref), never the ref.

The secret comes from Settings (BOAI_HOUSEHOLD_KEY) or, for the embedded cluster, from
`<data dir>/household.key` (created once, mode 600, by `boai serve` and `boai fixtures load`).
The same secret must be kept for as long as reports should link a household's redemptions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
from pathlib import Path

from service.config import Settings

KEY_FILE = "household.key"


def key_from(settings: Settings) -> bytes | None:
    if settings.household_key:
        return settings.household_key.encode("utf-8")
    try:
        text = (Path(settings.data_dir) / KEY_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text.encode("utf-8") or None


def ensure_key_file(settings: Settings) -> None:
    """For the embedded cluster: create the secret once (never printed)."""
    if settings.household_key:
        return
    path = Path(settings.data_dir) / KEY_FILE
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")


def pseudonym(key: bytes, household_ref: str) -> bytes:
    # Refs are codes: fold full-width characters and case so one household has one pseudonym.
    ref = unicodedata.normalize("NFKC", household_ref).strip().upper()
    return hmac.new(key, ref.encode("utf-8"), hashlib.sha256).digest()
