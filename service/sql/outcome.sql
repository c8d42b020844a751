-- name: latest_decision
SELECT to_status, reason, actor, at FROM audit_log
WHERE entity = 'application' AND entity_id = $1 AND action = 'transition'
  AND to_status IN ('approved', 'rejected', 'waitlisted')
ORDER BY id DESC
LIMIT 1;

-- name: registry_stores
SELECT id, name, address, status FROM stores
WHERE application_id = $1
ORDER BY created_at, name;
