-- Registry of approved stores, their status history, per-day capacity and reservations,
-- and disaster areas. Spatial indexes match the expressions used in service/sql/registry.sql
-- and dispatch.sql exactly: a geography cast in a query only uses an index on that same cast.

CREATE TABLE stores (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- no foreign keys yet: the applications tables come from another migration
    application_id       uuid,
    application_store_id uuid UNIQUE,  -- one registry entry per approved application store
    merchant_name        text NOT NULL,
    name                 text NOT NULL,
    address              text NOT NULL DEFAULT '',
    categories           text[] NOT NULL DEFAULT '{}',
    geom                 geometry(Point, 4326) NOT NULL,
    -- delivery zone (from a radius or drawn); only meaningful when home_delivery
    zone                 geometry(MultiPolygon, 4326),
    radius_m             integer CHECK (radius_m > 0),
    home_delivery        boolean NOT NULL DEFAULT false,
    emergency_24h        boolean NOT NULL DEFAULT false,
    mobility_assist      boolean NOT NULL DEFAULT false,
    daily_capacity       integer NOT NULL DEFAULT 0 CHECK (daily_capacity >= 0),
    status               text NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active', 'suspended', 'closed', 'affected')),
    status_reason        text NOT NULL DEFAULT '',
    status_changed_by    text,
    status_changed_at    timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now()
);
-- Point-in-area tests (disaster areas) and bounding-box fetches.
CREATE INDEX stores_geom_idx ON stores USING gist (geom);
-- KNN (`<->`) and ST_DWithin in metres: same expression as in the queries.
CREATE INDEX stores_geog_idx ON stores USING gist ((geom::geography));
-- "Whose delivery zone covers this point / intersects this community".
CREATE INDEX stores_zone_idx ON stores USING gist (zone);
CREATE INDEX stores_application_idx ON stores (application_id);

-- Append-only: who changed a store's status, when, from what, to what, and why.
CREATE TABLE store_status_history (
    id               bigserial PRIMARY KEY,
    store_id         uuid NOT NULL REFERENCES stores (id),
    from_status      text,
    to_status        text NOT NULL,
    reason           text NOT NULL DEFAULT '',
    changed_by       text NOT NULL,
    changed_at       timestamptz NOT NULL DEFAULT now(),
    disaster_area_id uuid
);
CREATE INDEX store_status_history_store_idx ON store_status_history (store_id, id);

CREATE TRIGGER store_status_history_no_update BEFORE UPDATE OR DELETE ON store_status_history
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();
CREATE TRIGGER store_status_history_no_truncate BEFORE TRUNCATE ON store_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_append_only();

-- One row per store and service day (Beijing time), created on the first reservation from the
-- store's daily_capacity. The CHECK is the last line of defence against over-booking.
CREATE TABLE store_capacity (
    store_id  uuid NOT NULL REFERENCES stores (id),
    day       date NOT NULL,
    capacity  integer NOT NULL CHECK (capacity >= 0),
    reserved  integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (store_id, day),
    CHECK (reserved <= capacity)
);

CREATE TABLE reservations (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id      uuid NOT NULL REFERENCES stores (id),
    day           date NOT NULL,
    household_ref text,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    released_at   timestamptz
);
CREATE INDEX reservations_store_day_idx ON reservations (store_id, day);

CREATE TABLE disaster_areas (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL,
    geom            geometry(MultiPolygon, 4326) NOT NULL,
    marked_affected boolean NOT NULL DEFAULT false,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disaster_areas_geom_idx ON disaster_areas USING gist (geom);
