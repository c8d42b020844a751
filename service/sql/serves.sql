-- Readers of the store -> community relation (`store_serves`, migration 0020): which active
-- stores serve which pilot communities. The rule itself lives only in that migration
-- (zone_delivers_into, walk_distance_m, store_serves_at); these queries count and list pairs.

-- name: coverage
-- Every pilot community with the active stores serving it at walking reach $1, as the report
-- shows it: `doc` is the community's entry of the report, built here as compact JSON in UTF-8
-- bytes (keys in the order of schemas.CommunityCoverage): the first $3 delivering stores and the first $3
-- within walking reach (nearest first), `capped` when a list was cut short, the exact number
-- of stores serving it (the kept count at the standard reach), and whether that is below $2.
-- Beside it the figures the report totals (gap, population) and, when $4, the geometry.
-- $5, $6: this call's part and the number of parts; rows unordered (the parts are merged).
-- Per community: two index-only scans of a dozen entries (the delivering ones through
-- store_serves_delivers_idx, migration 0030); the count is joined once.
SELECT t.code, t.gap, t.households, t.residents, t.elderly, t.elderly_alone, t.disabled,
       t.mothers_infants, t.children,
       CASE WHEN $4::boolean THEN (SELECT g.geom FROM communities g WHERE g.code = t.code)
       END AS geom,
       convert_to(row_to_json(t)::text, 'UTF8') AS doc
FROM (
    SELECT c.code, c.name, c.street, c.district, n.store_count,
           cardinality(d.ids) > $3 OR cardinality(w.ids) > $3 AS capped,
           n.store_count < $2 AS gap,
           d.ids[1:$3] AS delivery_store_ids, w.ids[1:$3] AS walkin_store_ids,
           c.households, c.residents, c.elderly, c.elderly_alone, c.disabled,
           c.mothers_infants, c.children
    FROM communities c
    LEFT JOIN community_store_counts k ON k.code = c.code
    CROSS JOIN LATERAL (
        SELECT COALESCE(array_agg(x.store_id), '{}'::uuid[]) AS ids
        FROM (SELECT p.store_id FROM store_serves p
              WHERE p.code = c.code AND p.delivers ORDER BY p.store_id LIMIT $3 + 1) x
    ) d
    CROSS JOIN LATERAL (
        SELECT COALESCE(array_agg(x.store_id ORDER BY x.walk_m, x.store_id), '{}'::uuid[]) AS ids
        FROM (SELECT p.store_id, p.walk_m FROM store_serves p
              WHERE p.code = c.code AND p.walk_m <= $1
              ORDER BY p.walk_m, p.store_id LIMIT $3 + 1) x
    ) w
    CROSS JOIN LATERAL (
        SELECT CASE WHEN $1 = serving_walk_m() THEN COALESCE(k.n, 0)
                    ELSE (SELECT count(*) FROM store_serves p
                          WHERE p.code = c.code AND store_serves_at(p.delivers, p.walk_m, $1))
               END AS store_count
    ) n
    WHERE c.is_pilot AND abs(hashtext(c.code)) % $6 = $5
) t;

-- name: coverage_loss
-- Pilot communities served by at least one of the stores $1 (the ones taken out), with how
-- many active stores serve them before and after. $2: walking reach in metres.
WITH touched AS (
    SELECT DISTINCT p.code FROM store_serves p
    WHERE p.store_id = ANY($1::uuid[]) AND store_serves_at(p.delivers, p.walk_m, $2)
)
SELECT c.code, c.name, c.households, c.elderly, c.elderly_alone, c.disabled,
       c.mothers_infants, c.children,
       count(*) AS before,
       count(*) FILTER (WHERE p.store_id <> ALL($1::uuid[])) AS after
FROM touched t
JOIN store_serves p ON p.code = t.code AND store_serves_at(p.delivers, p.walk_m, $2)
JOIN communities c ON c.code = t.code
GROUP BY c.code
ORDER BY c.code;

-- name: serves_of_store
-- The communities a store serves at walking reach $2 (tests and the explain page).
SELECT p.code FROM store_serves p
WHERE p.store_id = $1 AND store_serves_at(p.delivers, p.walk_m, $2)
ORDER BY p.code;

-- name: max_walk_m
SELECT serving_max_walk_m() AS max_walk_m, serving_walk_m() AS walk_m;
