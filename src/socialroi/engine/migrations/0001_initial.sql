-- 0001: the canonical entities of the data contract, plus workspaces and the import ledger.
-- No PRIMARY KEY/UNIQUE on any table: keys are enforced by the import (merge on the natural key),
-- and raw high-volume tables (web_events, clicks) must not carry constraints because they break
-- WAL replay after a crash (../shared/specs/reliability.md §3).

CREATE TABLE workspaces (
    workspace_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    brand VARCHAR,
    currency VARCHAR NOT NULL,
    timezone VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE import_ledger (
    workspace_id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_inserted BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rows_skipped BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);

-- units of base currency per 1 unit of `currency`, from `date` on
CREATE TABLE fx_rates (
    workspace_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    currency VARCHAR NOT NULL,
    rate DOUBLE NOT NULL,
    extra VARCHAR
);

-- social profiles, owned or a competitor's
CREATE TABLE profiles (
    workspace_id VARCHAR NOT NULL,
    profile_id VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    handle VARCHAR,
    name VARCHAR,
    brand VARCHAR,
    owned BOOLEAN,
    extra VARCHAR
);

-- daily profile figures
CREATE TABLE profile_metrics (
    workspace_id VARCHAR NOT NULL,
    profile_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    followers BIGINT,
    impressions BIGINT,
    reach BIGINT,
    profile_visits BIGINT,
    extra VARCHAR
);

-- posts published on a profile
CREATE TABLE posts (
    workspace_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    profile_id VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL,
    text VARCHAR,
    url VARCHAR,
    campaign VARCHAR,
    content_type VARCHAR,
    variant VARCHAR,
    paid BOOLEAN,
    extra VARCHAR
);

-- activity on a post on that date (period semantics)
CREATE TABLE post_metrics (
    workspace_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    impressions BIGINT,
    reach BIGINT,
    reactions BIGINT,
    comments BIGINT,
    shares BIGINT,
    saves BIGINT,
    clicks BIGINT,
    video_views BIGINT,
    extra VARCHAR
);

-- tracked short links
CREATE TABLE links (
    workspace_id VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    target_url VARCHAR NOT NULL,
    utm_source VARCHAR,
    utm_medium VARCHAR,
    utm_campaign VARCHAR,
    utm_content VARCHAR,
    utm_term VARCHAR,
    utm_id VARCHAR,
    post_id VARCHAR,
    created_at TIMESTAMP,
    extra VARCHAR
);

-- clicks on tracked links
CREATE TABLE clicks (
    workspace_id VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    clicked_at TIMESTAMP NOT NULL,
    click_id VARCHAR,
    visitor_id VARCHAR,
    referrer VARCHAR,
    user_agent VARCHAR,
    country VARCHAR,
    extra VARCHAR
);

-- website events: pageview, goal, lead, purchase, refund, identify, custom
CREATE TABLE web_events (
    workspace_id VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    visitor_id VARCHAR NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    event VARCHAR NOT NULL,
    url VARCHAR,
    referrer VARCHAR,
    utm_source VARCHAR,
    utm_medium VARCHAR,
    utm_campaign VARCHAR,
    utm_content VARCHAR,
    utm_term VARCHAR,
    click_id VARCHAR,
    goal VARCHAR,
    revenue DOUBLE,
    currency VARCHAR,
    transaction_id VARCHAR,
    contact_id VARCHAR,
    email VARCHAR,
    user_agent VARCHAR,
    revenue_base DOUBLE,
    extra VARCHAR
);

-- CRM contacts
CREATE TABLE contacts (
    workspace_id VARCHAR NOT NULL,
    contact_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    email VARCHAR,
    lifecycle_stage VARCHAR,
    became_lead_at TIMESTAMP,
    became_customer_at TIMESTAMP,
    original_source VARCHAR,
    original_source_detail VARCHAR,
    visitor_id VARCHAR,
    extra VARCHAR
);

-- CRM deals
CREATE TABLE deals (
    workspace_id VARCHAR NOT NULL,
    deal_id VARCHAR NOT NULL,
    contact_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    stage VARCHAR NOT NULL,
    closed_at TIMESTAMP,
    amount DOUBLE,
    currency VARCHAR,
    amount_base DOUBLE,
    extra VARCHAR
);

-- social inbox messages; needs_response defaults to true for inbound
CREATE TABLE messages (
    workspace_id VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    direction VARCHAR NOT NULL,
    thread_id VARCHAR,
    in_reply_to VARCHAR,
    profile_id VARCHAR,
    author VARCHAR,
    contact_id VARCHAR,
    agent VARCHAR,
    text VARCHAR,
    needs_response BOOLEAN,
    extra VARCHAR
);

-- lines of a purchase
CREATE TABLE order_items (
    workspace_id VARCHAR NOT NULL,
    transaction_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    quantity BIGINT,
    price DOUBLE,
    currency VARCHAR,
    product VARCHAR,
    category VARCHAR,
    price_base DOUBLE,
    extra VARCHAR
);

-- brand and competitor mentions
CREATE TABLE mentions (
    workspace_id VARCHAR NOT NULL,
    mention_id VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL,
    brand VARCHAR NOT NULL,
    keyword VARCHAR,
    author VARCHAR,
    reach BIGINT,
    sentiment VARCHAR,
    url VARCHAR,
    text VARCHAR,
    extra VARCHAR
);

-- costs; with end_date, spread evenly over date..end_date
CREATE TABLE costs (
    workspace_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    amount DOUBLE NOT NULL,
    category VARCHAR NOT NULL,
    currency VARCHAR,
    network VARCHAR,
    campaign VARCHAR,
    post_id VARCHAR,
    end_date DATE,
    amount_base DOUBLE,
    row_key VARCHAR,
    extra VARCHAR
);

-- staff time spent on social, valued at hourly_rate
CREATE TABLE staff_hours (
    workspace_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    person VARCHAR NOT NULL,
    hours DOUBLE NOT NULL,
    hourly_rate DOUBLE NOT NULL,
    currency VARCHAR,
    network VARCHAR,
    campaign VARCHAR,
    activity VARCHAR,
    hourly_rate_base DOUBLE,
    row_key VARCHAR,
    extra VARCHAR
);

-- targets to track (leads, customers, revenue, …)
CREATE TABLE goals (
    workspace_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    target DOUBLE NOT NULL,
    network VARCHAR,
    campaign VARCHAR,
    extra VARCHAR
);
