-- The knowledge base and AIna's sessions (SQLite). Times are Unix
-- milliseconds (UTC); flags are INTEGER 0/1. Keep in step with
-- ../postgres/0002_assistant.sql.

-- AUTOINCREMENT: a deleted article's id is never given out again, so its
-- tombstone stays unambiguous.
CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Relative path of an imported file; NULL when written in the portal.
    source_path TEXT UNIQUE,
    source_url TEXT,
    -- The importer's digest of title, category, body and URL.
    content_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- The kb_state revision of the transaction that last changed it.
    revision INTEGER NOT NULL
);
CREATE INDEX kb_articles_browse ON kb_articles(category, title, id);
CREATE INDEX kb_articles_revision ON kb_articles(revision);

-- One row: the change counter of the knowledge base, bumped once by every
-- transaction that changes articles. The search index remembers the
-- revision it has applied and asks for what came after.
CREATE TABLE kb_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO kb_state (id, revision) VALUES (1, 0);

-- Deleted articles, so the index of every replica learns of deletions.
CREATE TABLE kb_tombstones (
    article_id INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL
);
CREATE INDEX kb_tombstones_revision ON kb_tombstones(revision);

-- A partner's conversation with AIna: questions, the last feedback, and the
-- case it became, if any. `questions` counts them (and numbers the next).
CREATE TABLE assistant_sessions (
    id TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    questions INTEGER NOT NULL DEFAULT 0,
    outcome TEXT CHECK (outcome IN ('solved', 'rephrase', 'need_help')),
    feedback_at INTEGER,
    case_id INTEGER REFERENCES cases(id),
    escalated_at INTEGER
);
CREATE INDEX assistant_sessions_created ON assistant_sessions(created_at);
CREATE INDEX assistant_sessions_user ON assistant_sessions(user_id, created_at);

CREATE TABLE assistant_questions (
    session_id TEXT NOT NULL REFERENCES assistant_sessions(id),
    seq INTEGER NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The question normalized by the caller; knowledge gaps group by it.
    topic TEXT NOT NULL,
    answered INTEGER NOT NULL,
    confidence REAL NOT NULL,
    -- The answer as given (JSON).
    answer TEXT NOT NULL,
    engine TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);

-- The articles an answer referenced, in order. No foreign key to
-- kb_articles: articles may be deleted later; analytics join what exists.
CREATE TABLE assistant_references (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq, rank),
    FOREIGN KEY (session_id, seq) REFERENCES assistant_questions(session_id, seq)
);
CREATE INDEX assistant_references_article ON assistant_references(article_id);
