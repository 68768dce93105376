-- Items of news aggregators (Google News, Bing News): the outlet each
-- names, and the aggregator's own link once the outlet's is known.

ALTER TABLE articles ADD COLUMN outlet TEXT;           -- the outlet the item names (RSS <source>), NULL for an outlet's own feed
ALTER TABLE articles ADD COLUMN outlet_url TEXT;       -- that outlet's site, as the item names it
ALTER TABLE articles ADD COLUMN aggregator_link TEXT;  -- the aggregator's link (Google News), when url/link are or will be the outlet's
-- A source's articles still waiting for the outlet's link, found at once
-- (and none scanned for sources that are not aggregators).
CREATE INDEX articles_aggregated ON articles(source_id, sort_at) WHERE aggregator_link IS NOT NULL;
-- The outlets items name, which `source:` queries match.
CREATE INDEX articles_outlet ON articles(outlet) WHERE outlet IS NOT NULL;

-- Google News links resolved online (those whose id does not embed the
-- URL), so that each is asked once.
CREATE TABLE link_resolutions (
    link         TEXT PRIMARY KEY,  -- the aggregator's link
    url          TEXT,              -- where it leads; NULL while unresolved
    attempts     INTEGER NOT NULL DEFAULT 0,
    resolved_at  TEXT,              -- when it was resolved
    failed_at    TEXT               -- when the last attempt failed (tried again a day later)
) WITHOUT ROWID;
