-- 0003: accounts of the web app (docs/web.md): users, their roles per workspace, server-side
-- sessions, invitations, API tokens and read-only share links.
-- Secrets are never stored: sessions, invitations, tokens and share links keep the SHA-256 of
-- the random value handed out (hex); passwords only as argon2id PHC strings.
-- No PRIMARY KEY/UNIQUE (as in 0001/0002): uniqueness (one user per email, one membership per
-- user and workspace) is kept by socialroi.web.accounts, whose writes are serialised.

CREATE TABLE users (
    user_id VARCHAR NOT NULL,
    email VARCHAR NOT NULL,              -- trimmed and lowercased
    password_hash VARCHAR NOT NULL,      -- argon2id PHC string
    created_at TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL
);

-- role: viewer < analyst < admin < owner (socialroi.web.scope.ROLES)
CREATE TABLE memberships (
    user_id VARCHAR NOT NULL,
    workspace_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- a signed-in browser; expires at min(last_seen_at + idle, created_at + absolute)
CREATE TABLE sessions (
    session_hash VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    csrf_token VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE invitations (
    invitation_id VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL,
    workspace_id VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    invited_by VARCHAR,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    accepted_by VARCHAR
);

-- scope: read (acts as viewer) or write (acts as analyst)
CREATE TABLE api_tokens (
    token_id VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL,
    workspace_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    created_by VARCHAR,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

-- page: one dashboard page (overview, networks, …) or the report, read-only, as viewer
CREATE TABLE share_links (
    share_id VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL,
    workspace_id VARCHAR NOT NULL,
    page VARCHAR NOT NULL,
    created_by VARCHAR,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
