-- One definition of "the active stores serving a community" and of "a reservation line".
--
-- stores_serving: a delivering store whose zone reaches inside the community (its interior,
-- 10 cm in, so a zone merely touching the boundary does not count), or any store within
-- walk_m metres of it on foot (on the sphere: within 0.3 % of the ellipsoid, half the cost).
-- Each way is one lazy index scan stopped after up_to stores, so the cost stays bounded in the
-- dense urban core. registry.sql `coverage` and review.sql `network_counts` both call it.
-- Like stores_on (0014) it is a single-SELECT SQL function, STABLE, not STRICT, not SECURITY
-- DEFINER and without SET options: the planner inlines it into the caller, and the probes
-- keep using stores_zone_idx and stores_geog_idx (tests/service/test_registry_explain.py).
-- The community's geography is computed once by the caller and passed in.
CREATE FUNCTION stores_serving(
    community_geog geography, community_interior geometry, walk_m double precision,
    up_to integer, exclude_application uuid
)
RETURNS TABLE (delivery_ids uuid[], walkin_ids uuid[])
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT
        (SELECT COALESCE(array_agg(x.id), '{}'::uuid[])
         FROM (SELECT s.id FROM stores s
               WHERE s.status = 'active' AND s.home_delivery
                 AND ST_Intersects(s.zone, community_interior)
                 AND (exclude_application IS NULL
                      OR s.application_id IS DISTINCT FROM exclude_application)
               LIMIT up_to) x),
        (SELECT COALESCE(array_agg(x.id), '{}'::uuid[])
         FROM (SELECT s.id FROM stores s
               WHERE s.status = 'active'
                 AND ST_DWithin(s.geom::geography, community_geog, walk_m, false)
                 AND (exclude_application IS NULL
                      OR s.application_id IS DISTINCT FROM exclude_application)
               LIMIT up_to) x)
$$;

-- A reservation as dispatch lists it: where the household was when routed, and the store.
-- dispatch.sql `reservations_by_household` and registry.sql `open_reservations_at` select it.
CREATE VIEW reservation_lines AS
SELECT r.id, r.store_id, r.day, r.household_ref, r.created_by, r.created_at, r.released_at,
       ST_X(r.household_geom) AS household_lon, ST_Y(r.household_geom) AS household_lat,
       s.name AS store_name, s.merchant_name, s.status AS store_status,
       ST_X(s.geom) AS store_lon, ST_Y(s.geom) AS store_lat
FROM reservations r
JOIN stores s ON s.id = r.store_id;
-- A read-only view: the service only selects from it.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON reservation_lines FROM boai_service;
