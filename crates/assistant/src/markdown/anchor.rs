//! Heading ids as GitHub and Hugo make them, unique within an article.

use std::collections::HashSet;

/// The id of a heading: lower-case letters and digits (any script), `_`
/// kept as GitHub keeps it, spaces and `-` as one `-`, the rest dropped.
pub fn anchor(heading: &str) -> String {
    let mut out = String::with_capacity(heading.len());
    let mut dash = false;
    for c in heading.chars() {
        if c.is_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

/// Hands out anchors in document order, suffixing repeats with `-1`, `-2`…
#[derive(Debug, Default)]
pub(super) struct Anchors {
    used: HashSet<String>,
}

impl Anchors {
    pub fn next(&mut self, heading: &str) -> String {
        let base = anchor(heading);
        let mut candidate = base.clone();
        let mut n = 0;
        while self.used.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        self.used.insert(candidate.clone());
        candidate
    }
}
