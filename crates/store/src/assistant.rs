//! AIna's sessions: the questions asked, the answers given and the articles
//! they referenced, the partner's feedback, the hand-over to a case, and
//! the figures staff learn from them.

use crate::sql::{Param, SqlBuilder, flag, float, int, opt_int, opt_text, text};
use crate::{Store, StoreError, StoreResult, Tx};
use frontdesk_domain::{CaseId, OrgId, Timestamp, UserId};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The last feedback: `solved`, `rephrase` or `need_help`.
    pub outcome: Option<String>,
    pub feedback_at: Option<Timestamp>,
    /// The case the session became.
    pub case_id: Option<CaseId>,
    pub escalated_at: Option<Timestamp>,
    /// How many questions were asked (the last one has this `seq`).
    pub questions: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionInput {
    pub subject: String,
    pub description: String,
    /// The question normalized by the caller; knowledge gaps group by it.
    pub topic: String,
    pub answered: bool,
    pub confidence: f64,
    /// The answer as given, as JSON.
    pub answer_json: String,
    pub engine: String,
    /// Ids of the articles the answer referenced, in order.
    pub referenced: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRow {
    pub session_id: String,
    pub seq: i64,
    pub subject: String,
    pub description: String,
    pub topic: String,
    pub answered: bool,
    pub confidence: f64,
    pub answer_json: String,
    pub engine: String,
    pub created_at: Timestamp,
}

/// Figures over the sessions created in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssistantStats {
    pub sessions: i64,
    /// Sessions with feedback; with `solved`, the deflection rate.
    pub with_feedback: i64,
    pub solved: i64,
    pub rephrased: i64,
    pub need_help: i64,
    /// Sessions that became cases.
    pub escalated: i64,
    pub questions: i64,
    pub unanswered: i64,
    /// Most frequent first.
    pub gaps: Vec<Gap>,
    /// Most referenced first.
    pub top_articles: Vec<TopArticle>,
}

/// A topic the knowledge base does not cover well: questions left
/// unanswered, or that the partner took to a case after all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub topic: String,
    /// One subject as asked.
    pub example: String,
    pub unanswered: i64,
    /// Last questions of sessions that became cases.
    pub escalated: i64,
    /// Questions that were either (each once).
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopArticle {
    pub article_id: i64,
    pub slug: String,
    pub title: String,
    /// Answers that referenced it.
    pub references: i64,
}

const GAP_LIMIT: i64 = 20;
const TOP_ARTICLE_LIMIT: i64 = 10;

const SESSION_COLUMNS: &str = "id, org_id, user_id, created_at, updated_at, outcome, \
     feedback_at, case_id, escalated_at, questions";

fn session_from(row: &AnyRow) -> StoreResult<SessionRow> {
    Ok(SessionRow {
        id: text(row, "id")?,
        org_id: OrgId(int(row, "org_id")?),
        user_id: UserId(int(row, "user_id")?),
        created_at: Timestamp(int(row, "created_at")?),
        updated_at: Timestamp(int(row, "updated_at")?),
        outcome: opt_text(row, "outcome")?,
        feedback_at: opt_int(row, "feedback_at")?.map(Timestamp),
        case_id: opt_int(row, "case_id")?.map(CaseId),
        escalated_at: opt_int(row, "escalated_at")?.map(Timestamp),
        questions: int(row, "questions")?,
    })
}

fn question_from(row: &AnyRow) -> StoreResult<QuestionRow> {
    Ok(QuestionRow {
        session_id: text(row, "session_id")?,
        seq: int(row, "seq")?,
        subject: text(row, "subject")?,
        description: text(row, "description")?,
        topic: text(row, "topic")?,
        answered: flag(row, "answered")?,
        confidence: float(row, "confidence")?,
        answer_json: text(row, "answer")?,
        engine: text(row, "engine")?,
        created_at: Timestamp(int(row, "created_at")?),
    })
}

/// Counts of sessions by feedback and escalation.
const SESSION_COUNTS: &str = "SELECT COUNT(*) AS sessions, \
     COALESCE(SUM(CASE WHEN outcome IS NOT NULL THEN 1 ELSE 0 END), 0) AS with_feedback, \
     COALESCE(SUM(CASE WHEN outcome = 'solved' THEN 1 ELSE 0 END), 0) AS solved, \
     COALESCE(SUM(CASE WHEN outcome = 'rephrase' THEN 1 ELSE 0 END), 0) AS rephrased, \
     COALESCE(SUM(CASE WHEN outcome = 'need_help' THEN 1 ELSE 0 END), 0) AS need_help, \
     COALESCE(SUM(CASE WHEN case_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS escalated \
     FROM assistant_sessions WHERE created_at >= $1 AND created_at < $2";

const QUESTION_COUNTS: &str = "SELECT COUNT(*) AS questions, \
     COALESCE(SUM(CASE WHEN q.answered = FALSE THEN 1 ELSE 0 END), 0) AS unanswered \
     FROM assistant_sessions s JOIN assistant_questions q ON q.session_id = s.id \
     WHERE s.created_at >= $1 AND s.created_at < $2";

/// A question escalated when it is the last of a session that became a
/// case (`seq = questions`).
const GAPS: &str = "SELECT q.topic, MIN(q.subject) AS example, \
     SUM(CASE WHEN q.answered = FALSE THEN 1 ELSE 0 END) AS unanswered, \
     SUM(CASE WHEN s.case_id IS NOT NULL AND q.seq = s.questions THEN 1 ELSE 0 END) AS escalated, \
     COUNT(*) AS n \
     FROM assistant_sessions s JOIN assistant_questions q ON q.session_id = s.id \
     WHERE s.created_at >= $1 AND s.created_at < $2 \
     AND (q.answered = FALSE OR (s.case_id IS NOT NULL AND q.seq = s.questions)) \
     GROUP BY q.topic ORDER BY n DESC, q.topic LIMIT $3";

/// Articles deleted since drop out with the join.
const TOP_ARTICLES: &str = "SELECT a.id, a.slug, a.title, COUNT(*) AS n \
     FROM assistant_sessions s JOIN assistant_references r ON r.session_id = s.id \
     JOIN kb_articles a ON a.id = r.article_id \
     WHERE s.created_at >= $1 AND s.created_at < $2 \
     GROUP BY a.id, a.slug, a.title ORDER BY n DESC, a.id LIMIT $3";

impl Store {
    /// A session as its owner sees it: `None` unless it belongs to this user
    /// in this organization (another user's or organization's session is
    /// simply not found).
    pub async fn assistant_session(
        &self,
        id: &str,
        org: OrgId,
        user: UserId,
    ) -> StoreResult<Option<SessionRow>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM assistant_sessions \
             WHERE id = $1 AND org_id = $2 AND user_id = $3"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(org.0)
            .bind(user.0)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(session_from).transpose()
    }

    /// The latest question of a session already read through
    /// [`Store::assistant_session`].
    pub async fn last_question(&self, session_id: &str) -> StoreResult<Option<QuestionRow>> {
        let row = sqlx::query(
            "SELECT session_id, seq, subject, description, topic, answered, confidence, answer, \
             engine, created_at FROM assistant_questions WHERE session_id = $1 \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(session_id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(question_from).transpose()
    }

    /// Figures over the sessions created in `[from, to)`, aggregated in SQL
    /// from one snapshot: knowledge gaps (at most 20) and the most referenced
    /// articles that still exist (at most 10).
    pub async fn assistant_stats(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<AssistantStats> {
        let mut tx = self.snapshot().await?;
        let s = sqlx::query(SESSION_COUNTS)
            .bind(from.0)
            .bind(to.0)
            .fetch_one(&mut *tx)
            .await?;
        let q = sqlx::query(QUESTION_COUNTS)
            .bind(from.0)
            .bind(to.0)
            .fetch_one(&mut *tx)
            .await?;
        let gaps = sqlx::query(GAPS)
            .bind(from.0)
            .bind(to.0)
            .bind(GAP_LIMIT)
            .fetch_all(&mut *tx)
            .await?;
        let top = sqlx::query(TOP_ARTICLES)
            .bind(from.0)
            .bind(to.0)
            .bind(TOP_ARTICLE_LIMIT)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AssistantStats {
            sessions: int(&s, "sessions")?,
            with_feedback: int(&s, "with_feedback")?,
            solved: int(&s, "solved")?,
            rephrased: int(&s, "rephrased")?,
            need_help: int(&s, "need_help")?,
            escalated: int(&s, "escalated")?,
            questions: int(&q, "questions")?,
            unanswered: int(&q, "unanswered")?,
            gaps: gaps
                .iter()
                .map(|r| {
                    Ok(Gap {
                        topic: text(r, "topic")?,
                        example: text(r, "example")?,
                        unanswered: int(r, "unanswered")?,
                        escalated: int(r, "escalated")?,
                        count: int(r, "n")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            top_articles: top
                .iter()
                .map(|r| {
                    Ok(TopArticle {
                        article_id: int(r, "id")?,
                        slug: text(r, "slug")?,
                        title: text(r, "title")?,
                        references: int(r, "n")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
        })
    }
}

impl Tx {
    /// `Conflict` if the id is taken.
    pub async fn create_session(
        &mut self,
        id: &str,
        org: OrgId,
        user: UserId,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO assistant_sessions (id, org_id, user_id, created_at, updated_at, \
             questions) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(id)
        .bind(org.0)
        .bind(user.0)
        .bind(now.0)
        .bind(now.0)
        .execute(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Appends a question and the articles it referenced (each once, in
    /// order); returns its `seq` (1, 2, …). The session's counter numbers it,
    /// and its row lock orders concurrent questions of one session. Fails
    /// with `RowNotFound` when the session does not exist.
    pub async fn add_question(
        &mut self,
        session_id: &str,
        q: &QuestionInput,
        now: Timestamp,
    ) -> StoreResult<i64> {
        let seq: i64 = sqlx::query_scalar(
            "UPDATE assistant_sessions SET questions = questions + 1, updated_at = $2 \
             WHERE id = $1 RETURNING questions",
        )
        .bind(session_id)
        .bind(now.0)
        .fetch_one(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO assistant_questions (session_id, seq, subject, description, topic, \
             answered, confidence, answer, engine, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(session_id)
        .bind(seq)
        .bind(&q.subject)
        .bind(&q.description)
        .bind(&q.topic)
        .bind(q.answered)
        .bind(q.confidence)
        .bind(&q.answer_json)
        .bind(&q.engine)
        .bind(now.0)
        .execute(self.conn())
        .await?;

        let mut articles: Vec<i64> = Vec::with_capacity(q.referenced.len());
        for id in &q.referenced {
            if !articles.contains(id) {
                articles.push(*id);
            }
        }
        // An answer cites a handful of sections; 500 keeps the statement small anyway.
        for (c, chunk) in articles.chunks(500).enumerate() {
            let mut sql = SqlBuilder::new(
                self.backend,
                "INSERT INTO assistant_references (session_id, seq, rank, article_id) VALUES ",
            );
            for (i, id) in chunk.iter().enumerate() {
                let rank = (c * 500 + i + 1) as i64;
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(Param::Text(session_id.to_owned()))
                    .push(", ")
                    .bind(Param::Int(seq))
                    .push(", ")
                    .bind(Param::Int(rank))
                    .push(", ")
                    .bind(Param::Int(*id))
                    .push(")");
            }
            sql.query().execute(self.conn()).await?;
        }
        Ok(seq)
    }

    /// Records the partner's verdict on the latest answer (`solved`,
    /// `rephrase` or `need_help`; the database refuses anything else).
    pub async fn set_feedback(
        &mut self,
        session_id: &str,
        outcome: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE assistant_sessions SET outcome = $2, feedback_at = $3, updated_at = $4 \
             WHERE id = $1",
        )
        .bind(session_id)
        .bind(outcome)
        .bind(now.0)
        .bind(now.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Marks the session escalated to `case` unless it already was (or does
    /// not exist): `false` then, so one session becomes at most one case.
    pub async fn mark_escalated(
        &mut self,
        session_id: &str,
        case: CaseId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE assistant_sessions SET case_id = $2, escalated_at = $3, updated_at = $4 \
             WHERE id = $1 AND case_id IS NULL",
        )
        .bind(session_id)
        .bind(case.0)
        .bind(now.0)
        .bind(now.0)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
