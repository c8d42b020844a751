"""Named SQL queries, kept as SQL in service/sql/<area>.sql.

Each query starts with a line `-- name: query_name`; everything up to the next
such line is its text. Loaded once at import, parameterised with $1, $2, ...
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).parent.parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


class Queries(dict[str, str]):
    def __getattr__(self, name: str) -> str:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def parse(text: str) -> Queries:
    parts = _NAME.split(text)
    queries = Queries()
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        queries[name] = body.strip()
    return queries


@cache
def load(area: str) -> Queries:
    """The named queries of one area, e.g. load("auth").user_by_token."""
    return parse((SQL_DIR / f"{area}.sql").read_text(encoding="utf-8"))
