-- Running for years: retention (veille prune), and the figures that
-- monitoring reads (/metrics, veille stats) without counting history
-- that a prune may remove.

-- Fetches of each source by outcome, since the source was first fetched:
-- counters that only grow (Prometheus counters), kept apart from the
-- `fetches` history, which retention prunes.
CREATE TABLE fetch_totals (
    source_id      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    outcome        TEXT NOT NULL,      -- HTTP status ("200", "304", "404"…) or error kind ("timeout", "connect", "parse"…)
    fetches        INTEGER NOT NULL DEFAULT 0,
    items_new      INTEGER NOT NULL DEFAULT 0,  -- articles first stored by these fetches
    items_updated  INTEGER NOT NULL DEFAULT 0,  -- articles revised by these fetches
    PRIMARY KEY (source_id, outcome)
) WITHOUT ROWID;

-- How long each stage of a run took, in seconds. `fetch`, `cluster`,
-- `publish` and `prune` are wall time; `normalise` and `store` are summed
-- over sources (they overlap with fetching).
ALTER TABLE runs ADD COLUMN fetch_seconds REAL;
ALTER TABLE runs ADD COLUMN normalise_seconds REAL;
ALTER TABLE runs ADD COLUMN store_seconds REAL;
ALTER TABLE runs ADD COLUMN cluster_seconds REAL;
ALTER TABLE runs ADD COLUMN publish_seconds REAL;
ALTER TABLE runs ADD COLUMN prune_seconds REAL;
ALTER TABLE runs ADD COLUMN articles_pruned INTEGER NOT NULL DEFAULT 0;

-- Each topic feed as last published.
CREATE TABLE feed_states (
    slug           TEXT PRIMARY KEY,   -- the [[feed]]'s slug
    items          INTEGER NOT NULL,   -- items in its files
    changed_at     TEXT NOT NULL,      -- when its files' bytes last changed
    published_at   TEXT NOT NULL       -- when it was last published (changed or not)
);

-- One row per prune (veille prune, or the daily one of veille run).
CREATE TABLE prunes (
    id               INTEGER PRIMARY KEY,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,             -- NULL while running or if it was interrupted
    articles_removed INTEGER NOT NULL DEFAULT 0,
    history_removed  INTEGER NOT NULL DEFAULT 0,  -- fetches, runs and source events past `keep_history`
    bytes_before     INTEGER,          -- database size before (SQLite: the file)
    bytes_after      INTEGER
);

-- A deleted article takes its alert items with it: found by article.
CREATE INDEX alert_items_article ON alert_items(article_id);
-- History is pruned by age.
CREATE INDEX fetches_started ON fetches(started_at);
CREATE INDEX runs_started ON runs(started_at);
-- A deleted run clears its fetches' run_id (and clustering finds a run's
-- sources by it).
CREATE INDEX fetches_run ON fetches(run_id);
