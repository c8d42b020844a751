-- Recruitment rounds, applications with their stores, the audit trail, idempotency keys.

CREATE TABLE rounds (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Changing a rubric makes a new version; scorecards name the version they used.
CREATE TABLE rubrics (
    round_code  text NOT NULL REFERENCES rounds (code),
    version     integer NOT NULL CHECK (version > 0),
    rubric      jsonb NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (round_code, version)
);

CREATE TABLE applications (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('merchant', 'ngo')),
    round_code    text NOT NULL REFERENCES rounds (code),
    credit_code   text NOT NULL,
    legal_name    text NOT NULL,
    status        text NOT NULL CHECK (status IN ('submitted', 'under_review', 'info_requested',
                  'approved', 'rejected', 'waitlisted', 'withdrawn')),
    -- the normalised request as accepted (personal data stays in this row only)
    payload       jsonb NOT NULL,
    requirements  jsonb NOT NULL,
    -- optimistic concurrency: every write bumps it; decisions require If-Match
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- One open application per credit code per round.
CREATE UNIQUE INDEX applications_open_credit_code ON applications (round_code, credit_code)
    WHERE status IN ('submitted', 'under_review', 'info_requested', 'waitlisted');
CREATE INDEX applications_round_status ON applications (round_code, status, created_at);

ALTER TABLE tokens ADD CONSTRAINT tokens_application_fk
    FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE;
CREATE INDEX tokens_application_idx ON tokens (application_id);

CREATE TABLE application_stores (
    id              uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    ordinal         integer NOT NULL,
    name            text NOT NULL,
    address         text NOT NULL,
    categories      text[] NOT NULL,
    till_must_block text[] NOT NULL DEFAULT '{}',
    location        geometry(Point, 4326) NOT NULL,
    location_input  jsonb NOT NULL,          -- as typed, with its crs
    home_delivery   boolean NOT NULL,
    radius_m        integer,
    zone            geometry(MultiPolygon, 4326),
    daily_capacity  integer NOT NULL DEFAULT 0,
    emergency_24h   boolean NOT NULL DEFAULT false,
    mobility_assist boolean NOT NULL DEFAULT false,
    UNIQUE (application_id, ordinal)
);
CREATE INDEX application_stores_location_idx ON application_stores USING gist (location);

-- Append-only trail of every transition and amendment (who, when, from, to, reason).
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    action      text NOT NULL,
    actor       text NOT NULL,
    from_status text,
    to_status   text,
    reason      text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);

-- Enforced in the database, whatever role the service connects as. Shared by every
-- append-only table (the store status history uses it too).
CREATE FUNCTION refuse_change_to_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_append_only();

CREATE TABLE idempotency_keys (
    key             text NOT NULL,
    route           text NOT NULL,
    request_hash    bytea NOT NULL,
    state           text NOT NULL CHECK (state IN ('in_progress', 'done')),
    response_status integer,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (route, key)
);

-- Reviewers' requests for information; the applicant sees open ones in its requirements.
CREATE TABLE info_requests (
    id             bigserial PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    question       text NOT NULL,
    requested_by   text NOT NULL,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    answer         text,
    answered_at    timestamptz
);
CREATE INDEX info_requests_application_idx ON info_requests (application_id);
