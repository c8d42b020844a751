-- Chains: store lists from files, per-store coverage, partial approval (service/chains/).

-- name: application_store_ids
SELECT id, ordinal, name FROM application_stores WHERE application_id = $1 ORDER BY ordinal;

-- name: insert_store_decisions
-- $2..$5 are parallel arrays, one element per store.
INSERT INTO application_store_decisions
    (application_store_id, application_id, decision, reason, decided_by)
SELECT u.store_id, $1, u.decision, u.reason, $5
FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(store_id, decision, reason);

-- name: store_decisions
SELECT d.application_store_id AS store_id, s.ordinal, s.name, d.decision, d.reason,
       d.decided_by, d.decided_at, r.id AS registry_store_id
FROM application_store_decisions d
JOIN application_stores s ON s.id = d.application_store_id
LEFT JOIN stores r ON r.application_store_id = d.application_store_id
WHERE d.application_id = $1 ORDER BY s.ordinal;

-- name: approved_stores_for_registry
SELECT s.id, s.name, s.address, s.categories, s.location, s.home_delivery, s.radius_m, s.zone,
       s.daily_capacity, s.emergency_24h, s.mobility_assist, s.opening_hours
FROM application_stores s
JOIN application_store_decisions d ON d.application_store_id = s.id AND d.decision = 'approved'
WHERE s.application_id = $1 ORDER BY s.ordinal;

-- name: registry_store_of_application
SELECT id, name, status, daily_capacity, radius_m, home_delivery, opening_hours, geom,
       application_store_id
FROM stores WHERE id = $1 AND application_id = $2;

-- name: insert_change_request
INSERT INTO store_change_requests (application_id, kind, store_id, payload, reason, requested_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, application_id, kind, store_id, payload, reason, status, requested_by, decided_by,
          decision_reason, created_at, decided_at, version, decided_rule;

-- name: change_requests
SELECT id, application_id, kind, store_id, payload, reason, status, requested_by, decided_by,
       decision_reason, created_at, decided_at, version, decided_rule
FROM store_change_requests WHERE application_id = $1 ORDER BY created_at;

-- name: pending_change_requests
-- Every change request waiting for the panel, oldest first, with its merchant and store.
SELECT c.id, c.application_id, c.kind, c.store_id, c.payload, c.reason, c.status,
       c.requested_by, c.decided_by, c.decision_reason, c.created_at, c.decided_at, c.version,
       c.decided_rule, a.legal_name, a.round_code, s.name AS store_name,
       s.daily_capacity AS store_daily_capacity, s.radius_m AS store_radius_m,
       s.opening_hours AS store_opening_hours
FROM store_change_requests c
JOIN applications a ON a.id = c.application_id
LEFT JOIN stores s ON s.id = c.store_id
WHERE c.status = 'pending'
ORDER BY c.created_at, c.id
LIMIT $1;

-- name: lock_change_request
SELECT c.id, c.application_id, c.kind, c.store_id, c.payload, c.reason, c.status,
       c.requested_by, c.decided_by, c.decision_reason, c.created_at, c.decided_at, c.version,
       c.decided_rule
FROM store_change_requests c WHERE c.id = $1 FOR UPDATE;

-- name: decide_change_request
-- $5: the round's rule when the system decided it (decided_by 'system'), else NULL.
UPDATE store_change_requests
SET status = $2, decided_by = $3, decision_reason = $4, decided_rule = $5, decided_at = now(),
    version = version + 1
WHERE id = $1 AND status = 'pending'
RETURNING id;

-- name: next_ordinal
SELECT coalesce(max(ordinal), -1) + 1 FROM application_stores WHERE application_id = $1;

-- name: update_registry_store
-- Capacity, delivery radius (with its zone, a geodesic circle computed by the caller) and
-- opening hours; NULL keeps what the store has.
UPDATE stores SET daily_capacity = coalesce($2, daily_capacity),
                  radius_m = coalesce($3, radius_m),
                  zone = CASE WHEN $3::int IS NULL THEN zone ELSE ST_Multi(ST_SetSRID($4::geometry, 4326)) END,
                  opening_hours = coalesce($5, opening_hours)
WHERE id = $1
RETURNING id;

-- name: insert_store_audit
INSERT INTO audit_log (entity, entity_id, action, actor, from_status, to_status, reason, details)
VALUES ('store', $1, $2, $3, NULL, NULL, $4, $5);
