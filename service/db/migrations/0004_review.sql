-- Panel review: reviewers assigned to rounds, conflicts of interest, reviews, scorecards.

CREATE TABLE round_reviewers (
    round_code  text NOT NULL REFERENCES rounds (code),
    user_id     bigint NOT NULL REFERENCES users (id),
    assigned_by text NOT NULL,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (round_code, user_id)
);

CREATE TABLE conflicts (
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id        bigint NOT NULL REFERENCES users (id),
    reason         text NOT NULL,
    declared_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, user_id)
);

-- One review per reviewer and application, amendable until the application is decided.
CREATE TABLE reviews (
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id        bigint NOT NULL REFERENCES users (id),
    scores         jsonb NOT NULL,
    comment        text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, user_id)
);

-- The automatic scorecard, with the rubric version it used.
CREATE TABLE scorecards (
    application_id uuid PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    round_code     text NOT NULL,
    rubric_version integer NOT NULL,
    card           jsonb NOT NULL,
    total          double precision NOT NULL,
    eligible       boolean NOT NULL,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (round_code, rubric_version) REFERENCES rubrics (round_code, version)
);
CREATE INDEX scorecards_round_idx ON scorecards (round_code, total DESC);

-- Registry stores now reference the application that brought them in.
ALTER TABLE stores ADD CONSTRAINT stores_application_fk
    FOREIGN KEY (application_id) REFERENCES applications (id);
ALTER TABLE stores ADD CONSTRAINT stores_application_store_fk
    FOREIGN KEY (application_store_id) REFERENCES application_stores (id) ON DELETE SET NULL;
