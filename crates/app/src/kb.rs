//! The knowledge base: articles in the database, and the search index that
//! is derived from them and kept in step after every change.

use crate::{App, AppError, AppResult, Caller, FieldError};
use frontdesk_assistant::answer::{Engine, Question};
use frontdesk_assistant::import::ImportedArticle;
use frontdesk_assistant::index::{IndexError, KbIndex};
use frontdesk_assistant::{Article, markdown};
use frontdesk_store::kb::{ArticleInput, ArticleRow, ArticleSummary, ImportCounts};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const MAX_TITLE: usize = 200;
const MAX_CATEGORY: usize = 80;
const MAX_SLUG: usize = 200;
/// Articles are documentation pages, not archives.
const MAX_BODY: usize = 512 * 1024;

/// The knowledge base's search side, shared by the web and the workers.
#[derive(Debug)]
pub struct Kb {
    pub engine: Engine,
    /// Serializes index updates in this process.
    syncing: tokio::sync::Mutex<()>,
}

impl Kb {
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            syncing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn index(&self) -> &Arc<KbIndex> {
        &self.engine.index
    }
}

/// An article as written in the portal or the API.
#[derive(Debug, Clone, Default)]
pub struct ArticleDraft {
    pub title: String,
    /// Derived from the title when empty.
    pub slug: String,
    pub category: String,
    pub body: String,
    pub source_url: Option<String>,
}

/// A search result: an article at its best section.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub article_id: i64,
    pub slug: String,
    pub title: String,
    pub url: String,
    pub section: String,
    pub snippet: String,
    pub score: f32,
}

impl App {
    /// Articles, browsable by category; any signed-in user.
    pub async fn list_articles(
        &self,
        _caller: &Caller,
        category: Option<&str>,
        after: Option<(&str, &str, i64)>,
        limit: i64,
    ) -> AppResult<Vec<ArticleSummary>> {
        Ok(self
            .store
            .list_articles(category, after, limit.clamp(1, 200))
            .await?)
    }

    pub async fn article_categories(&self, _caller: &Caller) -> AppResult<Vec<(String, i64)>> {
        Ok(self.store.article_categories().await?)
    }

    pub async fn article(&self, _caller: &Caller, id: i64) -> AppResult<ArticleRow> {
        self.store
            .article(id)
            .await?
            .ok_or(AppError::NotFound("article"))
    }

    pub async fn article_by_slug(&self, _caller: &Caller, slug: &str) -> AppResult<ArticleRow> {
        self.store
            .article_by_slug(slug)
            .await?
            .ok_or(AppError::NotFound("article"))
    }

    /// Full-text search over sections; one result per article.
    pub async fn search_articles(
        &self,
        _caller: &Caller,
        query: &str,
        limit: usize,
    ) -> AppResult<Vec<SearchResult>> {
        let query = query.trim();
        if query.is_empty() {
            return Err(AppError::invalid("q", "must not be empty"));
        }
        if query.chars().count() > 1000 {
            return Err(AppError::invalid("q", "at most 1000 characters"));
        }
        let index = self.kb.index().clone();
        let question = Question {
            subject: query.to_owned(),
            description: String::new(),
        };
        let limit = limit.clamp(1, 50);
        let retrieval = tokio::task::spawn_blocking(move || index.search(&question, limit))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(index_error)?;
        Ok(retrieval
            .articles
            .into_iter()
            .filter_map(|a| {
                let hit = a.sections.into_iter().next()?;
                Some(SearchResult {
                    article_id: hit.article_id,
                    url: frontdesk_assistant::section_url(&hit.slug, &hit.anchor),
                    section: if hit.heading.is_empty() {
                        hit.title.clone()
                    } else {
                        hit.heading.clone()
                    },
                    snippet: frontdesk_assistant::answer::clip(
                        markdown::sentences(&hit.text)
                            .first()
                            .map_or("", |s| s.as_ref()),
                        220,
                    ),
                    slug: hit.slug,
                    title: hit.title,
                    score: a.score,
                })
            })
            .collect())
    }

    pub async fn create_article(
        &self,
        caller: &Caller,
        draft: ArticleDraft,
    ) -> AppResult<ArticleRow> {
        caller.admin()?;
        let input = validate(draft)?;
        let mut tx = self.store.begin().await?;
        let row = tx
            .insert_article(&input, self.now())
            .await
            .map_err(slug_taken)?;
        tx.commit().await?;
        self.sync_index_quietly().await;
        Ok(row)
    }

    pub async fn update_article(
        &self,
        caller: &Caller,
        id: i64,
        draft: ArticleDraft,
    ) -> AppResult<ArticleRow> {
        caller.admin()?;
        let existing = self
            .store
            .article(id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        let mut input = validate(draft)?;
        // An imported article keeps its origin, so re-import still finds it.
        input.source_path = existing.source_path;
        let mut tx = self.store.begin().await?;
        let row = tx
            .update_article(id, &input, self.now())
            .await
            .map_err(slug_taken)?
            .ok_or(AppError::NotFound("article"))?;
        tx.commit().await?;
        self.sync_index_quietly().await;
        Ok(row)
    }

    pub async fn delete_article(&self, caller: &Caller, id: i64) -> AppResult<()> {
        caller.admin()?;
        let mut tx = self.store.begin().await?;
        if !tx.delete_article(id).await? {
            return Err(AppError::NotFound("article"));
        }
        tx.commit().await?;
        self.sync_index_quietly().await;
        Ok(())
    }

    /// Stores imported articles (matched by source path; unchanged ones are
    /// left alone), optionally deleting imported articles not in `articles`,
    /// then brings the index up to date.
    pub async fn import_articles(
        &self,
        articles: &[ImportedArticle],
        prune: bool,
    ) -> AppResult<ImportCounts> {
        let batch: Vec<ArticleInput> = articles
            .iter()
            .map(|a| {
                input_of(
                    a.slug.clone(),
                    a.title.clone(),
                    a.category.clone(),
                    a.body.clone(),
                    Some(a.source_path.clone()),
                    a.source_url.clone(),
                )
            })
            .collect();
        let mut tx = self.store.begin().await?;
        let counts = tx.import_articles(&batch, prune, self.now()).await?;
        tx.commit().await?;
        self.sync_index_quietly().await;
        Ok(counts)
    }

    /// Applies article changes the index has not seen (made here, by
    /// another process, or before a restart). Returns how many articles
    /// were re-indexed or removed.
    pub async fn sync_index(&self) -> AppResult<usize> {
        let _one = self.kb.syncing.lock().await;
        let index = self.kb.index().clone();
        // Another process sharing the data directory (`frontdesk kb import`
        // next to a running server) may have committed to the index itself.
        index.refresh().map_err(index_error)?;
        let have = index.revision();
        let current = self.store.kb_revision().await?;
        if have == current {
            return Ok(0);
        }
        // An index ahead of the database belongs to another database: start over.
        let since = if have > current { 0 } else { have };
        let changes = self.store.kb_changes_since(since).await?;
        let changed: Vec<Article> = changes.changed.into_iter().map(article_of).collect();
        let n = changed.len() + changes.deleted.len();
        let revision = changes.revision;
        let deleted = changes.deleted;
        tokio::task::spawn_blocking(move || {
            if since == 0 {
                index.rebuild(&changed, revision)
            } else {
                index.apply(&changed, &deleted, revision)
            }
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(index_error)?;
        tracing::info!(articles = n, revision, "search index updated");
        Ok(n)
    }

    /// Rebuilds the index from the database.
    pub async fn rebuild_index(&self) -> AppResult<usize> {
        let _one = self.kb.syncing.lock().await;
        let index = self.kb.index().clone();
        let changes = self.store.kb_changes_since(0).await?;
        let articles: Vec<Article> = changes.changed.into_iter().map(article_of).collect();
        let n = articles.len();
        let revision = changes.revision;
        tokio::task::spawn_blocking(move || index.rebuild(&articles, revision))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(index_error)?;
        Ok(n)
    }

    /// After a committed change the index follows at once; if it cannot
    /// (another process is writing it), the workers catch up shortly.
    async fn sync_index_quietly(&self) {
        if let Err(e) = self.sync_index().await {
            tracing::warn!(error = %e, "search index not updated yet; the workers will retry");
        }
    }
}

fn article_of(row: ArticleRow) -> Article {
    Article {
        id: row.id,
        slug: row.slug,
        title: row.title,
        category: row.category,
        body: row.body,
        source_path: row.source_path,
        source_url: row.source_url,
        updated_at: row.updated_at.0,
    }
}

fn index_error(e: IndexError) -> AppError {
    match e {
        IndexError::Busy => AppError::Unavailable(e.to_string()),
        other => AppError::Internal(other.to_string()),
    }
}

fn slug_taken(e: frontdesk_store::StoreError) -> AppError {
    match e {
        frontdesk_store::StoreError::Conflict(_) => {
            AppError::Conflict("an article with this slug already exists".into())
        }
        other => other.into(),
    }
}

fn input_of(
    slug: String,
    title: String,
    category: String,
    body: String,
    source_path: Option<String>,
    source_url: Option<String>,
) -> ArticleInput {
    let mut h = Sha256::new();
    for part in [
        &title,
        &category,
        &body,
        source_url.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let content_hash = h
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    ArticleInput {
        slug,
        title,
        category,
        body,
        source_path,
        source_url,
        content_hash,
    }
}

/// Checks an article field by field.
fn validate(d: ArticleDraft) -> AppResult<ArticleInput> {
    let mut errors = Vec::new();
    let title = d.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new(
            "title",
            format!("1 to {MAX_TITLE} characters"),
        ));
    }
    if title.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "title",
            "must not contain control characters",
        ));
    }
    let category = d.category.trim().to_owned();
    if category.is_empty() || category.chars().count() > MAX_CATEGORY {
        errors.push(FieldError::new(
            "category",
            format!("1 to {MAX_CATEGORY} characters"),
        ));
    }
    if category.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "category",
            "must not contain control characters",
        ));
    }
    let slug = if d.slug.trim().is_empty() {
        frontdesk_assistant::import::slug_for(&title)
    } else {
        d.slug.trim().to_owned()
    };
    if !is_valid_slug(&slug) {
        errors.push(FieldError::new(
            "slug",
            "lower-case letters, digits and '-', segments separated by '/'",
        ));
    } else if slug == RESERVED_SLUG {
        // `/kb/search` is the help center's search page.
        errors.push(FieldError::new(
            "slug",
            "\"search\" is the address of the help center's search; choose another",
        ));
    }
    if d.body.len() > MAX_BODY {
        errors.push(FieldError::new(
            "body",
            format!("at most {} kB", MAX_BODY / 1024),
        ));
    }
    if d.body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::new(
            "body",
            "must not contain control characters",
        ));
    }
    let source_url = d
        .source_url
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    if let Some(u) = &source_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        errors.push(FieldError::new("source_url", "must be an http(s) URL"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(input_of(slug, title, category, d.body, None, source_url))
}

/// `a-b/c-d`: what `/kb/{slug}` accepts.
/// The one slug the help center's own pages use.
const RESERVED_SLUG: &str = "search";

pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && slug.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('-')
                && !seg.ends_with('-')
                && !seg.contains("--")
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_page_slug_is_reserved() {
        let draft = |title: &str, slug: &str| ArticleDraft {
            title: title.into(),
            slug: slug.into(),
            category: "Help".into(),
            body: "Text.".into(),
            source_url: None,
        };
        for d in [draft("Search", ""), draft("Finding things", "search")] {
            match validate(d) {
                Err(AppError::Invalid(errors)) => assert_eq!(errors[0].field, "slug"),
                other => panic!("accepted a reserved slug: {other:?}"),
            }
        }
        assert!(validate(draft("Search tips", "")).is_ok());
        assert!(validate(draft("Search", "help/search")).is_ok());
    }

    #[test]
    fn slugs() {
        assert!(is_valid_slug("cases/how-statuses-work"));
        assert!(is_valid_slug("a1"));
        for bad in [
            "", "A", "a//b", "-a", "a-", "a--b", "a b", "a/", "../x", "a_b",
        ] {
            assert!(!is_valid_slug(bad), "{bad:?}");
        }
    }

    #[test]
    fn articles_are_checked_field_by_field() {
        let Err(AppError::Invalid(errors)) = validate(ArticleDraft {
            title: String::new(),
            slug: "Bad Slug".into(),
            category: "x".repeat(100),
            body: "a\u{0}b".into(),
            source_url: Some("javascript:alert(1)".into()),
        }) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "category", "slug", "body", "source_url"]);
    }

    #[test]
    fn the_slug_comes_from_the_title_when_missing() {
        let a = validate(ArticleDraft {
            title: "How case statuses work".into(),
            category: "Cases".into(),
            body: "Text".into(),
            ..ArticleDraft::default()
        })
        .unwrap();
        assert_eq!(a.slug, "how-case-statuses-work");
        assert_eq!(a.content_hash.len(), 64);
    }
}
