-- name: round_is_open
SELECT status = 'open' FROM rounds WHERE code = $1;

-- name: insert_lead
INSERT INTO leads (merchant_name, address, geom, contact_name, contact_mobile, notes,
                   round_code, recorded_by, organisation_id)
VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7, $8, $9,
        (SELECT organisation_id FROM organisation_members WHERE user_id = $9))
RETURNING id, organisation_id, created_at;

-- name: leads_for
-- The leads a caller sees: all ($1 true: admins), its organisation's, or its own; each with
-- the pilot communities within $4 metres that have fewer than $5 active stores serving
-- them (a store within $6 metres on foot, or a delivery zone reaching inside).
SELECT l.id, l.merchant_name, l.address, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat,
       l.contact_name, l.contact_mobile, l.notes, l.round_code, u.name AS recorded_by,
       o.code AS organisation, l.application_id, a.status AS application_status, l.created_at,
       (SELECT max(i.created_at) FROM lead_invitations i WHERE i.lead_id = l.id) AS invited_at,
       coalesce(g.gaps, '[]'::jsonb) AS gaps
FROM leads l JOIN users u ON u.id = l.recorded_by
LEFT JOIN organisations o ON o.id = l.organisation_id
LEFT JOIN applications a ON a.id = l.application_id
CROSS JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('code', c.code, 'name', c.name, 'stores', n.n)
                     ORDER BY c.code) AS gaps
    FROM communities c
    CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM (
            SELECT s.id FROM stores s
            WHERE s.status = 'active'
              AND (ST_DWithin(s.geom::geography, c.geom::geography, $6)
                   OR (s.home_delivery AND ST_Intersects(s.zone, c.geom)))
            LIMIT $5) x
    ) n
    WHERE c.is_pilot AND ST_DWithin(c.geom::geography, l.geom::geography, $4)
      AND n.n < $5
) g
WHERE $1 OR l.organisation_id = $2 OR l.recorded_by = $3
ORDER BY l.created_at DESC
LIMIT 500;

-- name: lead_for_update
SELECT l.id, l.organisation_id, l.recorded_by, l.application_id
FROM leads l WHERE l.id = $1 FOR UPDATE;

-- name: insert_invitation
INSERT INTO lead_invitations (lead_id, token_hash, expires_at, created_by)
VALUES ($1, $2, now() + make_interval(days => $3), $4)
RETURNING expires_at;

-- name: invitation_by_hash
SELECT i.id, i.expires_at, i.used_at, i.expires_at <= now() AS expired,
       l.id AS lead_id, l.merchant_name, l.address, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat,
       l.contact_name, l.contact_mobile, l.round_code, l.application_id
FROM lead_invitations i JOIN leads l ON l.id = i.lead_id
WHERE i.token_hash = $1;

-- name: use_invitation
-- Single use, atomically: only an unused, unexpired invitation of a lead not yet converted.
UPDATE lead_invitations i SET used_at = now()
FROM leads l
WHERE i.token_hash = $1 AND l.id = i.lead_id
  AND i.used_at IS NULL AND i.expires_at > now() AND l.application_id IS NULL
RETURNING i.lead_id;

-- name: link_application
UPDATE leads SET application_id = $2 WHERE id = $1 AND application_id IS NULL;

-- name: conversion
-- Per organisation: leads recorded, invited, applied, decided, approved.
SELECT o.code AS organisation, o.name, o.kind,
       count(*) AS leads,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM lead_invitations i
                                      WHERE i.lead_id = l.id)) AS invited,
       count(l.application_id) AS applied,
       count(*) FILTER (WHERE a.status IN ('approved', 'rejected', 'waitlisted')) AS decided,
       count(*) FILTER (WHERE a.status = 'approved') AS approved
FROM leads l
LEFT JOIN organisations o ON o.id = l.organisation_id
LEFT JOIN applications a ON a.id = l.application_id
GROUP BY o.id, o.code, o.name, o.kind
ORDER BY o.code NULLS LAST;

-- name: organisation_of_user
SELECT organisation_id FROM organisation_members WHERE user_id = $1;
