//! Markdown as sections and as safe HTML.
//!
//! Bodies are CommonMark with tables and strikethrough. [`sections`] and
//! [`to_html`] read them with the same parser, so a heading's anchor in
//! the index is the `id` it gets on the page.

mod anchor;
mod html;
mod sections;
mod sentences;
pub(crate) mod strip;
pub(crate) mod tag;

use pulldown_cmark::{Options, Parser};

pub use anchor::anchor;
pub use sentences::sentences;

/// One part of an article, from a heading to the next heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading's anchor (`id` in the HTML); empty for the text before
    /// the first heading.
    pub anchor: String,
    /// The heading's text; empty for the text before the first heading.
    pub heading: String,
    /// 1..=6; 0 for the text before the first heading.
    pub level: u8,
    /// The headings above this one, outermost first (not including it).
    pub trail: Vec<String>,
    /// The section's plain text: paragraphs, list items and table rows, each
    /// on its own line; code blocks kept, markup removed.
    pub text: String,
    /// The items of the section's ordered lists, in order, as plain text.
    pub steps: Vec<String>,
}

fn parser(body: &str) -> Parser<'_> {
    Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
}

/// The article split at every heading. Text before the first heading is a
/// section of level 0 when there is any; every heading opens a section,
/// even an empty one, so anchors line up with [`to_html`].
pub fn sections(body: &str) -> Vec<Section> {
    sections::collect(parser(body))
}

/// The article as HTML safe to embed: raw HTML shown as text, links and
/// images only to http, https, mailto or relative URLs, headings with the
/// anchors of [`sections`].
pub fn to_html(body: &str) -> String {
    let anchors = sections(body)
        .into_iter()
        .filter(|s| s.level > 0)
        .map(|s| s.anchor);
    html::render(parser(body), anchors)
}

/// The text of every section, one line per paragraph, item or row.
pub fn plain_text(body: &str) -> String {
    let sections = sections(body);
    let texts: Vec<&str> = sections
        .iter()
        .map(|s| s.text.as_str())
        .filter(|t| !t.is_empty())
        .collect();
    texts.join("\n")
}

#[cfg(test)]
mod tests;
