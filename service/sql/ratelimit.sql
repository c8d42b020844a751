-- Sliding-window rate limits shared by every process (migration 0023).
-- $1 limiter, $2 client address, then the limit and the window's length in seconds.

-- name: hit
-- Counts one request when the window of $4 s holds fewer than $3: no row back = refused. The
-- conflicting row is locked, so concurrent requests from every process count one by one.
INSERT INTO rate_limits AS r (limiter, client, hits, expires_at)
SELECT $1, $2, ARRAY[now()], now() + make_interval(secs => $4::float8)
WHERE $3::int > 0
ON CONFLICT (limiter, client) DO UPDATE
SET hits = rate_window(r.hits, now() - make_interval(secs => $4::float8)) || now(),
    expires_at = now() + make_interval(secs => $4::float8)
WHERE cardinality(rate_window(r.hits, now() - make_interval(secs => $4::float8))) < $3::int
RETURNING cardinality(hits) AS used;

-- name: window
-- How many hits the window of $3 s holds, and in how many seconds its oldest leaves it.
SELECT cardinality(w.hits) AS used,
       coalesce(extract(epoch FROM w.hits[1] + make_interval(secs => $3::float8) - now()), 0)::float8
           AS retry_s
FROM (SELECT rate_window(hits, now() - make_interval(secs => $3::float8)) AS hits
      FROM rate_limits WHERE limiter = $1 AND client = $2) AS w;

-- name: purge
-- Rows whose every hit has left its window: bounded growth under address churn.
DELETE FROM rate_limits WHERE expires_at < now();
