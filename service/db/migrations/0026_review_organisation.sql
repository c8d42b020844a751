-- A review speaks for the organisation its reviewer belonged to when writing it: a reviewer
-- who later moves (or leaves) does not carry past reviews to another organisation's column of
-- the joint assessment. Existing reviews take the reviewer's membership as it is now.
ALTER TABLE reviews
    ADD COLUMN organisation_id bigint REFERENCES organisations (id) ON DELETE SET NULL;
UPDATE reviews r SET organisation_id = m.organisation_id
FROM organisation_members m WHERE m.user_id = r.user_id;
CREATE INDEX reviews_organisation_idx ON reviews (organisation_id)
    WHERE organisation_id IS NOT NULL;
