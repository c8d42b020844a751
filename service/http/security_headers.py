"""Security headers on every answer, whichever handler (or none) produced it.

The web pages set their own Content-Security-Policy (service.web.rendering, with the tile
origin) and a stored document its `sandbox`; everything else — JSON, problem details, the
router's own 404/405, static files and the Swagger page that Litestar's OpenAPI plugin renders —
gets a default here, so no answer goes out without one. Pure ASGI, outermost, headers only.
"""

from __future__ import annotations

# Swagger UI (vendored, started by /static/js/schema.js) sets inline styles and draws its icons
# from data: URIs; it runs no inline script and fetches only the service's own OpenAPI document.
SCHEMA_PAGE_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    b"form-action 'self'; frame-ancestors 'none'"
)
# An API answer opened in a browser is data: it may load nothing and be framed by nobody.
DEFAULT_POLICY = b"default-src 'none'; frame-ancestors 'none'"

_CSP = b"content-security-policy"
_NOSNIFF = b"x-content-type-options"


def policy_for(path: str) -> bytes:
    on_schema_page = path == "/schema" or path.startswith("/schema/")
    return SCHEMA_PAGE_POLICY if on_schema_page else DEFAULT_POLICY


class SecurityHeadersMiddleware:
    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                if _CSP not in present:
                    headers.append((_CSP, policy_for(path)))
                if _NOSNIFF not in present:
                    headers.append((_NOSNIFF, b"nosniff"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
