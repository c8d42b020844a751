-- name: claim
INSERT INTO idempotency_keys (key, route, request_hash, state)
VALUES ($1, $2, $3, 'in_progress')
ON CONFLICT (route, key) DO NOTHING
RETURNING key;

-- name: existing
SELECT request_hash, state, response_status, response_body
FROM idempotency_keys WHERE route = $2 AND key = $1;

-- name: complete
UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4
WHERE key = $1 AND route = $2;

-- name: release
DELETE FROM idempotency_keys WHERE key = $1 AND route = $2 AND state = 'in_progress';

-- name: purge_expired
DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours';
