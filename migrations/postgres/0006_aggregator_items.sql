-- Items of news aggregators: see migrations/sqlite/0011_aggregator_items.sql.

ALTER TABLE articles ADD COLUMN outlet TEXT;
ALTER TABLE articles ADD COLUMN outlet_url TEXT;
ALTER TABLE articles ADD COLUMN aggregator_link TEXT;
CREATE INDEX articles_aggregated ON articles(source_id, sort_at) WHERE aggregator_link IS NOT NULL;
-- The outlets items name, which `source:` queries match.
CREATE INDEX articles_outlet ON articles(outlet) WHERE outlet IS NOT NULL;

CREATE TABLE link_resolutions (
    link         TEXT COLLATE "C" PRIMARY KEY,
    url          TEXT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    resolved_at  TIMESTAMPTZ,
    failed_at    TIMESTAMPTZ
);
