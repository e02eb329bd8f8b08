-- Keeping companies current from SEC EDGAR (issue 16).
--
-- `edgar_tracking`: the companies the server checks, by ticker. A ticker may
-- be tracked before the company is in the store (an admin typed it): the
-- first sync resolves it through the SEC's ticker list and creates the
-- company row. The sync's bookkeeping lives here, not in `companies`, so a
-- check that finds nothing new does not advance the store generation (and
-- does not empty the page caches).
CREATE TABLE edgar_tracking (
    ticker          TEXT PRIMARY KEY
                    CHECK (ticker ~ '^[A-Z0-9][A-Z0-9.-]{0,9}$'),
    tracked         BOOLEAN NOT NULL DEFAULT true,
    tracked_since   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_checked_at TIMESTAMPTZ,
    next_check_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The last check's failure in plain words; NULL once a check succeeds.
    last_error      TEXT CHECK (length(last_error) <= 2000),
    last_error_at   TIMESTAMPTZ
);

CREATE INDEX edgar_tracking_due ON edgar_tracking (next_check_at) WHERE tracked;

-- Every 10-K and 10-Q (and their amendments) whose figures a sync imported,
-- by the SEC's accession number. Written in the transaction that wrote the
-- figures: a filing is here exactly when its import committed, so a crash
-- mid-sync leaves neither, and no filing is imported twice.
CREATE TABLE edgar_filings (
    accession_number TEXT PRIMARY KEY
                     CHECK (accession_number ~ '^[0-9]{10}-[0-9]{2}-[0-9]{6}$'),
    ticker           TEXT NOT NULL REFERENCES companies (ticker),
    form             TEXT NOT NULL CHECK (length(form) BETWEEN 1 AND 20),
    filing_date      DATE NOT NULL,
    report_date      DATE,
    imported_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- What the import that brought this filing in did to the store (the
    -- filings of one import share it): new keys, new current versions
    -- (restatements), older values kept as history.
    new_versions     INTEGER NOT NULL CHECK (new_versions >= 0),
    changed_versions INTEGER NOT NULL CHECK (changed_versions >= 0),
    history_versions INTEGER NOT NULL CHECK (history_versions >= 0)
);

CREATE INDEX edgar_filings_by_company ON edgar_filings (ticker, filing_date DESC);
