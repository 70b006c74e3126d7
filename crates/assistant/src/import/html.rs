//! HTML and JSX tags in a page's prose, turned into Markdown or dropped.
//!
//! Text always stays. Lists, headings, tables and links keep their shape;
//! `<details><summary>` becomes a heading so each FAQ entry is a section;
//! MDX components go, except that tabs leave their label and admonitions
//! their type. A tag that is neither HTML nor closed anywhere in the page
//! is prose naming an XML element (`<OnRequest>`) and stays, as code.

use super::cleaner::{Cleaner, Span, Wrap};
use super::shortcode::label;
use crate::markdown::tag::{OPAQUE, Tag};

/// Elements that start a paragraph and whose inner lines are dedented.
const BLOCKS: &[&str] = &[
    "div",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
    "center",
    "blockquote",
    "figure",
    "dl",
    "details",
    "form",
    "fieldset",
];

/// Elements that only break the paragraph.
const BREAKS: &[&str] = &[
    "p",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "figcaption",
    "dt",
    "dd",
    "hr",
    "pre",
];

/// Other HTML elements, removed with their text kept.
const INLINE: &[&str] = &[
    "span", "label", "font", "small", "big", "sup", "sub", "abbr", "cite", "kbd", "mark", "s",
    "del", "ins", "tt", "var", "q", "u", "input", "button", "colgroup", "col", "source", "picture",
    "video", "audio", "track", "wbr", "time", "data", "dfn", "samp", "bdi", "bdo", "ruby", "rt",
    "rp", "area", "map", "meta", "link", "option", "select", "textarea", "output", "progress",
    "meter", "legend", "optgroup", "html", "body", "head", "title", "th", "td",
];

impl Cleaner {
    /// Handles one tag; `raw` is its source text.
    pub(super) fn tag(&mut self, t: &Tag<'_>, raw: &str) {
        let name = t.lower();
        if self.skip_opaque(t, &name) {
            return;
        }
        if t.closing {
            self.close(&name);
            return;
        }
        match name.as_str() {
            n if OPAQUE.contains(&n) => {
                if !t.self_closing && self.closed.contains(n) {
                    self.skipping = Some((name, 1));
                }
            }
            "br" => {
                if self.in_table_row() {
                    self.out.push(' ');
                } else {
                    self.out.push('\n');
                }
            }
            "img" => {
                if let Some(alt) = t.attr("alt") {
                    self.text(&alt);
                }
            }
            "ul" | "ol" => {
                self.paragraph_break();
                self.lists.push(name == "ol");
                self.open_block(&name);
            }
            "li" => {
                // Items stay one under the other: a tight list.
                let last = self.out.trim_end().rsplit('\n').next().unwrap_or("");
                let last = last.trim_start();
                if last.starts_with("- ") || last.starts_with("1. ") {
                    self.out.truncate(self.out.trim_end().len());
                }
                self.line_break();
                let depth = self.lists.len().max(1);
                let marker = if self.lists.last() == Some(&true) {
                    "1. "
                } else {
                    "- "
                };
                self.out.push_str(&"   ".repeat(depth - 1));
                self.out.push_str(marker);
            }
            "tr" => {
                self.line_break();
                self.paragraph_break();
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.paragraph_break();
                let level = name[1..].parse::<usize>().unwrap_or(2);
                self.out.push_str(&"#".repeat(level));
                self.out.push(' ');
            }
            "a" => self.open_span(&name, Wrap::Link(t.attr("href"))),
            "strong" | "b" => self.open_span(&name, Wrap::Strong),
            "em" | "i" => self.open_span(&name, Wrap::Emphasis),
            "code" => self.open_span(&name, Wrap::Code),
            "summary" => {
                self.paragraph_break();
                self.open_span(&name, Wrap::Summary);
            }
            n if BLOCKS.contains(&n) => {
                self.paragraph_break();
                self.open_block(n);
            }
            n if BREAKS.contains(&n) => self.paragraph_break(),
            n if INLINE.contains(&n) => self.dedent_line(),
            _ => self.component(t, &name, raw),
        }
    }

    /// Inside `<svg>` and the like: counts nesting, drops everything.
    fn skip_opaque(&mut self, t: &Tag<'_>, name: &str) -> bool {
        let Some((opaque, depth)) = &mut self.skipping else {
            return false;
        };
        if opaque == name && !t.self_closing {
            if t.closing {
                *depth -= 1;
            } else {
                *depth += 1;
            }
            if *depth == 0 {
                self.skipping = None;
            }
        }
        true
    }

    /// JSX components (`<Tabs>`, `<TabItem label="Go">`, `<Admonition>`)
    /// and XML element names in prose.
    fn component(&mut self, t: &Tag<'_>, name: &str, raw: &str) {
        if t.self_closing {
            self.dedent_line();
            return;
        }
        if !self.closed.contains(name) {
            self.text(&format!("`{raw}`"));
            return;
        }
        self.open_block(name);
        match name {
            "tabitem" | "tab" => {
                self.paragraph_break();
                if let Some(title) = t.attr("label").or_else(|| t.attr("value")) {
                    self.out.push_str(&format!("**{title}**\n\n"));
                }
            }
            "admonition" | "callout" | "note" | "tip" | "info" | "warning" | "caution"
            | "danger" => {
                self.paragraph_break();
                let kind = t.attr("type").unwrap_or_else(|| name.to_string());
                match t.attr("title") {
                    Some(title) => {
                        self.out
                            .push_str(&format!("**{}:** {title}\n\n", label(&kind)));
                    }
                    None => self.label = Some(label(&kind)),
                }
            }
            _ => self.dedent_line(),
        }
    }

    fn open_block(&mut self, name: &str) {
        self.dedent_line();
        self.blocks.push(name.to_string());
    }

    fn open_span(&mut self, name: &str, wrap: Wrap) {
        self.dedent_line();
        // A pending label goes before the element, not inside it.
        if self.label.is_some() && matches!(wrap, Wrap::Summary) {
            self.emit_label(true);
        }
        self.spans.push(Span {
            name: name.to_string(),
            wrap,
            start: self.out.len(),
        });
    }

    fn close(&mut self, name: &str) {
        if let Some(i) = self.spans.iter().rposition(|s| s.name == name) {
            let span = self.spans.remove(i);
            self.spans.truncate(i);
            self.wrap(span);
            return;
        }
        if let Some(i) = self.blocks.iter().rposition(|b| b == name) {
            self.blocks.truncate(i);
            if matches!(name, "ul" | "ol") {
                self.lists.pop();
            }
            // An admonition that never got text leaves no label behind.
            self.label = None;
            self.paragraph_break();
            return;
        }
        match name {
            "td" | "th" => self.out.push_str(" | "),
            "tr" => {
                let row = self.out.trim_end().trim_end_matches('|').trim_end().len();
                self.out.truncate(row);
                self.paragraph_break();
            }
            "li" => self.line_break(),
            "br" => self.out.push('\n'),
            n if n.len() == 2 && n.starts_with('h') => self.paragraph_break(),
            n if BREAKS.contains(&n) => self.paragraph_break(),
            _ => {}
        }
    }

    /// Rewrites an element's text when it closes: a link, bold, a heading.
    fn wrap(&mut self, span: Span) {
        let start = span.start.min(self.out.len());
        let inner = self.out[start..].trim().to_string();
        let one_line = !inner.contains('\n');
        let replacement = match span.wrap {
            Wrap::Link(Some(href)) if one_line && !inner.is_empty() && linkable(&href) => {
                format!("[{inner}]({href})")
            }
            Wrap::Strong if one_line && !inner.is_empty() => format!("**{inner}**"),
            Wrap::Emphasis if one_line && !inner.is_empty() => format!("*{inner}*"),
            Wrap::Code if one_line && !inner.is_empty() && !inner.contains('`') => {
                format!("`{inner}`")
            }
            Wrap::Summary => {
                let text = inner.split_whitespace().collect::<Vec<_>>().join(" ");
                let text = text
                    .strip_prefix("**")
                    .and_then(|t| t.strip_suffix("**"))
                    .unwrap_or(&text)
                    .to_string();
                let level = (self.heading_level + 1).clamp(2, 6) as usize;
                self.out.truncate(start);
                self.paragraph_break();
                self.out
                    .push_str(&format!("{} {text}\n\n", "#".repeat(level)));
                return;
            }
            _ => return,
        };
        self.out.truncate(start);
        self.out.push_str(&replacement);
    }
}

/// Links worth keeping: absolute web and mail addresses. Site-relative
/// paths point into the documentation site, not into the portal.
fn linkable(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        && !href.contains([' ', ')', '\n'])
}
