-- name: application_kind_status
SELECT kind, status, payload FROM applications WHERE id = $1;

-- name: store_of_application
SELECT EXISTS (SELECT 1 FROM application_stores WHERE id = $2 AND application_id = $1);

-- name: image_documents
SELECT id FROM application_documents
WHERE application_id = $1 AND id = ANY($2::uuid[]) AND media_type LIKE 'image/%';

-- name: insert_site_visit
INSERT INTO site_visits (application_id, store_id, visited_on, visitor_id, organisation_id,
    essentials_stocked, till_ready, delivery_means, trained_staff, notes, photo_ids)
VALUES ($1, $2, $3, $4,
        (SELECT organisation_id FROM organisation_members WHERE user_id = $4),
        $5, $6, $7, $8, $9, $10)
RETURNING id, recorded_at;

-- name: site_visits_of
SELECT v.id, v.store_id, st.name AS store_name, v.visited_on, u.name AS visitor,
       o.code AS organisation, v.essentials_stocked, v.till_ready, v.delivery_means,
       v.trained_staff, v.notes, v.photo_ids, v.recorded_at
FROM site_visits v JOIN users u ON u.id = v.visitor_id
LEFT JOIN organisations o ON o.id = v.organisation_id
LEFT JOIN application_stores st ON st.id = v.store_id
WHERE v.application_id = $1 ORDER BY v.visited_on, v.recorded_at;

-- name: insert_training
INSERT INTO training_sessions (application_id, held_on, trainer, attendees, recorded_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, recorded_at;

-- name: trainings_of
SELECT id, held_on, trainer, attendees, recorded_by, recorded_at
FROM training_sessions WHERE application_id = $1 ORDER BY held_on, recorded_at;

-- name: count_site_photos
SELECT count(*) FROM application_documents WHERE application_id = $1 AND kind = 'site_visit_photo';

-- name: insert_site_photo
-- A photo taken on a site visit, kept with the application's documents (panel-readable).
INSERT INTO application_documents (application_id, kind, filename, media_type, size_bytes,
    sha256, content, uploaded_by)
VALUES ($1, 'site_visit_photo', $2, $3, $4, $5, $6, $7)
RETURNING id, uploaded_at;

-- name: site_visit_count
SELECT count(*) FROM site_visits WHERE application_id = $1;
