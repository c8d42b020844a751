-- name: round_status
SELECT status FROM rounds WHERE code = $1;

-- name: existing_communities
SELECT code FROM communities WHERE code = ANY($1::text[]);

-- name: insert_submission
-- A new application with its applicant token and its audit rows, in one statement (a round
-- trip each before): $1..$8 the application's columns, $9 the token's hash, $10 the
-- applicant's actor name. Audited: `submitted`, then, when it starts under review ($6:
-- nothing was due), the system's transition to it, in that order.
WITH app AS (
    INSERT INTO applications (id, kind, round_code, credit_code, legal_name, status, payload,
                              requirements)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING id
), token AS (
    INSERT INTO tokens (token_hash, application_id, label) SELECT $9, id, 'applicant' FROM app
)
INSERT INTO audit_log (entity, entity_id, action, actor, from_status, to_status, reason, details)
SELECT 'application', app.id::text, a.action, a.actor, a.from_status, a.to_status, a.reason,
       '{}'::jsonb
FROM app, (VALUES (1, 'submitted', $10::text, NULL, 'submitted', ''),
                  (2, 'transition', 'system', 'submitted', 'under_review', 'nothing due'))
          AS a (n, action, actor, from_status, to_status, reason)
WHERE a.n = 1 OR $6 = 'under_review'
ORDER BY a.n;

-- name: insert_store
INSERT INTO application_stores (id, application_id, ordinal, name, address, categories,
    till_must_block, location, location_input, home_delivery, radius_m, zone, daily_capacity,
    emergency_24h, mobility_assist)
VALUES ($1, $2, $3, $4, $5, $6, $7, ST_SetSRID($8::geometry, 4326), $9, $10, $11,
        ST_Multi(ST_SetSRID($12::geometry, 4326)), $13, $14, $15);

-- name: delete_stores
DELETE FROM application_stores WHERE application_id = $1;

-- name: insert_applicant_token
INSERT INTO tokens (token_hash, application_id, label) VALUES ($1, $2, 'applicant');

-- name: revoke_applicant_tokens
UPDATE tokens SET revoked_at = now() WHERE application_id = $1 AND revoked_at IS NULL;

-- name: insert_audit
INSERT INTO audit_log (entity, entity_id, action, actor, from_status, to_status, reason, details)
VALUES ('application', $1, $2, $3, $4, $5, $6, $7);

-- name: open_application_for_credit_code
SELECT id FROM applications
WHERE round_code = $1 AND credit_code = $2
  AND status IN ('submitted', 'under_review', 'info_requested', 'waitlisted');

-- name: get_application
SELECT id, kind, round_code, credit_code, legal_name, status, payload, requirements, version,
       created_at, updated_at
FROM applications WHERE id = $1;

-- name: lock_application
SELECT id, kind, round_code, credit_code, legal_name, status, payload, requirements, version
FROM applications WHERE id = $1 FOR UPDATE;

-- name: get_stores
SELECT id, ordinal, name, address, categories, till_must_block, location, location_input,
       home_delivery, radius_m, zone, daily_capacity, emergency_24h, mobility_assist,
       opening_hours
FROM application_stores WHERE application_id = $1 ORDER BY ordinal;

-- name: update_application
UPDATE applications
SET legal_name = $2, credit_code = $3, status = $4, payload = $5, requirements = $6,
    version = version + 1, updated_at = now()
WHERE id = $1
RETURNING version;

-- name: set_status
UPDATE applications SET status = $2, requirements = $3, version = version + 1, updated_at = now()
WHERE id = $1
RETURNING version;

-- name: list_applications
SELECT id, kind, round_code, credit_code, legal_name, status, payload, requirements, version,
       created_at, updated_at, count(*) OVER () AS total
FROM applications
WHERE ($1::text IS NULL OR round_code = $1)
  AND ($2::text IS NULL OR status = $2)
  AND ($3::text IS NULL OR kind = $3)
  -- A street or community reviewer's area ($6 communities, $7 streets): only candidates
  -- whose scorecard serves it (service/organisations); NULL = every candidate.
  AND ($6::text[] IS NULL OR EXISTS (
      SELECT 1 FROM scorecards s,
           jsonb_array_elements_text(s.card -> 'served_communities') AS c(code)
      WHERE s.application_id = applications.id
        AND (c.code = ANY($6::text[]) OR left(c.code, 9) = ANY($7::text[]))))
ORDER BY created_at, id
LIMIT $4 OFFSET $5;

-- name: audit_trail
SELECT id, action, actor, from_status, to_status, reason, details, at
FROM audit_log WHERE entity = 'application' AND entity_id = $1 ORDER BY id;

-- name: info_requests
SELECT id, question, requested_by, requested_at, answer, answered_at, requested_documents
FROM info_requests WHERE application_id = $1 ORDER BY id;

-- name: answer_open_info_requests
UPDATE info_requests SET answer = $2, answered_at = now()
WHERE application_id = $1 AND answered_at IS NULL;

-- name: application_in_round
SELECT EXISTS (SELECT 1 FROM applications WHERE round_code = $1 AND credit_code = $2);

-- name: latest_decision
SELECT to_status, reason, actor, at FROM audit_log
WHERE entity = 'application' AND entity_id = $1 AND action = 'transition'
  AND to_status IN ('approved', 'rejected', 'waitlisted')
ORDER BY id DESC
LIMIT 1;

-- name: registry_stores
SELECT id, name, address, status, daily_capacity, radius_m, opening_hours FROM stores
WHERE application_id = $1
ORDER BY created_at, name;
