//! Knowledge base routes: everyone signed in reads and searches;
//! administrators write.

use super::json;
use crate::auth::Auth;
use crate::dto::rfc3339;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use frontdesk_app::App;
use frontdesk_app::kb::{ArticleDraft, SearchResult};
use frontdesk_assistant::markdown;
use frontdesk_store::kb::{ArticleRow, ArticleSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticleListParams {
    pub category: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200; 50 by default.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleListItem {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    /// The article's page in the portal.
    pub url: String,
    pub source_url: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub items: Vec<ArticleListItem>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SectionView {
    pub anchor: String,
    pub heading: String,
    pub level: u8,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleView {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    /// The article as written (Markdown).
    pub body: String,
    /// The article as safe HTML: raw HTML in the Markdown is shown as text,
    /// links only to http(s), mailto and relative addresses; headings carry
    /// the anchors AIna links to.
    pub html: String,
    pub sections: Vec<SectionView>,
    pub url: String,
    pub source_path: Option<String>,
    pub source_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleBody {
    pub title: String,
    /// `a-b/c-d`; derived from the title when absent.
    #[serde(default)]
    pub slug: Option<String>,
    pub category: String,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub source_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryCount {
    pub category: String,
    pub articles: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    pub q: String,
    /// 1 to 50; 10 by default.
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub article_id: i64,
    pub slug: String,
    pub title: String,
    /// `/kb/{slug}#{anchor}`: the best section.
    pub url: String,
    pub section: String,
    pub snippet: String,
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reindexed {
    pub articles: usize,
}

fn item(a: ArticleSummary) -> ArticleListItem {
    ArticleListItem {
        url: frontdesk_assistant::section_url(&a.slug, ""),
        id: a.id,
        slug: a.slug,
        title: a.title,
        category: a.category,
        source_url: a.source_url,
        updated_at: rfc3339(a.updated_at),
    }
}

fn view(a: ArticleRow) -> ArticleView {
    let sections = markdown::sections(&a.body)
        .into_iter()
        .filter(|s| !s.anchor.is_empty())
        .map(|s| SectionView {
            url: frontdesk_assistant::section_url(&a.slug, &s.anchor),
            anchor: s.anchor,
            heading: s.heading,
            level: s.level,
        })
        .collect();
    ArticleView {
        html: markdown::to_html(&a.body),
        url: frontdesk_assistant::section_url(&a.slug, ""),
        sections,
        id: a.id,
        slug: a.slug,
        title: a.title,
        category: a.category,
        body: a.body,
        source_path: a.source_path,
        source_url: a.source_url,
        created_at: rfc3339(a.created_at),
        updated_at: rfc3339(a.updated_at),
    }
}

fn draft(b: ArticleBody) -> ArticleDraft {
    ArticleDraft {
        title: b.title,
        slug: b.slug.unwrap_or_default(),
        category: b.category,
        body: b.body,
        source_url: b.source_url,
    }
}

/// An article id from the path; anything else is simply not found.
fn article_id(raw: &str) -> ApiResult<i64> {
    super::path_id(raw, "article")
}

/// Cursors are opaque to clients: hex of the last row's sort key.
fn encode_cursor(a: &ArticleSummary) -> String {
    let key = serde_json::json!([a.category, a.title, a.id]).to_string();
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(raw: &str) -> ApiResult<(String, String, i64)> {
    let bad = || ApiError::bad_request("cursor is not one this API gave out");
    if !raw.len().is_multiple_of(2) || raw.len() > 4096 {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..raw.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(raw.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

/// Lists articles by category and title.
#[utoipa::path(get, path = "/api/v1/kb/articles", params(ArticleListParams),
    responses((status = 200, body = ArticleList), (status = 400, body = Problem)))]
pub async fn list(
    State(app): State<App>,
    Auth(caller): Auth,
    Query(p): Query<ArticleListParams>,
) -> ApiResult<Json<ArticleList>> {
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let after = p.cursor.as_deref().map(decode_cursor).transpose()?;
    let rows = app
        .list_articles(
            &caller,
            p.category.as_deref(),
            after.as_ref().map(|(c, t, i)| (c.as_str(), t.as_str(), *i)),
            limit + 1,
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let mut rows = rows;
    rows.truncate(usize::try_from(limit).unwrap_or(50));
    let next_cursor = if more {
        rows.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Json(ArticleList {
        items: rows.into_iter().map(item).collect(),
        next_cursor,
    }))
}

/// Categories with how many articles each has.
#[utoipa::path(get, path = "/api/v1/kb/categories", responses((status = 200, body = [CategoryCount])))]
pub async fn categories(
    State(app): State<App>,
    Auth(caller): Auth,
) -> ApiResult<Json<Vec<CategoryCount>>> {
    Ok(Json(
        app.article_categories(&caller)
            .await?
            .into_iter()
            .map(|(category, articles)| CategoryCount { category, articles })
            .collect(),
    ))
}

/// One article, as Markdown and as safe HTML with its sections.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ArticleView), (status = 404, body = Problem)))]
pub async fn show(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<ArticleView>> {
    let id = article_id(&raw)?;
    Ok(Json(view(app.article(&caller, id).await?)))
}

/// One article by its slug (what `/kb/{slug}` links carry).
#[utoipa::path(get, path = "/api/v1/kb/by-slug/{slug}", params(("slug" = String, Path)),
    responses((status = 200, body = ArticleView), (status = 404, body = Problem)))]
pub async fn by_slug(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(slug): Path<String>,
) -> ApiResult<Json<ArticleView>> {
    Ok(Json(view(app.article_by_slug(&caller, &slug).await?)))
}

/// Searches the knowledge base by sections; one result per article.
#[utoipa::path(get, path = "/api/v1/kb/search", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 422, body = Problem)))]
pub async fn search(
    State(app): State<App>,
    Auth(caller): Auth,
    Query(p): Query<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let found = app
        .search_articles(&caller, &p.q, p.limit.unwrap_or(10))
        .await?;
    Ok(Json(SearchResults {
        items: found
            .into_iter()
            .map(|r: SearchResult| SearchHit {
                article_id: r.article_id,
                slug: r.slug,
                title: r.title,
                url: r.url,
                section: r.section,
                snippet: r.snippet,
                score: r.score,
            })
            .collect(),
    }))
}

/// Writes a new article (administrators).
#[utoipa::path(post, path = "/api/v1/kb/articles", request_body = ArticleBody,
    responses((status = 201, body = ArticleView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<App>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    caller.admin()?;
    let b: ArticleBody = json(&headers, &body)?;
    let row = app.create_article(&caller, draft(b)).await?;
    Ok((StatusCode::CREATED, Json(view(row))).into_response())
}

/// Replaces an article (administrators).
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", params(("id" = i64, Path)), request_body = ArticleBody,
    responses((status = 200, body = ArticleView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ArticleView>> {
    caller.admin()?;
    let id = article_id(&raw)?;
    let b: ArticleBody = json(&headers, &body)?;
    Ok(Json(view(app.update_article(&caller, id, draft(b)).await?)))
}

/// Deletes an article (administrators).
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    State(app): State<App>,
    Auth(caller): Auth,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    caller.admin()?;
    let id = article_id(&raw)?;
    app.delete_article(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rebuilds the search index from the database (administrators).
#[utoipa::path(post, path = "/api/v1/admin/kb/reindex", responses((status = 200, body = Reindexed)))]
pub async fn reindex(State(app): State<App>, Auth(caller): Auth) -> ApiResult<Json<Reindexed>> {
    caller.admin()?;
    Ok(Json(Reindexed {
        articles: app.rebuild_index().await?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_domain::Timestamp;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let a = ArticleSummary {
            id: 7,
            slug: "s".into(),
            title: "Tïtle \"q\"".into(),
            category: "Cases".into(),
            source_url: None,
            updated_at: Timestamp(0),
        };
        let c = encode_cursor(&a);
        assert_eq!(
            decode_cursor(&c).unwrap(),
            ("Cases".into(), "Tïtle \"q\"".into(), 7)
        );
        for bad in ["zz", "abc", "00", "5b5d"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
