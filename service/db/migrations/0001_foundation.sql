-- Foundation: PostGIS, staff users and their tokens, pilot communities.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    role        text NOT NULL CHECK (role IN ('admin', 'reviewer', 'dispatcher')),
    -- reviewers record decisions only with this permission; admins always may
    can_decide  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);

-- Bearer tokens are stored only as SHA-256 hashes. A token belongs either to a staff
-- user or (see the applications migration) to exactly one application.
CREATE TABLE tokens (
    id           bigserial PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      bigint REFERENCES users (id) ON DELETE CASCADE,
    application_id uuid,  -- foreign key added with the applications table
    label        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX tokens_user_idx ON tokens (user_id);
ALTER TABLE tokens ADD CONSTRAINT tokens_one_owner
    CHECK ((user_id IS NULL) <> (application_id IS NULL));

CREATE TABLE communities (
    code            text PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
    name            text NOT NULL,
    name_full       text NOT NULL DEFAULT '',
    street          text NOT NULL DEFAULT '',
    district        text NOT NULL DEFAULT '',
    households      integer NOT NULL DEFAULT 0 CHECK (households >= 0),
    residents       integer NOT NULL DEFAULT 0 CHECK (residents >= 0),
    elderly         integer NOT NULL DEFAULT 0 CHECK (elderly >= 0),
    elderly_alone   integer NOT NULL DEFAULT 0 CHECK (elderly_alone >= 0),
    disabled        integer NOT NULL DEFAULT 0 CHECK (disabled >= 0),
    mothers_infants integer NOT NULL DEFAULT 0 CHECK (mothers_infants >= 0),
    children        integer NOT NULL DEFAULT 0 CHECK (children >= 0),
    estimated       text[] NOT NULL DEFAULT '{}',
    is_pilot        boolean NOT NULL DEFAULT true,
    properties      jsonb NOT NULL DEFAULT '{}',
    geom            geometry(MultiPolygon, 4326) NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX communities_geom_idx ON communities USING gist (geom);
-- Geography-typed index for metre-based distance tests (ST_DWithin on geography).
CREATE INDEX communities_geog_idx ON communities USING gist ((geom::geography));
