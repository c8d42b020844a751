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
-- Active registry stores serving each of the communities $1 at walking reach $2, excluding
-- the stores of application $3 (NULL: none), counted up to $4 (marginal coverage never looks
-- past the rubric's k). At the standard reach the kept per-community counts are read. Reads the
-- store_serves relation (migration 0020; the rule is defined there); pairs are kept up to
-- serving_max_walk_m(), so a rubric walking farther counts at that reach. The application's
-- own pairs are not filtered by $1 (the join below keeps only those codes): with `code = ANY`
-- of a few hundred codes on store_serves, planning each call cost about 1 ms, more than the
-- whole query (asyncpg's prepared statement is planned per call with its parameters).
WITH own AS (
    SELECT p.code, count(*) FILTER (WHERE store_serves_at(p.delivers, p.walk_m, $2)) AS n
    FROM stores s JOIN store_serves p ON p.store_id = s.id
    WHERE $3::uuid IS NOT NULL AND s.application_id = $3
    GROUP BY p.code
),
counted AS (
    SELECT k.code, k.n FROM community_store_counts k
    WHERE $2 = serving_walk_m() AND k.code = ANY($1::text[])
    UNION ALL
    SELECT p.code, count(*) FROM store_serves p
    WHERE $2 <> serving_walk_m() AND p.code = ANY($1::text[])
      AND store_serves_at(p.delivers, p.walk_m, $2)
    GROUP BY p.code
)
SELECT c.code, least(c.n - COALESCE(o.n, 0), $4)::int AS n
FROM counted c LEFT JOIN own o ON o.code = c.code;

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

-- name: is_assigned
SELECT EXISTS (SELECT 1 FROM round_reviewers WHERE round_code = $1 AND user_id = $2);

-- name: declare_conflict
INSERT INTO conflicts (application_id, user_id, reason) VALUES ($1, $2, $3)
ON CONFLICT (application_id, user_id) DO UPDATE SET reason = EXCLUDED.reason;

-- name: is_conflicted
SELECT EXISTS (SELECT 1 FROM conflicts WHERE application_id = $1 AND user_id = $2);

-- name: upsert_review
-- The review speaks for the reviewer's organisation at the time of writing (or amending).
INSERT INTO reviews (application_id, user_id, scores, comment, organisation_id)
VALUES ($1, $2, $3, $4,
        (SELECT organisation_id FROM organisation_members WHERE user_id = $2))
ON CONFLICT (application_id, user_id) DO UPDATE SET
    scores = EXCLUDED.scores, comment = EXCLUDED.comment,
    organisation_id = EXCLUDED.organisation_id, updated_at = now()
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
