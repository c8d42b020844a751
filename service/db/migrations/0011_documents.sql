-- Evidence an applicant uploads (a business licence, other proof): kept in the database, so
-- `boai db backup` carries it, with the SHA-256 and size of what was received and the media
-- type detected from the content (never the one the client claimed).
CREATE TABLE application_documents (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
    filename       text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 200),
    media_type     text NOT NULL
                   CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes     integer NOT NULL CHECK (size_bytes > 0),
    sha256         bytea NOT NULL CHECK (octet_length(sha256) = 32),
    content        bytea NOT NULL CHECK (octet_length(content) = size_bytes),
    uploaded_by    text NOT NULL,
    uploaded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_documents_application_idx
    ON application_documents (application_id, uploaded_at);
