-- WebSub, the subscriber's side: the hub a source's feed names, and
-- veille's subscription to it (made by `veille serve --public-url`).

ALTER TABLE sources ADD COLUMN websub_hub TEXT;    -- the feed's link rel="hub", as last read
ALTER TABLE sources ADD COLUMN websub_topic TEXT;  -- the feed's link rel="self": the topic at the hub

CREATE TABLE websub_subscriptions (
    source_id     BIGINT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    hub           TEXT NOT NULL,
    topic         TEXT NOT NULL,
    callback      TEXT NOT NULL UNIQUE, -- the token ending veille's callback URL
    secret        TEXT NOT NULL,        -- hub.secret: pushes are signed with it
    requested_at  TIMESTAMPTZ NOT NULL,        -- when veille last asked the hub
    verified_at   TIMESTAMPTZ,                 -- when the hub last confirmed it (intent verification)
    lease_until   TIMESTAMPTZ,                  -- when it ends unless renewed
    denied_at     TIMESTAMPTZ            -- when the hub refused it (asked again a day later)
);
