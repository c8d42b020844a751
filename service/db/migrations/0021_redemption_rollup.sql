-- The consumption report's rollup (issue 16's report goal: 1,000,000 redemptions in ≤ 1 s).
--
-- One row per Beijing day, store, community, phase, category and household chunk, with the
-- counts, amounts and quantities of the goods bought, kept by the feed's ingest statement
-- (sql/redemptions.sql, insert_staged) in the same statement as the records and items it
-- adds, from the staged batch. category '' is the redemption as a whole (all its lines): a report
-- not grouped by category reads those rows, so a redemption with lines in two categories
-- counts once. community_code '' is "no community".
--
-- Distinct households are not additive, so each row keeps the set of its households as a
-- bitmap: households get small integer ids (household_ids), id / 4096 is the row's chunk and
-- id % 4096 its bit. A report ORs the bitmaps of a group per chunk and counts the bits: exact.
--
-- Redemptions and their items are facts as reported: the service may insert them, never
-- change or delete them (so the rollup cannot drift from them).

CREATE TABLE household_ids (
    household_hash bytea PRIMARY KEY CHECK (octet_length(household_hash) = 32),
    id             integer GENERATED ALWAYS AS IDENTITY UNIQUE
);

CREATE TABLE redemption_rollup (
    day            date NOT NULL,
    store_id       uuid NOT NULL,
    community_code text NOT NULL,
    phase          text NOT NULL,
    category       text NOT NULL,
    hchunk         integer NOT NULL,
    redemptions    bigint NOT NULL,
    item_lines     bigint NOT NULL,
    amount_fen     bigint NOT NULL,
    quantity       numeric NOT NULL,
    households     bit(4096) NOT NULL,
    PRIMARY KEY (day, store_id, community_code, phase, category, hchunk)
);

-- How many item lines had each unit price, per category and Beijing week: the price rule's
-- weekly medians, without reading the week's items again for every batch.
CREATE TABLE price_week_counts (
    category       text NOT NULL,
    week           date NOT NULL,
    unit_price_fen bigint NOT NULL,
    lines          bigint NOT NULL,
    PRIMARY KEY (category, week, unit_price_fen)
);

-- What is already stored, once.
INSERT INTO household_ids (household_hash)
SELECT household_hash FROM redemptions GROUP BY household_hash ORDER BY min(id);

INSERT INTO redemption_rollup (day, store_id, community_code, phase, category, hchunk,
                               redemptions, item_lines, amount_fen, quantity, households)
SELECT (r.at AT TIME ZONE 'Asia/Shanghai')::date, r.store_id, COALESCE(r.community_code, ''),
       r.phase, c.category, h.id / 4096, count(DISTINCT r.id), count(*), sum(i.amount_fen),
       sum(i.quantity), bit_or(set_bit(0::bit(4096), h.id % 4096, 1))
FROM redemption_items i
JOIN redemptions r ON r.id = i.redemption_id
JOIN household_ids h ON h.household_hash = r.household_hash
CROSS JOIN LATERAL (VALUES (i.category), ('')) c (category)
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO price_week_counts (category, week, unit_price_fen, lines)
SELECT i.category, date_trunc('week', r.at AT TIME ZONE 'Asia/Shanghai')::date,
       i.unit_price_fen, count(*)
FROM redemption_items i
JOIN redemptions r ON r.id = i.redemption_id
GROUP BY 1, 2, 3;

REVOKE UPDATE, DELETE, TRUNCATE ON redemptions, redemption_items FROM boai_service;

-- Items are inserted only by the statement that inserts their redemption, joined to the rows
-- it returned (insert_staged), and the service can delete neither: the per-line foreign key
-- check (a quarter of a batch's insert time) guards nothing the ingest can get wrong.
ALTER TABLE redemption_items DROP CONSTRAINT redemption_items_redemption_id_fkey;
-- No query looks item lines up by category (rules go through the batch's redemptions, the
-- report through the rollup): one index fewer to maintain per line.
DROP INDEX redemption_items_category_idx;
