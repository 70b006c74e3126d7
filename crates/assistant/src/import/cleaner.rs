//! The state machine that turns a page's prose into clean CommonMark.
//!
//! [`super::clean`] cuts a body into prose and code; prose comes here and
//! is read once, left to right: shortcodes ([`super::shortcode`]) and
//! HTML/JSX tags ([`super::html`]) are replaced as they come, code spans
//! and escapes are copied untouched.

use std::collections::HashSet;

use crate::markdown::tag;

/// An inline element whose text is rewrapped when it closes.
#[derive(Debug)]
pub(super) enum Wrap {
    Link(Option<String>),
    Strong,
    Emphasis,
    Code,
    Summary,
}

#[derive(Debug)]
pub(super) struct Span {
    pub name: String,
    pub wrap: Wrap,
    /// Where the element's text starts in `out`.
    pub start: usize,
}

#[derive(Debug, Default)]
pub(super) struct Cleaner {
    pub out: String,
    /// Lower-case names that occur as a closing tag somewhere in the page.
    pub closed: HashSet<String>,
    /// The opaque element being dropped (`svg`, `script`…) and its depth.
    pub skipping: Option<(String, usize)>,
    /// A "Note:"-style label waiting for the admonition's first text.
    pub label: Option<String>,
    /// The level of the last heading in the page's own Markdown.
    pub heading_level: u8,
    /// Open HTML blocks and JSX components; their lines are dedented.
    pub blocks: Vec<String>,
    pub spans: Vec<Span>,
    /// Open HTML lists: whether ordered.
    pub lists: Vec<bool>,
    /// A `{{< ref >}}` link lost its target: drop the `)` that follows.
    pub skip_paren: bool,
}

impl Cleaner {
    /// `prose` is the page without its code, to learn which tags close.
    pub fn new(prose: &str) -> Self {
        let mut closed = HashSet::new();
        let mut rest = prose;
        while let Some(i) = rest.find("</") {
            rest = &rest[i..];
            match tag::parse(rest) {
                Some(t) => {
                    closed.insert(t.lower());
                    rest = &rest[t.len..];
                }
                None => rest = &rest[2..],
            }
        }
        Cleaner {
            closed,
            ..Cleaner::default()
        }
    }

    /// Code is copied as it is; inside a JSX or HTML block it is dedented
    /// so a fence indented for the markup stays a fence.
    pub fn code(&mut self, code: &str) {
        if self.skipping.is_some() {
            return;
        }
        self.emit_label(true);
        self.line_break();
        let indent = if self.blocks.is_empty() {
            0
        } else {
            code.len() - code.trim_start_matches([' ', '\t']).len()
        };
        for line in code.split_inclusive('\n') {
            let cut = line.len() - line.trim_start_matches([' ', '\t']).len();
            self.out.push_str(&line[cut.min(indent)..]);
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Reads prose: whole lines, possibly many.
    pub fn prose(&mut self, text: &str) {
        let mut rest = text;
        let mut line_start = true;
        while !rest.is_empty() {
            if line_start {
                line_start = false;
                if !self.blocks.is_empty() {
                    rest = rest.trim_start_matches([' ', '\t']);
                }
                if let Some(level) = atx_level(rest) {
                    self.heading_level = level;
                }
                continue;
            }
            let Some(c) = rest.chars().next() else { break };
            rest = match c {
                '\n' => {
                    if self.skipping.is_none() {
                        self.out.push('\n');
                    }
                    line_start = true;
                    &rest[1..]
                }
                '`' => self.code_span(rest),
                '\\' => {
                    let len = rest[1..].chars().next().map_or(1, |n| 1 + n.len_utf8());
                    self.text(&rest[..len]);
                    &rest[len..]
                }
                ')' if self.skip_paren => {
                    self.skip_paren = false;
                    &rest[1..]
                }
                '<' => self.angle(rest),
                '{' => self.brace(rest),
                _ => {
                    let end = rest
                        .find(['\n', '`', '\\', '<', '{', ')'])
                        .unwrap_or(rest.len())
                        .max(c.len_utf8());
                    self.text(&rest[..end]);
                    &rest[end..]
                }
            };
        }
    }

    /// `` `code` `` copied whole, so `<Tag>` or `{{<` in it survive.
    fn code_span<'a>(&mut self, rest: &'a str) -> &'a str {
        let run = rest.len() - rest.trim_start_matches('`').len();
        let ticks = &rest[..run];
        let after = &rest[run..];
        let paragraph_end = after.find("\n\n").unwrap_or(after.len());
        let mut from = 0;
        while let Some(i) = after[from..paragraph_end].find(ticks) {
            let at = from + i;
            let close_run = after[at..].len() - after[at..].trim_start_matches('`').len();
            if close_run == run {
                let end = run + at + run;
                self.text(&rest[..end]);
                return &rest[end..];
            }
            from = at + close_run;
        }
        self.text(ticks);
        after
    }

    /// `<!-- -->`, a tag, or a plain `<`.
    fn angle<'a>(&mut self, rest: &'a str) -> &'a str {
        if let Some(after) = rest.strip_prefix("<!--") {
            return after.find("-->").map_or("", |end| &after[end + 3..]);
        }
        match tag::parse(rest) {
            Some(t) => {
                self.tag(&t, &rest[..t.len]);
                &rest[t.len..]
            }
            None => {
                self.text("<");
                &rest[1..]
            }
        }
    }

    /// `{{< shortcode >}}`, `{{% shortcode %}}`, `{/* comment */}`, or `{`.
    fn brace<'a>(&mut self, rest: &'a str) -> &'a str {
        if let Some(after) = rest.strip_prefix("{/*") {
            return after.find("*/}").map_or("", |end| &after[end + 3..]);
        }
        // `{{< x >}}`, `{{% x %}}`, and the odd `{{ % x % }}`.
        if let Some(after) = rest.strip_prefix("{{") {
            let after = after.trim_start_matches(' ');
            let close = match after.chars().next() {
                Some('<') => Some('>'),
                Some('%') => Some('%'),
                _ => None,
            };
            if let Some(close) = close {
                let inside = &after[1..];
                if let Some(end) = inside.find("}}")
                    && let Some(inner) = inside[..end].trim_end().strip_suffix(close)
                {
                    self.shortcode(inner);
                    return &inside[end + 2..];
                }
            }
        }
        self.text("{");
        &rest[1..]
    }

    /// Visible text: dropped inside opaque elements, preceded by a pending
    /// admonition label.
    pub fn text(&mut self, s: &str) {
        if self.skipping.is_some() {
            return;
        }
        if self.label.is_some() {
            let trimmed = s.trim_start();
            if trimmed.is_empty() {
                return;
            }
            self.emit_label(starts_block(trimmed));
            self.out.push_str(trimmed);
            return;
        }
        self.out.push_str(s);
    }

    /// Writes the pending label: on its own paragraph before a block
    /// (list, table, code), else in front of the text.
    pub fn emit_label(&mut self, own_paragraph: bool) {
        if let Some(label) = self.label.take() {
            self.out.push_str(&format!("**{label}:**"));
            self.out.push_str(if own_paragraph { "\n\n" } else { " " });
        }
    }

    /// Ends the current line if it has anything on it.
    pub fn line_break(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Starts a new paragraph: a blank line, or a space inside a table row
    /// where a line break would end the table.
    pub fn paragraph_break(&mut self) {
        if self.in_table_row() {
            self.out.push(' ');
            return;
        }
        self.line_break();
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Whether the line being written is a Markdown table row.
    pub fn in_table_row(&self) -> bool {
        current_line(&self.out).trim_start().starts_with('|')
    }

    /// Drops indentation left on the current line by markup that was
    /// removed, which would otherwise turn the text into a code block.
    pub fn dedent_line(&mut self) {
        let line = current_line(&self.out);
        if !line.is_empty() && line.trim().is_empty() {
            let len = self.out.len() - line.len();
            self.out.truncate(len);
        }
    }
}

fn current_line(s: &str) -> &str {
    s.rfind('\n').map_or(s, |i| &s[i + 1..])
}

/// Whether text at the start of a line opens a Markdown block.
fn starts_block(s: &str) -> bool {
    let ordered = s.split_once(['.', ')']).is_some_and(|(n, after)| {
        !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && after.starts_with(' ')
    });
    let bullet = ["- ", "* ", "+ "].iter().any(|b| s.starts_with(b));
    ordered || bullet || s.starts_with(['#', '|', '>']) || s.starts_with("```")
}

/// The level of an ATX heading line (`## Title`).
pub(super) fn atx_level(line: &str) -> Option<u8> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    let after = &rest[hashes..];
    let ends = after.is_empty() || after.starts_with([' ', '\t', '\n', '\r']);
    (1..=6)
        .contains(&hashes)
        .then_some(hashes as u8)
        .filter(|_| ends)
}
