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

-- name: rubric_versions
SELECT version, rubric, created_by, created_at FROM rubrics WHERE round_code = $1
ORDER BY version;

-- name: rounds_on_panel
SELECT round_code FROM round_reviewers WHERE user_id = $1;

-- name: open_rounds
-- The rounds an applicant may apply to, oldest first (the apply page offers them by name).
SELECT code, name FROM rounds WHERE status = 'open' ORDER BY created_at;
