-- An information request may ask for documents by kind (e.g. business_licence), so the
-- applicant's page can offer the matching upload.
ALTER TABLE info_requests
    ADD COLUMN requested_documents text[] NOT NULL DEFAULT '{}';
