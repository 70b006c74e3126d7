//! The help center (browse by category, search, article pages whose
//! heading ids are the anchors AIna links to) and the administrators'
//! article editor with a Markdown preview.

use super::error::{PageError, PageResult, render};
use super::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use super::view;
use crate::api::path_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use frontdesk_app::kb::{ArticleDraft, is_valid_slug};
use frontdesk_app::{App, AppError, FieldError};
use frontdesk_assistant::markdown;
use frontdesk_store::kb::{ArticleRow, ArticleSummary};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/kb", get(browse))
        .route("/kb/search", get(search))
        .route("/kb/{*slug}", get(article))
        .route("/admin/kb", get(admin_list))
        .route("/admin/kb/new", get(new_form).post(create))
        .route("/admin/kb/preview", post(preview))
        .route("/admin/kb/{id}/edit", get(edit_form).post(update))
        .route("/admin/kb/{id}/delete", post(delete))
}

/// Articles per page of a category.
const PAGE: i64 = 50;
/// Articles shown per category on the help center's front page.
const PER_CATEGORY: i64 = 6;
/// Search results on one page.
const RESULTS: usize = 20;

/// An article in a list.
#[derive(Debug)]
pub struct Item {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub updated: String,
    pub updated_iso: String,
}

fn item(a: ArticleSummary) -> Item {
    Item {
        updated: view::when(a.updated_at),
        updated_iso: view::iso(a.updated_at),
        id: a.id,
        slug: a.slug,
        title: a.title,
        category: a.category,
    }
}

/// The help center's address for one category.
fn category_url(category: &str) -> String {
    format!("/kb{}", view::query(&[("category", category)]))
}

// ----- browse ---------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct BrowseQuery {
    #[serde(default)]
    category: String,
    /// The title and id of the last article of the previous page.
    #[serde(default)]
    after_title: String,
    #[serde(default)]
    after: String,
}

/// A category with its article count and the articles shown for it.
#[derive(Debug)]
struct Group {
    name: String,
    count: i64,
    url: String,
    items: Vec<Item>,
}

#[derive(Template)]
#[template(path = "kb.html")]
struct BrowsePage {
    chrome: Chrome,
    categories: Vec<Group>,
    /// The chosen category ("" for the overview).
    category: String,
    /// The chosen category's articles, or on the overview each category's first ones.
    groups: Vec<Group>,
    next: String,
    paged: bool,
}

async fn browse(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<BrowseQuery>,
) -> PageResult<Response> {
    let caller = &portal.caller;
    let categories: Vec<Group> = app
        .article_categories(caller)
        .await?
        .into_iter()
        .map(|(name, count)| Group {
            url: category_url(&name),
            name,
            count,
            items: Vec::new(),
        })
        .collect();
    let mut groups = Vec::new();
    let mut next = String::new();
    let category = q.category.trim().to_owned();
    if category.is_empty() {
        for c in &categories {
            let items = app
                .list_articles(caller, Some(&c.name), None, PER_CATEGORY)
                .await?;
            groups.push(Group {
                name: c.name.clone(),
                count: c.count,
                url: c.url.clone(),
                items: items.into_iter().map(item).collect(),
            });
        }
    } else {
        let after_id = q.after.parse::<i64>().ok();
        let after = after_id.map(|id| (category.as_str(), q.after_title.as_str(), id));
        let mut rows = app
            .list_articles(caller, Some(&category), after, PAGE + 1)
            .await?;
        if rows.len() as i64 > PAGE {
            rows.truncate(usize::try_from(PAGE).unwrap_or(50));
            if let Some(last) = rows.last() {
                next = format!(
                    "/kb{}",
                    view::query(&[
                        ("category", &category),
                        ("after_title", &last.title),
                        ("after", &last.id.to_string()),
                    ])
                );
            }
        }
        let count = categories
            .iter()
            .find(|c| c.name == category)
            .map_or(0, |c| c.count);
        groups.push(Group {
            url: category_url(&category),
            name: category.clone(),
            count,
            items: rows.into_iter().map(item).collect(),
        });
    }
    let page = BrowsePage {
        chrome: portal.chrome.with_nav("kb"),
        categories,
        paged: !q.after.is_empty(),
        category,
        groups,
        next,
    };
    render(&page)
}

// ----- search ---------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug)]
struct Hit {
    title: String,
    category: String,
    category_url: String,
    url: String,
    section: String,
    snippet: String,
}

#[derive(Template)]
#[template(path = "kb_search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    hits: Vec<Hit>,
    error: String,
}

async fn search(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<SearchQuery>,
) -> PageResult<Response> {
    let mut hits = Vec::new();
    let mut error = String::new();
    if !q.q.trim().is_empty() {
        match app.search_articles(&portal.caller, &q.q, RESULTS).await {
            Ok(found) => {
                for r in found {
                    // The category is not in the index; an article deleted
                    // since the index was written is simply left out.
                    let Ok(row) = app.article(&portal.caller, r.article_id).await else {
                        continue;
                    };
                    hits.push(Hit {
                        category_url: category_url(&row.category),
                        category: row.category,
                        title: r.title,
                        url: r.url,
                        section: r.section,
                        snippet: r.snippet,
                    });
                }
            }
            Err(AppError::Invalid(errors)) => {
                error = errors
                    .iter()
                    .map(|e| match e.field.as_str() {
                        "q" => format!("The search text {}.", e.message),
                        _ => format!("{}: {}", e.field, e.message),
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            Err(AppError::Unavailable(_)) => {
                error = "Search is being updated; try again in a moment.".into();
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = SearchPage {
        chrome: portal.chrome.with_nav("kb"),
        q: q.q,
        hits,
        error,
    };
    render(&page)
}

// ----- article --------------------------------------------------------------

/// An entry of an article's table of contents.
#[derive(Debug)]
struct TocEntry {
    anchor: String,
    heading: String,
    /// 1 for the article's top headings, deeper ones more.
    depth: u8,
}

#[derive(Template)]
#[template(path = "kb_article.html")]
struct ArticlePage {
    chrome: Chrome,
    id: i64,
    title: String,
    category: String,
    category_url: String,
    updated: String,
    updated_iso: String,
    source_url: String,
    toc: Vec<TocEntry>,
    /// Produced by the sanitizing renderer: raw HTML is text, unsafe URLs dropped.
    html: String,
}

/// The table of contents: the headings with their anchors, indented
/// relative to the article's top heading level.
fn toc(body: &str) -> Vec<TocEntry> {
    let sections: Vec<markdown::Section> = markdown::sections(body)
        .into_iter()
        .filter(|s| s.level > 0 && !s.anchor.is_empty())
        .collect();
    let top = sections.iter().map(|s| s.level).min().unwrap_or(1);
    sections
        .into_iter()
        .map(|s| TocEntry {
            depth: s.level.saturating_sub(top).saturating_add(1).min(3),
            anchor: s.anchor,
            heading: s.heading,
        })
        .collect()
}

async fn article(
    State(app): State<App>,
    portal: Portal,
    Path(slug): Path<String>,
) -> PageResult<Response> {
    let slug = slug.trim_end_matches('/');
    if !is_valid_slug(slug) {
        return Err(PageError::not_found("article"));
    }
    let row = app.article_by_slug(&portal.caller, slug).await?;
    let page = ArticlePage {
        chrome: portal.chrome.with_nav("kb"),
        id: row.id,
        category_url: category_url(&row.category),
        updated: view::when(row.updated_at),
        updated_iso: view::iso(row.updated_at),
        source_url: row
            .source_url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .unwrap_or_default(),
        toc: toc(&row.body),
        html: markdown::to_html(&row.body),
        title: row.title,
        category: row.category,
    };
    render(&page)
}

// ----- the editor -----------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct AdminQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
}

#[derive(Template)]
#[template(path = "kb_admin.html")]
struct AdminPage {
    chrome: Chrome,
    q: String,
    category: String,
    categories: Vec<(String, i64)>,
    items: Vec<Item>,
    total: usize,
    truncated: bool,
}

/// At most this many articles are listed in the editor at once.
const ADMIN_LIST_MAX: usize = 1000;

async fn admin_list(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<AdminQuery>,
) -> PageResult<Response> {
    let caller = &portal.caller;
    caller.admin()?;
    let categories = app.article_categories(caller).await?;
    let category = q.category.trim();
    let category = (!category.is_empty()).then_some(category);
    // Everything (in pages of 200), filtered here by the words given.
    let mut all: Vec<ArticleSummary> = Vec::new();
    loop {
        let after = all
            .last()
            .map(|a| (a.category.as_str(), a.title.as_str(), a.id));
        let batch = app.list_articles(caller, category, after, 200).await?;
        let done = batch.len() < 200;
        all.extend(batch);
        if done || all.len() >= ADMIN_LIST_MAX * 5 {
            break;
        }
    }
    let words: Vec<String> = q.q.split_whitespace().map(str::to_lowercase).collect();
    let matching: Vec<ArticleSummary> = all
        .into_iter()
        .filter(|a| {
            let hay = format!("{} {}", a.title, a.slug).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect();
    let total = matching.len();
    let page = AdminPage {
        chrome: portal.chrome.with_nav("admin"),
        q: q.q.clone(),
        category: q.category.clone(),
        categories,
        truncated: total > ADMIN_LIST_MAX,
        items: matching
            .into_iter()
            .take(ADMIN_LIST_MAX)
            .map(item)
            .collect(),
        total,
    };
    render(&page)
}

/// The editor's fields as posted (and shown again).
#[derive(Debug, Default, Deserialize)]
struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    source_url: String,
    /// "preview" shows the rendered Markdown; anything else saves.
    #[serde(default)]
    action: String,
}

impl ArticleForm {
    fn of(row: &ArticleRow) -> Self {
        Self {
            title: row.title.clone(),
            slug: row.slug.clone(),
            category: row.category.clone(),
            body: row.body.clone(),
            source_url: row.source_url.clone().unwrap_or_default(),
            action: String::new(),
        }
    }

    fn draft(&self) -> ArticleDraft {
        ArticleDraft {
            title: self.title.clone(),
            slug: self.slug.clone(),
            category: self.category.clone(),
            body: self.body.clone(),
            source_url: Some(self.source_url.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "kb_edit.html")]
struct EditorPage {
    chrome: Chrome,
    /// The article being edited; `None` for a new one.
    id: Option<i64>,
    /// Its saved slug (for "View article").
    saved_slug: String,
    form: ArticleForm,
    errors: Vec<FieldError>,
    /// A problem not tied to one field.
    problem: String,
    categories: Vec<String>,
    /// The rendered (sanitized) preview when asked for.
    preview: Option<String>,
}

impl EditorPage {
    fn action(&self) -> String {
        self.id.map_or_else(
            || "/admin/kb/new".to_owned(),
            |id| format!("/admin/kb/{id}/edit"),
        )
    }

    /// The message for one field, "" when it is fine.
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

/// The sanitized preview of a body.
fn rendered(body: &str) -> String {
    markdown::to_html(body)
}

async fn editor(
    app: &App,
    portal: Portal,
    id: Option<i64>,
    saved_slug: String,
    form: ArticleForm,
) -> PageResult<EditorPage> {
    let categories = app
        .article_categories(&portal.caller)
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    Ok(EditorPage {
        chrome: portal.chrome.with_nav("admin"),
        id,
        saved_slug,
        form,
        errors: Vec::new(),
        problem: String::new(),
        categories,
        preview: None,
    })
}

async fn new_form(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    portal.caller.admin()?;
    let page = editor(&app, portal, None, String::new(), ArticleForm::default()).await?;
    render(&page)
}

async fn edit_form(
    State(app): State<App>,
    portal: Portal,
    Path(raw): Path<String>,
) -> PageResult<Response> {
    portal.caller.admin()?;
    let id = path_id(&raw, "article").map_err(|_| PageError::not_found("article"))?;
    let row = app.article(&portal.caller, id).await?;
    let page = editor(
        &app,
        portal,
        Some(id),
        row.slug.clone(),
        ArticleForm::of(&row),
    )
    .await?;
    render(&page)
}

/// Saves (or previews) the editor's form; field errors show the form again
/// with everything typed kept.
async fn save(
    app: &App,
    portal: Portal,
    id: Option<i64>,
    form: ArticleForm,
) -> PageResult<Response> {
    portal.caller.admin()?;
    let saved_slug = match id {
        Some(id) => app.article(&portal.caller, id).await?.slug,
        None => String::new(),
    };
    if form.action == "preview" {
        let preview = Some(rendered(&form.body));
        let mut page = editor(app, portal, id, saved_slug, form).await?;
        page.preview = preview;
        return render(&page);
    }
    let result = match id {
        Some(id) => app.update_article(&portal.caller, id, form.draft()).await,
        None => app.create_article(&portal.caller, form.draft()).await,
    };
    let (errors, problem) = match result {
        Ok(row) => {
            let notice = if id.is_some() {
                format!("“{}” is saved.", row.title)
            } else {
                format!("“{}” is published in the help center.", row.title)
            };
            return Ok(redirect_with_notice(
                &frontdesk_assistant::section_url(&row.slug, ""),
                &notice,
            ));
        }
        Err(AppError::Invalid(errors)) => (errors, String::new()),
        Err(AppError::Conflict(m)) if m.contains("slug") => (
            vec![FieldError::new(
                "slug",
                "another article already has this slug; choose another",
            )],
            String::new(),
        ),
        Err(AppError::Unavailable(m)) => (Vec::new(), m),
        Err(e) => return Err(e.into()),
    };
    let mut page = editor(app, portal, id, saved_slug, form).await?;
    page.errors = errors;
    page.problem = if problem.is_empty() {
        "The article is not saved yet: please correct the fields marked below.".into()
    } else {
        problem
    };
    let mut response = render(&page)?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

async fn create(
    State(app): State<App>,
    PageForm(portal, form): PageForm<ArticleForm>,
) -> PageResult<Response> {
    save(&app, portal, None, form).await
}

async fn update(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, form): PageForm<ArticleForm>,
) -> PageResult<Response> {
    let id = path_id(&raw, "article").map_err(|_| PageError::not_found("article"))?;
    save(&app, portal, Some(id), form).await
}

#[derive(Debug, Deserialize)]
struct PreviewForm {
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "kb_preview.html")]
struct PreviewFragment {
    html: String,
}

/// The preview pane's content for htmx: the body rendered by the same
/// sanitizing renderer as the article page.
async fn preview(PageForm(portal, form): PageForm<PreviewForm>) -> PageResult<Response> {
    portal.caller.admin()?;
    let fragment = PreviewFragment {
        html: rendered(&form.body),
    };
    fragment
        .render()
        .map(|h| Html(h).into_response())
        .map_err(|e| {
            tracing::error!(error = %e, "template failed");
            PageError::Internal
        })
}

#[derive(Debug, Deserialize)]
struct DeleteForm {}

async fn delete(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, _): PageForm<DeleteForm>,
) -> PageResult<Response> {
    portal.caller.admin()?;
    let id = path_id(&raw, "article").map_err(|_| PageError::not_found("article"))?;
    let row = app.article(&portal.caller, id).await?;
    app.delete_article(&portal.caller, id).await?;
    Ok(redirect_with_notice(
        "/admin/kb",
        &format!("“{}” is deleted.", row.title),
    ))
}
