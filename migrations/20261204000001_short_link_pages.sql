-- A short link names the page it shortens: a comparison chart (/compare)
-- or the cohort (/cohort). The same query string may mean different things
-- on the two pages, so a link is unique per page and query.
ALTER TABLE short_links
    ADD COLUMN page TEXT NOT NULL DEFAULT 'compare' CHECK (page IN ('compare', 'cohort'));
ALTER TABLE short_links DROP CONSTRAINT short_links_query_key;
ALTER TABLE short_links ADD CONSTRAINT short_links_page_query_key UNIQUE (page, query);
