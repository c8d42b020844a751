-- The registry index each worker holds in memory (service/registry/index.py): the active
-- stores, their points and delivery zones, and the registry version they were read at. Reads
-- answered from it check status and capacity here, so a stale index never offers a store that
-- is no longer active, and reserving re-checks both in one statement (dispatch.sql).

-- name: index_version
SELECT version FROM registry_version;

-- name: index_stores
-- The whole snapshot, read when the index starts or its overlay has grown past its bound.
-- $1: the version of the index it replaces (-1: none). A store not changed since (`fresh`
-- false) is as that index has it: its zone, the heaviest column, is not sent again. Zones
-- come as WKB, which the index keeps (decoding only those near a queried point).
SELECT s.id, s.name, s.merchant_name, s.address, s.categories, ST_X(s.geom) AS lon,
       ST_Y(s.geom) AS lat, s.home_delivery, s.emergency_24h, s.mobility_assist,
       s.daily_capacity, s.opening_hours, s.changed_version > $1 AS fresh,
       CASE WHEN s.home_delivery AND s.changed_version > $1 THEN ST_AsBinary(s.zone) END AS zone
FROM stores s
WHERE s.status = 'active'
ORDER BY s.id;

-- name: index_changes
-- The stores changed after version $1, active or not (stores.changed_version: migration 0027),
-- with the registry version and the last deletion's version read in the same snapshot (one
-- statement): every row stamped up to that version and none later. One row with a NULL id
-- when none changed.
SELECT v.version, v.stores_deleted_version, c.*
FROM registry_version v
LEFT JOIN LATERAL (
    SELECT s.status = 'active' AS active, s.id, s.name, s.merchant_name, s.address,
           s.categories, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, s.home_delivery,
           s.emergency_24h, s.mobility_assist, s.daily_capacity, s.opening_hours,
           CASE WHEN s.home_delivery AND s.status = 'active' THEN ST_AsBinary(s.zone) END AS zone
    FROM stores s
    WHERE s.changed_version > $1
) c ON true;

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
