-- Least privilege: the service's role (boai_service) owns nothing and gets only the grants
-- its queries need; migrations run as boai_owner (service/db/roles.py), whose default
-- privileges give the service DML on every table later migrations create.
GRANT USAGE ON SCHEMA public TO boai_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO boai_service;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO boai_service;
ALTER DEFAULT PRIVILEGES FOR ROLE boai_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO boai_service;
ALTER DEFAULT PRIVILEGES FOR ROLE boai_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO boai_service;
-- Append-only: the audit trail can be written and read, never rewritten.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, store_status_history FROM boai_service;
-- Readiness reads which migrations are applied; only migrations record them.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM boai_service;
