-- Connections (SQLite): sellers' connection types, buyers' accesses, their
-- activation runs and the sellers' fix links. Keep in step with
-- ../postgres/0005_connections.sql.

-- A seller's marketplace listing: offered or not, who activates accesses.
CREATE TABLE seller_profiles (
    org_id INTEGER PRIMARY KEY REFERENCES organizations(id),
    -- Offered in the wizard; an inactive seller is never listed.
    active INTEGER NOT NULL,
    description TEXT NOT NULL,
    -- JSON array of addresses that receive fix links and reminders.
    activation_contacts TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- What a seller offers: Pull or Push, each with its credential schema and
-- registered endpoints.
CREATE TABLE connection_types (
    seller_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    endpoint_test TEXT NOT NULL,
    endpoint_live TEXT NOT NULL,
    default_search TEXT,
    active INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (seller_id, kind)
);

-- A buyer's access to a seller. Secret fields of `config` are sealed
-- (AEAD, bound to this row); `fingerprint` is a keyed digest of the
-- credentials, so duplicates are found without comparing secrets.
CREATE TABLE accesses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id INTEGER NOT NULL REFERENCES organizations(id),
    seller_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    environment TEXT NOT NULL,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    search_criteria TEXT,
    notification_emails TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES users(id),
    accepted_by INTEGER NOT NULL REFERENCES users(id),
    accepted_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_rank INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    run INTEGER NOT NULL,
    steps_passed INTEGER NOT NULL,
    manual_check INTEGER NOT NULL,
    case_id INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- One index per list: the buyer's, the seller's, Connectivity's queues.
CREATE INDEX accesses_buyer ON accesses(buyer_id, updated_at, id);
CREATE INDEX accesses_seller ON accesses(seller_id, updated_at, id);
CREATE INDEX accesses_status ON accesses(status, updated_at, id);
CREATE INDEX accesses_duplicate ON accesses(buyer_id, seller_id, kind, environment, fingerprint);

-- Activation runs are the worker's jobs: queued, leased by one worker at a
-- time, rescheduled (never slept on) while a retry waits. `progress` holds
-- the steps recorded so far (JSON, secrets redacted).
CREATE TABLE activation_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    access_id INTEGER NOT NULL REFERENCES accesses(id),
    seller_id INTEGER NOT NULL REFERENCES organizations(id),
    run INTEGER NOT NULL,
    cause TEXT NOT NULL,
    -- queued | running | finished | superseded
    state TEXT NOT NULL,
    progress TEXT NOT NULL,
    summary TEXT,
    next_at INTEGER NOT NULL,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    UNIQUE (access_id, run)
);
CREATE INDEX activation_runs_due ON activation_runs(state, next_at, id);
CREATE INDEX activation_runs_seller ON activation_runs(seller_id, state, lease_until);

-- Single-use, expiring links that let a seller fix one access without
-- signing in. Only a digest of the token is kept.
CREATE TABLE fix_links (
    token_hash TEXT PRIMARY KEY,
    access_id INTEGER NOT NULL REFERENCES accesses(id),
    epoch INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX fix_links_access ON fix_links(access_id);

-- A Connections case shows its access's case status (Delivered, Pending
-- Seller's Feedback, …) instead of the support lifecycle's.
ALTER TABLE cases ADD COLUMN connection_status TEXT;
