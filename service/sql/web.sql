-- Data the pages render on the server (no API call needed before the first paint).

-- name: open_rounds
-- The rounds an applicant may apply to, oldest first (the page offers them by name).
SELECT code, name FROM rounds WHERE status = 'open' ORDER BY created_at;
