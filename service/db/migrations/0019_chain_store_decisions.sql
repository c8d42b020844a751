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
