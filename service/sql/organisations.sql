-- name: insert_organisation
INSERT INTO organisations (code, name, kind, communities, streets)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
    communities = EXCLUDED.communities, streets = EXCLUDED.streets
RETURNING id, (xmax = 0) AS created;

-- name: list_organisations
SELECT o.code, o.name, o.kind, o.communities, o.streets,
       coalesce(array_agg(u.name ORDER BY u.name) FILTER (WHERE u.id IS NOT NULL), '{}')
           AS members
FROM organisations o
LEFT JOIN organisation_members m ON m.organisation_id = o.id
LEFT JOIN users u ON u.id = m.user_id
GROUP BY o.id ORDER BY o.kind, o.code;

-- name: organisation_by_code
SELECT id, code, name, kind, communities, streets FROM organisations WHERE code = $1;

-- name: known_communities
SELECT code FROM communities WHERE code = ANY($1::text[]);

-- name: known_streets
SELECT DISTINCT left(code, 9) AS street FROM communities WHERE left(code, 9) = ANY($1::text[]);

-- name: add_member
INSERT INTO organisation_members (user_id, organisation_id, added_by)
SELECT u.id, $2, $3 FROM users u WHERE u.name = $1
ON CONFLICT (user_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
    added_by = EXCLUDED.added_by, added_at = now()
RETURNING user_id;

-- name: remove_member
DELETE FROM organisation_members
WHERE organisation_id = $2 AND user_id = (SELECT id FROM users WHERE name = $1)
RETURNING user_id;

-- name: organisation_of_user
SELECT o.id, o.code, o.name, o.kind, o.communities, o.streets
FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
WHERE m.user_id = $1;

-- name: application_in_area
-- Whether the application's scorecard serves a community of the area ($2 communities,
-- $3 streets = 9-digit prefixes). No scorecard yet: not in anyone's area.
SELECT EXISTS (
    SELECT 1 FROM scorecards s,
         jsonb_array_elements_text(s.card -> 'served_communities') AS c(code)
    WHERE s.application_id = $1
      AND (c.code = ANY($2::text[]) OR left(c.code, 9) = ANY($3::text[]))
);

-- name: get_joint_rules
SELECT round_code, required, quorum, site_visit_required, updated_by, updated_at
FROM round_joint_rules WHERE round_code = $1;

-- name: put_joint_rules
INSERT INTO round_joint_rules (round_code, required, quorum, site_visit_required, updated_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (round_code) DO UPDATE SET required = EXCLUDED.required,
    quorum = EXCLUDED.quorum, site_visit_required = EXCLUDED.site_visit_required,
    updated_by = EXCLUDED.updated_by, updated_at = now()
RETURNING updated_at;

-- name: delete_joint_rules
DELETE FROM round_joint_rules WHERE round_code = $1;

-- name: round_exists
SELECT EXISTS (SELECT 1 FROM rounds WHERE code = $1);

-- name: counted_reviews
-- The application's reviews that count (no conflict declared), with the organisation
-- each was written for (migration 0026), not the reviewer's membership today.
SELECT u.name AS reviewer, r.scores, o.code AS org_code, o.name AS org_name, o.kind,
       o.communities, o.streets
FROM reviews r JOIN users u ON u.id = r.user_id
LEFT JOIN organisations o ON o.id = r.organisation_id
WHERE r.application_id = $1
  AND NOT EXISTS (SELECT 1 FROM conflicts c
                  WHERE c.application_id = r.application_id AND c.user_id = r.user_id)
ORDER BY u.name;

-- name: org_reviews_in_round
SELECT r.application_id, o.code AS org_code, o.name AS org_name, o.kind, r.scores
FROM reviews r JOIN applications a ON a.id = r.application_id
JOIN organisations o ON o.id = r.organisation_id
WHERE a.round_code = $1
  AND NOT EXISTS (SELECT 1 FROM conflicts c
                  WHERE c.application_id = r.application_id AND c.user_id = r.user_id);

-- name: served_pilot_communities
SELECT c.code, c.name
FROM scorecards s, jsonb_array_elements_text(s.card -> 'served_communities') AS x(code)
JOIN communities c ON c.code = x.code AND c.is_pilot
WHERE s.application_id = $1 ORDER BY c.code;
