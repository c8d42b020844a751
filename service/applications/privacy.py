"""Masking of personal data for roles that do not need it."""

from __future__ import annotations

from typing import Any

PERSONAL_KEYS = ("settlement_contact", "contact")


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 7 else "****"


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else name


def mask_contacts(payload: dict[str, Any]) -> dict[str, Any]:
    """A copy of an application payload with contact names and mobiles masked."""
    masked = dict(payload)
    for key in PERSONAL_KEYS:
        contact = masked.get(key)
        if isinstance(contact, dict):
            masked[key] = {
                **contact,
                "name": mask_name(str(contact.get("name", ""))),
                "mobile": mask_mobile(str(contact.get("mobile", ""))),
            }
    return masked
