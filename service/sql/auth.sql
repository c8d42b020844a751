-- name: principal_by_token_hash
SELECT t.id AS token_id, t.token_hash, t.user_id, t.application_id, u.name, u.role, u.can_decide
FROM tokens t
LEFT JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL
  AND (t.user_id IS NULL OR u.disabled_at IS NULL);

-- name: touch_token
UPDATE tokens SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: insert_user
INSERT INTO users (name, role, can_decide) VALUES ($1, $2, $3)
RETURNING id;

-- name: user_by_name
SELECT id, name, role, can_decide, created_at, disabled_at FROM users WHERE name = $1;

-- name: insert_user_token
INSERT INTO tokens (token_hash, user_id, label) VALUES ($1, $2, $3) RETURNING id;

-- name: revoke_user_tokens
UPDATE tokens SET revoked_at = now()
WHERE user_id = (SELECT id FROM users WHERE name = $1) AND revoked_at IS NULL;

-- name: list_users
SELECT u.name, u.role, u.can_decide, u.created_at, u.disabled_at,
       count(t.id) FILTER (WHERE t.revoked_at IS NULL) AS active_tokens
FROM users u LEFT JOIN tokens t ON t.user_id = u.id
GROUP BY u.id ORDER BY u.name;

-- name: live_token_hashes
SELECT token_hash FROM tokens WHERE revoked_at IS NULL;
