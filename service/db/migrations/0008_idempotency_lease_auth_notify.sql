-- Idempotency claims become leases, stored answers lose the applicant token, and every
-- change to who a token belongs to is announced to the service's workers (LISTEN boai_auth).
-- Only DML and pg_notify run at request time: a role with DML on these tables suffices.

-- A claim is owned by one request (lease_owner) until lease_until; after that a retry
-- takes the key over. Rows from before this migration have no lease: already expired.
ALTER TABLE idempotency_keys
    ADD COLUMN lease_owner uuid,
    ADD COLUMN lease_until timestamptz;

-- Earlier versions stored the applicant token inside the replayable answer.
UPDATE idempotency_keys SET response_body = response_body - 'applicant_token'
WHERE response_body ? 'applicant_token';

-- Payloads: 'new:<sha256 hex>' for a token that can now sign in, 'gone:<hex>' for one
-- that no longer can, 'reset' when a user's role or status changes. A hash is no secret.
CREATE FUNCTION notify_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('boai_auth', 'new:' || encode(NEW.token_hash, 'hex'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('boai_auth', 'gone:' || encode(OLD.token_hash, 'hex'));
    ELSE
        PERFORM pg_notify('boai_auth', 'gone:' || encode(OLD.token_hash, 'hex'));
        IF NEW.revoked_at IS NULL THEN
            PERFORM pg_notify('boai_auth', 'new:' || encode(NEW.token_hash, 'hex'));
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- Not on last_used_at: the touch on sign-in must not flush every worker's cache.
CREATE TRIGGER tokens_notify
    AFTER INSERT OR DELETE OR UPDATE OF token_hash, user_id, application_id, revoked_at
    ON tokens FOR EACH ROW EXECUTE FUNCTION notify_token_change();

CREATE FUNCTION notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('boai_auth', 'reset');
    RETURN NULL;
END $$;

CREATE TRIGGER users_notify
    AFTER DELETE OR UPDATE OF name, role, can_decide, disabled_at
    ON users FOR EACH STATEMENT EXECUTE FUNCTION notify_user_change();
