"""Settings read once from the environment into a frozen object."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import msgspec


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str | None = None
    # The owner role's DSN for migrations when DATABASE_URL is the service's own role
    # (README, "Two roles"); unset = migrations use DATABASE_URL.
    migration_database_url: str | None = None
    data_dir: Path = Path(".data")
    host: str = "127.0.0.1"
    port: int = 8000
    # Limits that keep one request from exhausting the service.
    max_body_bytes: int = 1_048_576
    # One uploaded document (a licence photo or PDF); its route has its own body limit.
    document_max_bytes: int = 5_242_880
    max_stores_per_application: int = 50
    max_zone_vertices: int = 2_000
    max_zone_area_km2: float = 2_000.0
    min_zone_area_m2: float = 100.0
    # A delivery zone belongs to its store: the store lies inside it or within this gap,
    # and no part of it lies beyond this reach (a delivery radius neither).
    max_zone_gap_m: float = 2_000.0
    max_delivery_reach_m: float = 30_000.0
    # Seconds a request may wait for a pooled connection before answering 503.
    db_acquire_timeout: float = 3.0
    db_command_timeout: float = 10.0
    db_pool_max: int = 10
    # How long a claimed Idempotency-Key stays reserved for the request that claimed it;
    # unset = the command timeout plus a 5 s margin.
    idempotency_lease_s: float | None = None
    log_level: str = "INFO"
    # Per client address and worker, per minute: applicant-facing routes and failed sign-ins.
    applicant_rate_per_minute: int = 120
    auth_failures_per_minute: int = 30
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses).
    trusted_proxies: frozenset[str] = frozenset()
    # Offered to households when no local store can serve (the flooded-village case).
    online_fallback_name: str = "博爱云备灾线上平台（免费送货上门）"
    online_fallback_url: str = "https://example.org/boai-online"
    # Applicant notifications (service/notify): webhook delivery of the outbox. Without a
    # URL events are still recorded (the status page lists them) but not sent.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 10
    # Seconds before the first retry; each further retry waits twice as long (capped).
    webhook_backoff_base: float = 5.0
    webhook_backoff_max: float = 3600.0
    # The delivery worker runs inside each `boai serve` process; off = another process
    # (or nobody) delivers.
    notify_worker: bool = True
    # Merchants' redemption feed (service/redemptions): the HMAC secret that pseudonymises
    # household refs (unset = `<data dir>/household.key`), the feed's body limit, and the
    # monitoring rules' thresholds.
    household_key: str | None = None
    redemption_max_body_bytes: int = 8_388_608
    price_outlier_factor: float = 3.0
    price_outlier_min_sample: int = 5
    feedback_deadline_h: float = 48.0

    @property
    def idempotency_lease(self) -> float:
        if self.idempotency_lease_s is not None:
            return self.idempotency_lease_s
        return self.db_command_timeout + 5.0


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def settings_from_env(**overrides: object) -> Settings:
    values: dict[str, object] = {}
    if url := _env("DATABASE_URL"):
        values["database_url"] = url
    if url := _env("BOAI_MIGRATION_DATABASE_URL"):
        values["migration_database_url"] = url
    if data_dir := _env("BOAI_DATA_DIR"):
        values["data_dir"] = Path(data_dir)
    if host := _env("BOAI_HOST"):
        values["host"] = host
    if port := _env("BOAI_PORT"):
        values["port"] = int(port)
    if body := _env("BOAI_MAX_BODY_BYTES"):
        values["max_body_bytes"] = int(body)
    if doc := _env("BOAI_DOCUMENT_MAX_BYTES"):
        values["document_max_bytes"] = int(doc)
    if reach := _env("BOAI_MAX_DELIVERY_REACH_M"):
        values["max_delivery_reach_m"] = float(reach)
    if gap := _env("BOAI_MAX_ZONE_GAP_M"):
        values["max_zone_gap_m"] = float(gap)
    if level := _env("BOAI_LOG_LEVEL"):
        values["log_level"] = level
    if rate := _env("BOAI_APPLICANT_RATE"):
        values["applicant_rate_per_minute"] = int(rate)
    if rate := _env("BOAI_AUTH_FAILURE_RATE"):
        values["auth_failures_per_minute"] = int(rate)
    if lease := _env("BOAI_IDEMPOTENCY_LEASE_S"):
        values["idempotency_lease_s"] = float(lease)
    if proxies := _env("BOAI_TRUSTED_PROXIES"):
        values["trusted_proxies"] = [p.strip() for p in proxies.split(",") if p.strip()]
    if url := _env("BOAI_WEBHOOK_URL"):
        values["webhook_url"] = url
    if secret := _env("BOAI_WEBHOOK_SECRET"):
        values["webhook_secret"] = secret
    if attempts := _env("BOAI_WEBHOOK_MAX_ATTEMPTS"):
        values["webhook_max_attempts"] = int(attempts)
    if backoff := _env("BOAI_WEBHOOK_BACKOFF"):
        values["webhook_backoff_base"] = float(backoff)
    if worker := _env("BOAI_NOTIFY_WORKER"):
        values["notify_worker"] = worker.lower() not in ("0", "false", "no", "off")
    if key := _env("BOAI_HOUSEHOLD_KEY"):
        values["household_key"] = key
    if factor := _env("BOAI_PRICE_OUTLIER_FACTOR"):
        values["price_outlier_factor"] = float(factor)
    if hours := _env("BOAI_FEEDBACK_DEADLINE_H"):
        values["feedback_deadline_h"] = float(hours)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return msgspec.convert(values, Settings, strict=False)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
