//! Raw HTML inside Markdown, reduced to its text.
//!
//! pulldown-cmark hands raw HTML over in pieces (a block's lines, single
//! inline tags), so the state, notably "inside `<svg>`", lives across calls.

use super::tag::{self, OPAQUE};

/// Tags that end a line of text.
const BREAKS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "tr",
    "ul",
    "ol",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "details",
    "summary",
    "blockquote",
    "pre",
    "dt",
    "dd",
    "hr",
    "section",
];

/// Strips tags from raw HTML, keeping text, across several pieces.
#[derive(Debug, Default)]
pub(crate) struct HtmlText {
    /// The opaque element being skipped and how deeply it nests.
    skipping: Option<(String, usize)>,
    /// Inside `<!-- … -->` left open by an earlier piece.
    in_comment: bool,
}

impl HtmlText {
    /// Whether Markdown text arriving now sits inside a dropped element.
    pub fn skipping(&self) -> bool {
        self.skipping.is_some() || self.in_comment
    }

    /// Appends the text of `html` to `out`; `\n` where a block tag ends a
    /// line, ` | ` after a table cell.
    pub fn feed(&mut self, html: &str, out: &mut String) {
        let mut rest = html;
        while !rest.is_empty() {
            if self.in_comment {
                match rest.find("-->") {
                    Some(end) => {
                        self.in_comment = false;
                        rest = &rest[end + 3..];
                    }
                    None => return,
                }
                continue;
            }
            let Some(lt) = rest.find('<') else {
                self.text(rest, out);
                return;
            };
            self.text(&rest[..lt], out);
            rest = &rest[lt..];
            if let Some(after) = rest.strip_prefix("<!--") {
                self.in_comment = true;
                rest = after;
                continue;
            }
            match tag::parse(rest) {
                Some(t) => {
                    self.tag(&t, out);
                    rest = &rest[t.len..];
                }
                None => {
                    self.text("<", out);
                    rest = &rest[1..];
                }
            }
        }
    }

    fn text(&self, text: &str, out: &mut String) {
        if self.skipping.is_none() {
            out.push_str(&tag::decode_entities(text));
        }
    }

    fn tag(&mut self, t: &tag::Tag<'_>, out: &mut String) {
        let name = t.lower();
        if let Some((opaque, depth)) = &mut self.skipping {
            if *opaque == name && !t.self_closing {
                if t.closing {
                    *depth -= 1;
                } else {
                    *depth += 1;
                }
                if *depth == 0 {
                    self.skipping = None;
                }
            }
            return;
        }
        if OPAQUE.contains(&name.as_str()) {
            if !t.closing && !t.self_closing {
                self.skipping = Some((name, 1));
            }
        } else if BREAKS.contains(&name.as_str()) {
            out.push('\n');
        } else if t.closing && (name == "td" || name == "th") {
            out.push_str(" | ");
        } else if name == "img"
            && let Some(alt) = t.attr("alt")
        {
            out.push_str(&alt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(pieces: &[&str]) -> String {
        let mut h = HtmlText::default();
        let mut out = String::new();
        for p in pieces {
            h.feed(p, &mut out);
        }
        out
    }

    #[test]
    fn keeps_text_and_drops_opaque_elements() {
        assert_eq!(strip(&["<b>x</b> &amp; y"]), "x & y");
        assert_eq!(strip(&["a<script>alert(1)</script>b"]), "ab");
        assert_eq!(
            strip(&["<svg><g><svg></svg>t</g>", "<path d='M1'/></svg>z"]),
            "z"
        );
        assert_eq!(strip(&["a<!-- c", "d -->b"]), "ab");
        assert_eq!(
            strip(&["<img src=x alt=\"Logo\" onerror=alert(1)>"]),
            "Logo"
        );
        assert_eq!(strip(&["<tr><td>a</td><td>b</td></tr>"]), "\na | b | \n");
    }
}
