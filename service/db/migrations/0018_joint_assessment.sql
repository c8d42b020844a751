-- Joint assessment and field recruitment: organisations and their areas, a round's joint
-- rules, site visits, field leads with single-use invitations, training sessions.

-- An organisation of the programme. Its area (community codes, or streets = the 9-digit
-- prefix of the 12-digit statistical code) scopes what its reviewers see; empty = unscoped.
CREATE TABLE organisations (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 2 AND 200),
    kind        text NOT NULL CHECK (kind IN ('foundation', 'platform_foundation', 'street_office',
                                              'community_committee', 'ngo_partner')),
    communities text[] NOT NULL DEFAULT '{}',
    streets     text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (array_position(communities, NULL) IS NULL AND array_position(streets, NULL) IS NULL)
);

-- One organisation per staff user.
CREATE TABLE organisation_members (
    user_id         bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    added_by        text NOT NULL,
    added_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_members_org_idx ON organisation_members (organisation_id);

-- A round's joint rules. Without a row the round keeps the flat panel of before.
-- required: [{"kind": "foundation", "per_community": false}, {"kind": "street_office",
-- "per_community": true}, ...]; quorum: counted reviews needed before any decision.
CREATE TABLE round_joint_rules (
    round_code          text PRIMARY KEY REFERENCES rounds (code),
    required            jsonb NOT NULL DEFAULT '[]',
    quorum              integer NOT NULL DEFAULT 0 CHECK (quorum BETWEEN 0 AND 50),
    site_visit_required boolean NOT NULL DEFAULT false,
    updated_by          text NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- An on-site check of one of a candidate's stores.
CREATE TABLE site_visits (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id     uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    store_id           uuid REFERENCES application_stores (id) ON DELETE SET NULL,
    visited_on         date NOT NULL,
    visitor_id         bigint NOT NULL REFERENCES users (id),
    organisation_id    bigint REFERENCES organisations (id),
    essentials_stocked boolean NOT NULL,
    till_ready         boolean NOT NULL,
    delivery_means     boolean NOT NULL,
    trained_staff      integer NOT NULL CHECK (trained_staff BETWEEN 0 AND 10000),
    notes              text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 4000),
    photo_ids          uuid[] NOT NULL DEFAULT '{}',
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX site_visits_application_idx ON site_visits (application_id, visited_on);

-- A merchant the field found. The contact is personal data: shown to staff who need it.
CREATE TABLE leads (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_name   text NOT NULL CHECK (char_length(merchant_name) BETWEEN 2 AND 200),
    address         text NOT NULL DEFAULT '' CHECK (char_length(address) <= 400),
    geom            geometry(Point, 4326) NOT NULL,
    contact_name    text NOT NULL DEFAULT '' CHECK (char_length(contact_name) <= 100),
    contact_mobile  text NOT NULL DEFAULT '' CHECK (contact_mobile ~ '^(1[0-9]{10})?$'),
    notes           text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 4000),
    round_code      text NOT NULL REFERENCES rounds (code),
    recorded_by     bigint NOT NULL REFERENCES users (id),
    organisation_id bigint REFERENCES organisations (id),
    application_id  uuid REFERENCES applications (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_geog_idx ON leads USING gist ((geom::geography));
CREATE INDEX leads_organisation_idx ON leads (organisation_id, created_at);

-- An invitation link: only the SHA-256 of its token is kept; used once, then dead.
CREATE TABLE lead_invitations (
    id         bigserial PRIMARY KEY,
    lead_id    uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_invitations_lead_idx ON lead_invitations (lead_id);

-- A training session for an approved merchant's staff.
CREATE TABLE training_sessions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    held_on        date NOT NULL,
    trainer        text NOT NULL CHECK (char_length(trainer) BETWEEN 1 AND 100),
    attendees      text[] NOT NULL CHECK (cardinality(attendees) BETWEEN 1 AND 200),
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_sessions_application_idx ON training_sessions (application_id, held_on);
