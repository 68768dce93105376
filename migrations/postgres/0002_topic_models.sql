-- Fitted topic models: one row per feed with `examples`. A model is
-- fitted again only when the examples file's hash changes, so runs and
-- workers reuse this one.
CREATE TABLE topic_models (
    feed_slug      TEXT PRIMARY KEY,
    examples_path  TEXT NOT NULL,
    examples_hash  TEXT NOT NULL,
    examples       BIGINT NOT NULL,
    threshold      DOUBLE PRECISION NOT NULL,
    cv_precision   DOUBLE PRECISION NOT NULL,
    cv_recall      DOUBLE PRECISION NOT NULL,
    model          JSONB NOT NULL,
    fitted_at      TIMESTAMPTZ NOT NULL
);

-- How many articles hold each index token, as last counted (at most a
-- day ago). The token '' holds the number of indexed articles.
CREATE TABLE index_term_stats (
    term        TEXT COLLATE "C" PRIMARY KEY,
    documents   BIGINT NOT NULL,
    counted_at  TIMESTAMPTZ NOT NULL
);
