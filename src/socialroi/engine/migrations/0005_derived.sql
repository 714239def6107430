-- 0003: derived tables (socialroi.aggregates, docs/performance.md): expensive results of the
-- analysis code stored once per workspace and reused while their sources are unchanged.
-- The derived tables themselves (derived_sessions, derived_daily …) are created from the
-- analysis code's own Ibis expressions on their first build, so their columns follow the code.

-- one row per (workspace, derived table): the sources it was built from and their fingerprint
CREATE TABLE derived_state (
    workspace_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    sources VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    built_at TIMESTAMP NOT NULL
);

-- per visitor: event count and XOR of the hashes of their web_events rows when the derived
-- sessions were built; a visitor whose pair differs now has new or changed events
CREATE TABLE derived_visitors (
    workspace_id VARCHAR NOT NULL,
    visitor_id VARCHAR NOT NULL,
    events BIGINT NOT NULL,
    sig UBIGINT NOT NULL
);
