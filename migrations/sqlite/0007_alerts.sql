-- Alerts: each [[alert]] announces the new items of its feeds once.

-- One row per [[alert]] name, created the first time a run sees it and
-- deleted (with its items and deliveries) when it leaves the config.
CREATE TABLE alerts (
    name            TEXT PRIMARY KEY,   -- the [[alert]]'s name
    last_sent_at    TEXT,               -- when a delivery last succeeded
    last_digest_at  TEXT,               -- when the last scheduled digest was due (with `every`)
    failures        INTEGER NOT NULL DEFAULT 0, -- failed attempts in a row
    next_attempt_at TEXT,               -- after a failure: not before this
    last_error      TEXT,               -- why the last attempt failed; NULL after a success
    failing_since   TEXT                -- when the failures in a row reached 3; NULL after a success
);

-- Each feed an alert follows, and from when: items first seen before
-- `since` are never announced by it, so a new alert, or a feed added to
-- one, does not send the archive.
CREATE TABLE alert_feeds (
    alert           TEXT NOT NULL REFERENCES alerts(name) ON DELETE CASCADE,
    feed            TEXT NOT NULL,      -- the [[feed]]'s slug
    since           TEXT NOT NULL,
    PRIMARY KEY (alert, feed)
);

-- A message to the alert's receiver: its items and its idempotency key,
-- written before it is sent, so that a send that is not recorded as done
-- goes again with the same key and the same items.
CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY,
    alert           TEXT NOT NULL REFERENCES alerts(name) ON DELETE CASCADE,
    key             TEXT NOT NULL UNIQUE, -- idempotency key, sent in the payload
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT                -- NULL until the receiver accepted it
);
CREATE INDEX alert_deliveries_unsent ON alert_deliveries(alert) WHERE sent_at IS NULL;

-- Each item an alert has taken, once: the key makes a republished,
-- updated or again matched article a no-op.
CREATE TABLE alert_items (
    alert           TEXT NOT NULL REFERENCES alerts(name) ON DELETE CASCADE,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    feed            TEXT NOT NULL,      -- slug of the feed that published it
    matched_terms   TEXT NOT NULL DEFAULT '[]', -- JSON array, as published
    other_outlets   TEXT NOT NULL DEFAULT '[]', -- JSON array: the story's other outlets
    queued_at       TEXT NOT NULL,
    delivery_id     INTEGER REFERENCES alert_deliveries(id) ON DELETE SET NULL, -- NULL: waiting
    PRIMARY KEY (alert, article_id)
);
CREATE INDEX alert_items_delivery ON alert_items(delivery_id);
