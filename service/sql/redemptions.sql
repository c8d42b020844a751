-- Merchants' keys, the redemption feed, monitoring rules and consumption reports (issue 16).
-- Rules are idempotent INSERT … SELECT … ON CONFLICT (rule, subject) DO NOTHING: evaluating
-- them again never raises an alert twice nor reopens a resolved one. $1 of the per-record
-- rules is the batch just stored: each batch is judged once, by its own index lookup.

-- name: merchant_by_key
SELECT k.id, k.key_hash, k.application_id, a.legal_name
FROM merchant_keys k
JOIN applications a ON a.id = k.application_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND a.status = 'approved';

-- name: touch_key
UPDATE merchant_keys SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: merchant_application
SELECT id, kind, status, legal_name FROM applications WHERE id = $1 FOR UPDATE;

-- name: active_key
SELECT id, created_at, created_by, last_used_at
FROM merchant_keys WHERE application_id = $1 AND revoked_at IS NULL;

-- name: revoke_active_key
UPDATE merchant_keys SET revoked_at = now(), revoked_by = $2
WHERE application_id = $1 AND revoked_at IS NULL
RETURNING id;

-- name: insert_key
INSERT INTO merchant_keys (application_id, key_hash, created_by) VALUES ($1, $2, $3)
RETURNING id, created_at;

-- name: insert_audit
INSERT INTO audit_log (entity, entity_id, action, actor, from_status, to_status, reason, details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: own_stores
-- Of the store ids $2, those registered from the merchant's application $1.
SELECT id FROM stores WHERE id = ANY($2::uuid[]) AND application_id = $1;

-- name: existing_txns
SELECT txn_id, content_hash FROM redemptions WHERE application_id = $1 AND txn_id = ANY($2::text[]);

-- name: known_reservations
SELECT id FROM reservations WHERE id = ANY($1::uuid[]);

-- name: create_stage
-- Per connection, once: the staging tables a batch is binary-COPYed into (emptied at commit).
CREATE TEMP TABLE IF NOT EXISTS redemption_stage (
    txn_id text, store_id uuid, at timestamptz, voucher_id text, household_hash bytea,
    phase text, amount_fen bigint, reservation_id uuid, content_hash bytea
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS redemption_item_stage (
    txn_id text, line smallint, category text, name text, quantity numeric,
    unit_price_fen bigint, amount_fen bigint
) ON COMMIT DELETE ROWS;

-- name: stage_households
-- The staged batch's households that have no id yet get one (ids number the rollup's
-- household bitmaps; in hash order, so concurrent batches never wait on each other in a
-- cycle). Looked up first: ON CONFLICT would spend an id on every known household.
INSERT INTO household_ids (household_hash)
SELECT DISTINCT s.household_hash FROM redemption_stage s
WHERE NOT EXISTS (SELECT 1 FROM household_ids h WHERE h.household_hash = s.household_hash)
ORDER BY 1
ON CONFLICT (household_hash) DO NOTHING;

-- name: insert_staged
-- The staged batch in one statement: its records (a txn_id already stored, by a concurrent
-- re-send, is skipped), the items of those inserted, and what they add to the report's
-- rollup and the price rule's weekly counts (migration 0021); answers how many records were
-- inserted. Rollup and counts are upserted in key order: batches adding to the same rows
-- wait for each other, never deadlock. The community: the one the routed household was in (a
-- linked reservation's point), else the one the store lies in, else the nearest within 5 km
-- of it (once per store of the batch).
WITH store_community AS MATERIALIZED (
    SELECT s.id,
           (SELECT c.code FROM communities c
            WHERE ST_DWithin(c.geom::geography, s.geom::geography, 5000)
            ORDER BY ST_Intersects(c.geom, s.geom) DESC, c.geom <-> s.geom, c.code
            LIMIT 1) AS code
    FROM stores s WHERE s.id IN (SELECT DISTINCT store_id FROM redemption_stage)
), ins AS (
    INSERT INTO redemptions (application_id, txn_id, store_id, at, voucher_id, household_hash,
                             phase, amount_fen, reservation_id, content_hash, batch_id,
                             community_code)
    SELECT $1, b.txn_id, b.store_id, b.at, b.voucher_id, b.household_hash, b.phase,
           b.amount_fen, b.reservation_id, b.content_hash, $2,
           COALESCE(
               CASE WHEN b.reservation_id IS NOT NULL THEN
                   (SELECT c.code FROM reservations v JOIN communities c
                        ON ST_Intersects(c.geom, v.household_geom)
                    WHERE v.id = b.reservation_id ORDER BY c.is_pilot DESC, c.code LIMIT 1)
               END,
               sc.code)
    FROM redemption_stage b JOIN store_community sc ON sc.id = b.store_id
    ORDER BY b.txn_id COLLATE "C"  -- a batch re-sent at once, reordered: no lock cycle
    ON CONFLICT (application_id, txn_id) DO NOTHING
    RETURNING id, txn_id, community_code
), items AS (
    INSERT INTO redemption_items (redemption_id, line, category, name, quantity,
                                  unit_price_fen, amount_fen)
    SELECT ins.id, i.line, i.category, i.name, i.quantity, i.unit_price_fen, i.amount_fen
    FROM redemption_item_stage i JOIN ins USING (txn_id)
), households AS MATERIALIZED (
    SELECT d.household_hash,
           (SELECT h.id FROM household_ids h WHERE h.household_hash = d.household_hash) AS hid
    FROM (SELECT DISTINCT household_hash FROM redemption_stage) d
), recs AS MATERIALIZED (
    -- each inserted record's Beijing day and week, its household's id
    SELECT ins.id, ins.txn_id, b.store_id, COALESCE(ins.community_code, '') AS community_code,
           b.phase, h.hid, d.day, d.day - (extract(isodow FROM d.day)::int - 1) AS week
    FROM ins
    JOIN redemption_stage b USING (txn_id)
    JOIN households h ON h.household_hash = b.household_hash
    CROSS JOIN LATERAL (SELECT (b.at AT TIME ZONE 'Asia/Shanghai')::date AS day) d
), lines AS MATERIALIZED (
    SELECT r.id, r.day, r.week, r.store_id, r.community_code, r.phase, r.hid, i.category,
           i.quantity, i.unit_price_fen, i.amount_fen
    FROM recs r JOIN redemption_item_stage i USING (txn_id)
), per_redemption AS (
    -- one row per redemption and category, and one for the redemption as a whole ('');
    -- everything but the category follows from the redemption
    SELECT l.id, c.category, min(l.day) AS day, min(l.store_id::text)::uuid AS store_id,
           min(l.community_code) AS community_code, min(l.phase) AS phase, min(l.hid) AS hid,
           count(*) AS item_lines, sum(l.amount_fen) AS amount_fen, sum(l.quantity) AS quantity
    FROM lines l CROSS JOIN LATERAL (VALUES (l.category), ('')) c (category)
    GROUP BY l.id, c.category
), rollup AS (
    INSERT INTO redemption_rollup AS t (day, store_id, community_code, phase, category, hchunk,
                                        redemptions, item_lines, amount_fen, quantity,
                                        households)
    SELECT day, store_id, community_code, phase, category, hid / 4096, count(*),
           sum(item_lines), sum(amount_fen), sum(quantity),
           bit_or(set_bit(0::bit(4096), hid % 4096, 1))
    FROM per_redemption
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (day, store_id, community_code, phase, category, hchunk) DO UPDATE
    SET redemptions = t.redemptions + excluded.redemptions,
        item_lines = t.item_lines + excluded.item_lines,
        amount_fen = t.amount_fen + excluded.amount_fen,
        quantity = t.quantity + excluded.quantity,
        households = t.households | excluded.households
), prices AS (
    INSERT INTO price_week_counts AS t (category, week, unit_price_fen, lines)
    SELECT category, week, unit_price_fen, count(*)
    FROM lines
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (category, week, unit_price_fen) DO UPDATE SET lines = t.lines + excluded.lines
)
SELECT count(*) FROM ins;

-- name: rule_excluded_category
INSERT INTO monitoring_alerts (rule, subject, store_id, redemption_id, evidence)
SELECT 'excluded_category', 'redemption:' || r.id, r.store_id, r.id,
       jsonb_build_object('txn_id', r.txn_id, 'at', r.at, 'voucher_id', r.voucher_id,
                          'items', jsonb_agg(jsonb_build_object(
                              'line', i.line, 'category', i.category, 'name', i.name,
                              'amount_fen', i.amount_fen) ORDER BY i.line))
FROM redemptions r
JOIN redemption_items i ON i.redemption_id = r.id
WHERE r.batch_id = $1 AND i.category = ANY($2::text[])
GROUP BY r.id
ON CONFLICT (rule, subject) DO NOTHING;

-- name: rule_inactive_store
-- The store's status at the time of the redemption: the last history row at or before it.
-- Before its first row the store was not yet in this registry (the first batch traded before
-- it existed): no alert.
INSERT INTO monitoring_alerts (rule, subject, store_id, redemption_id, evidence)
SELECT 'inactive_store', 'redemption:' || r.id, r.store_id, r.id,
       jsonb_build_object('txn_id', r.txn_id, 'at', r.at, 'status', h.to_status,
                          'status_since', h.changed_at, 'status_reason', h.reason,
                          'changed_by', h.changed_by)
FROM redemptions r
CROSS JOIN LATERAL (
    SELECT to_status, changed_at, reason, changed_by FROM store_status_history
    WHERE store_id = r.store_id AND changed_at <= r.at
    ORDER BY changed_at DESC, id DESC LIMIT 1
) h
WHERE r.batch_id = $1 AND h.to_status <> 'active'
ON CONFLICT (rule, subject) DO NOTHING;

-- name: rule_reservation_other_store
INSERT INTO monitoring_alerts (rule, subject, store_id, redemption_id, reservation_id, evidence)
SELECT 'reservation_reuse', 'other_store:redemption:' || r.id, r.store_id, r.id, v.id,
       jsonb_build_object('kind', 'other_store', 'txn_id', r.txn_id, 'at', r.at,
                          'reserved_store_id', v.store_id, 'redeemed_store_id', r.store_id,
                          'reservation_day', v.day)
FROM redemptions r
JOIN reservations v ON v.id = r.reservation_id
WHERE r.batch_id = $1 AND v.store_id <> r.store_id
ON CONFLICT (rule, subject) DO NOTHING;

-- name: rule_reservation_twice
INSERT INTO monitoring_alerts (rule, subject, store_id, reservation_id, evidence)
SELECT 'reservation_reuse', 'twice:reservation:' || v.id, v.store_id, v.id,
       jsonb_build_object('kind', 'twice', 'reservation_day', v.day,
                          'redemptions', jsonb_agg(jsonb_build_object(
                              'id', r.id, 'txn_id', r.txn_id, 'store_id', r.store_id,
                              'at', r.at) ORDER BY r.at, r.id))
FROM reservations v
JOIN redemptions r ON r.reservation_id = v.id
WHERE v.id IN (SELECT reservation_id FROM redemptions WHERE batch_id = $1)
GROUP BY v.id
HAVING count(*) > 1
ON CONFLICT (rule, subject) DO NOTHING;

-- name: rule_price_outlier
-- An item line whose unit price exceeds $2 × the network's median for its category in its
-- week (Beijing time), the median taken over at least $3 lines. The medians come from
-- price_week_counts (how many lines had each price; migration 0021), for the weeks the batch
-- touches: percentile_cont(0.5) of n values is the mean of the values at the 0-based
-- positions floor((n-1)/2) and ceil((n-1)/2).
INSERT INTO monitoring_alerts (rule, subject, store_id, redemption_id, evidence)
WITH batch AS MATERIALIZED (
    SELECT r.id, r.store_id, r.txn_id, r.at, i.line, i.category, i.name, i.unit_price_fen,
           date_trunc('week', r.at AT TIME ZONE 'Asia/Shanghai')::date AS week
    FROM redemptions r JOIN redemption_items i ON i.redemption_id = r.id
    WHERE r.batch_id = $1
), counted AS (
    SELECT p.category, p.week, p.unit_price_fen, p.lines,
           sum(p.lines) OVER (PARTITION BY p.category, p.week ORDER BY p.unit_price_fen)
               - p.lines AS before,
           sum(p.lines) OVER (PARTITION BY p.category, p.week) AS n
    FROM price_week_counts p
    WHERE (p.category, p.week) IN (SELECT DISTINCT category, week FROM batch)
), medians AS (
    SELECT category, week, max(n) AS sample,
           (min(unit_price_fen) FILTER (
                WHERE floor((n - 1) / 2.0) >= before AND floor((n - 1) / 2.0) < before + lines)
            + min(unit_price_fen) FILTER (
                WHERE ceil((n - 1) / 2.0) >= before AND ceil((n - 1) / 2.0) < before + lines)
           ) / 2.0::float8 AS median
    FROM counted
    GROUP BY category, week
)
SELECT 'price_outlier', 'item:' || l.id || ':' || l.line, l.store_id, l.id,
       jsonb_build_object('txn_id', l.txn_id, 'at', l.at, 'line', l.line,
                          'category', l.category, 'name', l.name,
                          'unit_price_fen', l.unit_price_fen, 'week', m.week,
                          'network_median_fen', m.median, 'sample', m.sample, 'factor', $2::float8)
FROM batch l
JOIN medians m USING (category, week)
WHERE m.sample >= $3::int AND l.unit_price_fen > $2::float8 * m.median
ON CONFLICT (rule, subject) DO NOTHING;

-- name: rule_missing_feedback
-- A reservation still held ($1 hours after it was made) that no redemption names.
INSERT INTO monitoring_alerts (rule, subject, store_id, reservation_id, evidence)
SELECT 'missing_feedback', 'reservation:' || v.id, v.store_id, v.id,
       jsonb_build_object('reservation_day', v.day, 'reserved_at', v.created_at,
                          'reserved_by', v.created_by, 'deadline_h', $1::float8)
FROM reservations v
WHERE v.released_at IS NULL
  AND v.created_at < now() - make_interval(secs => $1::float8 * 3600)
  AND NOT EXISTS (SELECT 1 FROM redemptions r WHERE r.reservation_id = v.id)
ON CONFLICT (rule, subject) DO NOTHING;

-- name: rule_amount_mismatch
-- The items' amounts do not add up to the redemption's, or a line's amount is not its
-- quantity × unit price (to the fen).
INSERT INTO monitoring_alerts (rule, subject, store_id, redemption_id, evidence)
SELECT 'amount_mismatch', 'redemption:' || r.id, r.store_id, r.id,
       jsonb_build_object('txn_id', r.txn_id, 'at', r.at, 'amount_fen', r.amount_fen,
                          'items_sum_fen', s.total, 'lines_off', s.off)
FROM redemptions r
CROSS JOIN LATERAL (
    SELECT sum(i.amount_fen) AS total,
           COALESCE(jsonb_agg(jsonb_build_object(
               'line', i.line, 'quantity', i.quantity, 'unit_price_fen', i.unit_price_fen,
               'amount_fen', i.amount_fen)) FILTER (
               WHERE abs(round(i.quantity * i.unit_price_fen) - i.amount_fen) > 1),
               '[]'::jsonb) AS off
    FROM redemption_items i WHERE i.redemption_id = r.id
) s
WHERE r.batch_id = $1
  AND (s.total <> r.amount_fen OR jsonb_array_length(s.off) > 0)
ON CONFLICT (rule, subject) DO NOTHING;

-- name: list_alerts
SELECT a.id, a.rule, a.subject, a.store_id, s.name AS store_name, s.merchant_name,
       s.status AS store_status, a.redemption_id, a.reservation_id, a.evidence, a.status,
       a.status_by, a.status_reason, a.status_at, a.version, a.raised_at
FROM monitoring_alerts a
JOIN stores s ON s.id = a.store_id
WHERE ($1::text IS NULL OR a.status = $1)
  AND ($2::text IS NULL OR a.rule = $2)
  AND ($3::uuid IS NULL OR a.store_id = $3)
ORDER BY a.raised_at DESC, a.id DESC
LIMIT $4;

-- name: get_alert
SELECT a.id, a.rule, a.subject, a.store_id, s.name AS store_name, s.merchant_name,
       s.status AS store_status, a.redemption_id, a.reservation_id, a.evidence, a.status,
       a.status_by, a.status_reason, a.status_at, a.version, a.raised_at
FROM monitoring_alerts a
JOIN stores s ON s.id = a.store_id
WHERE a.id = $1;

-- name: alert_counts
SELECT status, count(*) AS n FROM monitoring_alerts GROUP BY status;

-- name: lock_alert
SELECT id, status, version, store_id, rule FROM monitoring_alerts WHERE id = $1 FOR UPDATE;

-- name: update_alert_status
UPDATE monitoring_alerts
SET status = $2, status_reason = $3, status_by = $4, status_at = now(), version = version + 1
WHERE id = $1;

-- name: report_consumption
-- Goods bought, grouped by the dimensions switched on ($1..$6: community, district, category,
-- phase, store, day); a switched-off dimension groups as NULL. Days are Beijing days.
-- $7, $8: the period [from, to) of redemption times (NULL: open).
SELECT CASE WHEN $1 THEN r.community_code END AS community,
       CASE WHEN $1 THEN max(c.name) END AS community_name,
       CASE WHEN $2 THEN COALESCE(c.district, '') END AS district,
       CASE WHEN $3 THEN i.category END AS category,
       CASE WHEN $4 THEN r.phase END AS phase,
       CASE WHEN $5 THEN r.store_id END AS store_id,
       CASE WHEN $5 THEN max(s.name) END AS store_name,
       CASE WHEN $6 THEN (r.at AT TIME ZONE 'Asia/Shanghai')::date END AS day,
       count(DISTINCT r.id) AS redemptions,
       count(DISTINCT r.household_hash) AS households,
       sum(i.amount_fen)::bigint AS amount_fen,
       count(*) AS item_lines
FROM redemptions r
JOIN redemption_items i ON i.redemption_id = r.id
JOIN stores s ON s.id = r.store_id
LEFT JOIN communities c ON c.code = r.community_code
WHERE ($7::timestamptz IS NULL OR r.at >= $7) AND ($8::timestamptz IS NULL OR r.at < $8)
GROUP BY 1, 3, 4, 5, 6, 8
ORDER BY 1, 3, 4, 5, 6, 8;

-- name: report_consumption_rollup
-- The same report from redemption_rollup (migration 0021), for whole Beijing days
-- [$7, $8) (NULL: open): per group and household chunk the bitmaps are ORed and their bits
-- counted, then the chunks summed. category '' rows are whole redemptions: read when the
-- report is not grouped by category.
WITH per_chunk AS (
    SELECT CASE WHEN $1 THEN NULLIF(u.community_code, '') END AS community,
           CASE WHEN $1 THEN max(c.name) END AS community_name,
           CASE WHEN $2 THEN COALESCE(c.district, '') END AS district,
           CASE WHEN $3 THEN u.category END AS category,
           CASE WHEN $4 THEN u.phase END AS phase,
           CASE WHEN $5 THEN u.store_id END AS store_id,
           CASE WHEN $6 THEN u.day END AS day,
           sum(u.redemptions) AS redemptions,
           bit_count(bit_or(u.households)) AS households,
           sum(u.amount_fen) AS amount_fen,
           sum(u.item_lines) AS item_lines
    FROM redemption_rollup u
    LEFT JOIN communities c ON c.code = u.community_code
    WHERE (u.category <> '') = $3
      AND ($7::date IS NULL OR u.day >= $7) AND ($8::date IS NULL OR u.day < $8)
    GROUP BY 1, 3, 4, 5, 6, 7, u.hchunk
)
SELECT p.community, max(p.community_name) AS community_name, p.district, p.category, p.phase,
       p.store_id, max(s.name) AS store_name, p.day,
       sum(p.redemptions)::bigint AS redemptions, sum(p.households)::bigint AS households,
       sum(p.amount_fen)::bigint AS amount_fen, sum(p.item_lines)::bigint AS item_lines
FROM per_chunk p
LEFT JOIN stores s ON s.id = p.store_id
GROUP BY p.community, p.district, p.category, p.phase, p.store_id, p.day
ORDER BY p.community, p.district, p.category, p.phase, p.store_id, p.day;

-- name: report_routing
-- Routed households (reservations held, made in the period) and how many redeemed them.
SELECT count(*) AS reserved,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM redemptions r
                                      WHERE r.reservation_id = v.id)) AS redeemed
FROM reservations v
WHERE v.released_at IS NULL
  AND ($1::timestamptz IS NULL OR v.created_at >= $1)
  AND ($2::timestamptz IS NULL OR v.created_at < $2);

-- name: report_timeliness
-- Per merchant: how long after the redemption its report arrived. Exact, so it reads the raw
-- rows (the consumption rows come from the rollup): one sort of the lags per merchant for
-- both percentiles, the merchant's name joined after.
WITH t AS (
    SELECT r.application_id, count(*) AS records,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
               ORDER BY extract(epoch FROM r.received_at - r.at)) AS lag_s,
           avg((r.received_at - r.at <= interval '24 hours')::int)::float8 AS within_24h_share,
           max(r.received_at) AS last_received_at
    FROM redemptions r
    WHERE ($1::timestamptz IS NULL OR r.at >= $1) AND ($2::timestamptz IS NULL OR r.at < $2)
    GROUP BY r.application_id
)
SELECT t.application_id, a.legal_name AS merchant_name, t.records,
       t.lag_s[1] / 3600 AS median_lag_h, t.lag_s[2] / 3600 AS p90_lag_h,
       t.within_24h_share, t.last_received_at
FROM t JOIN applications a ON a.id = t.application_id
ORDER BY a.legal_name, t.application_id;

-- name: fixture_reservation
-- The fixtures' reservations carry their own (past) creation time: a week of history.
INSERT INTO reservations (store_id, day, household_ref, created_by, created_at)
VALUES ($1, $2, $3, 'fixtures', $4)
RETURNING id;

-- name: fixture_reservation_by_ref
SELECT id FROM reservations WHERE created_by = 'fixtures' AND household_ref = $1;

-- name: fixture_txn_exists
SELECT 1 FROM redemptions WHERE application_id = $1 AND txn_id = $2;

-- name: pilot_stores
SELECT s.id, s.name, s.application_id, a.legal_name
FROM stores s JOIN applications a ON a.id = s.application_id
WHERE a.round_code = 'beijing-1'
ORDER BY s.name;
