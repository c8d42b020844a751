"""The OpenAPI document as the service really answers, and its UI served from vendored files.

Litestar documents a 400 on every route with parameters as its own `ValidationException`
body (`application/json`, `status_code`/`detail`/`extra`); the service answers
`application/problem+json` instead (service.http.errors). `document_problems` rewrites those
entries once, on the generated document (which Litestar caches and serves from then on),
lists the other error answers each operation can give, declares the bearer scheme on the
operations that need a token, and gives responses a schema where the handler returns a
free-form `Response[Any]`.

`/schema` renders Swagger UI from `/static/vendor/swagger-ui` (vendored from the npm
package swagger-ui-dist, see package.json): no CDN, nothing fetched from the internet.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from litestar import Litestar, Request
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.routes import HTTPRoute

from service.problems import PROBLEM_JSON

_STRING = Schema(type=OpenAPIType.STRING)
PROBLEM_DETAILS = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": _STRING,
        "title": _STRING,
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": _STRING,
        "title_zh": _STRING,
        "detail_zh": _STRING,
        "instance": _STRING,
        "request_id": _STRING,
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["pointer", "code", "detail_en", "detail_zh"],
                properties={k: _STRING for k in ("pointer", "code", "detail_en", "detail_zh")},
            ),
        ),
        "extensions": Schema(type=OpenAPIType.OBJECT),
    },
    description="RFC 9457 problem details, in English and Chinese",
)

# The 201 of POST /applications (service.applications.service.create): a dict, because an
# idempotent replay answers the stored body; documented here instead.
APPLICATION_CREATED = Schema(
    type=OpenAPIType.OBJECT,
    required=["id", "kind", "round", "status", "applicant_token", "requirements", "status_url"],
    properties={
        "id": Schema(type=OpenAPIType.STRING, format="uuid"),  # type: ignore[arg-type]
        "kind": Schema(type=OpenAPIType.STRING, enum=["merchant", "ngo"]),
        "round": _STRING,
        "status": Schema(type=OpenAPIType.STRING, enum=["submitted", "under_review"]),
        "applicant_token": Schema(
            type=OpenAPIType.STRING,
            description="Shown once: the applicant's bearer token for this application",
        ),
        "requirements": Schema(
            type=OpenAPIType.OBJECT,
            required=["currently_due", "errors", "info_requests"],
            properties={
                "currently_due": Schema(type=OpenAPIType.ARRAY, items=_STRING),
                "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
                "info_requests": Schema(
                    type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)
                ),
            },
        ),
        "status_url": _STRING,
    },
    description="The application as stored, with the applicant's token (shown once)",
)
_RESPONSE_SCHEMAS: dict[tuple[str, str, str], tuple[str, Schema]] = {
    ("post", "/api/v1/applications", "201"): ("ApplicationCreated", APPLICATION_CREATED),
}

BEARER = "bearer"
BEARER_SCHEME = SecurityScheme(
    type="http",
    scheme="bearer",
    description="A staff token (`boai users add`) or an applicant token (answered once by "
    "POST /api/v1/applications)",
)

_ERRORS = {
    "400": "Invalid parameters (problem details)",
    "401": "No valid bearer token (problem details, WWW-Authenticate: Bearer)",
    "403": "The token's role may not use this operation (problem details)",
    "404": "Not found (problem details)",
    "409": "Conflicts with the current state (problem details)",
    "412": "If-Match names a version that is no longer current (problem details)",
    "428": "If-Match is required here (problem details)",
    "413": "Body larger than the configured limit (problem details)",
    "422": "Invalid body: every invalid field as a JSON pointer, zh + en (problem details)",
    "429": "Rate limited (problem details, Retry-After)",
    "503": "Database unavailable for now (problem details, Retry-After)",
}
_METHODS = ("get", "put", "post", "patch", "delete")
# Errors a route gives beyond those its shape implies: from its `opt["problems"]`, or here.
_EXTRA: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/api/v1/applications"): ("409", "429"),
    ("patch", "/api/v1/applications/{application_id}"): ("409", "412"),
    ("post", "/api/v1/applications/{application_id}/withdraw"): ("409", "412"),
    ("post", "/api/v1/applications/{application_id}/decision"): ("409", "412", "428"),
    ("post", "/api/v1/applications/{application_id}/reviews"): ("409",),
    ("post", "/api/v1/users"): ("409",),
    ("post", "/api/v1/rounds"): ("409",),
}


def _problem(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={
            PROBLEM_JSON: OpenAPIMediaType(
                schema=Reference(ref="#/components/schemas/ProblemDetails")
            )
        },
    )


def _template(path: str) -> str:
    """`/a/{id:uuid}` -> `/a/{id}`, as the document spells paths."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)


def _handler_opts(app: Litestar) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                found[(method.lower(), _template(route.path))] = dict(handler.opt)
    return found


def document_problems(app: Litestar) -> None:
    document = app.openapi_schema
    if document.components is None:
        document.components = Components()
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas["ProblemDetails"] = PROBLEM_DETAILS
    document.components.security_schemes = {
        **(document.components.security_schemes or {}), BEARER: BEARER_SCHEME,
    }
    opts = _handler_opts(app)
    for path, path_item in (document.paths or {}).items():
        for method in _METHODS:
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            opt = opts.get((method, path), {})
            secured = opt.get("roles") is not None or opt.get("applicant", False)
            has_body = operation.request_body is not None
            codes = ["503"]
            if operation.parameters or has_body:
                codes.append("400")
            if has_body:
                codes += ["413", "422"]
            if secured:
                codes += ["401", "403", "429"]
                operation.security = [{BEARER: []}]
            if "{" in path:
                codes.append("404")
            codes += [*_EXTRA.get((method, path), ()), *opt.get("problems", ())]
            responses = operation.responses if operation.responses is not None else {}
            for code in codes:
                if code == "400" or code not in responses:
                    responses[code] = _problem(_ERRORS[code])
            for (m, p, code), (name, schema) in _RESPONSE_SCHEMAS.items():
                if (m, p) == (method, path) and code in responses:
                    document.components.schemas[name] = schema
                    response = responses[code]
                    if not isinstance(response, OpenAPIResponse):  # a $ref: already shared
                        continue
                    response.content = {
                        "application/json": OpenAPIMediaType(
                            schema=Reference(ref=f"#/components/schemas/{name}")
                        )
                    }
            operation.responses = responses


VENDOR = "/static/vendor/swagger-ui"


class OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI from the vendored files, started by /static/js/schema.js (no inline script)."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{VENDOR}/swagger-ui-bundle.js",
            css_url=f"{VENDOR}/swagger-ui.css",
            standalone_preset_js_url=f"{VENDOR}/swagger-ui-standalone-preset.js",
            favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>",
            path="/swagger",
        )

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec_url = escape(self.get_openapi_json_route(request))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{self.favicon}
<link rel="stylesheet" href="{self.css_url}">
</head>
<body>
<div id="swagger-container" data-spec-url="{spec_url}"></div>
<script src="{self.js_url}"></script>
<script src="{self.standalone_preset_js_url}"></script>
<script src="/static/js/schema.js"></script>
</body>
</html>
""".encode()
