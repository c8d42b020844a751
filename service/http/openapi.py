"""Errors in the OpenAPI document as the service answers them: RFC 9457 problem details.

Litestar documents a 400 on every route with parameters as its own `ValidationException`
body (`application/json`, `status_code`/`detail`/`extra`); the service answers
`application/problem+json` instead (service.http.errors). Rewrite those entries once, on
the generated document, which Litestar caches and serves from then on.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Reference, Schema

from service.http.problems import PROBLEM_JSON

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
_METHODS = ("get", "put", "post", "patch", "delete")


def document_problems(app: Litestar) -> None:
    document = app.openapi_schema
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas["ProblemDetails"] = PROBLEM_DETAILS
    bad_request = OpenAPIResponse(
        description="Invalid parameters or body (problem details)",
        content={
            PROBLEM_JSON: OpenAPIMediaType(
                schema=Reference(ref="#/components/schemas/ProblemDetails")
            )
        },
    )
    for path_item in (document.paths or {}).values():
        for method in _METHODS:
            operation = getattr(path_item, method, None)
            if operation is not None and operation.responses and "400" in operation.responses:
                operation.responses["400"] = bad_request
