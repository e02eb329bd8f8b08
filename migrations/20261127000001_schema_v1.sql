-- Schema v1: companies and versioned facts with provenance
-- (methodology section 1). Fact versions are never overwritten: a restatement,
-- an amendment or an analyst's edit adds a version; the latest version of a key
-- is current.

CREATE TABLE companies (
    ticker                TEXT PRIMARY KEY
                          CHECK (ticker ~ '^[A-Z0-9][A-Z0-9.-]{0,9}$'),
    name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    cik                   BIGINT UNIQUE CHECK (cik > 0 AND cik < 10000000000),
    fiscal_year_end_month SMALLINT NOT NULL CHECK (fiscal_year_end_month BETWEEN 1 AND 12),
    -- Whether the company nets proceeds from property sales and incentives in
    -- its own free cash flow (Amazon does); then FCF needs `capex_proceeds`.
    nets_capex_proceeds   BOOLEAN NOT NULL DEFAULT false,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TYPE metric_kind AS ENUM ('flow', 'instant', 'disclosure');

CREATE TABLE metrics (
    key   TEXT PRIMARY KEY,
    kind  metric_kind NOT NULL,
    label TEXT NOT NULL
);

INSERT INTO metrics (key, kind, label) VALUES
    ('revenue', 'flow', 'Revenue'),
    ('cost_of_revenue', 'flow', 'Cost of revenue'),
    ('operating_income', 'flow', 'Operating income'),
    ('net_income', 'flow', 'Net income'),
    ('operating_cash_flow', 'flow', 'Operating cash flow'),
    ('capex', 'flow', 'Capex (purchases of property and equipment)'),
    ('capex_proceeds', 'flow', 'Proceeds from property and equipment sales and incentives'),
    ('finance_lease_principal', 'flow', 'Finance-lease principal repayments'),
    ('depreciation_amortization', 'flow', 'Depreciation and amortization'),
    ('cloud_revenue', 'flow', 'Cloud revenue'),
    ('ppe_gross', 'instant', 'Property and equipment, gross'),
    ('ppe_net', 'instant', 'Property and equipment, net'),
    ('rpo', 'instant', 'Remaining performance obligations (backlog)'),
    ('ai_revenue_run_rate', 'disclosure', 'AI revenue run-rate (annualized)'),
    ('capex_guidance_low', 'disclosure', 'Capex guidance, low end'),
    ('capex_guidance_high', 'disclosure', 'Capex guidance, high end'),
    ('unit_inference_cost', 'disclosure', 'Unit inference cost');

-- Where a value came from.
--   filing:    read in an SEC filing (form, accession number, filed date, URL)
--   derived:   a formula on reported values (e.g. Q4 = FY - 9M), inputs in `inputs`
--   secondary: an aggregator site, not a filing; shown as secondary
--   analyst:   entered by an analyst (who, when, source URL, note)
CREATE TYPE source_kind AS ENUM ('filing', 'derived', 'secondary', 'analyst');

CREATE TABLE fact_versions (
    id             BIGSERIAL PRIMARY KEY,
    ticker         TEXT NOT NULL REFERENCES companies (ticker),
    metric         TEXT NOT NULL REFERENCES metrics (key),
    fiscal_year    SMALLINT NOT NULL CHECK (fiscal_year BETWEEN 1990 AND 2100),
    -- 1-4 for a quarter, 0 for a full fiscal year (guidance, annual totals).
    fiscal_quarter SMALLINT NOT NULL CHECK (fiscal_quarter BETWEEN 0 AND 4),
    -- NULL for instants and disclosures made at a date.
    period_start   DATE,
    period_end     DATE NOT NULL,
    value          NUMERIC NOT NULL,
    unit           TEXT NOT NULL DEFAULT 'USD' CHECK (unit IN ('USD', 'USD/unit', 'percent')),
    version        INTEGER NOT NULL CHECK (version >= 1),
    -- Bitemporal: the period above is what the value describes; `known_at` is
    -- when it became known (the filing date, or the time of an analyst's entry).
    known_at       DATE NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    source_kind    source_kind NOT NULL,
    form           TEXT,
    accession      TEXT CHECK (accession ~ '^[0-9]{10}-[0-9]{2}-[0-9]{6}$'),
    filed_date     DATE,
    source_url     TEXT,
    -- The source as written where the value was read, verbatim.
    source_text    TEXT NOT NULL,
    -- For derived values: the formula and its inputs with their provenance.
    derivation     JSONB,
    entered_by     TEXT,
    note           TEXT,
    CHECK (period_start IS NULL OR period_start <= period_end),
    CHECK (source_kind <> 'analyst' OR (entered_by IS NOT NULL AND source_url IS NOT NULL)),
    UNIQUE (ticker, metric, fiscal_year, fiscal_quarter, version)
);

CREATE INDEX fact_versions_by_key
    ON fact_versions (ticker, metric, fiscal_year, fiscal_quarter, known_at DESC, version DESC);

-- Versions are history: never updated, never deleted.
CREATE FUNCTION fact_versions_are_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'fact versions are never changed or deleted; add a new version instead';
END;
$$;

CREATE TRIGGER fact_versions_immutable
    BEFORE UPDATE OR DELETE ON fact_versions
    FOR EACH ROW EXECUTE FUNCTION fact_versions_are_immutable();

-- The current value of every key: the version known latest (ties: the one
-- recorded last). A filing older than the current version that is imported
-- later joins the history without becoming current.
CREATE VIEW current_facts AS
SELECT DISTINCT ON (ticker, metric, fiscal_year, fiscal_quarter) *
FROM fact_versions
ORDER BY ticker, metric, fiscal_year, fiscal_quarter, known_at DESC, version DESC;
