//! HTML bodies as readable text, for mail that has no text part.
//!
//! `mail-parser`'s own conversion keeps only `<br>` and `</p>` as line
//! breaks, so Gmail's one-`<div>`-per-line HTML runs together and quoted
//! history cannot be found. This one is a small forgiving tokenizer (mail
//! HTML is rarely well formed): block elements break lines, `<blockquote>`
//! becomes `> ` quoting (which [`super::trim_reply`] understands),
//! script/style/head are dropped, link targets follow their text, entities
//! are decoded by `mail-parser`'s table. Linear in the input, no recursion.

use mail_parser::decoders::html::add_html_token;

/// Converts an HTML document or fragment to plain text (`\n` line ends).
pub(super) fn to_text(html: &str) -> String {
    let mut w = Writer::default();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
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

/// One tag (or comment, or declaration) starting at a `<`.
struct Tag<'a> {
    /// Lower-case element name; empty for comments and declarations.
    name: String,
    closing: bool,
    /// The text between the name and the closing `>`.
    attrs: &'a str,
    /// Just past the tag.
    end: usize,
}

impl<'a> Tag<'a> {
    /// `None` when the `<` does not start a tag and is plain text.
    fn read(html: &'a str, start: usize) -> Option<Self> {
        let rest = &html[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment
                .find("-->")
                .map_or(html.len(), |p| start + 4 + p + 3);
            return Some(Self::markup(end));
        }
        let b = rest.as_bytes();
        if matches!(b.get(1), Some(b'!' | b'?')) {
            let end = rest.find('>').map_or(html.len(), |p| start + p + 1);
            return Some(Self::markup(end));
        }
        let closing = b.get(1) == Some(&b'/');
        let name_start = if closing { 2 } else { 1 };
        let name_len = b
            .get(name_start..)?
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b':')
            .count();
        if name_len == 0 || !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let name_end = name_start + name_len;
        let mut quote = None;
        let mut close = None;
        for (offset, &c) in b[name_end..].iter().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(c),
                (None, b'>') => {
                    close = Some(name_end + offset);
                    break;
                }
                _ => {}
            }
        }
        let close = close.unwrap_or(b.len());
        Some(Self {
            name: rest[name_start..name_end].to_ascii_lowercase(),
            closing,
            attrs: &rest[name_end..close],
            end: (start + close + 1).min(html.len()),
        })
    }

    fn markup(end: usize) -> Self {
        Self {
            name: String::new(),
            closing: false,
            attrs: "",
            end,
        }
    }

    /// An attribute's value, unquoted; a rough reading that suffices for
    /// `href` and `class`.
    fn attr(&self, name: &str) -> Option<&'a str> {
        let lower = self.attrs.to_ascii_lowercase();
        let mut from = 0;
        while let Some(p) = lower[from..].find(name) {
            let at = from + p;
            from = at + name.len();
            let before_ok = at == 0
                || lower.as_bytes()[at - 1].is_ascii_whitespace()
                || lower.as_bytes()[at - 1] == b'/';
            let after = lower[from..].trim_start();
            if !before_ok || !after.starts_with('=') {
                continue;
            }
            let value_at = self.attrs.len() - after.len() + 1;
            let value = self.attrs[value_at..].trim_start();
            return Some(match value.as_bytes().first() {
                Some(&q @ (b'"' | b'\'')) => {
                    let inner = &value[1..];
                    inner.find(q as char).map_or(inner, |e| &inner[..e])
                }
                _ => value
                    .split(|c: char| c.is_ascii_whitespace() || c == '>')
                    .next()
                    .unwrap_or_default(),
            });
        }
        None
    }
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
        for _ in 0..self.quote {
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

/// Where reading goes on after the content of a hidden element: past its
/// end tag, or the end of the input. A `<head>` without an end tag ends
/// where `<body>` starts.
fn skip_element(html: &str, from: usize, name: &str) -> usize {
    let rest = &html[from..];
    let close = format!("</{name}");
    if let Some(p) = find_ignore_case(rest, &close) {
        let after = from + p + close.len();
        return html[after..]
            .find('>')
            .map_or(html.len(), |q| after + q + 1);
    }
    if name == "head"
        && let Some(p) = find_ignore_case(rest, "<body")
    {
        return from + p;
    }
    html.len()
}

/// Where ASCII `needle` (lower-case) first occurs in `hay`, ignoring case;
/// no copy of `hay`, which may be megabytes.
fn find_ignore_case(hay: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    let first = *needle.first()?;
    hay.as_bytes()
        .iter()
        .enumerate()
        .filter(|(_, b)| b.to_ascii_lowercase() == first)
        .map(|(i, _)| i)
        .find(|&i| {
            hay.as_bytes()
                .get(i..i + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        })
}

/// An entity at `start` (`&amp;`, `&#233;`, `&#xE9;`): its text and length.
fn entity(html: &str, start: usize) -> Option<(String, usize)> {
    let rest = html.get(start..)?.as_bytes();
    let len = rest
        .iter()
        .skip(1)
        .take(32)
        .position(|&b| b == b';')
        .map(|p| p + 2)?;
    let token = &rest[..len];
    if !token[1..len - 1]
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'#')
        || len < 3
    {
        return None;
    }
    let mut decoded = String::new();
    // The token is ASCII, which `add_html_token` requires to be UTF-8.
    add_html_token(&mut decoded, token, false);
    let raw = std::str::from_utf8(token).ok()?;
    (decoded != raw).then_some((decoded, len))
}

/// Entities inside an attribute value (`&amp;` in link targets).
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let from_amp = &rest[amp..];
        match entity(from_amp, 0) {
            Some((decoded, len)) => {
                out.push_str(&decoded);
                rest = &from_amp[len..];
            }
            None => {
                out.push('&');
                rest = &from_amp[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
