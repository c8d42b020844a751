"""Routes of the feedback loop: merchants' keys (admin), the redemption feed (merchant key),
monitoring alerts and consumption reports (staff). Thin: the rules live in service.py,
monitoring.py and reports.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from service.auth import Authenticated
from service.http.body import body
from service.http.capped import read_capped
from service.http.versions import if_match_version
from service.problems import BadRequest, FieldError, PayloadTooLarge
from service.redemptions import monitoring, reports
from service.redemptions import service as feed_service
from service.redemptions.feed import parse
from service.redemptions.keys import current_merchant, merchant_guard
from service.redemptions.schemas import Alert as AlertOut
from service.redemptions.schemas import (
    AlertChange,
    AlertList,
    AlertStatus,
    FeedAnswer,
    KeyInfo,
    KeyIssued,
    Rule,
    SuspendStore,
)

ADMIN = {"roles": ("admin",)}
READ = {"roles": ("dispatcher", "reviewer")}
ACT = {"roles": ("dispatcher",)}  # the same people who may change a store's status
_STREAM_CEILING = 64 * 1024 * 1024  # the route's own cap; the setting is enforced below


class MerchantKeysController(Controller):
    path = "/merchants/{application_id:uuid}/key"
    tags = ["redemptions"]

    @post("/", opt=ADMIN, status_code=201,
          summary="Issue the merchant's data feed key, revoking any active one (shown once)")
    async def issue(self, request: Request, application_id: FromPath[UUID],
                    principal: Authenticated) -> KeyIssued:
        async with request.app.state.pool.acquire() as conn:
            return await feed_service.issue_key(conn, application_id, principal.name)

    @get("/", opt=ADMIN, summary="Whether the merchant has an active key (never the key)")
    async def info(self, request: Request, application_id: FromPath[UUID]) -> KeyInfo:
        async with request.app.state.pool.acquire() as conn:
            return await feed_service.key_info(conn, application_id)

    @delete("/", opt=ADMIN, status_code=200, summary="Revoke the merchant's key")
    async def revoke(self, request: Request, application_id: FromPath[UUID],
                     principal: Authenticated) -> KeyInfo:
        async with request.app.state.pool.acquire() as conn:
            return await feed_service.revoke_key(conn, application_id, principal.name)


class RedemptionsController(Controller):
    path = "/redemptions"
    tags = ["redemptions"]

    @post("/", guards=[merchant_guard], status_code=200, request_max_body_size=_STREAM_CEILING,
          summary="Report a batch of redemptions (JSON {records: [...]} or text/csv), "
                  "merchant key only; idempotent per txn_id",
          description="Each record is accepted or rejected on its own; all accepted records "
                      "are written in one transaction. See README, \"Redemption feed\".")
    async def report(self, request: Request) -> FeedAnswer:
        settings = request.app.state.settings
        limit = settings.redemption_max_body_bytes
        raw = await read_capped(request, limit, PayloadTooLarge(
            f"A batch may have at most {limit} bytes.",
            f"每批数据不能超过 {limit} 字节，请分批发送。", max_bytes=limit))
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        records = parse(media, raw)
        async with request.app.state.pool.acquire() as conn:
            return await feed_service.ingest(conn, current_merchant(request), records, settings)


class MonitoringController(Controller):
    path = "/monitoring/alerts"
    tags = ["monitoring"]

    @get("/", opt=READ, summary="Monitoring alerts (rules evaluated first), newest first")
    async def list(
        self, request: Request,
        status: FromQuery[AlertStatus | None] = None, rule: FromQuery[Rule | None] = None,
        store_id: FromQuery[UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    ) -> AlertList:
        async with request.app.state.pool.acquire() as conn:
            return await monitoring.alerts(conn, request.app.state.settings, status, rule,
                                           store_id, limit)

    @patch("/{alert_id:int}", opt=ACT,
           summary="Acknowledge or resolve an alert, saying why (If-Match: version, optional)")
    async def change(self, request: Request, alert_id: FromPath[int],
                     data: JSONBody[AlertChange], principal: Authenticated) -> AlertOut:
        change = body(request, AlertChange)
        async with request.app.state.pool.acquire() as conn:
            return await monitoring.change(conn, alert_id, change, principal.name,
                                           if_match_version(request))

    @post("/{alert_id:int}/suspend-store", opt=ACT, status_code=200,
          summary="Suspend the alert's store (registry status change, audited)")
    async def suspend(self, request: Request, alert_id: FromPath[int],
                      data: JSONBody[SuspendStore], principal: Authenticated) -> AlertOut:
        req = body(request, SuspendStore)
        async with request.app.state.pool.acquire() as conn:
            return await monitoring.suspend_store(conn, alert_id, req.reason, principal.name)


def _group_by(values: list[str] | None) -> list[reports.Dimension]:
    names = [n.strip() for v in values or [] for n in v.split(",") if n.strip()]
    bad = [n for n in names if n not in reports.DIMENSIONS]
    if bad:
        allowed = ", ".join(reports.DIMENSIONS)
        raise BadRequest(
            f"group_by takes: {allowed}.", f"group_by 可选：{allowed}。",
            errors=[FieldError("/group_by", "enum", f"Unknown dimension {n!r}",
                               f"未知分组维度 {n!r}") for n in bad])
    return list(dict.fromkeys(names))  # type: ignore[arg-type]


class ReportsController(Controller):
    path = "/reports"
    tags = ["reports"]

    @get("/consumption", opt=READ,
         summary="What households bought, grouped (JSON or CSV), routed share, timeliness")
    async def consumption(
        self, request: Request,
        group_by: Annotated[list[str] | None, QueryParameter(
            description="community, district, category, phase, store, day "
                        "(repeat or comma-separate)")] = None,
        start: Annotated[datetime | None, QueryParameter(
            name="from", description="Redemptions at or after (with offset)")] = None,
        end: Annotated[datetime | None, QueryParameter(
            name="to", description="Redemptions before (with offset)")] = None,
        format: FromQuery[Literal["json", "csv"]] = "json",
    ) -> Response[reports.Consumption]:
        # format=csv answers text/csv (the rows only, columns as in the JSON) instead.
        dims = _group_by(group_by)
        async with request.app.state.reads.acquire() as conn:  # may trail: a standby
            report = await reports.consumption(conn, dims, start, end)
        if format == "csv":
            return Response(reports.to_csv(report),  # type: ignore[return-value]
                            media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition":
                                     'attachment; filename="consumption.csv"'})
        return Response(report)
