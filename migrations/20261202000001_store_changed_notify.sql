-- Tell listening servers that the store changed, once per writing statement,
-- delivered when the transaction commits (and never for one rolled back).
-- Servers cache rendered pages per store generation and re-read it on this
-- notification (server/src/page_cache.rs).
CREATE FUNCTION notify_store_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('capex_store_changed', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

CREATE TRIGGER fact_versions_notify_store_changed
    AFTER INSERT ON fact_versions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_store_changed();

CREATE TRIGGER companies_notify_store_changed
    AFTER INSERT OR UPDATE OR DELETE ON companies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_store_changed();
