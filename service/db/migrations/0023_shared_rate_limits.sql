-- Rate limits shared by every service process, on every machine (issue 18): one row per
-- limit and client address, holding the times of the requests counted in its sliding
-- window (never more than the limit). UNLOGGED: no WAL per request, and nothing worth
-- recovering after a crash (the windows start empty; each process's own pre-filter still
-- holds). Standbys do not carry it: only the primary counts.
CREATE UNLOGGED TABLE rate_limits (
    limiter text NOT NULL,
    client text NOT NULL,
    hits timestamptz[] NOT NULL,
    -- the last counted hit plus the window: after it the row counts nothing (purged)
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (limiter, client)
);

-- The hits still inside a window that began at `since`, oldest first.
CREATE FUNCTION rate_window(hits timestamptz[], since timestamptz) RETURNS timestamptz[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(h ORDER BY h), '{}') FROM unnest(hits) AS h WHERE h > since
$$;
