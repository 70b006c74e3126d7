//! HTML bodies as readable text, for mail that has no text part.
//!
//! `mail-parser`'s own conversion keeps only `<br>` and `</p>` as line
//! breaks, so Gmail's one-`<div>`-per-line HTML runs together and quoted
//! history cannot be found. This one is a small forgiving tokenizer (mail
//! HTML is rarely well formed): block elements break lines, `<blockquote>`
//! becomes `> ` quoting (which [`super::trim_reply`] understands),
//! script/style/head are dropped, link targets follow their text, entities
//! are decoded by `mail-parser`'s table. Linear in the input, no recursion.

mod markup;

use markup::{Tag, decode_entities, entity, skip_element};

/// Quote levels shown as `>`; deeper ones look the same. Bounds the text
/// a hostile nest of `<blockquote>`s can make.
const MAX_QUOTE_MARKS: usize = 8;

/// Converts an HTML document or fragment to plain text (`\n` line ends),
/// stopping once the text is `max_bytes` long.
pub(super) fn to_text(html: &str, max_bytes: usize) -> String {
    let mut w = Writer::default();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() && w.out.len() < max_bytes {
        match bytes[i] {
            b'<' => match Tag::read(html, i) {
                Some(tag) => i = w.tag(html, &tag),
                None => {
                    w.text("<");
                    i += 1;
                }
            },
            b'&' => match entity(html, i) {
                Some((decoded, len)) => {
                    w.text_keep_nbsp(&decoded);
                    i += len;
                }
                None => {
                    w.text("&");
                    i += 1;
                }
            },
            _ => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == b'<' || b == b'&')
                    .map_or(bytes.len(), |p| i + p);
                w.text(&html[i..end]);
                i = end;
            }
        }
    }
    w.finish()
}

/// Elements whose content is never shown.
const HIDDEN: &[&str] = &["script", "style", "head", "title", "template", "xml"];

/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "div", "table", "tr", "ul", "ol", "dl", "dt", "dd", "pre", "section", "article", "header",
    "footer", "address", "center", "form", "fieldset", "figure", "main", "nav", "aside", "tbody",
    "thead", "tfoot", "caption",
];

/// Elements set off by a blank line.
const PARAGRAPHS: &[&str] = &["p", "h1", "h2", "h3", "h4", "h5", "h6"];

#[derive(Default)]
struct Writer {
    out: String,
    /// `<blockquote>` depth: lines start with that many `>`.
    quote: usize,
    pre: usize,
    at_line_start: bool,
    pending_space: bool,
    /// Empty lines written since the last text.
    blank_run: usize,
    /// The open link's target and where its text began in `out`.
    link: Option<(String, usize)>,
}

impl Writer {
    /// Handles a tag and returns where reading goes on.
    fn tag(&mut self, html: &str, tag: &Tag<'_>) -> usize {
        let name = tag.name.as_str();
        if name.is_empty() {
            return tag.end;
        }
        if HIDDEN.contains(&name) {
            return if tag.closing || tag.attrs.trim_end().ends_with('/') {
                tag.end
            } else {
                skip_element(html, tag.end, name)
            };
        }
        match name {
            "br" => self.newline(),
            "p" if !tag.closing && tag.attr("class").is_some_and(is_outlook_paragraph) => {
                self.ensure_newline();
            }
            "p" if tag.closing => self.ensure_newline(),
            _ if PARAGRAPHS.contains(&name) => self.ensure_blank_line(),
            _ if BLOCKS.contains(&name) => {
                self.ensure_newline();
                if name == "pre" {
                    self.pre = if tag.closing {
                        self.pre.saturating_sub(1)
                    } else {
                        self.pre + 1
                    };
                }
            }
            "blockquote" => {
                self.ensure_newline();
                self.quote = if tag.closing {
                    self.quote.saturating_sub(1)
                } else {
                    self.quote + 1
                };
            }
            "li" if !tag.closing => {
                self.ensure_newline();
                self.text("- ");
            }
            "li" => self.ensure_newline(),
            "td" | "th" if !tag.closing => self.pending_space = !self.at_line_start,
            "hr" => {
                // Outlook's plain-text reply separator, so the quoted
                // header block below it is recognised.
                self.ensure_newline();
                self.text("________________________________");
                self.newline();
            }
            "a" if !tag.closing => {
                self.link = tag
                    .attr("href")
                    .map(|href| (decode_entities(href.trim()), self.out.len()));
            }
            "a" => self.close_link(),
            _ => {}
        }
        tag.end
    }

    fn close_link(&mut self) {
        let Some((href, start)) = self.link.take() else {
            return;
        };
        let is_web = href.starts_with("http://") || href.starts_with("https://");
        let shown = self.out.get(start..).unwrap_or_default().trim();
        let bare = href
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        if is_web && !shown.is_empty() && !shown.contains(bare) {
            self.text(&format!(" <{href}>"));
        }
    }

    fn text(&mut self, s: &str) {
        for c in s.chars() {
            if self.pre > 0 {
                match c {
                    '\n' => self.newline(),
                    '\r' => {}
                    c => self.push_char(c),
                }
            } else if c.is_whitespace() {
                self.pending_space = true;
            } else {
                self.push_char(c);
            }
        }
    }

    /// Decoded entities: a `&nbsp;` is a visible space (Outlook's empty
    /// paragraphs are made of one), not collapsible whitespace.
    fn text_keep_nbsp(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '\u{a0}' => self.push_char(' '),
                c if c.is_whitespace() => self.pending_space = true,
                c => self.push_char(c),
            }
        }
    }

    fn push_char(&mut self, c: char) {
        if self.at_line_start || self.out.is_empty() {
            self.prefix();
            self.at_line_start = false;
        } else if self.pending_space {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.blank_run = 0;
        self.out.push(c);
    }

    fn prefix(&mut self) {
        for _ in 0..self.quote.min(MAX_QUOTE_MARKS) {
            self.out.push('>');
        }
        if self.quote > 0 {
            self.out.push(' ');
        }
    }

    fn newline(&mut self) {
        if self.at_line_start || self.out.is_empty() {
            self.prefix();
            self.blank_run += 1;
        }
        self.out.push('\n');
        self.at_line_start = true;
        self.pending_space = false;
    }

    fn ensure_newline(&mut self) {
        if !self.at_line_start && !self.out.is_empty() {
            self.newline();
        }
        self.pending_space = false;
    }

    fn ensure_blank_line(&mut self) {
        self.ensure_newline();
        if self.blank_run == 0 && !self.out.is_empty() {
            self.newline();
        }
    }

    /// Trailing spaces off, runs of empty lines squeezed to one.
    fn finish(self) -> String {
        let mut out = String::with_capacity(self.out.len());
        let mut blank = false;
        for line in self.out.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                if !blank && !out.is_empty() {
                    out.push('\n');
                }
                blank = true;
                continue;
            }
            blank = false;
            out.push_str(line);
            out.push('\n');
        }
        out.trim_end().to_owned()
    }
}

/// Outlook writes every line as `<p class=MsoNormal>`; a blank line per
/// paragraph would double-space its mail.
fn is_outlook_paragraph(class: &str) -> bool {
    class.to_ascii_lowercase().contains("msonormal")
}

#[cfg(test)]
mod tests;
