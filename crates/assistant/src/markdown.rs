//! Markdown as sections and as safe HTML.

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
