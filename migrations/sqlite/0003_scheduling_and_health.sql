-- Scheduling, permanent redirects, 410 Gone and source health.

-- Hash of the source's fetch settings in config.toml; when it changes, the
-- redirect, gone and backoff state below is forgotten.
ALTER TABLE sources ADD COLUMN fingerprint TEXT;
-- URL fetched instead of `url` once a permanent redirect (301/308) has been
-- seen on two fetches in a row. `url` stays what the user configured.
ALTER TABLE sources ADD COLUMN fetch_url TEXT;
-- A permanent redirect seen once, waiting for confirmation on the next fetch.
ALTER TABLE sources ADD COLUMN redirect_candidate TEXT;
-- When the source answered 410 Gone; it is not polled again until its
-- config entry changes.
ALTER TABLE sources ADD COLUMN gone_at TEXT;
-- Not fetched before this time (NULL: due now).
ALTER TABLE sources ADD COLUMN next_fetch_at TEXT;
-- Effective polling interval in seconds: configured, lengthened by the
-- feed's own hints (RSS ttl, sy:updatePeriod, Cache-Control max-age).
ALTER TABLE sources ADD COLUMN interval_secs INTEGER;
-- HTTP status of the last fetch (NULL when no response arrived).
ALTER TABLE sources ADD COLUMN last_status INTEGER;

-- What happened to a source that users should hear about: it started
-- failing, recovered, moved (confirmed permanent redirect) or is gone.
-- Published as the health feed ({dir}/health/atom.xml).
CREATE TABLE source_events (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,   -- failing | recovered | moved | gone
    detail      TEXT NOT NULL
);
CREATE INDEX source_events_at ON source_events(at);
