"""Closing the loop: merchants report redemptions and goods bought (their own API keys); the
network is monitored by rules over those reports; reports show what households bought."""
