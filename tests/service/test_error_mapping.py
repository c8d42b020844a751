"""Database and driver errors the mapper must turn into 4xx/503, never 500.

A database lost mid-request surfaces as asyncpg protocol-state errors ("cannot switch to
state ...; another operation is in progress", "not connected"), as released or closed
connections, or as shutdown errors from the server: each is 503 with Retry-After. Data
and constraint errors are the request's fault: 4xx. Pure: a tiny app with the service's
own exception handler.
"""

from __future__ import annotations

import asyncpg
import asyncpg.exceptions._base as asyncpg_base
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from service.http.errors import problem_response


def _pg(cls: type[asyncpg.PostgresError], **fields: str) -> asyncpg.PostgresError:
    return cls.new({"M": "refused", **fields})


CASES = [
    (asyncpg.InternalClientError(
        "cannot switch to state 15; another operation (2) is in progress"), 503),
    (asyncpg.InternalClientError("cannot switch to state 3; protocol is in the failed state"),
     503),
    (asyncpg.InternalClientError("not connected"), 503),
    (asyncpg.ProtocolError("unexpected message"), 503),
    (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
     503),
    (asyncpg.InterfaceError("cannot call Connection.fetch(): connection has been released"),
     503),
    (_pg(asyncpg.AdminShutdownError, C="57P01"), 503),
    (_pg(asyncpg.CannotConnectNowError, C="57P03"), 503),
    (_pg(asyncpg.QueryCanceledError, C="57014"), 503),
    (ConnectionResetError(104, "Connection reset by peer"), 503),
    (asyncpg_base.DataError("invalid input for query argument $1: 'x' (str expected)"), 400),
    (_pg(asyncpg.CharacterNotInRepertoireError, C="22021"), 400),
    (_pg(asyncpg.UntranslatableCharacterError, C="22P05"), 400),
    (_pg(asyncpg.StringDataRightTruncationError, C="22001"), 400),
    (_pg(asyncpg.UniqueViolationError, C="23505", n="users_name_key"), 409),
    (_pg(asyncpg.CheckViolationError, C="23514", n="stores_radius_m_check"), 422),
    (_pg(asyncpg.ForeignKeyViolationError, C="23503", n="x_fkey"), 422),
    (_pg(asyncpg.NotNullViolationError, C="23502"), 422),
]


@pytest.mark.parametrize(("exc", "status"), CASES, ids=[type(c[0]).__name__ for c in CASES])
async def test_database_errors_map_to_4xx_or_503(exc: Exception, status: int) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise exc

    app = Litestar([boom], exception_handlers={Exception: problem_response}, logging_config=None)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/boom")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in response.text and "refused" not in response.json()["detail"]
    if status == 503:
        assert response.headers["retry-after"]
