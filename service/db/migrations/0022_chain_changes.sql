-- Chains after approval (issue 20): opening hours kept on the registry store, and change
-- requests decided with If-Match or automatically by a round's rules.

-- Opening hours as the application gave them (the form requires them; they lived only in the
-- payload), carried into the registry on approval and changed by an approved update_store.
ALTER TABLE application_stores ADD COLUMN opening_hours text;
UPDATE application_stores s
SET opening_hours = a.payload -> 'stores' -> s.ordinal ->> 'opening_hours'
FROM applications a
WHERE a.id = s.application_id AND jsonb_typeof(a.payload -> 'stores') = 'array';

ALTER TABLE stores ADD COLUMN opening_hours text;
UPDATE stores r SET opening_hours = s.opening_hours
FROM application_stores s
WHERE s.id = r.application_store_id AND s.opening_hours IS NOT NULL;

-- What a dispatcher is shown carries the hours (the last attribute: ROW() below is positional).
ALTER TYPE store_summary ADD ATTRIBUTE opening_hours text;

-- As in 0014 (same properties, so the planner still inlines it), the summary with the hours.
CREATE OR REPLACE FUNCTION stores_on(day date)
RETURNS SETOF store_on_day
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT s.id, s.status, s.home_delivery, s.categories, s.geom, s.zone,
           c.capacity, c.reserved, c.capacity - c.reserved,
           ROW(s.id, s.name, s.merchant_name, s.address, s.categories, ST_X(s.geom),
               ST_Y(s.geom), s.home_delivery, s.emergency_24h, s.mobility_assist,
               s.daily_capacity, c.capacity - c.reserved, s.opening_hours)::store_summary
    FROM stores s
    LEFT JOIN store_capacity sc ON sc.store_id = s.id AND sc.day = stores_on.day
    CROSS JOIN LATERAL (
        SELECT COALESCE(sc.capacity, s.daily_capacity) AS capacity,
               COALESCE(sc.reserved, 0) AS reserved
    ) c
$$;

-- A change request's version for If-Match (moves when it is decided), and the rule of the
-- round that approved it when the system decided it (decided_by 'system' then).
ALTER TABLE store_change_requests
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN decided_rule text;
CREATE INDEX store_change_requests_pending_idx
    ON store_change_requests (created_at) WHERE status = 'pending';
