-- "A store serves a community", defined once, and kept as a relation on every write.
--
-- The rule: an active store serves a pilot community when
--   * it delivers home and its delivery zone reaches inside the community (its interior, 10 cm
--     in: a zone merely touching the boundary does not serve it), or
--   * the community comes within walking reach of the store (metres on the WGS-84 ellipsoid,
--     from the store's point to the nearest part of the community).
-- Walking reach is a parameter of the reader (coverage's walk_m, a rubric's walking distance),
-- so the relation keeps each pair's walking distance: a pair is stored when the zone delivers
-- into the community or the distance is within serving_max_walk_m(), and a reader with reach W
-- counts `store_serves_at(delivers, walk_m, W)`. Coverage, scoring's network counts, the
-- shortlist and disaster-area coverage loss all read this table; scoring/coverage.py (stores
-- not yet in the registry) follows the same rule and is tested against it.
--
-- The relation is maintained by statement triggers on stores and communities (with transition
-- tables, so a bulk COPY is one set-based statement): whichever path writes a store or a
-- community (approval, a status change, a disaster area marking or lifting, a boundary import,
-- plain SQL), the relation and the per-community counts follow in the same transaction.

-- The farthest walking reach a reader may ask for (coverage and disaster areas accept up to it;
-- a rubric walking farther is counted at it). Every metre more multiplies the pairs kept.
CREATE FUNCTION serving_max_walk_m() RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 1000.0::float8 $$;

-- The programme's standard walking reach: the per-community counts are kept at it.
CREATE FUNCTION serving_walk_m() RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 1000.0::float8 $$;

-- Does the store's delivery zone serve the community (reach its interior)?
CREATE FUNCTION zone_delivers_into(home_delivery boolean, zone geometry, interior geometry)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(home_delivery AND ST_Intersects(zone, interior), false)
$$;

-- Walking metres from the store's point to the nearest part of the community (ellipsoid).
CREATE FUNCTION walk_distance_m(store_geom geometry, community_geom geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_Distance(store_geom::geography, community_geom::geography, true)
$$;

-- A stored pair serves its community at walking reach `reach_m`.
CREATE FUNCTION store_serves_at(delivers boolean, walk_m double precision,
                                reach_m double precision)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT delivers OR walk_m <= reach_m $$;

CREATE TABLE store_serves (
    store_id uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    code     text NOT NULL REFERENCES communities (code) ON DELETE CASCADE ON UPDATE CASCADE,
    delivers boolean NOT NULL,
    walk_m   double precision NOT NULL,
    PRIMARY KEY (code, store_id)
);
CREATE INDEX store_serves_store_idx ON store_serves (store_id);
-- Coverage lists a community's walk-in stores nearest first.
CREATE INDEX store_serves_walk_idx ON store_serves (code, walk_m, store_id);

-- Active stores serving each pilot community at serving_walk_m(), kept by trigger.
CREATE TABLE community_store_counts (
    code text PRIMARY KEY REFERENCES communities (code) ON DELETE CASCADE ON UPDATE CASCADE,
    n    integer NOT NULL CHECK (n >= 0)
);

-- A changed store finds the communities its zone reaches through this index.
CREATE INDEX communities_interior_idx ON communities USING gist (interior);

-- Candidate pairs found through the indexes on stores and communities, then measured.
CREATE FUNCTION store_serves_pairs(store_ids uuid[], codes text[])
RETURNS TABLE (store_id uuid, code text, delivers boolean, walk_m double precision)
LANGUAGE sql STABLE AS $$
    SELECT p.store_id, p.code,
           zone_delivers_into(s.home_delivery, s.zone, c.interior),
           walk_distance_m(s.geom, c.geom)
    FROM (
        SELECT s.id AS store_id, c.code
        FROM stores s JOIN communities c
          ON ST_Intersects(s.zone, c.interior) AND s.home_delivery
        WHERE s.status = 'active' AND c.is_pilot
          AND (store_ids IS NULL OR s.id = ANY(store_ids))
          AND (codes IS NULL OR c.code = ANY(codes))
        UNION
        -- on the sphere first (half the cost, within 0.5 % of the ellipsoid), then measured
        SELECT s.id, c.code
        FROM stores s JOIN communities c
          ON ST_DWithin(s.geom::geography, c.geom::geography, serving_max_walk_m() * 1.005,
                        false)
        WHERE s.status = 'active' AND c.is_pilot
          AND (store_ids IS NULL OR s.id = ANY(store_ids))
          AND (codes IS NULL OR c.code = ANY(codes))
    ) p
    JOIN stores s ON s.id = p.store_id
    JOIN communities c ON c.code = p.code
$$;

CREATE FUNCTION refresh_store_serves_for_stores() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    SELECT array_agg(id) INTO ids FROM changed_stores;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM store_serves WHERE store_id = ANY(ids);
    INSERT INTO store_serves SELECT * FROM store_serves_pairs(ids, NULL)
        WHERE delivers OR walk_m <= serving_max_walk_m();
    RETURN NULL;
END $$;

CREATE FUNCTION refresh_store_serves_for_communities() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    codes text[];
BEGIN
    SELECT array_agg(code) INTO codes FROM changed_communities;
    IF codes IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM store_serves WHERE code = ANY(codes);
    INSERT INTO store_serves SELECT * FROM store_serves_pairs(NULL, codes)
        WHERE delivers OR walk_m <= serving_max_walk_m();
    RETURN NULL;
END $$;

CREATE TRIGGER stores_serves_insert AFTER INSERT ON stores
    REFERENCING NEW TABLE AS changed_stores
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_store_serves_for_stores();
CREATE TRIGGER stores_serves_update AFTER UPDATE ON stores
    REFERENCING NEW TABLE AS changed_stores
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_store_serves_for_stores();
CREATE TRIGGER communities_serves_insert AFTER INSERT ON communities
    REFERENCING NEW TABLE AS changed_communities
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_store_serves_for_communities();
CREATE TRIGGER communities_serves_update AFTER UPDATE ON communities
    REFERENCING NEW TABLE AS changed_communities
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_store_serves_for_communities();

-- The counts follow the pairs (inserted and deleted only; never updated in place).
CREATE FUNCTION count_store_serves_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO community_store_counts AS k (code, n)
    SELECT code, count(*) FROM added
    WHERE store_serves_at(delivers, walk_m, serving_walk_m())
    GROUP BY code
    ON CONFLICT (code) DO UPDATE SET n = k.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE FUNCTION count_store_serves_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE community_store_counts k SET n = k.n - r.n
    FROM (SELECT code, count(*) AS n FROM removed
          WHERE store_serves_at(delivers, walk_m, serving_walk_m())
          GROUP BY code) r
    WHERE k.code = r.code;
    RETURN NULL;
END $$;

CREATE TRIGGER store_serves_count_insert AFTER INSERT ON store_serves
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_store_serves_added();
CREATE TRIGGER store_serves_count_delete AFTER DELETE ON store_serves
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION count_store_serves_removed();

-- Tell every worker's in-memory registry index that stores changed (the version bump's
-- statement trigger already runs on every change; the payload is the new version).
CREATE FUNCTION notify_registry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('boai_registry', (SELECT version::text FROM registry_version));
    RETURN NULL;
END $$;
CREATE TRIGGER stores_notify_registry AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stores
    FOR EACH STATEMENT EXECUTE FUNCTION notify_registry_changed();

-- The rule had a second home in 0016 (probed per read); the relation replaces it.
DROP FUNCTION stores_serving(geography, geometry, double precision, integer, uuid);

-- The relation for the stores and communities already there.
INSERT INTO store_serves SELECT * FROM store_serves_pairs(NULL, NULL)
    WHERE delivers OR walk_m <= serving_max_walk_m();
