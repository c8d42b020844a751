-- Routing households to stores and reserving today's capacity. Same conventions as
-- registry.sql: $n::geometry bound from shapely, metres on the ellipsoid, `s.geom::geography`
-- written exactly as indexed (stores_geog_idx). stores_on(day) (migration 0014) is every store
-- with its capacity left that day and its `summary`; the planner inlines it, so those
-- conditions still reach the indexes on stores.

-- name: route_delivery_candidates
-- Active delivering stores whose zone covers the household $1, carrying every category in
-- $2, with at least $5 units of capacity left on day $3 (1: can take one more; 0: any, to
-- tell "fully booked" from "nobody in reach"); nearest first, at most $4.
SELECT (s.summary).*,
       ST_Distance(s.geom::geography, ST_SetSRID($1::geometry, 4326)::geography) AS distance_m
FROM stores_on($3) s
WHERE s.status = 'active' AND s.home_delivery
  AND ST_Intersects(s.zone, ST_SetSRID($1::geometry, 4326))
  AND s.categories @> $2::text[]
  AND s.capacity_left >= $5
ORDER BY distance_m, s.id
LIMIT $4;

-- name: route_walkin_candidates
-- Active stores within $4 metres (walking) of the household $1, carrying every category in
-- $2, with at least $6 units of capacity left on day $3; nearest first, at most $5.
SELECT (s.summary).*,
       ST_Distance(s.geom::geography, ST_SetSRID($1::geometry, 4326)::geography) AS distance_m
FROM stores_on($3) s
WHERE s.status = 'active'
  AND ST_DWithin(s.geom::geography, ST_SetSRID($1::geometry, 4326)::geography, $4)
  AND s.categories @> $2::text[]
  AND s.capacity_left >= $6
ORDER BY distance_m, s.id
LIMIT $5;

-- name: reserve_capacity
-- One unit of store $1's capacity on day $2, atomically (reserve_unit, migration 0025: the
-- day's row created from daily_capacity on first use, else locked and re-checked, so
-- concurrent callers can never exceed capacity). NULL: the store is full (or no longer active).
SELECT reserve_unit($1, $2) AS capacity_left;

-- name: reserve_first
-- Routing's reservation in one statement (reserve_first, migration 0025): the first of the
-- ranked stores $1 that can take one more household on day $2 gets a unit and the reservation
-- row (ref $3, by $4, the household's WGS-84 point $5 or NULL). No row: none of them could.
SELECT id, store_id, capacity_left, created_at
FROM reserve_first($1::uuid[], $2, $3, $4, $5::geometry);

-- name: route_reserve
-- Routing's one round trip (route_reserve, migration 0025): the index's candidates $1 with
-- their ranking tiers $2, day $3, the index's registry version $4 (NULL: do not check), the
-- household's WGS-84 point $5, the nearest $6 with capacity left, reserve or not $7, ref $8,
-- by $9. A head row (id NULL: community, version, in_reach), then the candidates kept.
SELECT * FROM route_reserve($1::uuid[], $2::int[], $3, $4, $5::geometry, $6, $7, $8, $9);

-- name: release_reservation
-- Marks the reservation released once; no row back when unknown or already released.
UPDATE reservations SET released_at = now()
WHERE id = $1 AND released_at IS NULL
RETURNING store_id, day, released_at;

-- name: reservation_by_id
SELECT r.id, r.store_id, r.day, r.household_ref, r.created_at, r.released_at, s.name
FROM reservations r JOIN stores s ON s.id = r.store_id
WHERE r.id = $1;

-- name: unreserve_capacity
UPDATE store_capacity SET reserved = reserved - 1
WHERE store_id = $1 AND day = $2 AND reserved > 0;

-- name: assign_delivery_pairs
-- Batch assignment, home delivery: for household i (1-based position in the arrays $1 lon,
-- $2 lat), up to $5 nearest active delivering stores whose zone covers it, carrying every
-- category in $3, with capacity left on day $4. One zone-index probe per household; the
-- caller computes exact distances (vectorised) for these pairs only.
SELECT h.i, c.id
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS h(lon, lat, i)
CROSS JOIN LATERAL (
    SELECT s.id
    FROM stores_on($4) s
    WHERE s.status = 'active' AND s.home_delivery
      AND ST_Intersects(s.zone, ST_SetSRID(ST_MakePoint(h.lon, h.lat), 4326))
      AND s.categories @> $3::text[]
      AND s.capacity_left > 0
    ORDER BY s.geom::geography <-> ST_SetSRID(ST_MakePoint(h.lon, h.lat), 4326)::geography
    LIMIT $5
) c;

-- name: assign_walkin_pairs
-- Batch assignment, walk-in: up to $5 nearest active stores within $6 metres of household i
-- (KNN bounded by the distance condition, so a household with no store near stops early).
SELECT h.i, c.id
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS h(lon, lat, i)
CROSS JOIN LATERAL (
    SELECT s.id
    FROM stores_on($4) s
    WHERE s.status = 'active'
      AND ST_DWithin(s.geom::geography,
                     ST_SetSRID(ST_MakePoint(h.lon, h.lat), 4326)::geography, $6)
      AND s.categories @> $3::text[]
      AND s.capacity_left > 0
    ORDER BY s.geom::geography <-> ST_SetSRID(ST_MakePoint(h.lon, h.lat), 4326)::geography
    LIMIT $5
) c;

-- name: assign_store_info
-- Location, name and capacity left on day $2 of the stores $1.
SELECT s.id, (s.summary).name, (s.summary).lon, (s.summary).lat, s.capacity_left
FROM stores_on($2) s
WHERE s.id = ANY($1::uuid[]);

-- name: reservations_by_household
-- A household's reservations on day $2 (by its ref $1), with the store and where the household
-- was when routed; newest first.
SELECT * FROM reservation_lines r
WHERE r.household_ref = $1 AND r.day = $2
ORDER BY r.created_at DESC, r.id
LIMIT 50;
