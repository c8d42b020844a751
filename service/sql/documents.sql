-- name: count_documents
SELECT count(*) FROM application_documents WHERE application_id = $1;

-- name: insert_document
INSERT INTO application_documents (application_id, kind, filename, media_type, size_bytes,
    sha256, content, uploaded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, uploaded_at;

-- name: list_documents
SELECT id, kind, filename, media_type, size_bytes, sha256, uploaded_by, uploaded_at
FROM application_documents WHERE application_id = $1 ORDER BY uploaded_at, id;

-- name: get_document
SELECT id, kind, filename, media_type, size_bytes, sha256, content
FROM application_documents WHERE application_id = $1 AND id = $2;

-- name: lock_application_status
SELECT status FROM applications WHERE id = $1 FOR UPDATE;
