-- Inbound mail (SQLite). Keep in step with ../postgres/0003_inbound.sql.

-- Every message that arrived, whatever became of it: the same Message-ID
-- is stored once (a redelivery finds it and does nothing), the raw message
-- stays available to staff, and held mail waits here for review.
CREATE TABLE inbound_mail (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The Message-ID, or `sha256:<digest of the raw message>` without one.
    message_id TEXT NOT NULL UNIQUE,
    -- smtp | pipe | webhook
    channel TEXT NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- appended | created | answered_closed | ignored | held | released | discarded
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The case it went to, or (held) the case it names.
    case_id INTEGER REFERENCES cases(id),
    raw_key TEXT NOT NULL,
    raw_size INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES users(id)
);
CREATE INDEX inbound_mail_outcome ON inbound_mail(outcome, received_at, id);
CREATE INDEX inbound_mail_case ON inbound_mail(case_id);

ALTER TABLE case_messages ADD COLUMN inbound_id INTEGER REFERENCES inbound_mail(id);
