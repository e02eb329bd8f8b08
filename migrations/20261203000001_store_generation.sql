-- One store generation: a counter that every committed change to the facts
-- or the companies advances, read by every cache (facts, pages, preview
-- images) to tell whether what it holds is still current.
--
-- Why a counter and not max(fact_versions.id): ids are handed out when rows
-- are written, not when they commit, so a transaction that took a lower id
-- and commits after another one leaves the maximum unchanged; and a company's
-- name, CIK or flags can change with no new fact at all.
--
-- The counter is advanced by a deferred trigger, at commit: the row lock on
-- the counter is held only for the end of a transaction (so writers of
-- different companies do not queue behind each other, and cannot deadlock
-- on it), and a rolled-back transaction advances nothing. A transaction
-- advances it once however many rows it writes.
CREATE TABLE store_generation (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    value bigint NOT NULL
);
INSERT INTO store_generation (value)
    SELECT coalesce(max(id), 0) + 1 FROM fact_versions;

CREATE FUNCTION advance_store_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('capex.generation_advanced', true) IS DISTINCT FROM 'yes' THEN
        UPDATE store_generation SET value = value + 1;
        PERFORM set_config('capex.generation_advanced', 'yes', true);
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER fact_versions_advance_store_generation
    AFTER INSERT ON fact_versions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION advance_store_generation();

CREATE CONSTRAINT TRIGGER companies_advance_store_generation
    AFTER INSERT OR UPDATE OR DELETE ON companies
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION advance_store_generation();
