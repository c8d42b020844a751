"""Webhook settings checked before anything starts (light: `boai serve` imports it)."""

from __future__ import annotations

from service.config import Settings


def problem(settings: Settings) -> str | None:
    """What is wrong with the webhook settings, if anything."""
    url = settings.webhook_url
    if url and not url.startswith(("http://", "https://")):
        return "BOAI_WEBHOOK_URL must be an http:// or https:// URL"
    if url and not settings.webhook_secret:
        return "BOAI_WEBHOOK_URL is set without BOAI_WEBHOOK_SECRET to sign with"
    return None
