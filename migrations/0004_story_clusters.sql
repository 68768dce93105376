-- The same story at several outlets.

-- The article's story terms, space-separated (normalised content words,
-- cut to six letters, stop words removed; see normalise/story.rs); NULL
-- for texts too short to compare.
ALTER TABLE articles ADD COLUMN story_terms TEXT;
-- id of the first stored article of the story cluster; NULL when no other
-- outlet carried the story.
ALTER TABLE articles ADD COLUMN cluster_id INTEGER REFERENCES articles(id) ON DELETE SET NULL;
CREATE INDEX articles_cluster ON articles(cluster_id) WHERE cluster_id IS NOT NULL;

-- MinHash band keys of each article's story terms: articles that share a
-- key are compared, so candidates are found by index, not by a scan.
CREATE TABLE article_story_keys (
    key         INTEGER NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
CREATE INDEX article_story_keys_article ON article_story_keys(article_id);
