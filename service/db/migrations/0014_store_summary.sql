-- One definition of "a store on a service day": what is left of its capacity, and the summary
-- a dispatcher is shown. registry.sql and dispatch.sql select from stores_on(day) instead of
-- each joining store_capacity, repeating the capacity expression and listing the columns.
--
-- stores_on is a single-SELECT SQL function, STABLE, not STRICT, not SECURITY DEFINER and
-- without SET options: the planner inlines it into the calling query as a plain
-- `stores LEFT JOIN store_capacity`, so conditions on geom, zone and geom::geography reach the
-- GiST indexes on stores exactly as before (tests/service/test_registry_explain.py). Changing
-- any of those properties would make it an opaque function scanning every store.

-- The store as a dispatcher sees it: service/registry/schemas.py StoreSummary less the
-- distance, which depends on the query. Selected flat with `(s.summary).*`.
CREATE TYPE store_summary AS (
    id              uuid,
    name            text,
    merchant_name   text,
    address         text,
    categories      text[],
    lon             double precision,
    lat             double precision,
    home_delivery   boolean,
    emergency_24h   boolean,
    mobility_assist boolean,
    daily_capacity  integer,
    capacity_left   integer
);

-- A row of stores_on: `summary`, and the columns queries filter, order or join on. geom and
-- zone keep the typmods of the stores columns: a function's own result columns cannot carry
-- one, and the cast to a bare `geometry` the planner then adds makes `s.geom::geography` no
-- longer match the expression index stores_geog_idx.
CREATE TYPE store_on_day AS (
    id             uuid,
    status         text,
    home_delivery  boolean,
    categories     text[],
    geom           geometry(Point, 4326),
    zone           geometry(MultiPolygon, 4326),
    capacity_today integer,
    reserved_today integer,
    capacity_left  integer,
    summary        store_summary
);

-- Every store with its capacity on `day`: the day's store_capacity row once its first unit has
-- been reserved (its capacity fixed then, from daily_capacity), else the store's daily_capacity.
CREATE FUNCTION stores_on(day date)
RETURNS SETOF store_on_day
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT s.id, s.status, s.home_delivery, s.categories, s.geom, s.zone,
           c.capacity, c.reserved, c.capacity - c.reserved,
           ROW(s.id, s.name, s.merchant_name, s.address, s.categories, ST_X(s.geom),
               ST_Y(s.geom), s.home_delivery, s.emergency_24h, s.mobility_assist,
               s.daily_capacity, c.capacity - c.reserved)::store_summary
    FROM stores s
    LEFT JOIN store_capacity sc ON sc.store_id = s.id AND sc.day = stores_on.day
    CROSS JOIN LATERAL (
        SELECT COALESCE(sc.capacity, s.daily_capacity) AS capacity,
               COALESCE(sc.reserved, 0) AS reserved
    ) c
$$;
