"""Monitoring the network: rules over the reported redemptions raise alerts that staff
acknowledge and resolve (who, why, audited); a store can be suspended from an alert through
the registry's own status change (its status history records it)."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from scoring.vocabulary import EXCLUDED
from service.config import Settings
from service.problems import Conflict, NotFound, PreconditionFailed
from service.redemptions import repository as repo
from service.redemptions.schemas import Alert, AlertChange, AlertList
from service.registry.repository import change_status

# Which status may follow which; resolving straight from open closes a false alarm.
TRANSITIONS = {"open": {"acknowledged", "resolved"}, "acknowledged": {"resolved"},
               "resolved": set()}


async def evaluate(conn: asyncpg.Connection, settings: Settings, batch_id: UUID) -> int:
    """Run the per-record rules over one stored batch; returns the alerts raised now."""
    raised = 0
    async with conn.transaction():
        raised += await repo.run_rule(conn, "rule_excluded_category", batch_id, sorted(EXCLUDED))
        raised += await repo.run_rule(conn, "rule_inactive_store", batch_id)
        raised += await repo.run_rule(conn, "rule_reservation_other_store", batch_id)
        raised += await repo.run_rule(conn, "rule_reservation_twice", batch_id)
        raised += await repo.run_rule(conn, "rule_price_outlier", batch_id,
                                      settings.price_outlier_factor,
                                      settings.price_outlier_min_sample)
        raised += await repo.run_rule(conn, "rule_amount_mismatch", batch_id)
    return raised


async def evaluate_clock(conn: asyncpg.Connection, settings: Settings) -> int:
    """The rule that depends on the clock, not on a batch: reservations without feedback."""
    return await repo.run_rule(conn, "rule_missing_feedback", settings.feedback_deadline_h)


def _alert(row: asyncpg.Record) -> Alert:
    return msgspec.convert(dict(row), Alert, from_attributes=True)


async def alerts(conn: asyncpg.Connection, settings: Settings, status: str | None,
                 rule: str | None, store_id: UUID | None, limit: int) -> AlertList:
    await evaluate_clock(conn, settings)
    rows = await repo.list_alerts(conn, status, rule, store_id, limit)
    return AlertList([_alert(r) for r in rows], await repo.alert_counts(conn))


async def _one(conn: asyncpg.Connection, alert_id: int) -> Alert:
    return _alert(await repo.get_alert(conn, alert_id))


async def change(conn: asyncpg.Connection, alert_id: int, change: AlertChange, by: str,
                 if_match: int | None) -> Alert:
    async with conn.transaction():
        row = await repo.lock_alert(conn, alert_id)
        if row is None:
            raise NotFound(f"No alert {alert_id}.", f"告警 {alert_id} 不存在。")
        if if_match is not None and if_match != row["version"]:
            raise PreconditionFailed(
                f"The alert is at version {row['version']}, not {if_match}.",
                f"告警已更新为第 {row['version']} 版，请刷新后重试。")
        if change.status not in TRANSITIONS[row["status"]]:
            raise Conflict(f"An alert that is {row['status']} cannot become {change.status}.",
                           f"告警当前为 {row['status']}，不能变为 {change.status}。")
        await repo.update_alert_status(conn, alert_id, change.status, change.reason, by)
        await repo.audit(conn, "alert", str(alert_id), "alert_status", by, row["status"],
                         change.status, change.reason, {"rule": row["rule"]})
    return await _one(conn, alert_id)


async def suspend_store(conn: asyncpg.Connection, alert_id: int, reason: str, by: str) -> Alert:
    """Suspend the alert's store (registry status change + history) and acknowledge the
    alert if it was open; both in one transaction, both audited."""
    async with conn.transaction():
        row = await repo.lock_alert(conn, alert_id)
        if row is None:
            raise NotFound(f"No alert {alert_id}.", f"告警 {alert_id} 不存在。")
        why = f"监测告警 #{alert_id}（{row['rule']}）：{reason}"
        done = await change_status(conn, row["store_id"], "suspended", why, by)
        if done is None:  # the store row is referenced by the alert: cannot vanish
            raise NotFound("The alert's store no longer exists.", "告警所属门店不存在。")
        await repo.audit(conn, "alert", str(alert_id), "suspend_store", by, done[0], done[1],
                         reason, {"store_id": str(row["store_id"]), "rule": row["rule"]})
        if row["status"] == "open":
            await repo.update_alert_status(conn, alert_id, "acknowledged", why, by)
            await repo.audit(conn, "alert", str(alert_id), "alert_status", by, "open",
                             "acknowledged", why, {"rule": row["rule"]})
    return await _one(conn, alert_id)
