//! Reading HTML's pieces: tags with their attributes, entities, and the
//! end of an element whose content is skipped. Forgiving: what is not a tag
//! is text, an unclosed tag runs to the end of the input.

use mail_parser::decoders::html::add_html_token;

/// One tag (or comment, or declaration) starting at a `<`.
pub(super) struct Tag<'a> {
    /// Lower-case element name; empty for comments and declarations.
    pub name: String,
    pub closing: bool,
    /// The text between the name and the closing `>`.
    pub attrs: &'a str,
    /// Just past the tag.
    pub end: usize,
}

impl<'a> Tag<'a> {
    /// `None` when the `<` does not start a tag and is plain text.
    pub(super) fn read(html: &'a str, start: usize) -> Option<Self> {
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
    pub(super) fn attr(&self, name: &str) -> Option<&'a str> {
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

/// Where reading goes on after the content of a hidden element: past its
/// end tag, or the end of the input. A `<head>` without an end tag ends
/// where `<body>` starts.
pub(super) fn skip_element(html: &str, from: usize, name: &str) -> usize {
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
pub(super) fn entity(html: &str, start: usize) -> Option<(String, usize)> {
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
pub(super) fn decode_entities(s: &str) -> String {
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
