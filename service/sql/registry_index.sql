-- The registry index each worker holds in memory (service/registry/index.py): the active
-- stores, their points and delivery zones, and the registry version they were read at. Reads
-- answered from it check status and capacity here, so a stale index never offers a store that
-- is no longer active, and reserving re-checks both in one statement (dispatch.sql).

-- name: index_version
SELECT version FROM registry_version;

-- name: index_stores
SELECT s.id, s.name, s.merchant_name, s.address, s.categories, ST_X(s.geom) AS lon,
       ST_Y(s.geom) AS lat, s.home_delivery, s.emergency_24h, s.mobility_assist,
       s.daily_capacity, s.opening_hours, CASE WHEN s.home_delivery THEN s.zone END AS zone
FROM stores s
WHERE s.status = 'active'
ORDER BY s.id;

-- name: live_state
-- For the candidate stores $1 (from the index): whether each is still active, and its capacity
-- left on day $2; with the community the point $3 lies in and the registry version (the first
-- row; one round trip).
WITH here AS MATERIALIZED (
    SELECT code, name FROM communities
    WHERE ST_Intersects(geom, ST_SetSRID($3::geometry, 4326))
    ORDER BY is_pilot DESC, code
    LIMIT 1
)
SELECT NULL::uuid AS id, NULL::int AS capacity_left, h.code AS community_code,
       h.name AS community_name, v.version
FROM registry_version v LEFT JOIN here h ON true
UNION ALL
SELECT s.id, s.capacity_left, NULL, NULL, NULL
FROM stores_on($2) s
WHERE s.id = ANY($1::uuid[]) AND s.status = 'active';
