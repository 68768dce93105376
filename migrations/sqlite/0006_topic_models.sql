-- Fitted topic models: one row per feed with `examples`. A model is
-- fitted again only when the examples file's hash changes, so runs and
-- workers reuse this one.
CREATE TABLE topic_models (
    feed_slug      TEXT PRIMARY KEY,    -- the [[feed]] it belongs to
    examples_path  TEXT NOT NULL,       -- the examples file it was fitted from
    examples_hash  TEXT NOT NULL,       -- SHA-256 of that file's bytes
    examples       INTEGER NOT NULL,    -- how many examples
    threshold      REAL NOT NULL,       -- least probability to publish
    cv_precision   REAL NOT NULL,       -- cross-validated on the examples, query + model
    cv_recall      REAL NOT NULL,
    model          TEXT NOT NULL,       -- the fitted model, JSON (weights by feature name)
    fitted_at      TEXT NOT NULL
);

-- How many index rows hold each token, for relevance scores (how specific
-- a matched word is): FTS5's own vocabulary, read per token.
CREATE VIRTUAL TABLE article_index_terms USING fts5vocab(article_index, row);

-- How many articles hold each index token, as last counted (at most a
-- day ago): relevance scores read this instead of counting again each
-- time. The token '' holds the number of indexed articles.
CREATE TABLE index_term_stats (
    term        TEXT PRIMARY KEY,   -- a token as indexed
    documents   INTEGER NOT NULL,   -- index rows holding it
    counted_at  TEXT NOT NULL
) WITHOUT ROWID;
