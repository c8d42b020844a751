"""Settings: one frozen object, read once at start-up from the environment.

Every field is read from `BOAI_<FIELD>` (a few keep the names they were documented under,
ENV_NAMES), converted by the field's type in one loop. `boai serve` derives its options from
the same fields, and hands the resolved settings to its worker processes through
`to_env()` (granian imports `service.asgi:app` in each worker; the environment is the
channel).
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterator, Mapping, MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import msgspec

ENV_PREFIX = "BOAI_"
# Names documented before the BOAI_<FIELD> rule; kept so deployments keep working.
ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "applicant_rate_per_minute": "BOAI_APPLICANT_RATE",
    "auth_failures_per_minute": "BOAI_AUTH_FAILURE_RATE",
    "webhook_backoff_base": "BOAI_WEBHOOK_BACKOFF",
}
_FALSE = ("0", "false", "no", "off")
# Read from the environment only: a command line is visible to every local user (ps).
SECRETS = frozenset({"webhook_secret", "household_key", "replica_urls"})


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
    # A chain applies once for all its branches (README, "Chains").
    max_stores_per_application: int = 2_000
    # One uploaded store list (CSV or XLSX); its routes have their own body limit.
    store_file_max_bytes: int = 4_194_304
    max_zone_vertices: int = 2_000
    max_zone_area_km2: float = 2_000.0
    min_zone_area_m2: float = 100.0
    # A delivery zone belongs to its store: the store lies inside it or within this gap,
    # and no part of it lies beyond this reach (a delivery radius neither).
    max_zone_gap_m: float = 2_000.0
    max_delivery_reach_m: float = 30_000.0
    # A disaster area may be a whole county; it is still drawn by hand or simplified.
    max_disaster_area_vertices: int = 10_000
    max_disaster_area_km2: float = 50_000.0
    min_disaster_area_m2: float = 100.0
    # Map tiles under the web pages' maps (service/web/tiles.py); empty crs = guessed.
    tile_url: str = ""
    tile_crs: str = ""
    tile_attribution: str = ""
    # Seconds a request may wait for a pooled connection before answering 503.
    db_acquire_timeout: float = 3.0
    db_command_timeout: float = 10.0
    db_pool_max: int = 10
    # Behind pgbouncer in transaction mode (docs/deploy.md): asyncpg keeps no prepared
    # statements across transactions and sends no startup parameter pgbouncer refuses.
    pgbouncer: bool = False
    # LISTEN needs a session of its own, which transaction pooling does not give: the
    # listeners (revocation, registry index, notification queue) connect here, directly to
    # PostgreSQL; unset = DATABASE_URL.
    listen_database_url: str | None = None
    # How long a claimed Idempotency-Key stays reserved for the request that claimed it;
    # unset = the command timeout plus a 5 s margin.
    idempotency_lease_s: float | None = None
    # Hot standbys for the reads that may trail the primary a little (service/db/replicas.py):
    # one DSN per standby, one host each, comma-separated. A standby that has not replayed
    # what the primary had written replica_max_lag_s ago (checked every replica_check_s)
    # is skipped; with none left, those reads go to the primary.
    replica_urls: frozenset[str] = frozenset()
    replica_max_lag_s: float = 1.0
    replica_check_s: float = 0.25
    log_level: str = "INFO"
    # Per client address per minute, counted by every process together (in PostgreSQL):
    # applicant-facing routes and failed sign-ins.
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
    def listen_dsn(self) -> str | None:
        return self.listen_database_url or self.database_url

    @property
    def idempotency_lease(self) -> float:
        if self.idempotency_lease_s is not None:
            return self.idempotency_lease_s
        return self.db_command_timeout + 5.0

    def to_env(self) -> dict[str, str]:
        """Every set field as its environment variable, read back by settings_from_env
        to an equal Settings (unset optional fields are left out)."""
        return {
            env_name(name): _format(value)
            for name, _kind, _default in setting_fields()
            if (value := getattr(self, name)) is not None
        }


class SettingsError(ValueError):
    """A variable (or option) whose value its field cannot take."""


def env_name(field: str) -> str:
    return ENV_NAMES.get(field, ENV_PREFIX + field.upper())


def setting_fields() -> Iterator[tuple[str, Any, Any]]:
    """(name, type without None, default) of every field, in declaration order."""
    for field in msgspec.structs.fields(Settings):
        yield field.name, _without_none(field.type), field.default


def _without_none(kind: Any) -> Any:
    if get_origin(kind) in (Union, types.UnionType):
        rest = [a for a in get_args(kind) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return kind


def is_collection(kind: Any) -> bool:
    return get_origin(kind) in (frozenset, set, list, tuple)


def _parse(raw: str, kind: Any) -> object:
    """The text of a variable or option as its field's type expects it."""
    if kind is bool:
        return raw.strip().lower() not in _FALSE
    if is_collection(kind):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw  # msgspec.convert (strict=False) turns "8000" into 8000, a path into a Path


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, frozenset | set | list | tuple):
        return ",".join(sorted(value))
    return str(value)  # repr of a float round-trips exactly


def _convert(name: str, value: object, kind: Any, source: str) -> object:
    if kind is Path:  # msgspec does not convert text to a Path
        return Path(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        value = _parse(value, kind)
    try:
        return msgspec.convert(value, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"{source}: {exc}") from None


def settings_from_env(
    environ: Mapping[str, str] | None = None, /, **overrides: object
) -> Settings:
    """Settings from `environ` (default: the process environment); an empty variable is
    unset. `overrides` (the CLI's options; None = not given) win over the environment."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, kind, _default in setting_fields():
        variable = env_name(name)
        if overrides.get(name) is not None:
            values[name] = _convert(name, overrides[name], kind, f"--{name.replace('_', '-')}")
        elif raw := environ.get(variable):
            values[name] = _convert(name, raw, kind, variable)
    unknown = set(overrides) - set(values) - {n for n, _k, _d in setting_fields()}
    if unknown:
        raise TypeError(f"not settings: {sorted(unknown)}")
    return Settings(**values)  # type: ignore[arg-type]


def export_env(settings: Settings, environ: MutableMapping[str, str] | None = None) -> None:
    """Make `environ` (default: this process's) carry exactly `settings`: every settings
    variable set from it, or removed where the field is unset. Child processes that call
    settings_from_env then resolve the same Settings."""
    environ = os.environ if environ is None else environ
    wanted = settings.to_env()
    for name, _kind, _default in setting_fields():
        variable = env_name(name)
        if variable in wanted:
            environ[variable] = wanted[variable]
        else:
            environ.pop(variable, None)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
