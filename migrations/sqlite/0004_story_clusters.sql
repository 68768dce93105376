-- The same story at several outlets.

-- The article's story terms, space-separated (normalised content words,
-- cut to six letters, stop words removed; see normalise/story.rs); NULL
-- for texts too short to compare.
ALTER TABLE articles ADD COLUMN story_terms TEXT;
-- id of the first stored article of the story cluster; NULL when no other
-- outlet carried the story.
ALTER TABLE articles ADD COLUMN cluster_id INTEGER REFERENCES articles(id) ON DELETE SET NULL;
CREATE INDEX articles_cluster ON articles(cluster_id) WHERE cluster_id IS NOT NULL;
-- Clustering reads the recent articles that have story terms.
CREATE INDEX articles_first_seen ON articles(first_seen_at);
