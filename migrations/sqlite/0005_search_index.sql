-- The search index topic feeds and `veille search` read, so that a query
-- never scans the archive. veille analyses the text itself (folding,
-- stemming in the article's language, see docs/query.md) and stores the
-- resulting tokens separated by spaces; the `ascii` tokenizer then only
-- splits on those spaces, so the index and the queries agree exactly.
-- Rows are written in the same transaction as the article they index.
--
-- An index row's rowid is `articles.index_rowid`, not the article id: each
-- (re)indexing takes the next number, so recent rows have the highest
-- rowids and a topic feed only reads the end of the index (FTS5 seeks by
-- rowid), however large the archive.
CREATE VIRTUAL TABLE article_index USING fts5(
    title,          -- stems of the title
    body,           -- stems of title, content and summary
    author,         -- words of the author, folded
    url,            -- words of the URL, folded
    categories,     -- words of the item's categories, folded
    lang,           -- primary language subtag (fr, en, ar…)
    tokenize = 'ascii',
    detail = full,     -- positions, for phrases and NEAR
    columnsize = 0     -- no per-row sizes: veille does not rank by bm25()
);

ALTER TABLE articles ADD COLUMN index_rowid INTEGER;  -- rowid of its article_index row
CREATE UNIQUE INDEX articles_index_rowid ON articles(index_rowid);
-- Where the index rows of a time window begin.
CREATE INDEX articles_last_changed ON articles(last_changed_at, index_rowid);

-- A revised article gets a new index row: drop the old one. A deleted
-- article takes its index row with it.
CREATE TRIGGER articles_reindex AFTER UPDATE OF index_rowid ON articles
WHEN old.index_rowid IS NOT NULL BEGIN
    DELETE FROM article_index WHERE rowid = old.index_rowid;
END;
CREATE TRIGGER articles_delete_index AFTER DELETE ON articles BEGIN
    DELETE FROM article_index WHERE rowid = old.index_rowid;
END;

-- Words whose stem differs from the word itself, so that `regulat*`
-- also finds the articles where "regulations" was indexed as `regul`.
CREATE TABLE index_words (
    word            TEXT NOT NULL,              -- folded word as written
    stem            TEXT NOT NULL,              -- its stem in the article's language
    PRIMARY KEY (word, stem)
) WITHOUT ROWID;

-- One row: which version of the analysis built the index. veille rebuilds
-- the index when this differs from its own.
-- It also records when the index was last optimized (its segments merged
-- into one, which keeps lookups fast; veille does it at most once a day).
CREATE TABLE index_meta (
    analyzer_version INTEGER NOT NULL,
    built_at         TEXT NOT NULL,
    optimized_at     TEXT
);
