//! A forgiving reader for HTML and JSX tags found in Markdown.
//!
//! Shared by the section text (which drops tags and keeps their text) and
//! the importer (which turns a few tags into Markdown). It reads one tag at
//! a time and never builds a tree: documentation HTML is rarely balanced.

/// One tag as written: `<name attrs>`, `</name>` or `<name attrs />`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag<'a> {
    pub name: &'a str,
    pub closing: bool,
    pub self_closing: bool,
    /// The raw text between the name and the closing `>`.
    pub attrs: &'a str,
    /// Bytes from `<` to `>` inclusive.
    pub len: usize,
}

impl Tag<'_> {
    /// The name lower-cased, for comparing with HTML element names.
    pub fn lower(&self) -> String {
        self.name.to_ascii_lowercase()
    }

    /// The value of an attribute, quotes and JSX braces removed.
    pub fn attr(&self, key: &str) -> Option<String> {
        parse_attributes(self.attrs)
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v)
    }
}

/// Elements whose content is never text: dropped with everything inside.
pub(crate) const OPAQUE: &[&str] = &[
    "script", "style", "svg", "iframe", "noscript", "template", "object", "math",
];

/// Reads the tag at the start of `s` (which starts with `<`); `None` when it
/// is not a tag (`a < b`, `<https://…>`, `<x@y.z>`, an unclosed `<b`).
pub(crate) fn parse(s: &str) -> Option<Tag<'_>> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'<') {
        return None;
    }
    let closing = bytes.get(1) == Some(&b'/');
    let start = if closing { 2 } else { 1 };
    if !bytes.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        let namespaced = b == b':' && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic);
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || namespaced {
            i += 1;
        } else {
            break;
        }
    }
    let name = &s[start..i];
    let after = *bytes.get(i)?;
    if !(after.is_ascii_whitespace() || after == b'>' || after == b'/') {
        return None;
    }
    let attrs_start = i;
    let mut quote = None;
    let mut braces = 0usize;
    while let Some(&b) = bytes.get(i) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if braces == 0 => quote = Some(b),
            (None, b'{') => braces += 1,
            (None, b'}') => braces = braces.saturating_sub(1),
            (None, b'<') if braces == 0 => return None,
            (None, b'>') if braces == 0 => {
                let inner = &s[attrs_start..i];
                let self_closing = inner.trim_end().ends_with('/');
                let attrs = inner.trim_end().trim_end_matches('/');
                if closing && !attrs.trim().is_empty() {
                    return None;
                }
                return Some(Tag {
                    name,
                    closing,
                    self_closing,
                    attrs,
                    len: i + 1,
                });
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `key="value"`, `key='value'`, `key={"value"}`, `key=value`, and bare
/// `key` or `"quoted words"` (with no value), in order.
pub(crate) fn parse_attributes(s: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if rest.starts_with(['"', '\'']) {
            let (value, consumed) = read_value(rest);
            out.push((value, None));
            rest = rest[consumed..].trim_start();
            continue;
        }
        let key_end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_string();
        rest = rest[key_end..].trim_start();
        match rest.strip_prefix('=') {
            Some(after_eq) => {
                let after_eq = after_eq.trim_start();
                let (value, consumed) = read_value(after_eq);
                rest = after_eq[consumed..].trim_start();
                out.push((key, Some(value)));
            }
            None if key.is_empty() => break,
            None => out.push((key, None)),
        }
    }
    out
}

/// One attribute value and the bytes it took.
fn read_value(s: &str) -> (String, usize) {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, q @ ('"' | '\''))) => match s[1..].find(q) {
            Some(end) => (s[1..=end].to_string(), end + 2),
            None => (s[1..].to_string(), s.len()),
        },
        Some((_, '{')) => {
            let mut depth = 0usize;
            for (i, c) in s.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            let inner = s[1..i].trim().trim_matches(['"', '\'', '`']);
                            return (inner.to_string(), i + 1);
                        }
                    }
                    _ => {}
                }
            }
            (s[1..].to_string(), s.len())
        }
        _ => {
            let end = s.find(char::is_whitespace).unwrap_or(s.len());
            (s[..end].to_string(), end)
        }
    }
}

/// Decodes the character references plain text in HTML commonly carries.
pub(crate) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let c = match &rest[1..end] {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                num => num
                    .strip_prefix("#x")
                    .or_else(|| num.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| num.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_and_attributes() {
        let t = parse(r#"<TabItem value="go" label={"Go"}>rest"#).expect("tag");
        assert_eq!(t.name, "TabItem");
        assert_eq!(t.attr("label").as_deref(), Some("Go"));
        assert_eq!(t.attr("value").as_deref(), Some("go"));
        assert_eq!(t.len, r#"<TabItem value="go" label={"Go"}>"#.len());
        let t = parse("<Foo bar='a > b' />").expect("tag");
        assert!(t.self_closing);
        assert_eq!(t.attr("bar").as_deref(), Some("a > b"));
        let t = parse("</summary>").expect("tag");
        assert!(t.closing);
        let t = parse("<soapenv:Envelope>").expect("tag");
        assert_eq!(t.name, "soapenv:Envelope");
        assert_eq!(
            parse_attributes(r#" "Hotel X" name='a b' c "#),
            [
                ("Hotel X".to_string(), None),
                ("name".to_string(), Some("a b".to_string())),
                ("c".to_string(), None)
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_a_tag() {
        for s in ["< b", "<https://x.y>", "<a@b.c>", "<b", "<1>", "<a <b>"] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn decodes_entities() {
        assert_eq!(
            decode_entities("a &amp; b &lt;c&gt; &#39;d&#x27; &zz; &"),
            "a & b <c> 'd' &zz; &"
        );
    }
}
