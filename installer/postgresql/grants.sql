-- Officer Console: least-privilege roles for the application (PostgreSQL 13+).
--
-- Run as a superuser in the Officer Console database, after `officer-admin migrate` (run as
-- the owner role oc_owner), and again after every migration (new tables get their grants):
--     sudo -u postgres psql -v ON_ERROR_STOP=1 -d officer_console -f grants.sql
-- Idempotent. Creates (if missing) the group role oc_app and the login roles oc_console
-- (squad workstations) and oc_gateway (the citizen gateway); give the login roles passwords
-- (\password oc_console) or client certificates. Only oc_owner can change the schema.
-- The audit log is append-only for the application: oc_app may SELECT and INSERT
-- audit_events, never UPDATE, DELETE or TRUNCATE them.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oc_app') THEN
        CREATE ROLE oc_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oc_console') THEN
        CREATE ROLE oc_console LOGIN IN ROLE oc_app;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oc_gateway') THEN
        CREATE ROLE oc_gateway LOGIN IN ROLE oc_app;
    END IF;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO oc_app', current_database());
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO oc_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO oc_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO oc_app;

-- Append-only audit log; the schema version is read, never written, by the application.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM oc_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM oc_app;
