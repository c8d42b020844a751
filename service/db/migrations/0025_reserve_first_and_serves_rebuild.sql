-- Routing's reservation in one statement (and its whole request in one round trip), and the
-- store -> community relation rebuilt set-based.

-- One unit of `store`'s capacity on `on_day`, atomically; its capacity left after it, NULL when
-- the store is full, not active or takes nobody. The day's row is created from daily_capacity
-- on first use; the UPDATE then re-checks capacity and status against the row's latest
-- version once it holds the row's lock, so concurrent callers can never exceed capacity.
-- A store found full or closed is left unlocked (an UPDATE locks only the rows it changes;
-- an INSERT ... ON CONFLICT DO UPDATE would keep the lock even when its WHERE fails), so a
-- caller trying several stores holds at most the one it reserved at: callers that rank the same
-- stores in different orders cannot deadlock. (dispatch.sql `reserve_capacity`, reserve_first
-- and route_reserve below all call it: the rule is written once.)
CREATE FUNCTION reserve_unit(store uuid, on_day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    left_after integer;
BEGIN
    INSERT INTO store_capacity (store_id, day, capacity, reserved)
    SELECT s.id, on_day, s.daily_capacity, 0
    FROM stores s
    WHERE s.id = store AND s.status = 'active' AND s.daily_capacity > 0
    ON CONFLICT (store_id, day) DO NOTHING;
    UPDATE store_capacity sc SET reserved = sc.reserved + 1
    WHERE sc.store_id = store AND sc.day = on_day AND sc.reserved < sc.capacity
      AND EXISTS (SELECT 1 FROM stores s WHERE s.id = store AND s.status = 'active')
    RETURNING sc.capacity - sc.reserved INTO left_after;
    RETURN left_after;
END $$;

-- Routing's reservation (issue 15): the first of the `ranked` stores that can take one more
-- household on `on_day` gets a unit and the reservation row, in one statement and so one
-- round trip and one short transaction (the capacity row stays locked only while this runs,
-- not across the client's round trips). Stores that filled up or closed since they were
-- ranked are passed over, as the caller's loop over reserve_capacity did. No row back: none
-- of them could.
CREATE FUNCTION reserve_first(ranked uuid[], on_day date, household_ref text, created_by text,
                              household_geom geometry)
RETURNS TABLE (id uuid, store_id uuid, capacity_left integer, created_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    candidate uuid;
    left_after integer;
BEGIN
    FOREACH candidate IN ARRAY COALESCE(ranked, '{}') LOOP
        left_after := reserve_unit(candidate, on_day);
        CONTINUE WHEN left_after IS NULL;
        RETURN QUERY
            INSERT INTO reservations AS r (store_id, day, household_ref, created_by,
                                           household_geom)
            VALUES (candidate, on_day, reserve_first.household_ref, reserve_first.created_by,
                    ST_SetSRID(reserve_first.household_geom, 4326))
            RETURNING r.id, r.store_id, left_after, r.created_at;
        RETURN;
    END LOOP;
END $$;

-- Routing a household in one round trip (issue 15): the worker's registry index found the
-- stores `ids` that could serve the point (nearest first, ties by id) and gave each its
-- `tiers` entry, the part of the ranking before capacity (service/registry/ranking.py
-- rank_tier). Here, in one statement: the registry version and the point's community; the
-- candidates still active with capacity left on `on_day` (the nearest `take` of them); when
-- `reserve`, the first of them in ranking order (tier, more capacity left, nearer) that can
-- take one more household gets a unit (reserve_unit re-checks status and capacity under the
-- row's lock) and the reservation row. An index older than the registry (`index_version`
-- below the version; NULL: not checked) gets the version back and nothing reserved: the caller
-- rebuilds its index and asks again, so every change committed before the request counts.
-- Rows: one head row (id NULL) with the community, the version and whether any active
-- candidate is in reach at all (full ones included); then one row per kept candidate with the
-- capacity left it was ranked by, and for the one reserved, the reservation and what is left.
CREATE FUNCTION route_reserve(ids uuid[], tiers integer[], on_day date, index_version bigint,
                              household geometry, take integer, reserve boolean,
                              household_ref text, created_by text)
RETURNS TABLE (id uuid, capacity_left integer, reservation_id uuid, reserved_left integer,
               created_at timestamptz, community_code text, community_name text,
               version bigint, in_reach boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    at_point geometry := ST_SetSRID(household, 4326);
    now_version bigint;
    here_code text;
    here_name text;
    any_active boolean := false;
    ranked uuid[];
    ranked_left integer[];
    candidate uuid;
    left_after integer;
    got_store uuid;
    got_id uuid;
    got_at timestamptz;
BEGIN
    SELECT v.version INTO now_version FROM registry_version v;
    SELECT c.code, c.name INTO here_code, here_name
    FROM communities c WHERE ST_Intersects(c.geom, at_point)
    ORDER BY c.is_pilot DESC, c.code LIMIT 1;
    IF index_version IS NULL OR now_version <= index_version THEN
        WITH live AS (
            SELECT u.id, u.tier, u.ord, s.capacity_left
            FROM unnest(ids, tiers) WITH ORDINALITY AS u(id, tier, ord)
            JOIN stores_on(on_day) s ON s.id = u.id
            WHERE s.status = 'active'
        ), kept AS (
            SELECT * FROM live WHERE capacity_left >= 1 ORDER BY ord LIMIT take
        )
        SELECT EXISTS (SELECT 1 FROM live),
               array_agg(k.id ORDER BY k.tier, k.capacity_left DESC, k.ord),
               array_agg(k.capacity_left ORDER BY k.tier, k.capacity_left DESC, k.ord)
        INTO any_active, ranked, ranked_left
        FROM kept k;
        IF reserve THEN
            FOREACH candidate IN ARRAY COALESCE(ranked, '{}') LOOP
                left_after := reserve_unit(candidate, on_day);
                CONTINUE WHEN left_after IS NULL;
                INSERT INTO reservations AS r (store_id, day, household_ref, created_by,
                                               household_geom)
                VALUES (candidate, on_day, route_reserve.household_ref,
                        route_reserve.created_by, at_point)
                RETURNING r.id, r.created_at INTO got_id, got_at;
                got_store := candidate;
                EXIT;
            END LOOP;
        END IF;
    END IF;
    RETURN QUERY SELECT NULL::uuid, NULL::integer, NULL::uuid, NULL::integer,
                        NULL::timestamptz, here_code, here_name, now_version, any_active;
    RETURN QUERY
        SELECT k.id, k.left_then, CASE WHEN k.id = got_store THEN got_id END,
               CASE WHEN k.id = got_store THEN left_after END,
               CASE WHEN k.id = got_store THEN got_at END,
               NULL::text, NULL::text, NULL::bigint, NULL::boolean
        FROM unnest(ranked, ranked_left) AS k(id, left_then);
END $$;

-- The triggers of 0020, planned for the rows at hand. A cached plan for `store_ids IS NULL OR
-- s.id = ANY(store_ids)` cannot know the array is given, so after a session's first few writes
-- PostgreSQL's generic plan scanned every store three times per statement (10,000 stores
-- through the write path: 52 stores/s at 100,000), and searched the array once per store
-- (quadratic in a bulk COPY). EXECUTE plans each statement for its own array: the primary key
-- and the spatial indexes are probed, and a long array is hashed.
CREATE OR REPLACE FUNCTION refresh_store_serves_for_stores() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    SELECT array_agg(id) INTO ids FROM changed_stores;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM store_serves WHERE store_id = ANY(ids);
    EXECUTE 'INSERT INTO store_serves SELECT p.* FROM store_serves_pairs($1, NULL) p
             WHERE store_serves_at(p.delivers, p.walk_m, serving_max_walk_m())' USING ids;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION refresh_store_serves_for_communities() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    codes text[];
BEGIN
    SELECT array_agg(code) INTO codes FROM changed_communities;
    IF codes IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM store_serves WHERE code = ANY(codes);
    EXECUTE 'INSERT INTO store_serves SELECT p.* FROM store_serves_pairs(NULL, $1) p
             WHERE store_serves_at(p.delivers, p.walk_m, serving_max_walk_m())' USING codes;
    RETURN NULL;
END $$;

-- The whole store -> community relation recomputed in one set-based statement, by the rule of
-- migration 0020 (store_serves_pairs, kept when store_serves_at the farthest reach), and the
-- per-community counts with it (the insert trigger on store_serves counts the pairs added).
-- For bulk loads: a load of many stores disables stores_serves_insert around its COPY and
-- calls this afterwards, in the same transaction (bench/load.py): one spatial join over every
-- store and community, instead of one restricted to a list of the copied stores' ids. Owner
-- only: the service role never needs it.
CREATE FUNCTION rebuild_store_serves() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    pairs bigint;
BEGIN
    TRUNCATE store_serves;
    DELETE FROM community_store_counts;
    INSERT INTO store_serves
    SELECT p.* FROM store_serves_pairs(NULL, NULL) p
    WHERE store_serves_at(p.delivers, p.walk_m, serving_max_walk_m());
    GET DIAGNOSTICS pairs = ROW_COUNT;
    RETURN pairs;
END $$;
REVOKE EXECUTE ON FUNCTION rebuild_store_serves() FROM PUBLIC;
