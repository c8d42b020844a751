-- name: insert_round
INSERT INTO rounds (code, name, status) VALUES ($1, $2, $3);

-- name: get_round
SELECT code, name, status, created_at FROM rounds WHERE code = $1;

-- name: list_rounds
SELECT r.code, r.name, r.status, r.created_at,
       (SELECT max(version) FROM rubrics WHERE round_code = r.code) AS rubric_version,
       (SELECT count(*) FROM applications a WHERE a.round_code = r.code) AS applications
FROM rounds r ORDER BY r.created_at;

-- name: set_round_status
UPDATE rounds SET status = $2 WHERE code = $1 RETURNING code;

-- name: insert_rubric
INSERT INTO rubrics (round_code, version, rubric, created_by)
VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM rubrics WHERE round_code = $1), $2, $3)
RETURNING version;

-- name: latest_rubric
SELECT version, rubric FROM rubrics WHERE round_code = $1 ORDER BY version DESC LIMIT 1;

-- name: communities_version
-- With the database's name: one process may serve (or test) several databases.
SELECT communities_version, current_database() AS db FROM registry_version;

-- name: pilot_communities
SELECT code, name, households, residents, elderly, elderly_alone, disabled, mothers_infants,
       children, geom
FROM communities WHERE is_pilot ORDER BY code;

-- name: network_counts
-- Active registry stores serving each of the communities $1 (a delivery zone reaching inside
-- it, or within $2 metres of it on foot), excluding the candidate's own stores ($3), counted
-- only up to $4 (the rubric's k: marginal coverage never looks past it). Each way is one lazy
-- index scan stopped after $4 stores, so the cost stays bounded in the dense urban core
-- (1.3 s -> 15 ms for 124 communities at 100,000 stores). Same rule as `coverage`.
SELECT c.code, least(u.n, $4)::int AS n
FROM communities c
CROSS JOIN LATERAL (
    SELECT c.geom::geography AS g, c.interior OFFSET 0
) cg
CROSS JOIN LATERAL (
    SELECT COALESCE(array_agg(x.id), '{}'::uuid[]) AS ids
    FROM (SELECT s.id FROM stores s
          WHERE s.status = 'active' AND s.home_delivery AND ST_Intersects(s.zone, cg.interior)
            AND ($3::uuid IS NULL OR s.application_id IS DISTINCT FROM $3)
          LIMIT $4) x
) d
CROSS JOIN LATERAL (
    SELECT COALESCE(array_agg(x.id), '{}'::uuid[]) AS ids
    FROM (SELECT s.id FROM stores s
          WHERE s.status = 'active' AND ST_DWithin(s.geom::geography, cg.g, $2, false)
            AND ($3::uuid IS NULL OR s.application_id IS DISTINCT FROM $3)
          LIMIT $4) x
) w
CROSS JOIN LATERAL (
    SELECT count(DISTINCT v) AS n FROM unnest(d.ids || w.ids) v
) u
WHERE c.code = ANY($1::text[]);

-- name: upsert_scorecard
INSERT INTO scorecards (application_id, round_code, rubric_version, card, total, eligible)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (application_id) DO UPDATE SET
    round_code = EXCLUDED.round_code, rubric_version = EXCLUDED.rubric_version,
    card = EXCLUDED.card, total = EXCLUDED.total, eligible = EXCLUDED.eligible,
    computed_at = now();

-- name: get_scorecard
SELECT application_id, round_code, rubric_version, card, total, eligible, computed_at
FROM scorecards WHERE application_id = $1;

-- name: round_application_ids
SELECT id FROM applications WHERE round_code = $1 AND status <> 'withdrawn' ORDER BY created_at;

-- name: assign_reviewer
INSERT INTO round_reviewers (round_code, user_id, assigned_by)
SELECT $1, u.id, $3 FROM users u WHERE u.name = $2 AND u.role IN ('reviewer', 'admin')
ON CONFLICT DO NOTHING
RETURNING user_id;

-- name: reviewer_user
SELECT id, role FROM users WHERE name = $1;

-- name: unassign_reviewer
DELETE FROM round_reviewers WHERE round_code = $1
  AND user_id = (SELECT id FROM users WHERE name = $2);

-- name: round_reviewers
SELECT u.name, u.role, u.can_decide, rr.assigned_at
FROM round_reviewers rr JOIN users u ON u.id = rr.user_id
WHERE rr.round_code = $1 ORDER BY u.name;

-- name: is_assigned
SELECT EXISTS (SELECT 1 FROM round_reviewers WHERE round_code = $1 AND user_id = $2);

-- name: declare_conflict
INSERT INTO conflicts (application_id, user_id, reason) VALUES ($1, $2, $3)
ON CONFLICT (application_id, user_id) DO UPDATE SET reason = EXCLUDED.reason;

-- name: is_conflicted
SELECT EXISTS (SELECT 1 FROM conflicts WHERE application_id = $1 AND user_id = $2);

-- name: upsert_review
INSERT INTO reviews (application_id, user_id, scores, comment) VALUES ($1, $2, $3, $4)
ON CONFLICT (application_id, user_id) DO UPDATE SET
    scores = EXCLUDED.scores, comment = EXCLUDED.comment, updated_at = now()
RETURNING (xmax = 0) AS created;

-- name: reviews_of
-- A review whose author later declared a conflict stays readable but no longer counts.
SELECT u.name AS reviewer, r.scores, r.comment, r.created_at, r.updated_at,
       NOT EXISTS (SELECT 1 FROM conflicts c
                   WHERE c.application_id = r.application_id AND c.user_id = r.user_id)
           AS counted
FROM reviews r JOIN users u ON u.id = r.user_id
WHERE r.application_id = $1 ORDER BY u.name;

-- name: reviews_in_round
-- Only the reviews that count: a conflict declared after scoring takes the review out.
SELECT r.application_id, u.name AS reviewer, r.scores
FROM reviews r JOIN users u ON u.id = r.user_id
JOIN applications a ON a.id = r.application_id
WHERE a.round_code = $1
  AND NOT EXISTS (SELECT 1 FROM conflicts c
                  WHERE c.application_id = r.application_id AND c.user_id = r.user_id);

-- name: conflicts_in_round
SELECT c.application_id, u.name AS reviewer
FROM conflicts c JOIN users u ON u.id = c.user_id
JOIN applications a ON a.id = c.application_id
WHERE a.round_code = $1 ORDER BY u.name;

-- name: conflicts_of
SELECT u.name AS reviewer, c.reason, c.declared_at
FROM conflicts c JOIN users u ON u.id = c.user_id
WHERE c.application_id = $1 ORDER BY c.declared_at, u.name;

-- name: rubric_versions
SELECT version, rubric, created_by, created_at FROM rubrics WHERE round_code = $1
ORDER BY version;

-- name: rounds_on_panel
SELECT round_code FROM round_reviewers WHERE user_id = $1;

-- name: ranking_rows
SELECT a.id, a.kind, a.legal_name, a.status, a.version, a.created_at,
       s.card, s.total, s.eligible, s.rubric_version
FROM applications a LEFT JOIN scorecards s ON s.application_id = a.id
WHERE a.round_code = $1 AND a.status <> 'withdrawn';

-- name: insert_info_request
INSERT INTO info_requests (application_id, question, requested_by, requested_documents)
VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: set_requirements
UPDATE applications SET requirements = $2 WHERE id = $1;

-- name: application_stores_for_registry
SELECT s.id, s.name, s.address, s.categories, s.location, s.home_delivery, s.radius_m, s.zone,
       s.daily_capacity, s.emergency_24h, s.mobility_assist
FROM application_stores s WHERE s.application_id = $1 ORDER BY s.ordinal;

-- name: merchant_track_record
-- A merchant's record in the network for its scorecard (issue 16): its stores from earlier
-- applications with the same credit code ($1; $2 the application being scored). Reservations
-- count once past the feedback deadline ($3 hours); violations are monitoring alerts other
-- than missing feedback (already counted as reservations not fulfilled).
WITH mine AS (
    SELECT s.id FROM stores s JOIN applications a ON a.id = s.application_id
    WHERE a.credit_code = $1 AND a.id <> $2
), due AS (
    SELECT v.id FROM reservations v
    WHERE v.store_id IN (SELECT id FROM mine) AND v.released_at IS NULL
      AND v.created_at < now() - make_interval(secs => $3::float8 * 3600)
)
SELECT (SELECT count(*) FROM due) AS reservations,
       (SELECT count(*) FROM due WHERE EXISTS (
            SELECT 1 FROM redemptions r WHERE r.reservation_id = due.id)) AS fulfilled,
       (SELECT count(*) FROM redemptions r WHERE r.store_id IN (SELECT id FROM mine)) AS records,
       (SELECT count(*) FROM redemptions r WHERE r.store_id IN (SELECT id FROM mine)
          AND r.received_at - r.at <= interval '24 hours') AS timely,
       (SELECT count(*) FROM monitoring_alerts m WHERE m.store_id IN (SELECT id FROM mine)
          AND m.rule <> 'missing_feedback') AS violations,
       EXISTS (SELECT 1 FROM mine) AS known;
