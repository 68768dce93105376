-- Which resolved Google News links an article still has: retention keeps
-- those and removes the others, without reading every aggregator item.
CREATE INDEX articles_aggregator_link ON articles(aggregator_link) WHERE aggregator_link IS NOT NULL;
