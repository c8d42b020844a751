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
       s.daily_capacity, s.emergency_24h, s.mobility_assist
FROM application_stores s
JOIN application_store_decisions d ON d.application_store_id = s.id AND d.decision = 'approved'
WHERE s.application_id = $1 ORDER BY s.ordinal;
