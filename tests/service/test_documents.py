"""Documents: the applicant uploads evidence (type by content, size-limited, hashed);
only the applicant and the panel read it. And the decision as the applicant sees it."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.http.capped import read_capped
from service.problems import PayloadTooLarge
from service.rounds.repository import assign_reviewer
from tests.factories import merchant, ngo, open_round
from tests.samples import jpeg, pdf, png
from tests.support import bearer, make_settings


@pytest.fixture
async def small(dsn: str) -> AsyncIterator[AsyncTestClient]:
    """Documents up to 4,000 bytes; other bodies up to 1,000 (the route has its own limit)."""
    app = create_app(make_settings(dsn, document_max_bytes=4_000, max_body_bytes=1_000))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def applied(
    conn: asyncpg.Connection, small: AsyncTestClient, tokens: dict[str, str]
) -> dict[str, Any]:
    await open_round(conn)
    await assign_reviewer(conn, "beijing-2", "reviewer-1", "test")
    created = await small.post("/api/v1/applications", json=merchant(seed=7))
    assert created.status_code == 201, created.text
    return created.json()


def upload_url(app_id: str, kind: str = "business_licence", filename: str = "营业执照.pdf") -> str:
    return f"/api/v1/applications/{app_id}/documents?kind={kind}&filename={filename}"


class Streamed:
    """A request whose body arrives in chunks, without Content-Length."""

    def __init__(self, body: bytes) -> None:
        self.headers: dict[str, str] = {}
        self.parts = [body[i : i + 1_000] for i in range(0, len(body), 1_000)]
        self.read = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.read += 1
            yield part


async def stored(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM application_documents")


async def test_applicant_uploads_licence_and_only_applicant_and_panel_read_it(
    small: AsyncTestClient,
    conn: asyncpg.Connection,
    applied: dict[str, Any],
    tokens: dict[str, str],
) -> None:
    own = bearer(applied["applicant_token"])
    body = pdf()
    made = await small.post(
        upload_url(applied["id"]),
        content=body,
        headers={**own, "Content-Type": "application/pdf"},
    )
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["media_type"] == "application/pdf" and doc["kind_zh"] == "营业执照"
    assert doc["filename"] == "营业执照.pdf" and doc["size_bytes"] == len(body)
    assert doc["sha256"] == hashlib.sha256(body).hexdigest()
    row = await conn.fetchrow("SELECT sha256, size_bytes, content FROM application_documents")
    assert row["sha256"] == hashlib.sha256(body).digest() and bytes(row["content"]) == body
    trail = await conn.fetchval("SELECT details FROM audit_log WHERE action = 'document_uploaded'")
    assert trail["sha256"] == doc["sha256"]

    other = await small.post("/api/v1/applications", json=ngo(seed=108))
    callers = {
        "own": own,
        "reviewer": bearer(tokens["reviewer"]),
        "admin": bearer(tokens["admin"]),
        "dispatcher": bearer(tokens["dispatcher"]),
        "other": bearer(other.json()["applicant_token"]),
        "anonymous": {},
    }
    expected = {
        "own": 200,
        "reviewer": 200,
        "admin": 200,
        "dispatcher": 403,
        "other": 404,
        "anonymous": 401,
    }
    for caller, headers in callers.items():
        listed = await small.get(f"/api/v1/applications/{applied['id']}/documents", headers=headers)
        got = await small.get(doc["download_url"], headers=headers)
        assert (listed.status_code, got.status_code) == (expected[caller],) * 2, caller
        if expected[caller] == 200:
            assert [d["id"] for d in listed.json()] == [doc["id"]]
            assert got.content == body
            assert got.headers["content-type"] == "application/pdf"
            assert got.headers["x-content-type-options"] == "nosniff"
            assert got.headers["content-disposition"].startswith("attachment;")
    # Another applicant can neither upload to it nor tell it exists.
    refused = await small.post(upload_url(applied["id"]), content=body, headers=callers["other"])
    assert refused.status_code == 404
    assert await stored(conn) == 1


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "status", "media_type"),
    [
        (png(), "执照照片.png", "image/png", 201, "image/png"),
        (jpeg(), "licence.JPG", "application/octet-stream", 201, "image/jpeg"),
        (pdf(), "licence.pdf", "", 201, "application/pdf"),
        (b"just some text, not a licence", "licence.pdf", "application/pdf", 415, None),
        (b"<html><script>alert(1)</script></html>", "licence.pdf", "", 415, None),
        (png(), "licence.pdf", "application/octet-stream", 415, None),  # a PNG named .pdf
        (pdf(), "licence.pdf", "image/png", 415, None),  # a PDF declared as PNG
        (pdf(), "licence.exe", "", 415, None),
        (pdf()[:-10], "licence.pdf", "application/pdf", 415, None),  # truncated: no %%EOF
        (png()[:-12], "photo.png", "image/png", 415, None),  # no IEND
        (b"PK\x03\x04" + b"\x00" * 40, "licence.docx", "", 415, None),
    ],
)
async def test_type_is_decided_by_content(
    small: AsyncTestClient,
    conn: asyncpg.Connection,
    applied: dict[str, Any],
    content: bytes,
    filename: str,
    content_type: str,
    status: int,
    media_type: str | None,
) -> None:
    headers = bearer(applied["applicant_token"])
    if content_type:
        headers["Content-Type"] = content_type
    response = await small.post(
        upload_url(applied["id"], "other", filename), content=content, headers=headers
    )
    assert response.status_code == status, response.text
    if media_type:
        assert response.json()["media_type"] == media_type
        assert await stored(conn) == 1
    else:
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "JPG" in problem["detail_zh"] and "PDF" in problem["detail_zh"]
        assert await stored(conn) == 0


async def test_size_limit_is_the_documents_own(
    small: AsyncTestClient, conn: asyncpg.Connection, applied: dict[str, Any]
) -> None:
    headers = bearer(applied["applicant_token"])
    # Above the service-wide 1,000-byte body limit, within the documents' 4,000.
    fits = pdf(pad=2_500)
    assert 1_000 < len(fits) <= 4_000
    ok = await small.post(upload_url(applied["id"]), content=fits, headers=headers)
    assert ok.status_code == 201, ok.text

    too_big = pdf(pad=5_000)
    declared = await small.post(upload_url(applied["id"]), content=too_big, headers=headers)
    assert declared.status_code == 413
    assert "4 MB" not in declared.json()["detail_zh"] and "MB" in declared.json()["detail_zh"]

    # No Content-Length (chunked): refused as soon as the count passes the limit.
    streamed = Streamed(too_big)
    too_large = PayloadTooLarge("too large", "过大", max_bytes=4_000)
    with pytest.raises(PayloadTooLarge):
        await read_capped(streamed, 4_000, too_large)  # type: ignore[arg-type]
    assert streamed.read == 5 < len(streamed.parts)
    assert await read_capped(Streamed(fits), 4_000, too_large) == fits  # type: ignore[arg-type]
    assert await stored(conn) == 1


async def test_bad_kind_or_missing_filename_is_400(
    small: AsyncTestClient, applied: dict[str, Any]
) -> None:
    headers = bearer(applied["applicant_token"])
    base = f"/api/v1/applications/{applied['id']}/documents"
    for query in ("?kind=Licence!&filename=a.pdf", "?kind=business_licence", "?filename=a.pdf"):
        response = await small.post(base + query, content=pdf(), headers=headers)
        assert response.status_code == 400, (query, response.text)


async def test_decision_shows_reason_next_steps_till_block_and_registry(
    small: AsyncTestClient,
    conn: asyncpg.Connection,
    applied: dict[str, Any],
    tokens: dict[str, str],
) -> None:
    own = bearer(applied["applicant_token"])
    before = (await small.get(applied["status_url"], headers=own)).json()
    assert before["decision"] is None
    reviewer = bearer(tokens["reviewer"])
    etag = (await small.get(applied["status_url"], headers=reviewer)).headers["etag"]
    decided = await small.post(
        f"/api/v1/applications/{applied['id']}/decision",
        headers={**reviewer, "If-Match": etag},
        json={"decision": "approved", "reason": "覆盖团结湖 配送能力强"},
    )
    assert decided.status_code == 200, decided.text
    view = (await small.get(applied["status_url"], headers=own)).json()
    decision = view["decision"]
    assert decision["outcome"] == "approved" and decision["outcome_zh"] == "已通过"
    assert decision["reason"] == "覆盖团结湖 配送能力强"
    assert decision["next_steps"][0]["code"] == "till_block"
    assert {c["code"] for c in decision["till_must_block"]} == {
        "tobacco",
        "alcohol",
        "health_supplements",
    }
    assert [s["id"] for s in decision["registry_stores"]] == decided.json()["registry_stores"]
    assert decision["registry_stores"][0]["status"] == "active"
    # A decided application takes no more documents.
    late = await small.post(upload_url(applied["id"]), content=pdf(), headers=own)
    assert late.status_code == 409 and "已通过" in late.json()["detail_zh"]


async def test_rejection_shows_reason_and_no_registry(
    small: AsyncTestClient, applied: dict[str, Any], tokens: dict[str, str]
) -> None:
    reviewer = bearer(tokens["reviewer"])
    etag = (await small.get(applied["status_url"], headers=reviewer)).headers["etag"]
    await small.post(
        f"/api/v1/applications/{applied['id']}/decision",
        headers={**reviewer, "If-Match": etag},
        json={"decision": "rejected", "reason": "门店不在试点社区附近"},
    )
    view = (
        await small.get(applied["status_url"], headers=bearer(applied["applicant_token"]))
    ).json()
    assert view["decision"]["reason"] == "门店不在试点社区附近"
    assert [s["code"] for s in view["decision"]["next_steps"]] == ["reapply"]
    assert "registry_stores" not in view["decision"]
