//! The knowledge base: articles, and the change counter the search index
//! follows.
//!
//! Every transaction that changes articles bumps `kb_state.revision` once
//! and stamps the articles it wrote, and the tombstones of those it deleted,
//! with the new value. The bump holds the counter's row until commit
//! (PostgreSQL; SQLite has one writer anyway), so revisions become visible
//! in order and "changes after N" never skips a transaction.

mod import;

pub use import::ImportCounts;

use crate::sql::{Param, SqlBuilder, int, opt_text, text};
use crate::{Store, StoreError, StoreResult, Tx};
use frontdesk_domain::Timestamp;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// An article as written in the portal or found by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInput {
    pub slug: String,
    pub title: String,
    pub category: String,
    /// Markdown.
    pub body: String,
    /// Relative path of an imported file; `None` for portal articles.
    pub source_path: Option<String>,
    pub source_url: Option<String>,
    /// The caller's digest of title, category, body and URL, so a re-import
    /// can tell an unchanged article.
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub body: String,
    pub source_path: Option<String>,
    pub source_url: Option<String>,
    pub content_hash: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The knowledge-base revision that last changed it.
    pub revision: i64,
}

/// A listing row: everything but the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub source_url: Option<String>,
    pub updated_at: Timestamp,
}

/// What changed after a revision, and the revision it brings the caller to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KbChanges {
    pub revision: i64,
    /// Articles written after the revision asked about, by id.
    pub changed: Vec<ArticleRow>,
    /// Ids of articles deleted after it.
    pub deleted: Vec<i64>,
}

/// Rows per multi-row statement: at 10 parameters a row, far below SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters.
const CHUNK: usize = 500;

const ARTICLE_COLUMNS: &str = "id, slug, title, category, body, source_path, source_url, \
     content_hash, created_at, updated_at, revision";

fn article_from(row: &AnyRow) -> StoreResult<ArticleRow> {
    Ok(ArticleRow {
        id: int(row, "id")?,
        slug: text(row, "slug")?,
        title: text(row, "title")?,
        category: text(row, "category")?,
        body: text(row, "body")?,
        source_path: opt_text(row, "source_path")?,
        source_url: opt_text(row, "source_url")?,
        content_hash: text(row, "content_hash")?,
        created_at: Timestamp(int(row, "created_at")?),
        updated_at: Timestamp(int(row, "updated_at")?),
        revision: int(row, "revision")?,
    })
}

fn summary_from(row: &AnyRow) -> StoreResult<ArticleSummary> {
    Ok(ArticleSummary {
        id: int(row, "id")?,
        slug: text(row, "slug")?,
        title: text(row, "title")?,
        category: text(row, "category")?,
        source_url: opt_text(row, "source_url")?,
        updated_at: Timestamp(int(row, "updated_at")?),
    })
}

/// Binds an optional text as a parameter or a NULL literal.
fn bind_opt(sql: &mut SqlBuilder, value: Option<&str>) {
    match value {
        Some(v) => sql.bind(Param::Text(v.to_owned())),
        None => sql.push("NULL"),
    };
}

impl Store {
    pub async fn kb_revision(&self) -> StoreResult<i64> {
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM kb_state WHERE id = 1")
            .fetch_one(&self.read)
            .await?;
        Ok(revision)
    }

    /// Articles changed and deleted after `since` (everything when 0), with
    /// the revision they bring the caller to. Read from one snapshot, so
    /// the rows are exactly those of the revision returned.
    pub async fn kb_changes_since(&self, since: i64) -> StoreResult<KbChanges> {
        let mut tx = self.snapshot().await?;
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM kb_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        // `<= revision` is redundant under the snapshot, and says what it means.
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE revision > $1 AND revision <= $2 \
             ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(since)
            .bind(revision)
            .fetch_all(&mut *tx)
            .await?;
        let deleted: Vec<i64> = sqlx::query_scalar(
            "SELECT article_id FROM kb_tombstones WHERE revision > $1 AND revision <= $2 \
             ORDER BY article_id",
        )
        .bind(since)
        .bind(revision)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(KbChanges {
            revision,
            changed: rows.iter().map(article_from).collect::<StoreResult<_>>()?,
            deleted,
        })
    }

    pub async fn article(&self, id: i64) -> StoreResult<Option<ArticleRow>> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(article_from).transpose()
    }

    pub async fn article_by_slug(&self, slug: &str) -> StoreResult<Option<ArticleRow>> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE slug = $1");
        let row = sqlx::query(&sql)
            .bind(slug)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(article_from).transpose()
    }

    /// The articles among `ids` that exist, in the order of `ids` (search
    /// results arrive ranked), each once.
    pub async fn articles_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<ArticleRow>> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let mut sql = SqlBuilder::new(
                self.backend,
                &format!("SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE id IN ("),
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Int(*id));
            }
            sql.push(")");
            for row in sql.query().fetch_all(&self.read).await? {
                let a = article_from(&row)?;
                found.insert(a.id, a);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// Keyset-paginated by (category, title, id), optionally within one
    /// category; `after` is the last row of the previous page.
    pub async fn list_articles(
        &self,
        category: Option<&str>,
        after: Option<(&str, &str, i64)>,
        limit: i64,
    ) -> StoreResult<Vec<ArticleSummary>> {
        let mut sql = SqlBuilder::new(
            self.backend,
            "SELECT id, slug, title, category, source_url, updated_at FROM kb_articles WHERE 1 = 1",
        );
        if let Some(c) = category {
            sql.push(" AND category = ").bind(Param::Text(c.to_owned()));
        }
        if let Some((c, t, id)) = after {
            sql.push(" AND (category, title, id) > (")
                .bind(Param::Text(c.to_owned()))
                .push(", ")
                .bind(Param::Text(t.to_owned()))
                .push(", ")
                .bind(Param::Int(id))
                .push(")");
        }
        sql.push(" ORDER BY category, title, id LIMIT ")
            .bind(Param::Int(limit.clamp(1, 500)));
        let rows = sql.query().fetch_all(&self.read).await?;
        rows.iter().map(summary_from).collect()
    }

    /// Categories with their number of articles, by name.
    pub async fn article_categories(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT category, COUNT(*) AS n FROM kb_articles GROUP BY category ORDER BY category",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((text(r, "category")?, int(r, "n")?)))
            .collect()
    }

    /// (id, source path, slug) of every article, by id; the path is empty
    /// for articles written in the portal. For evaluation files and imports
    /// that name articles by where they came from.
    pub async fn article_source_paths(&self) -> StoreResult<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT id, COALESCE(source_path, '') AS source_path, slug FROM kb_articles ORDER BY id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((int(r, "id")?, text(r, "source_path")?, text(r, "slug")?)))
            .collect()
    }
}

impl Tx {
    /// The revision this transaction stamps article changes with: the first
    /// call bumps the counter (holding its row until commit on PostgreSQL),
    /// later calls reuse it, so a transaction is one revision. Every writer
    /// takes this lock before any article row, so writers never deadlock.
    async fn kb_stamp(&mut self) -> StoreResult<i64> {
        if let Some(revision) = self.kb_revision {
            return Ok(revision);
        }
        let revision: i64 = sqlx::query_scalar(
            "UPDATE kb_state SET revision = revision + 1 WHERE id = 1 RETURNING revision",
        )
        .fetch_one(self.conn())
        .await?;
        self.kb_revision = Some(revision);
        Ok(revision)
    }

    async fn article_exists(&mut self, id: i64) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM kb_articles WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        Ok(found.is_some())
    }

    /// `Conflict` when the slug or source path is taken.
    pub async fn insert_article(
        &mut self,
        a: &ArticleInput,
        now: Timestamp,
    ) -> StoreResult<ArticleRow> {
        let revision = self.kb_stamp().await?;
        let sql = format!(
            "INSERT INTO kb_articles (slug, title, category, body, source_path, source_url, \
             content_hash, created_at, updated_at, revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {ARTICLE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(&a.slug)
            .bind(&a.title)
            .bind(&a.category)
            .bind(&a.body)
            .bind(a.source_path.as_deref())
            .bind(a.source_url.as_deref())
            .bind(&a.content_hash)
            .bind(now.0)
            .bind(now.0)
            .bind(revision)
            .fetch_one(self.conn())
            .await
            .map_err(StoreError::from_write)?;
        article_from(&row)
    }

    /// Replaces every field of an article (the source path too); `None` if
    /// it does not exist, `Conflict` when the slug or source path is taken.
    pub async fn update_article(
        &mut self,
        id: i64,
        a: &ArticleInput,
        now: Timestamp,
    ) -> StoreResult<Option<ArticleRow>> {
        // Checked first so that a missing article costs no revision.
        if !self.article_exists(id).await? {
            return Ok(None);
        }
        let revision = self.kb_stamp().await?;
        let sql = format!(
            "UPDATE kb_articles SET slug = $2, title = $3, category = $4, body = $5, \
             source_path = $6, source_url = $7, content_hash = $8, updated_at = $9, \
             revision = $10 WHERE id = $1 RETURNING {ARTICLE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(&a.slug)
            .bind(&a.title)
            .bind(&a.category)
            .bind(&a.body)
            .bind(a.source_path.as_deref())
            .bind(a.source_url.as_deref())
            .bind(&a.content_hash)
            .bind(now.0)
            .bind(revision)
            .fetch_optional(self.conn())
            .await
            .map_err(StoreError::from_write)?;
        row.as_ref().map(article_from).transpose()
    }

    /// Deletes an article and leaves a tombstone for the index; `false` if
    /// it did not exist.
    pub async fn delete_article(&mut self, id: i64) -> StoreResult<bool> {
        if !self.article_exists(id).await? {
            return Ok(false);
        }
        let revision = self.kb_stamp().await?;
        let deleted = self.delete_articles(&[id], revision).await?;
        Ok(deleted == 1)
    }

    /// Deletes articles by id and tombstones them with `revision`; returns
    /// how many existed.
    async fn delete_articles(&mut self, ids: &[i64], revision: i64) -> StoreResult<u64> {
        let mut deleted = 0;
        for chunk in ids.chunks(CHUNK) {
            let mut sql = SqlBuilder::new(self.backend, "DELETE FROM kb_articles WHERE id IN (");
            let mut stones = SqlBuilder::new(
                self.backend,
                "INSERT INTO kb_tombstones (article_id, revision) VALUES ",
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                    stones.push(", ");
                }
                sql.bind(Param::Int(*id));
                stones
                    .push("(")
                    .bind(Param::Int(*id))
                    .push(", ")
                    .bind(Param::Int(revision))
                    .push(")");
            }
            sql.push(")");
            stones.push(" ON CONFLICT (article_id) DO UPDATE SET revision = excluded.revision");
            deleted += sql.query().execute(self.conn()).await?.rows_affected();
            stones.query().execute(self.conn()).await?;
        }
        Ok(deleted)
    }
}
