-- Closing the loop (issue 16): merchants' API keys, the redemptions they report with the goods
-- bought, and the monitoring alerts raised from them.

-- A key belongs to one approved merchant application and reaches that application's stores
-- only. Stored as a SHA-256 hash (256 random bits: nothing to brute-force); shown once.
-- Rotating revokes the active key and issues a new one in one transaction.
CREATE TABLE merchant_keys (
    id             bigserial PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id),
    key_hash       bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    revoked_by     text
);
CREATE UNIQUE INDEX merchant_keys_one_active ON merchant_keys (application_id)
    WHERE revoked_at IS NULL;

-- One voucher redemption at a store's till, as the merchant reported it. The household is
-- kept only as an HMAC of its ref (the service's secret key); content_hash tells a re-sent
-- record (a duplicate) from a different record reusing a txn_id (refused).
CREATE TABLE redemptions (
    id              bigserial PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications (id),
    txn_id          text NOT NULL CHECK (char_length(txn_id) BETWEEN 1 AND 64),
    store_id        uuid NOT NULL REFERENCES stores (id),
    at              timestamptz NOT NULL,
    voucher_id      text NOT NULL CHECK (char_length(voucher_id) BETWEEN 1 AND 64),
    household_hash  bytea NOT NULL CHECK (octet_length(household_hash) = 32),
    phase           text NOT NULL CHECK (phase IN ('preparedness', 'warning', 'recovery')),
    amount_fen      bigint NOT NULL CHECK (amount_fen >= 0),
    reservation_id  uuid REFERENCES reservations (id),
    -- the pilot community the store lies in (reports group by it and its district)
    community_code  text,
    content_hash    bytea NOT NULL,
    batch_id        uuid NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (application_id, txn_id)
);
CREATE INDEX redemptions_store_at_idx ON redemptions (store_id, at);
CREATE INDEX redemptions_at_idx ON redemptions (at);
CREATE INDEX redemptions_batch_idx ON redemptions (batch_id);
CREATE INDEX redemptions_reservation_idx ON redemptions (reservation_id)
    WHERE reservation_id IS NOT NULL;

CREATE TABLE redemption_items (
    redemption_id  bigint NOT NULL REFERENCES redemptions (id) ON DELETE CASCADE,
    line           smallint NOT NULL CHECK (line >= 0),
    category       text NOT NULL,
    name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    quantity       numeric(12, 3) NOT NULL CHECK (quantity > 0),
    unit_price_fen bigint NOT NULL CHECK (unit_price_fen >= 0),
    amount_fen     bigint NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (redemption_id, line)
);
CREATE INDEX redemption_items_category_idx ON redemption_items (category);

-- One alert per rule and subject (a redemption, a reservation, an item line): evaluating the
-- rules again never raises the same alert twice, nor reopens one that was resolved.
CREATE TABLE monitoring_alerts (
    id             bigserial PRIMARY KEY,
    rule           text NOT NULL CHECK (rule IN ('excluded_category', 'inactive_store',
                   'reservation_reuse', 'price_outlier', 'missing_feedback',
                   'amount_mismatch')),
    subject        text NOT NULL,
    store_id       uuid NOT NULL REFERENCES stores (id),
    redemption_id  bigint REFERENCES redemptions (id),
    reservation_id uuid REFERENCES reservations (id),
    evidence       jsonb NOT NULL,
    status         text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'acknowledged', 'resolved')),
    status_by      text,
    status_reason  text NOT NULL DEFAULT '',
    status_at      timestamptz,
    version        integer NOT NULL DEFAULT 1,
    raised_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (rule, subject)
);
CREATE INDEX monitoring_alerts_status_idx ON monitoring_alerts (status, raised_at DESC);
CREATE INDEX monitoring_alerts_store_idx ON monitoring_alerts (store_id);
