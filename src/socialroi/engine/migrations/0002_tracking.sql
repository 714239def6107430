-- 0002: tracked links, the collector and its durable spool (docs/tracking.md).
-- No PRIMARY KEY/UNIQUE anywhere: raw tables must replay from the WAL after a crash
-- (reliability.md §3); uniqueness is kept by the code that writes them.

-- per link: the network it was made for and whether short-URL parameters are forwarded
CREATE TABLE link_options (
    workspace_id VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    network VARCHAR,
    forward_params BOOLEAN NOT NULL
);

-- saved UTM naming rules; network '*' applies to every network without its own template;
-- values may use {network}, {campaign}, {post}
CREATE TABLE utm_templates (
    workspace_id VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    utm_source VARCHAR,
    utm_medium VARCHAR,
    utm_campaign VARCHAR,
    utm_content VARCHAR,
    utm_term VARCHAR
);

-- website goals: an event name or a URL path pattern (glob), an optional value, lead or not
CREATE TABLE tracking_goals (
    workspace_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    event VARCHAR,
    url_pattern VARCHAR,
    value DOUBLE,
    is_lead BOOLEAN NOT NULL
);

-- origins (scheme://host[:port]) whose pages may send events to a workspace
CREATE TABLE tracking_origins (
    workspace_id VARCHAR NOT NULL,
    origin VARCHAR NOT NULL
);

-- rejected collector input with the reason (body cut to 2000 characters)
CREATE TABLE failed_events (
    workspace_id VARCHAR NOT NULL,
    stream VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    reason VARCHAR NOT NULL,
    event_id VARCHAR,
    body VARCHAR
);

-- bots, link-preview fetchers and referrer spam: counted, never visits
CREATE TABLE bot_hits (
    workspace_id VARCHAR NOT NULL,
    stream VARCHAR NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    code VARCHAR,
    bot VARCHAR NOT NULL,
    user_agent VARCHAR,
    url VARCHAR
);

-- received = stored + failed + filtered_bot + filtered_duplicate, per workspace and stream
CREATE TABLE collector_counters (
    workspace_id VARCHAR NOT NULL,
    stream VARCHAR NOT NULL,
    received BIGINT NOT NULL,
    stored BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    filtered_bot BIGINT NOT NULL,
    filtered_duplicate BIGINT NOT NULL
);

-- where the writer stopped: everything before (segment_seq, byte_offset) is loaded
CREATE TABLE spool_state (
    segment_seq BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL
);
