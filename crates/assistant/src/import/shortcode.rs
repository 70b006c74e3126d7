//! Hugo shortcodes: `{{< name args >}}` and `{{% name args %}}`.
//!
//! Tags go, the text between paired tags stays; admonitions become a
//! labelled paragraph, tabs a bold line with the tab's name, references
//! inside a link leave the link's text.

use super::cleaner::Cleaner;
use crate::markdown::tag;

/// Shortcodes that mark an admonition; the label comes from their type.
const ADMONITIONS: &[&str] = &[
    "notice",
    "alert",
    "admonition",
    "callout",
    "hint",
    "note",
    "tip",
    "info",
    "warning",
    "danger",
    "caution",
    "important",
    "attention",
];

impl Cleaner {
    /// Handles one shortcode; `inner` is the text between the delimiters.
    pub(super) fn shortcode(&mut self, inner: &str) {
        let inner = inner.trim();
        // `{{</* x */>}}` shows shortcode syntax in docs about docs.
        if inner.starts_with("/*") {
            return;
        }
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, inner),
        };
        let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let args = &inner[name_end..];
        match name.as_str() {
            n if ADMONITIONS.contains(&n) => {
                self.paragraph_break();
                if closing {
                    self.label = None;
                } else {
                    self.label = Some(admonition_label(n, args));
                }
            }
            "tab" if !closing => {
                self.paragraph_break();
                if let Some(title) = arg(args, &["name", "title", "label"]) {
                    self.out.push_str(&format!("**{title}**\n\n"));
                }
            }
            "tab" | "tabs" | "expand" if closing => self.paragraph_break(),
            "expand" => {
                self.paragraph_break();
                if let Some(title) = arg(args, &["title"]) {
                    self.out.push_str(&format!("**{title}**\n\n"));
                }
            }
            "ref" | "relref" => self.drop_link_target(),
            "figure" if !closing => {
                if let Some(caption) = arg(args, &["caption", "title", "alt"]) {
                    self.paragraph_break();
                    self.text(&caption);
                    self.paragraph_break();
                }
            }
            _ => {}
        }
    }

    /// `[text]({{< ref "x" >}})`: the link's target is a site path that
    /// means nothing here, so only the text stays.
    fn drop_link_target(&mut self) {
        let Some(before) = self.out.strip_suffix("](") else {
            return;
        };
        let mut depth = 0usize;
        for (i, c) in before.char_indices().rev() {
            match c {
                ']' => depth += 1,
                '[' if depth == 0 => {
                    let text = before[i + 1..].to_string();
                    self.out.truncate(i);
                    self.out.push_str(&text);
                    self.skip_paren = true;
                    return;
                }
                '[' => depth -= 1,
                _ => {}
            }
        }
    }
}

/// "Note", "Warning"…: from `notice warning`, `alert theme="info"` or the
/// shortcode's own name.
fn admonition_label(name: &str, args: &str) -> String {
    let kind = arg(args, &["theme", "type", "style", "title"])
        .filter(|_| matches!(name, "notice" | "alert" | "admonition" | "callout" | "hint"))
        .unwrap_or_else(|| match name {
            "notice" | "alert" | "admonition" | "callout" | "hint" => "note".to_string(),
            other => other.to_string(),
        });
    label(&kind)
}

/// An admonition type as a label: `info` → `Info`, `success` → `Note`.
pub(super) fn label(kind: &str) -> String {
    let kind = kind.trim().to_lowercase();
    let kind = match kind.as_str() {
        "" | "primary" | "secondary" | "success" | "default" => "note",
        "error" => "danger",
        other => other,
    };
    capitalise(kind)
}

pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A named argument, else the first positional one.
fn arg(args: &str, keys: &[&str]) -> Option<String> {
    let parsed = tag::parse_attributes(args);
    keys.iter()
        .find_map(|k| {
            parsed
                .iter()
                .find(|(name, v)| name.eq_ignore_ascii_case(k) && v.is_some())
                .and_then(|(_, v)| v.clone())
        })
        .or_else(|| {
            parsed
                .iter()
                .find(|(_, v)| v.is_none())
                .map(|(name, _)| name.trim_matches(['"', '\'']).to_string())
        })
        .filter(|s| !s.trim().is_empty())
}
