-- The search index topic feeds and `veille search` read, so that a query
-- never scans the archive. veille analyses the text itself (folding,
-- stemming in the article's language, see docs/query.md) and stores the
-- resulting tokens separated by spaces; the `ascii` tokenizer then only
-- splits on those spaces, so the index and the queries agree exactly.
-- Rows are written in the same transaction as the article they index.
CREATE VIRTUAL TABLE article_index USING fts5(
    title,          -- stems of the title
    body,           -- stems of title, content and summary
    author,         -- words of the author, folded
    url,            -- words of the URL, folded
    categories,     -- words of the item's categories, folded
    tokenize = 'ascii',
    detail = full
);

-- Deleting an article removes its index row (inserts and updates are
-- indexed by veille itself, which computes the stems).
CREATE TRIGGER articles_delete_index AFTER DELETE ON articles BEGIN
    DELETE FROM article_index WHERE rowid = old.id;
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
CREATE TABLE index_meta (
    analyzer_version INTEGER NOT NULL,
    built_at         TEXT NOT NULL
);
