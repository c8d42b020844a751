-- Partial approval of a chain's application: the panel decides store by store, in groups,
-- each group with its reason. Only stores decided 'approved' enter the registry.
CREATE TABLE application_store_decisions (
    application_store_id uuid PRIMARY KEY REFERENCES application_stores (id) ON DELETE CASCADE,
    application_id       uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    decision             text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    reason               text NOT NULL,
    decided_by           text NOT NULL,
    decided_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_store_decisions_application_idx
    ON application_store_decisions (application_id);

-- Changes an approved merchant asks for after approval: new branches, a branch closed, a
-- store's delivery radius, capacity or opening hours changed. Each has its own small review;
-- the registry changes only when it is approved (audit_log and store_status_history say so).
CREATE TABLE store_change_requests (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('add_stores', 'close_store', 'update_store')),
    store_id       uuid REFERENCES stores (id),
    payload        jsonb NOT NULL,
    reason         text NOT NULL DEFAULT '',
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by   text NOT NULL,
    decided_by     text,
    decision_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz
);
CREATE INDEX store_change_requests_application_idx
    ON store_change_requests (application_id, created_at);
