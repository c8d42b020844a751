"""SQL of site visits and training sessions (service/sql/visits.sql)."""

from __future__ import annotations

from service.db.queries import load

SQL = load("visits")
