-- name: claim
-- A new key, or one whose claim's lease has run out (its request died without releasing).
INSERT INTO idempotency_keys (key, route, request_hash, state, lease_owner, lease_until)
VALUES ($1, $2, $3, 'in_progress', $4, now() + make_interval(secs => $5))
ON CONFLICT (route, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, lease_owner = EXCLUDED.lease_owner,
    lease_until = EXCLUDED.lease_until, created_at = now()
WHERE idempotency_keys.state = 'in_progress'
  AND coalesce(idempotency_keys.lease_until, '-infinity') < now()
RETURNING key;

-- name: existing
SELECT request_hash, state, response_status, response_body
FROM idempotency_keys WHERE route = $2 AND key = $1;

-- name: complete
-- Fenced by the owner: a request whose key was taken over must not commit its work.
UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5,
    lease_owner = NULL, lease_until = NULL
WHERE key = $1 AND route = $2 AND lease_owner = $3 AND state = 'in_progress'
RETURNING key;

-- name: release
DELETE FROM idempotency_keys
WHERE key = $1 AND route = $2 AND lease_owner = $3 AND state = 'in_progress';

-- name: purge_expired
DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours';
