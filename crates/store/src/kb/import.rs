//! Re-importing a documentation folder: thousands of articles matched by
//! source path in one transaction, with a handful of statements.

use super::{ArticleInput, CHUNK, bind_opt};
use crate::sql::{Param, SqlBuilder, int, opt_text, text};
use crate::{StoreError, StoreResult, Tx};
use frontdesk_domain::Timestamp;
use std::collections::{HashMap, HashSet};

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
    /// Same content hash: left alone, not even re-stamped.
    pub unchanged: usize,
    /// Pruned: imported before, no longer in the folder.
    pub deleted: usize,
}

/// An article already stored, as an import compares it.
#[derive(Debug)]
struct Existing {
    id: i64,
    slug: String,
    source_path: Option<String>,
    content_hash: String,
}

impl Tx {
    /// Upserts imported articles by source path, as one revision. Articles
    /// whose content hash is unchanged are left alone; an existing article
    /// keeps its slug (links to it stay valid); a new one whose slug is taken
    /// gets `-2`, `-3`, …. With `prune`, imported articles (with a source
    /// path) that are not in `batch` are deleted and tombstoned; portal
    /// articles are never pruned. Every entry needs a source path, each
    /// path once (else `Conflict`). Nothing changed: no revision.
    pub async fn import_articles(
        &mut self,
        batch: &[ArticleInput],
        prune: bool,
        now: Timestamp,
    ) -> StoreResult<ImportCounts> {
        let existing = self.existing_articles().await?;
        let by_path: HashMap<&str, &Existing> = existing
            .iter()
            .filter_map(|e| e.source_path.as_deref().map(|p| (p, e)))
            .collect();

        let mut counts = ImportCounts::default();
        let mut paths = HashSet::with_capacity(batch.len());
        let mut updates = Vec::new();
        let mut inserts = Vec::new();
        for a in batch {
            let Some(path) = a.source_path.as_deref() else {
                return Err(StoreError::Corrupt(format!(
                    "imported article {:?} has no source path",
                    a.slug
                )));
            };
            if !paths.insert(path) {
                return Err(StoreError::Conflict(format!(
                    "source path {path:?} appears twice in the import"
                )));
            }
            match by_path.get(path) {
                Some(e) if e.content_hash == a.content_hash => counts.unchanged += 1,
                Some(e) => updates.push((e.id, a)),
                None => inserts.push(a),
            }
        }
        let pruned: Vec<&Existing> = if prune {
            existing
                .iter()
                .filter(|e| e.source_path.as_deref().is_some_and(|p| !paths.contains(p)))
                .collect()
        } else {
            Vec::new()
        };
        if updates.is_empty() && inserts.is_empty() && pruned.is_empty() {
            return Ok(counts);
        }

        let revision = self.kb_stamp().await?;
        // Pruned first, so a moved file's new article may take its old slug.
        let pruned_ids: Vec<i64> = pruned.iter().map(|e| e.id).collect();
        self.delete_articles(&pruned_ids, revision).await?;
        let mut taken: HashSet<String> = existing.iter().map(|e| e.slug.clone()).collect();
        for e in &pruned {
            taken.remove(&e.slug);
        }
        self.update_imported(&updates, revision, now).await?;
        let mut fresh = Vec::with_capacity(inserts.len());
        for a in &inserts {
            let slug = free_slug(&a.slug, &taken);
            taken.insert(slug.clone());
            fresh.push((slug, *a));
        }
        self.insert_imported(&fresh, revision, now).await?;

        counts.created = inserts.len();
        counts.updated = updates.len();
        counts.deleted = pruned.len();
        Ok(counts)
    }

    /// Every stored article's identity and hash, in one query.
    async fn existing_articles(&mut self) -> StoreResult<Vec<Existing>> {
        let rows = sqlx::query("SELECT id, slug, source_path, content_hash FROM kb_articles")
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Existing {
                    id: int(r, "id")?,
                    slug: text(r, "slug")?,
                    source_path: opt_text(r, "source_path")?,
                    content_hash: text(r, "content_hash")?,
                })
            })
            .collect()
    }

    /// Rewrites changed articles, one statement per chunk.
    async fn update_imported(
        &mut self,
        rows: &[(i64, &ArticleInput)],
        revision: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        for chunk in rows.chunks(CHUNK) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "UPDATE kb_articles SET title = v.column2, category = v.column3, \
                 body = v.column4, source_url = v.column5, content_hash = v.column6, updated_at = ",
            );
            sql.bind(Param::Int(now.0))
                .push(", revision = ")
                .bind(Param::Int(revision))
                .push(" FROM (VALUES ");
            for (i, (id, a)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Param::Int(*id)).push(", ");
                sql.bind(Param::Text(a.title.clone())).push(", ");
                sql.bind(Param::Text(a.category.clone())).push(", ");
                sql.bind(Param::Text(a.body.clone())).push(", ");
                bind_opt(&mut sql, a.source_url.as_deref());
                sql.push(", ")
                    .bind(Param::Text(a.content_hash.clone()))
                    .push(")");
            }
            sql.push(") AS v WHERE kb_articles.id = v.column1");
            sql.query()
                .execute(self.conn())
                .await
                .map_err(StoreError::from_write)?;
        }
        Ok(())
    }

    /// Inserts new articles with the slugs chosen for them, one statement
    /// per chunk.
    async fn insert_imported(
        &mut self,
        rows: &[(String, &ArticleInput)],
        revision: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        for chunk in rows.chunks(CHUNK) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "INSERT INTO kb_articles (slug, title, category, body, source_path, source_url, \
                 content_hash, created_at, updated_at, revision) VALUES ",
            );
            for (i, (slug, a)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Param::Text(slug.clone())).push(", ");
                sql.bind(Param::Text(a.title.clone())).push(", ");
                sql.bind(Param::Text(a.category.clone())).push(", ");
                sql.bind(Param::Text(a.body.clone())).push(", ");
                bind_opt(&mut sql, a.source_path.as_deref());
                sql.push(", ");
                bind_opt(&mut sql, a.source_url.as_deref());
                sql.push(", ")
                    .bind(Param::Text(a.content_hash.clone()))
                    .push(", ")
                    .bind(Param::Int(now.0))
                    .push(", ")
                    .bind(Param::Int(now.0))
                    .push(", ")
                    .bind(Param::Int(revision))
                    .push(")");
            }
            sql.query()
                .execute(self.conn())
                .await
                .map_err(StoreError::from_write)?;
        }
        Ok(())
    }
}

/// `wanted`, or the first of `wanted-2`, `wanted-3`, … not taken.
fn free_slug(wanted: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(wanted) {
        return wanted.to_owned();
    }
    let mut n = 2;
    loop {
        let candidate = format!("{wanted}-{n}");
        if !taken.contains(&candidate) {
            return candidate;
        }
        n += 1;
    }
}
