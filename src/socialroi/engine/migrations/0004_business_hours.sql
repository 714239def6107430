-- 0003: per-workspace office hours for the business-hours first-response time
-- (socialroi.metrics.response.BusinessHours); no row = the default, 09:00-17:00 Monday-Friday.
-- days: comma-separated 0 (Monday) … 6 (Sunday); timezone NULL = the workspace's.
CREATE TABLE business_hours (
    workspace_id VARCHAR NOT NULL,
    start_time TIME NOT NULL,
    end_time TIME NOT NULL,
    days VARCHAR NOT NULL,
    timezone VARCHAR
);
