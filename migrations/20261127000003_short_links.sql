-- Short chart links (/c/{id}). A link stores the chart's canonical query and
-- pins the data as of its creation: the chart shows fact versions recorded
-- up to `created_at`. Identical charts share one id; links never expire.
CREATE TABLE short_links (
    id         TEXT PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{6,16}$'),
    query      TEXT NOT NULL UNIQUE CHECK (length(query) <= 2000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
