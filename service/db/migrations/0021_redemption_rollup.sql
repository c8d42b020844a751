-- The consumption report's rollup (issue 16's report goal: 1,000,000 redemptions in ≤ 1 s).
--
-- One row per Beijing day, store, community, phase, category and household chunk, with the
-- counts, amounts and quantities of the goods bought, kept by a statement trigger on
-- redemption_items in the same transaction as the items (any write path, one set-based
-- statement per batch). category '' is the redemption as a whole (all its lines): a report
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

-- Adds the items of one statement (and their redemptions) to the rollup. Rows are upserted in
-- key order, so two batches adding to the same rows wait for each other, never deadlock.
CREATE FUNCTION redemption_rollup_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO household_ids (household_hash)
    SELECT DISTINCT r.household_hash
    FROM redemptions r
    WHERE r.id IN (SELECT redemption_id FROM new_items)
      AND NOT EXISTS (SELECT 1 FROM household_ids h WHERE h.household_hash = r.household_hash)
    ORDER BY 1
    ON CONFLICT (household_hash) DO NOTHING;

    INSERT INTO redemption_rollup AS t (day, store_id, community_code, phase, category, hchunk,
                                        redemptions, item_lines, amount_fen, quantity,
                                        households)
    SELECT (r.at AT TIME ZONE 'Asia/Shanghai')::date, r.store_id,
           COALESCE(r.community_code, ''), r.phase, c.category, h.id / 4096,
           count(DISTINCT r.id), count(*), sum(i.amount_fen), sum(i.quantity),
           bit_or(set_bit(0::bit(4096), h.id % 4096, 1))
    FROM new_items i
    JOIN redemptions r ON r.id = i.redemption_id
    JOIN household_ids h ON h.household_hash = r.household_hash
    CROSS JOIN LATERAL (VALUES (i.category), ('')) c (category)
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (day, store_id, community_code, phase, category, hchunk) DO UPDATE
    SET redemptions = t.redemptions + excluded.redemptions,
        item_lines = t.item_lines + excluded.item_lines,
        amount_fen = t.amount_fen + excluded.amount_fen,
        quantity = t.quantity + excluded.quantity,
        households = t.households | excluded.households;
    RETURN NULL;
END $$;

CREATE TRIGGER redemption_items_rollup AFTER INSERT ON redemption_items
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION redemption_rollup_add();

-- What is already stored, once (each redemption's items are all in this one statement).
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

REVOKE UPDATE, DELETE, TRUNCATE ON redemptions, redemption_items FROM boai_service;
