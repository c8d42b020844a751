"""Malformed HTTP framing against the real server (granian), over a raw socket.

A bad chunk size, a chunk longer than announced, a truncated body or conflicting length
headers must be answered 400 (or the connection closed), never 500, and the worker must
go on serving.
"""

from __future__ import annotations

import socket
import urllib.request

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.serving import granian_server

HEAD = (
    b"POST /api/v1/applications HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\n"
)
BODY = b'{"kind":"merchant"}'
BAD_UTF8 = b'{"legal_name": "\xff\xfe\xc0"}'

FRAMES = {
    "chunk size not hex": HEAD + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n" + BODY
    + b"\r\n0\r\n\r\n",
    "chunk size overflows": HEAD + b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n"
    + BODY + b"\r\n0\r\n\r\n",
    "negative chunk size": HEAD + b"Transfer-Encoding: chunked\r\n\r\n-13\r\n" + BODY
    + b"\r\n0\r\n\r\n",
    "chunk longer than announced": HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\n" + BODY
    + b"\r\n0\r\n\r\n",
    "chunk without CRLF": HEAD + b"Transfer-Encoding: chunked\r\n\r\n13\r\n" + BODY
    + b"XX0\r\n\r\n",
    "chunk size with NUL": HEAD + b"Transfer-Encoding: chunked\r\n\r\n1\x003\r\n" + BODY
    + b"\r\n0\r\n\r\n",
    "chunked then closed": HEAD + b"Transfer-Encoding: chunked\r\n\r\n13\r\n" + BODY[:5],
    "length and chunked": HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n13\r\n"
    + BODY + b"\r\n0\r\n\r\n",
    "two lengths": HEAD + b"Content-Length: 19\r\nContent-Length: 3\r\n\r\n" + BODY,
    "length not a number": HEAD + b"Content-Length: 1x\r\n\r\n" + BODY,
    "body shorter than length": HEAD + b"Content-Length: 500\r\n\r\n" + BODY,
    "invalid UTF-8 body": HEAD + b"Content-Length: %d\r\n\r\n%s" % (len(BAD_UTF8), BAD_UTF8),
    "NUL in a header": HEAD.replace(b"Host", b"X-Request-ID: a\x00b\r\nHost")
    + b"Content-Length: 19\r\n\r\n" + BODY,
}


def exchange(port: int, raw: bytes, half_close: bool) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(raw)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and not half_close:
                    break
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def test_malformed_framing_is_400_or_closed(dsn: str) -> None:
    with granian_server(dsn) as (base, _proc):
        port = int(base.rsplit(":", 1)[1])
        for name, raw in FRAMES.items():
            # Half-close so a server waiting for more body sees the end of the stream.
            answer = exchange(port, raw, half_close=True)
            status_line = answer.split(b"\r\n", 1)[0]
            if answer:
                assert status_line.startswith(b"HTTP/1.1 4"), (name, answer[:300])
        # the worker still serves
        with urllib.request.urlopen(base + "/health/live", timeout=10) as r:
            assert r.status == 200


@pytest.mark.parametrize(
    ("name", "says"),
    [("chunk size not hex", b"framing"), ("chunked then closed", b"framing"),
     ("invalid UTF-8 body", b"UTF-8")],
)
def test_problem_details_when_the_app_answers(dsn: str, name: str, says: bytes) -> None:
    with granian_server(dsn) as (base, _proc):
        port = int(base.rsplit(":", 1)[1])
        # A complete request is answered on an open connection; a broken one on half-close.
        answer = exchange(port, FRAMES[name], half_close=name != "invalid UTF-8 body")
        assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
        assert b"application/problem+json" in answer and says in answer, answer[:600]


SIZE_TOKENS = st.one_of(
    st.sampled_from([b"ZZ", b"-1", b"0x10", b"1 3", b"\x00", b"FFFFFFFFFFFFFFFFFFFFFFFF", b"",
                     b"3;ext=\x01", b"+5", b"1_0", b"\xff"]),
    st.binary(min_size=1, max_size=6).filter(lambda b: b"\r" not in b and b"\n" not in b),
)
TARGETS = [b"POST /api/v1/applications", b"PATCH /api/v1/rounds/beijing-2",
           b"POST /api/v1/dispatch/route", b"POST /api/v1/disaster-areas"]


@st.composite
def broken_chunked(draw: st.DrawFn) -> bytes:
    target = draw(st.sampled_from(TARGETS))
    chunks = draw(st.lists(st.tuples(SIZE_TOKENS, st.binary(max_size=40)), min_size=1,
                           max_size=3))
    body = b"".join(size + b"\r\n" + data + b"\r\n" for size, data in chunks)
    ending = draw(st.sampled_from([b"0\r\n\r\n", b"", b"0\r\n", b"0\r\nX: y\r\n\r\n"]))
    return (target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + body + ending)


def test_fuzzed_chunk_framing_is_never_a_server_error(dsn: str) -> None:
    with granian_server(dsn) as (base, _proc):
        port = int(base.rsplit(":", 1)[1])

        @given(raw=broken_chunked())
        @settings(max_examples=40, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(raw: bytes) -> None:
            answer = exchange(port, raw, half_close=True)
            assert not answer.startswith(b"HTTP/1.1 5"), (raw, answer[:300])

        run()
        with urllib.request.urlopen(base + "/health/live", timeout=10) as r:
            assert r.status == 200
