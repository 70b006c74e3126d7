-- frontdesk foundation schema (SQLite). Times are Unix milliseconds (UTC).
-- Flags are INTEGER 0/1. Keep in step with ../postgres/0001_foundation.sql.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    is_buyer INTEGER NOT NULL,
    is_seller INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    commercial_contract INTEGER NOT NULL DEFAULT 0,
    company_visibility TEXT NOT NULL DEFAULT 'members',
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships(org_id);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

-- Sign-in sessions and API tokens; only a SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    category TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    requester_id INTEGER NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    status_rank INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    team TEXT NOT NULL,
    assignee_id INTEGER REFERENCES users(id),
    reopened_from INTEGER REFERENCES cases(id),
    reopened_as INTEGER REFERENCES cases(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL
);
-- Case numbers start at 1001, so they read as references.
INSERT INTO sqlite_sequence (name, seq) VALUES ('cases', 1000);
-- One index per dashboard sort, led by the tenant and the open/closed split.
CREATE INDEX cases_org_updated ON cases(org_id, closed, updated_at, id);
CREATE INDEX cases_org_created ON cases(org_id, closed, created_at, id);
CREATE INDEX cases_org_status ON cases(org_id, closed, status_rank, id);
-- Staff queues.
CREATE INDEX cases_team_updated ON cases(team, closed, updated_at, id);
CREATE INDEX cases_team_created ON cases(team, closed, created_at, id);
CREATE INDEX cases_team_status ON cases(team, closed, status_rank, id);

CREATE TABLE case_participants (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    email TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    added_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, email)
);
CREATE INDEX case_participants_user ON case_participants(user_id, case_id);

CREATE TABLE case_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    author_id INTEGER REFERENCES users(id),
    author_name TEXT NOT NULL,
    author_email TEXT,
    side TEXT NOT NULL,
    internal INTEGER NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX case_messages_case ON case_messages(case_id, id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    uploaded_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_case ON attachments(case_id, id);

-- The audit trail: every change of a case, who made it and when.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    actor_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- Durable lifecycle timers; a row is deleted in the transaction that acts on it.
CREATE TABLE timers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    due_at INTEGER NOT NULL
);
CREATE INDEX timers_due ON timers(due_at, id);
CREATE INDEX timers_case ON timers(case_id);

-- The transactional outbox of mail: the notice and the facts it mentions
-- (JSON), rendered into text and HTML when delivered.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER REFERENCES cases(id),
    kind TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    context TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    in_reply_to TEXT,
    refs TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
CREATE INDEX outbox_case ON outbox(case_id);

-- Responses of creating calls, replayed when the same Idempotency-Key returns.
CREATE TABLE idempotency (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
