-- See migrations/sqlite/0012_aggregator_link_index.sql.
CREATE INDEX articles_aggregator_link ON articles(aggregator_link) WHERE aggregator_link IS NOT NULL;
