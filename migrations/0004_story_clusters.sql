-- The same story at several outlets: a SimHash fingerprint of each
-- article's text, and the cluster it belongs to.

-- 64-bit SimHash of the normalised title and text (NULL for texts too
-- short to fingerprint). Stored as a signed 64-bit integer.
ALTER TABLE articles ADD COLUMN simhash INTEGER;
-- id of the first article of the story cluster (the earliest report);
-- NULL when no other outlet carried the story.
ALTER TABLE articles ADD COLUMN cluster_id INTEGER REFERENCES articles(id) ON DELETE SET NULL;

-- Five 13-bit bands of the fingerprint: two fingerprints at most 4 bits
-- apart share at least one band, so candidates are found by index.
ALTER TABLE articles ADD COLUMN simhash_b0 INTEGER GENERATED ALWAYS AS (simhash & 8191) VIRTUAL;
ALTER TABLE articles ADD COLUMN simhash_b1 INTEGER GENERATED ALWAYS AS ((simhash >> 13) & 8191) VIRTUAL;
ALTER TABLE articles ADD COLUMN simhash_b2 INTEGER GENERATED ALWAYS AS ((simhash >> 26) & 8191) VIRTUAL;
ALTER TABLE articles ADD COLUMN simhash_b3 INTEGER GENERATED ALWAYS AS ((simhash >> 39) & 8191) VIRTUAL;
ALTER TABLE articles ADD COLUMN simhash_b4 INTEGER GENERATED ALWAYS AS ((simhash >> 52) & 4095) VIRTUAL;
CREATE INDEX articles_simhash_b0 ON articles(simhash_b0) WHERE simhash IS NOT NULL;
CREATE INDEX articles_simhash_b1 ON articles(simhash_b1) WHERE simhash IS NOT NULL;
CREATE INDEX articles_simhash_b2 ON articles(simhash_b2) WHERE simhash IS NOT NULL;
CREATE INDEX articles_simhash_b3 ON articles(simhash_b3) WHERE simhash IS NOT NULL;
CREATE INDEX articles_simhash_b4 ON articles(simhash_b4) WHERE simhash IS NOT NULL;
CREATE INDEX articles_cluster ON articles(cluster_id) WHERE cluster_id IS NOT NULL;
