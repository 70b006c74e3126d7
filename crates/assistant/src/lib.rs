//! AIna and the knowledge base it answers from.
//!
//! - [`markdown`]: an article's Markdown as sections (anchors, plain text,
//!   ordered steps) and as safe HTML.
//! - [`import`]: documentation folders (Hugo, Docusaurus, MDX) into articles.
//! - [`index`]: the tantivy index of sections, derived from the database.
//! - [`answer`]: the answer engines behind one interface.
//! - [`llm`]: the optional engine that asks an OpenAI-compatible model.
//! - [`eval`]: recall@k and MRR over a question file.
//!
//! Nothing here touches the database: the application loads articles and
//! hands them over, so the index can always be rebuilt from the store.

pub mod answer;
pub mod eval;
pub mod import;
pub mod index;
pub mod llm;
pub mod markdown;

/// An article as the knowledge base keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: i64,
    /// Lower-case words joined by `-`, segments by `/`: `cases/statuses`.
    pub slug: String,
    pub title: String,
    pub category: String,
    /// Markdown (CommonMark with tables).
    pub body: String,
    /// Where an imported article came from, relative to the import root and
    /// without its extension (`guides/setup/_index`).
    pub source_path: Option<String>,
    pub source_url: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
}

/// The address of an article's section in the portal.
pub fn section_url(slug: &str, anchor: &str) -> String {
    if anchor.is_empty() {
        format!("/kb/{slug}")
    } else {
        format!("/kb/{slug}#{anchor}")
    }
}
