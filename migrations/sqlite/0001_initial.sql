-- veille's initial schema. This file is append-only history: never edit it
-- once shipped; add a new numbered migration instead.
--
-- Conventions (the schema is a public interface, see docs/schema.md):
--   * tables are plural, columns snake_case;
--   * every timestamp is TEXT in UTC RFC 3339, `2026-02-05T10:00:00Z`, so
--     lexical order is chronological and SQLite's date functions accept it;
--   * lists are JSON arrays in TEXT columns (json_each() reads them).

-- One row per configured source. `name` is the user's key in config.toml;
-- rows are kept when a source leaves the config (its articles stay), with
-- `enabled = 0`.
CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    url             TEXT NOT NULL,              -- feed URL as configured
    kind            TEXT NOT NULL DEFAULT 'feed',
    tags            TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    language        TEXT,                       -- configured language, if any
    enabled         INTEGER NOT NULL DEFAULT 1,
    title           TEXT,                       -- the feed's own title
    site_url        TEXT,                       -- the feed's own home link
    etag            TEXT,                       -- last ETag, for conditional GET
    last_modified   TEXT,                       -- last Last-Modified header, verbatim
    last_fetched_at TEXT,
    last_success_at TEXT,
    last_error      TEXT,                       -- NULL when the last fetch succeeded
    error_count     INTEGER NOT NULL DEFAULT 0, -- consecutive failures
    created_at      TEXT NOT NULL
);

-- One run of `veille run` / `fetch` / `publish`.
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    command         TEXT NOT NULL,              -- run | fetch | publish
    started_at      TEXT NOT NULL,
    finished_at     TEXT,                       -- NULL while running or if it crashed
    sources_ok      INTEGER NOT NULL DEFAULT 0,
    sources_failed  INTEGER NOT NULL DEFAULT 0,
    items_new       INTEGER NOT NULL DEFAULT 0,
    items_updated   INTEGER NOT NULL DEFAULT 0,
    feeds_written   INTEGER NOT NULL DEFAULT 0
);

-- One row per fetch attempt of one source.
CREATE TABLE fetches (
    id              INTEGER PRIMARY KEY,
    source_id       INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    run_id          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    url             TEXT NOT NULL,              -- URL actually requested
    http_status     INTEGER,                    -- NULL when no response arrived
    bytes           INTEGER NOT NULL DEFAULT 0, -- body size after decompression
    not_modified    INTEGER NOT NULL DEFAULT 0, -- 1 for a 304 answer
    items_seen      INTEGER NOT NULL DEFAULT 0,
    items_new       INTEGER NOT NULL DEFAULT 0,
    items_updated   INTEGER NOT NULL DEFAULT 0,
    error           TEXT                        -- NULL on success
);
CREATE INDEX fetches_source_started ON fetches(source_id, started_at);

-- One row per article (per source: the same story at two outlets is two rows).
CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    uid             TEXT NOT NULL UNIQUE,       -- stable public id (UUID), used in published feeds
    source_id       INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    dedup_key       TEXT NOT NULL,              -- guid:…, url:… or hash:…
    guid            TEXT,                       -- the feed's own item id
    url             TEXT,                       -- canonical URL (no tracking parameters)
    link            TEXT,                       -- link as published, absolute
    title           TEXT NOT NULL,              -- plain text
    author          TEXT,
    summary         TEXT,                       -- sanitised HTML
    content         TEXT,                       -- sanitised HTML
    content_text    TEXT NOT NULL DEFAULT '',   -- plain text of content (else summary)
    published_at    TEXT,                       -- as declared by the feed; NULL if absent/unreadable
    updated_at      TEXT,                       -- as declared by the feed
    first_seen_at   TEXT NOT NULL,              -- when veille first stored it
    last_changed_at TEXT NOT NULL,              -- when veille last stored a revision
    sort_at         TEXT NOT NULL,              -- published_at unless missing or in the future, else first_seen_at
    language        TEXT,                       -- fr, en, ar… (declared or detected)
    categories      TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    enclosures      TEXT NOT NULL DEFAULT '[]', -- JSON array of {url, mime_type, length}
    content_hash    TEXT NOT NULL,              -- SHA-256 of title, link, summary, content
    revisions       INTEGER NOT NULL DEFAULT 0, -- times the content changed after first sight
    UNIQUE (source_id, dedup_key)
);
CREATE INDEX articles_sort_at ON articles(sort_at DESC);
CREATE INDEX articles_source_sort ON articles(source_id, sort_at DESC);
CREATE INDEX articles_url ON articles(url);
