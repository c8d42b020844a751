-- Each store row says which registry version changed it last, so a worker's registry index
-- (service/registry/index_listener.py) fetches only the stores changed since its own version
-- instead of every active store (issue 15's freshness at 100,000 stores).
--
-- The version is bumped BEFORE each statement now (it was after): the bumping transaction
-- holds the registry_version row from its first store statement to its commit, so versions
-- commit in order and a snapshot that sees version V sees every row stamped <= V and none
-- stamped later. (Bumped after the statement, two concurrent writers could stamp their rows
-- with the same version and commit under different ones: an index would miss the later.)
ALTER TABLE stores ADD COLUMN changed_version bigint NOT NULL DEFAULT 0;
CREATE INDEX stores_changed_version_idx ON stores (changed_version);

-- A deleted row leaves nothing to fetch: its version tells the index to rebuild whole.
ALTER TABLE registry_version ADD COLUMN stores_deleted_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION bump_store_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_version SET version = version + 1,
        stores_deleted_version = CASE WHEN TG_OP IN ('DELETE', 'TRUNCATE')
                                      THEN version + 1 ELSE stores_deleted_version END;
    RETURN NULL;
END $$;

DROP TRIGGER stores_bump_registry_version ON stores;
CREATE TRIGGER stores_bump_registry_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON stores
    FOR EACH STATEMENT EXECUTE FUNCTION bump_store_version();

-- The version this statement's bump (above, same transaction) set.
CREATE FUNCTION stamp_store_changed_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_version := (SELECT version FROM registry_version);
    RETURN NEW;
END $$;

CREATE TRIGGER stores_stamp_changed_version BEFORE INSERT OR UPDATE ON stores
    FOR EACH ROW EXECUTE FUNCTION stamp_store_changed_version();

-- Rows already there keep 0: every index starts from a whole snapshot, whose version is >= 1.
