//! A documentation page's body as clean CommonMark.
//!
//! This pass works on lines: it sets code apart (fences, Hugo `highlight`
//! and `mermaid` blocks) so nothing inside is touched, drops MDX `import`
//! and `export` lines, turns Docusaurus `:::` admonitions into labelled
//! paragraphs, and hands the prose to the [`Cleaner`]. A last pass tidies
//! blank lines and drops headings left without content.

use super::cleaner::{Cleaner, atx_level};
use super::shortcode::{capitalise, label};

/// Shortcodes whose content is code, written as a fence of that language.
const CODE_SHORTCODES: &[&str] = &["highlight", "mermaid", "code"];

/// Cleans a page body (front matter already removed).
pub(super) fn clean(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    let mut c = Cleaner::new(&outside_fences(&body));
    let mut prose = String::new();
    let mut lines = body.split_inclusive('\n');
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(fence) = Fence::open(line) {
            c.prose(&std::mem::take(&mut prose));
            let mut code = line.to_string();
            for next in lines.by_ref() {
                code.push_str(next);
                if fence.closes(next) {
                    break;
                }
            }
            c.code(&code);
        } else if let Some((name, lang)) = code_shortcode(trimmed) {
            c.prose(&std::mem::take(&mut prose));
            let mut code = format!("```{lang}\n");
            for next in lines.by_ref() {
                if closes_shortcode(next.trim(), &name) {
                    break;
                }
                code.push_str(next);
            }
            code.push_str("```\n");
            c.code(&code);
        } else if is_mdx_statement(line) {
            let mut depth = nesting(line);
            while depth > 0 {
                match lines.next() {
                    Some(next) => depth += nesting(next),
                    None => break,
                }
            }
        } else if let Some(spec) = trimmed.strip_prefix(":::") {
            c.prose(&std::mem::take(&mut prose));
            admonition(&mut c, spec.trim_start_matches(':').trim());
        } else {
            prose.push_str(line);
        }
    }
    c.prose(&prose);
    tidy(&c.out)
}

/// The body without its fenced code, where closing tags mark components.
fn outside_fences(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut fence: Option<Fence> = None;
    for line in body.split_inclusive('\n') {
        match fence {
            Some(f) if f.closes(line) => fence = None,
            Some(_) => {}
            None => {
                fence = Fence::open(line);
                if fence.is_none() {
                    out.push_str(line);
                }
            }
        }
    }
    out
}

/// An open code fence: its character and length.
#[derive(Debug, Clone, Copy)]
struct Fence {
    c: char,
    len: usize,
}

impl Fence {
    fn open(line: &str) -> Option<Fence> {
        let s = line.trim_start();
        let c = s.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let len = s.len() - s.trim_start_matches(c).len();
        let info = &s[len..];
        (len >= 3 && !(c == '`' && info.contains('`'))).then_some(Fence { c, len })
    }

    fn closes(&self, line: &str) -> bool {
        let s = line.trim();
        let run = s.len() - s.trim_start_matches(self.c).len();
        run >= self.len && s[run..].trim().is_empty()
    }
}

/// `{{< highlight go >}}` alone on its line: the shortcode and language.
fn code_shortcode(line: &str) -> Option<(String, String)> {
    let inner = line
        .strip_prefix("{{<")
        .and_then(|s| s.strip_suffix(">}}"))
        .or_else(|| line.strip_prefix("{{%").and_then(|s| s.strip_suffix("%}}")))?;
    let mut words = inner.split_whitespace();
    let name = words.next()?.to_ascii_lowercase();
    if !CODE_SHORTCODES.contains(&name.as_str()) {
        return None;
    }
    let lang = match name.as_str() {
        "mermaid" => "mermaid".to_string(),
        _ => words
            .next()
            .filter(|w| !w.contains('='))
            .map(|w| w.trim_matches(['"', '\'']).to_string())
            .unwrap_or_default(),
    };
    Some((name, lang))
}

fn closes_shortcode(line: &str, name: &str) -> bool {
    let inner = line
        .strip_prefix("{{<")
        .or_else(|| line.strip_prefix("{{%"))
        .map(|s| s.trim_end_matches(">}}").trim_end_matches("%}}").trim());
    inner
        .and_then(|s| s.strip_prefix('/'))
        .is_some_and(|s| s.trim().eq_ignore_ascii_case(name))
}

/// A top-level MDX `import … from '…'` or `export …` line.
fn is_mdx_statement(line: &str) -> bool {
    if let Some(rest) = line.strip_prefix("import ") {
        let rest = rest.trim_end();
        return rest.starts_with(['\'', '"'])
            || rest.contains(" from '")
            || rest.contains(" from \"")
            || (rest.starts_with('{') && !rest.contains('}'));
    }
    line.strip_prefix("export ").is_some_and(|rest| {
        [
            "const ",
            "let ",
            "var ",
            "function ",
            "default ",
            "class ",
            "async ",
            "{",
        ]
        .iter()
        .any(|k| rest.starts_with(k))
    })
}

/// Brackets opened minus closed, to find where a statement ends.
fn nesting(line: &str) -> i32 {
    line.chars()
        .map(|c| match c {
            '{' | '(' | '[' => 1,
            '}' | ')' | ']' => -1,
            _ => 0,
        })
        .sum()
}

/// `:::tip Title`, `:::info[Title]`, or the closing `:::`.
fn admonition(c: &mut Cleaner, spec: &str) {
    c.paragraph_break();
    if spec.is_empty() {
        c.label = None;
        return;
    }
    let kind_end = spec
        .find(|ch: char| ch.is_whitespace() || ch == '[' || ch == '{')
        .unwrap_or(spec.len());
    let kind = label(&spec[..kind_end]);
    let title = spec[kind_end..]
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim();
    if title.is_empty() || title.starts_with('{') {
        c.label = Some(kind);
    } else {
        c.out
            .push_str(&format!("**{kind}:** {}\n\n", capitalise(title)));
    }
}

/// Trailing spaces off, one blank line at most, no headings without
/// content (a generated page's `## Fields` over an emptied shortcode).
fn tidy(text: &str) -> String {
    let mut lines: Vec<(&str, bool)> = Vec::new();
    let mut fence: Option<Fence> = None;
    for line in text.lines() {
        match fence {
            Some(f) => {
                if f.closes(line) {
                    fence = None;
                }
                lines.push((line, true));
            }
            None => {
                fence = Fence::open(line);
                lines.push((line.trim_end(), fence.is_some()));
            }
        }
    }
    // Backwards, so a heading whose only content was an empty heading goes too.
    let mut keep = vec![true; lines.len()];
    let mut next_heading: Option<u8> = Some(0);
    for (i, (line, code)) in lines.iter().enumerate().rev() {
        if line.is_empty() && !code {
            continue;
        }
        match atx_level(line).filter(|_| !code) {
            Some(level) if next_heading.is_some_and(|next| next == 0 || next <= level) => {
                keep[i] = false;
            }
            level => next_heading = level,
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for ((line, code), keep) in lines.into_iter().zip(keep) {
        if !keep {
            continue;
        }
        if line.is_empty() && !code {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
        blank = false;
    }
    out.trim_end().to_string()
}
