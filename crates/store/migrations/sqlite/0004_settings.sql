-- Installation settings an administrator changes from the admin pages
-- (e.g. the timer policy), overriding the configuration file. One row per
-- setting; the value is JSON.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL
);
