-- Applicant notifications: the outbox (notification_events) and its delivery state.

-- name: insert_event
INSERT INTO notification_events (id, application_id, type, data)
VALUES ($1, $2, $3, $4)
RETURNING occurred_at;

-- name: claim_event
-- Held for the length of one delivery attempt: a second worker that somehow got the same
-- event skips it instead of sending it twice.
SELECT id, application_id, type, occurred_at, data, status, attempts
FROM notification_events WHERE id = $1
FOR UPDATE SKIP LOCKED;

-- name: event_exists
SELECT EXISTS (SELECT 1 FROM notification_events WHERE id = $1);

-- name: mark_delivered
UPDATE notification_events
SET status = 'delivered', delivered_at = now(), attempts = attempts + 1,
    last_attempt_at = now(), last_error = NULL
WHERE id = $1;

-- name: mark_attempt_failed
-- $3: retries are exhausted, so the event is marked failed for staff to see.
UPDATE notification_events
SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2,
    status = CASE WHEN $3 THEN 'failed' ELSE status END
WHERE id = $1
RETURNING attempts;

-- name: events_of
SELECT id, type, occurred_at, data, status, attempts, last_error, last_attempt_at, delivered_at
FROM notification_events WHERE application_id = $1
ORDER BY occurred_at, id;
