"""SQL of organisations, areas and joint rules (service/sql/organisations.sql)."""

from __future__ import annotations

from service.db.queries import load

SQL = load("organisations")
