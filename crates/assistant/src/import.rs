//! Documentation folders into articles.
//!
//! Reads Hugo and Docusaurus sites (`.md`, `.mdx`, `.markdown`): front
//! matter in TOML, YAML or JSON, bodies cleaned of shortcodes, JSX and
//! HTML into plain CommonMark, generated GraphQL reference pages rebuilt
//! from their front matter. Each article remembers the path it came from,
//! which is how evaluations name articles whatever slug they get.

mod clean;
mod cleaner;
mod front_matter;
mod html;
mod reference;
mod shortcode;
mod walk;

use serde_json::Value;

use crate::markdown;

pub use walk::read_dir;

/// Files above this size are skipped: no documentation page is that long,
/// and a generated dump would drown the index.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// One page, ready to become an [`crate::Article`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedArticle {
    /// Relative to the import root, `/`-separated, case and spaces kept,
    /// extension dropped: `guides/setup/_index`.
    pub source_path: String,
    pub slug: String,
    pub title: String,
    pub category: String,
    /// Clean CommonMark.
    pub body: String,
    pub source_url: Option<String>,
}

/// A file that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: std::path::PathBuf,
    pub reason: String,
}

/// What one import read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub articles: Vec<ImportedArticle>,
    pub skipped: Vec<Skipped>,
}

/// Why a file was not imported; the message is the skip reason.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not UTF-8 (invalid byte at offset {0})")]
    NotUtf8(usize),
    #[error("larger than 2 MB ({0} bytes)")]
    TooLarge(u64),
    #[error("unreadable: {0}")]
    Unreadable(#[from] std::io::Error),
    /// Broken or unterminated front matter; the message says which kind.
    #[error("{0}")]
    FrontMatter(String),
    #[error("draft")]
    Draft,
    #[error("no title and no text")]
    Empty,
}

/// Parses one page; `source_path` is relative to the import root without
/// extension, `base_url` the site's address for [`ImportedArticle::source_url`].
pub fn parse_file(
    source_path: &str,
    raw: &str,
    base_url: Option<&str>,
) -> Result<ImportedArticle, ImportError> {
    let (fields, body) = front_matter::split(raw)?;
    if matches!(fields.get("draft"), Some(Value::Bool(true)))
        || fields.get("draft").and_then(Value::as_str) == Some("true")
    {
        return Err(ImportError::Draft);
    }
    let mut body = clean::clean(body);
    if let Some(description) = field(&fields, "description") {
        let text = squash(&markdown::plain_text(&body));
        if !text.starts_with(&squash(description)) {
            body = format!("{description}\n\n{body}");
        }
    }
    let generated = reference::markdown(&fields);
    if !generated.is_empty() {
        body = format!("{body}\n\n{generated}");
    }
    let body = body.trim().to_string();
    let sections = markdown::sections(&body);
    let heading = sections
        .iter()
        .find(|s| s.level == 1)
        .map(|s| s.heading.clone());
    let explicit = field(&fields, "title")
        .or_else(|| field(&fields, "linkTitle"))
        .map(str::to_string)
        .or(heading);
    if explicit.is_none() && sections.iter().all(|s| s.text.is_empty()) {
        return Err(ImportError::Empty);
    }
    let title = explicit.unwrap_or_else(|| title_from_path(source_path));
    let category = field(&fields, "category")
        .or_else(|| {
            fields
                .get("categories")
                .and_then(Value::as_array)
                .and_then(|c| c.first())
                .and_then(Value::as_str)
        })
        .map(str::to_string)
        .unwrap_or_else(|| category_from_path(source_path));
    let slug = slug_for(source_path);
    let source_url = base_url.map(|base| {
        let path = field(&fields, "url")
            .map(|u| u.trim_start_matches('/').to_string())
            .unwrap_or_else(|| {
                if slug == "home" {
                    String::new()
                } else {
                    format!("{slug}/")
                }
            });
        format!("{}/{path}", base.trim_end_matches('/'))
    });
    Ok(ImportedArticle {
        source_path: source_path.to_string(),
        slug,
        title,
        category,
        body,
        source_url,
    })
}

/// The slug for a source path: each segment lower-cased, other characters
/// than letters and digits as single `-`; a trailing `_index` or `index`
/// (a section or bundle page) dropped; the root page is `home`.
pub fn slug_for(source_path: &str) -> String {
    let mut segments: Vec<&str> = source_path.split('/').filter(|s| !s.is_empty()).collect();
    if segments
        .last()
        .is_some_and(|s| s.eq_ignore_ascii_case("_index") || s.eq_ignore_ascii_case("index"))
    {
        segments.pop();
    }
    let slug: Vec<String> = segments
        .iter()
        .map(|s| slug_segment(s))
        .filter(|s| !s.is_empty())
        .collect();
    if slug.is_empty() {
        "home".to_string()
    } else {
        slug.join("/")
    }
}

fn slug_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for c in segment.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A non-empty string value of the front matter.
fn field<'a>(fields: &'a front_matter::Fields, key: &str) -> Option<&'a str> {
    fields
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The file name as a title; a section page takes its folder's name.
fn title_from_path(source_path: &str) -> String {
    let mut segments = source_path.rsplit('/');
    let name = segments.next().unwrap_or(source_path);
    if name == "_index" || name == "index" {
        segments.next().map_or_else(|| "Home".to_string(), prettify)
    } else {
        prettify(name)
    }
}

/// The first folder as a category; pages at the root are "General".
fn category_from_path(source_path: &str) -> String {
    match source_path.split_once('/') {
        Some((first, _)) if !first.is_empty() => prettify(first),
        _ => "General".to_string(),
    }
}

/// `getting-started` → `Getting started`.
fn prettify(name: &str) -> String {
    shortcode::capitalise(&squash(&name.replace(['-', '_'], " ")))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
