"""SQL of field leads and invitations (service/sql/leads.sql)."""

from __future__ import annotations

from service.db.queries import load

SQL = load("leads")
