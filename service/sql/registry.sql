-- Registry of approved stores: writes, look-ups, the dispatcher's spatial queries, exports and
-- disaster areas. Points and areas are bound as shapely geometries ($n::geometry, no SRID in
-- the WKB, hence ST_SetSRID). Metres are always on the ellipsoid (geography), and every
-- geography expression on `stores` is written `s.geom::geography` to match the expression
-- index stores_geog_idx. The benchmark runs these same queries. A store on a service day (its
-- capacity left, the summary a dispatcher sees) is defined once, by stores_on(day) in migration
-- 0014; the planner inlines it, so conditions on its geom and zone reach the indexes on stores.

-- name: insert_store
INSERT INTO stores (application_id, application_store_id, merchant_name, name, address,
                    categories, geom, zone, radius_m, home_delivery, emergency_24h,
                    mobility_assist, daily_capacity, status, status_reason, status_changed_by,
                    status_changed_at, opening_hours)
VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID($7::geometry, 4326),
        ST_Multi(ST_SetSRID($8::geometry, 4326)), $9, $10, $11, $12, $13, $14,
        'registered', 'registry', now(), $15)
ON CONFLICT (application_store_id) DO NOTHING
RETURNING id;

-- name: store_id_by_application_store
SELECT id FROM stores WHERE application_store_id = $1;

-- name: insert_status_history
INSERT INTO store_status_history (store_id, from_status, to_status, reason, changed_by,
                                  disaster_area_id)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: store_detail
-- $2: the service day, for what is left of today's capacity (stores_on: migration 0014).
SELECT s.*, d.capacity_today, d.reserved_today, d.capacity_left
FROM stores s
JOIN stores_on($2) d ON d.id = s.id
WHERE s.id = $1;

-- name: store_history
SELECT from_status, to_status, reason, changed_by, changed_at, disaster_area_id
FROM store_status_history WHERE store_id = $1 ORDER BY id DESC LIMIT $2;

-- name: lock_store_status
SELECT status FROM stores WHERE id = $1 FOR UPDATE;

-- name: update_store_status
UPDATE stores
SET status = $2, status_reason = $3, status_changed_by = $4, status_changed_at = now()
WHERE id = $1;

-- name: community_at
-- The pilot community (if any) containing a WGS-84 point.
SELECT code, name
FROM communities
WHERE ST_Intersects(geom, ST_SetSRID($1::geometry, 4326))
ORDER BY is_pilot DESC, code
LIMIT 1;

-- name: serving_stores
-- Active delivering stores whose zone covers the point $1, nearest first, each row also
-- naming the community the point lies in (one round trip instead of two).
-- $2: categories the store must all carry (NULL: any); $3: service day.
WITH here AS MATERIALIZED (
    SELECT code, name FROM communities
    WHERE ST_Intersects(geom, ST_SetSRID($1::geometry, 4326))
    ORDER BY is_pilot DESC, code
    LIMIT 1
)
SELECT (s.summary).*,
       ST_Distance(s.geom::geography, ST_SetSRID($1::geometry, 4326)::geography) AS distance_m,
       (SELECT code FROM here) AS community_code, (SELECT name FROM here) AS community_name
FROM stores_on($3) s
WHERE s.status = 'active' AND s.home_delivery
  AND ST_Intersects(s.zone, ST_SetSRID($1::geometry, 4326))
  AND ($2::text[] IS NULL OR s.categories @> $2::text[])
ORDER BY distance_m, s.id;

-- name: nearest_stores
-- KNN on stores_geog_idx (index order is spherical distance) for $4 candidates, then the
-- exact ellipsoidal distance picks and orders the nearest $2. $4 > $2 absorbs the <0.5 %
-- sphere/ellipsoid difference. $3: required categories (NULL: any); $5: service day.
WITH candidates AS (
    SELECT s.id, s.geom, s.summary
    FROM stores_on($5) s
    WHERE s.status = 'active' AND ($3::text[] IS NULL OR s.categories @> $3::text[])
    ORDER BY s.geom::geography <-> ST_SetSRID($1::geometry, 4326)::geography
    LIMIT $4
)
SELECT (c.summary).*,
       ST_Distance(c.geom::geography, ST_SetSRID($1::geometry, 4326)::geography) AS distance_m
FROM candidates c
ORDER BY distance_m, c.id
LIMIT $2;

-- name: export_stores
-- Whole rows: service/registry/views.py FEATURE_COLUMNS picks the properties exported.
SELECT s.*
FROM stores s
WHERE ($1::text IS NULL OR s.status = $1)
ORDER BY s.id;

-- name: insert_disaster_area
INSERT INTO disaster_areas (name, geom, marked_affected, created_by)
VALUES ($1, ST_Multi(ST_SetSRID($2::geometry, 4326)), $3, $4)
RETURNING id, created_at;

-- name: stores_in_area
-- Active stores located inside the area $1 (the ones a disaster takes out).
SELECT s.id, s.name, s.merchant_name, s.geom
FROM stores s
WHERE s.status = 'active' AND ST_Intersects(s.geom, ST_SetSRID($1::geometry, 4326))
ORDER BY s.id;

-- name: delivering_into_area
-- Active delivering stores outside the area $1 whose zone reaches into it, nearest first.
SELECT (s.summary).*,
       ST_Distance(s.geom::geography, ST_SetSRID($1::geometry, 4326)::geography) AS distance_m
FROM stores_on($2) s
WHERE s.status = 'active' AND s.home_delivery
  AND ST_Intersects(s.zone, ST_SetSRID($1::geometry, 4326))
  AND NOT ST_Intersects(s.geom, ST_SetSRID($1::geometry, 4326))
ORDER BY distance_m, s.id;

-- name: communities_in_area
SELECT code, name FROM communities
WHERE is_pilot AND ST_Intersects(geom, ST_SetSRID($1::geometry, 4326))
ORDER BY code;

-- name: mark_stores_affected
-- Marks the given stores affected (only those still active) and records each change.
WITH changed AS (
    UPDATE stores
    SET status = 'affected', status_reason = $2, status_changed_by = $3,
        status_changed_at = now()
    WHERE id = ANY($1::uuid[]) AND status = 'active'
    RETURNING id
)
INSERT INTO store_status_history (store_id, from_status, to_status, reason, changed_by,
                                  disaster_area_id)
SELECT id, 'active', 'affected', $2, $3, $4 FROM changed
RETURNING store_id;

-- name: declared_areas
-- Declared disaster areas (what-ifs are not stored), newest first; $1: include lifted ones.
-- `stores_held`: stores whose latest status change is this area marking them affected.
SELECT d.id, d.name, d.geom, d.created_by, d.created_at, d.lifted_at, d.lifted_by,
       d.lift_reason,
       (SELECT count(*) FROM stores s
        WHERE s.id IN (SELECT a.store_id FROM store_status_history a
                       WHERE a.disaster_area_id = d.id)
          AND s.status = 'affected'
          AND (SELECT h.disaster_area_id FROM store_status_history h
               WHERE h.store_id = s.id ORDER BY h.id DESC LIMIT 1) = d.id) AS stores_held
FROM disaster_areas d
WHERE d.marked_affected AND ($1 OR d.lifted_at IS NULL)
ORDER BY d.created_at DESC, d.id
LIMIT 200;

-- name: lock_disaster_area
SELECT id, name, marked_affected, lifted_at FROM disaster_areas WHERE id = $1 FOR UPDATE;

-- name: lift_disaster_area
UPDATE disaster_areas SET lifted_at = now(), lifted_by = $2, lift_reason = $3
WHERE id = $1
RETURNING lifted_at;

-- name: lock_stores_marked_by_area
-- Every store the area $1 ever changed, locked so the status changes below are serialised
-- with PATCH /stores/{id}/status.
SELECT s.id FROM stores s
WHERE s.id IN (SELECT store_id FROM store_status_history WHERE disaster_area_id = $1)
ORDER BY s.id
FOR UPDATE;

-- name: stores_marked_by_area
-- The stores the area $1 changed, each with: its status now; `held` when its latest status
-- change is the area's (still affected because of it); the status it had before it became
-- affected (the latest change into 'affected' from another status); another declared,
-- unlifted area that also contains it.
SELECT s.id, s.name, s.merchant_name, s.status,
       (s.status = 'affected' AND latest.disaster_area_id = $1) AS held,
       (SELECT h.from_status FROM store_status_history h
        WHERE h.store_id = s.id AND h.to_status = 'affected' AND h.from_status <> 'affected'
        ORDER BY h.id DESC LIMIT 1) AS previous_status,
       (SELECT d.id FROM disaster_areas d
        WHERE d.id <> $1 AND d.marked_affected AND d.lifted_at IS NULL
          AND ST_Intersects(d.geom, s.geom)
        ORDER BY d.created_at, d.id LIMIT 1) AS other_area_id,
       (SELECT d.name FROM disaster_areas d
        WHERE d.id <> $1 AND d.marked_affected AND d.lifted_at IS NULL
          AND ST_Intersects(d.geom, s.geom)
        ORDER BY d.created_at, d.id LIMIT 1) AS other_area_name
FROM stores s
CROSS JOIN LATERAL (
    SELECT h.disaster_area_id FROM store_status_history h
    WHERE h.store_id = s.id ORDER BY h.id DESC LIMIT 1
) latest
WHERE s.id IN (SELECT store_id FROM store_status_history WHERE disaster_area_id = $1)
ORDER BY s.name, s.id;

-- name: insert_registry_audit
-- The registry's decisions in the shared audit trail: $1 entity ('disaster_area'), $2 its id.
INSERT INTO audit_log (entity, entity_id, action, actor, from_status, to_status, reason, details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: registry_version
SELECT version FROM registry_version;

-- name: open_reservations_at
-- Reservations on day $2 not released, at the stores $1: the households to re-route.
SELECT * FROM reservation_lines r
WHERE r.store_id = ANY($1::uuid[]) AND r.day = $2 AND r.released_at IS NULL
ORDER BY r.store_name, r.created_at, r.id;
