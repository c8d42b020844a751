"""The Litestar application: routes under /api/v1, problem details everywhere."""

from __future__ import annotations

from litestar import Litestar, Request, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from service.applications.controller import ApplicationsController
from service.applications.limits import Limits, use_app_limits
from service.applications.notifications import NotificationsController
from service.auth import authorize
from service.auth.cache import PrincipalCache
from service.auth.controller import MeController, UsersController
from service.auth.guard import DEPENDENCIES
from service.auth.known import KnownTokens
from service.auth.revocation import AuthListener
from service.chains.controller import (
    ChainController,
    ChangeRequestsController,
    StoreFilesController,
)
from service.communities import CommunitiesController
from service.config import Settings, get_settings
from service.db.pool import create_pool
from service.db.replicas import start_reads, stop_reads
from service.dispatch import DispatchController
from service.districts import DistrictsController
from service.documents import DocumentsController
from service.health import HealthController
from service.http.body import validate_body
from service.http.errors import problem_response
from service.http.header_limit import HeaderLimitMiddleware
from service.http.logging import RequestIdMiddleware, configure_logging
from service.http.openapi import OfflineSwagger, document_problems
from service.http.ratelimit import SlidingWindow
from service.http.security_headers import SecurityHeadersMiddleware
from service.leads.controller import InvitationsController, LeadsController
from service.notify import lifespan as notify
from service.organisations.controller import JointRulesController, OrganisationsController
from service.redemptions.controller import (
    MerchantKeysController,
    MonitoringController,
    RedemptionsController,
    ReportsController,
)
from service.registry import (
    CoverageController,
    DisasterAreasController,
    ExportsController,
    StoresController,
)
from service.registry import lifespan as registry_index
from service.registry.coverage_cache import CoverageCache
from service.review.controller import ReviewController
from service.review.joint_controller import JointStatusController
from service.rounds.controller import RoundsController
from service.visits.controller import VisitsController
from service.web import WEB_HANDLERS
from service.web.tiles import tiles_from
from service.wiring import wire

API_CONTROLLERS: list[type] = [
    CommunitiesController,
    DistrictsController,
    UsersController,
    MeController,
    ApplicationsController,
    DocumentsController,
    RoundsController,
    ReviewController,
    StoresController,
    ExportsController,
    CoverageController,
    DisasterAreasController,
    DispatchController,
    NotificationsController,
    StoreFilesController,
    ChainController,
    ChangeRequestsController,
    # issue 17: joint assessment and field recruitment
    OrganisationsController,
    JointRulesController,
    JointStatusController,
    VisitsController,
    LeadsController,
    InvitationsController,
    MerchantKeysController,
    RedemptionsController,
    MonitoringController,
    ReportsController,
]


async def before_request(request: Request) -> None:
    use_app_limits(request)  # before the body is validated against them
    await validate_body(request)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wire()
    configure_logging(settings.log_level)
    notify.check(settings)
    async def open_pool(app: Litestar) -> None:
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set; start the service with `boai serve`")
        app.state.pool = await create_pool(
            settings.database_url,
            max_size=settings.db_pool_max,
            command_timeout=settings.db_command_timeout,
            acquire_timeout=settings.db_acquire_timeout,
            pgbouncer=settings.pgbouncer,
        )

    async def start_auth_listener(app: Litestar) -> None:
        if not settings.database_url:  # open_pool, before it, has refused to start
            return
        app.state.auth_listener = AuthListener(  # LISTEN: a direct connection, not a pooler's
            settings.listen_dsn or settings.database_url, app.state.principals,
            app.state.known_tokens,
        )
        await app.state.auth_listener.start()

    async def close_pool(app: Litestar) -> None:
        listener = getattr(app.state, "auth_listener", None)
        if listener is not None:
            await listener.stop()
        pool = getattr(app.state, "pool", None)
        if pool is not None:
            await pool.close()

    api = Router(path="/api/v1", route_handlers=API_CONTROLLERS)
    app = Litestar(
        route_handlers=[HealthController, api, *WEB_HANDLERS],
        guards=[authorize],
        dependencies=DEPENDENCIES,
        before_request=before_request,
        exception_handlers={Exception: problem_response},
        on_startup=[open_pool, start_reads, start_auth_listener, registry_index.start_index,
                    notify.start_worker],
        on_shutdown=[notify.stop_worker, registry_index.stop_index, stop_reads, close_pool],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Boai relief-voucher partner network",
            version="1.0.0",
            path="/schema",
            render_plugins=[OfflineSwagger(), JsonRenderPlugin()],
        ),
        debug=False,
        # Our JSON formatter on the root logger (configure_logging) formats in the request's
        # own context, so every line carries its request id; Litestar's default config would
        # replace it with a queue handler that formats on another thread.
        logging_config=None,
    )
    document_problems(app)
    # Outermost, so unknown routes (answered by the router, outside route middleware)
    # get a request id, an access line and the security headers too.
    app.asgi_handler = RequestIdMiddleware(
        SecurityHeadersMiddleware(HeaderLimitMiddleware(app.asgi_handler))
    )
    app.state.settings = settings
    app.state.limits = Limits.of(settings)
    app.state.tiles = tiles_from(settings)
    app.state.principals = PrincipalCache()
    app.state.known_tokens = KnownTokens()
    app.state.coverage_cache = CoverageCache()
    app.state.auth_limiter = SlidingWindow(
        "auth_failures", settings.auth_failures_per_minute, 60.0, "failed sign-ins", "认证失败",
        settings.trusted_proxies,
    )
    app.state.applicant_limiter = SlidingWindow(
        "applicant", settings.applicant_rate_per_minute, 60.0, "applicant requests", "申请相关请求",
        settings.trusted_proxies,
    )
    return app
