-- A counter bumped by every statement that changes stores or communities, so readers can
-- cache what is derived from them (the coverage report takes seconds at national scale)
-- and know exactly when it is stale. Capacity bookings do not touch these tables.
-- `communities_version` moves only with the communities (scoring caches its index on it).
CREATE TABLE registry_version (
    only_row            boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version             bigint NOT NULL,
    communities_version bigint NOT NULL
);
INSERT INTO registry_version (version, communities_version) VALUES (1, 1);

CREATE FUNCTION bump_registry_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_version SET version = version + 1,
        communities_version = communities_version + (TG_TABLE_NAME = 'communities')::int;
    RETURN NULL;
END $$;

CREATE TRIGGER stores_bump_registry_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stores
    FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_version();
CREATE TRIGGER communities_bump_registry_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON communities
    FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_version();
