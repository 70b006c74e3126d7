//! What the sender wrote this time: a reply without the history its mail
//! client quoted below it, without the signature and without the "Sent
//! from my phone" line.
//!
//! Clients mark the history in a handful of ways (our own "reply above this
//! line" marker, "On … wrote:" and its translations, Outlook's header block,
//! `>` quoting), so the text is cut at the first line that starts one.
//! Forwarded mail is kept: for support, what was forwarded is the message.

mod words;

use crate::render::REPLY_ABOVE_MARKER;
use words::{
    ATTRIBUTIONS, DEVICE_LINES, FROM_KEYS, OTHER_KEYS, QUOTE_VERBS, is_forward_marker,
    is_original_message,
};

/// Attribution lines are one sentence; longer lines are prose.
const MAX_ATTRIBUTION_CHARS: usize = 400;

/// `text` without quoted history, signature and device footer. When
/// nothing would be left (a forward with no note of its own, or a reply
/// written below the quote that has no attribution to start from), the
/// text is returned whole, only trimmed.
pub fn trim_reply(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let kept = kept_lines(&lines, MAX_FORWARDS);
    if kept.is_empty() {
        trim_blank(&lines).join("\n")
    } else {
        kept.join("\n")
    }
}

/// Forwards inside forwards followed this deep below a signature.
const MAX_FORWARDS: usize = 4;

/// The lines the sender wrote; empty when nothing is left.
fn kept_lines<'a>(lines: &[&'a str], forwards_left: usize) -> Vec<&'a str> {
    let mut view = lines;
    // Bottom-posted replies start with the quote; what follows it is tried
    // instead, a few times at most (quote, answer, quote, answer…).
    for _ in 0..3 {
        let cut = first_cut(view);
        let end = cut.unwrap_or(view.len());
        let mut kept = trim_blank(drop_device_line(drop_trailing_quote(&view[..end]))).to_vec();
        // "FYI" + signature + a forwarded mail: the forward is the point.
        if let Some(c) = cut
            && is_signature(view[c])
            && forwards_left > 0
            && let Some(f) = (c + 1..view.len()).find(|&j| is_forward_marker(view[j]))
        {
            let forwarded = kept_lines(&view[f..], forwards_left - 1);
            if !kept.is_empty() && !forwarded.is_empty() {
                kept.push("");
            }
            kept.extend(forwarded);
        }
        if !kept.is_empty() {
            return kept;
        }
        match below_leading_quote(view, end) {
            Some(below) => view = below,
            None => break,
        }
    }
    Vec::new()
}

/// The first line at which quoted history or the signature starts.
fn first_cut(lines: &[&str]) -> Option<usize> {
    let cut = (0..lines.len()).find(|&i| {
        let line = lines[i].trim();
        is_marker(lines[i])
            || is_signature(lines[i])
            || is_original_message(line)
            || attribution_len(lines, i).is_some()
            || starts_header_block(lines, i)
            || is_underscores(line)
                && (i + 1..lines.len())
                    .find(|&j| !lines[j].trim().is_empty())
                    .is_some_and(|j| header_key(lines[j], FROM_KEYS))
    })?;
    // An attribution wrapped inside its address: `… "Bob" <` / `bob@x> wrote:`.
    let wrapped = cut > 0 && lines[cut - 1].trim_end().ends_with('<') && lines[cut].contains('@');
    Some(if wrapped { cut - 1 } else { cut })
}

/// Outlook's line of underscores above its header block.
fn is_underscores(line: &str) -> bool {
    line.len() >= 10 && line.bytes().all(|b| b == b'_')
}

/// Our marker, also when quoted (`> ##- Please type…`) or re-wrapped.
fn is_marker(line: &str) -> bool {
    let core = REPLY_ABOVE_MARKER.trim_matches(['#', '-', ' ']);
    line.contains(core)
}

/// `-- ` (RFC 3676's signature separator); also `--`, as clients and
/// HTML conversion often drop the space.
fn is_signature(line: &str) -> bool {
    line.trim_end_matches('\r') == "-- " || line.trim_end() == "--"
}

/// How many lines the attribution starting at `i` takes (1 or 2, as
/// clients wrap long ones), if one starts there.
fn attribution_len(lines: &[&str], i: usize) -> Option<usize> {
    // Yahoo writes "--- On Wed, 4/4/12, Ana <a@x.com> wrote:".
    let first = lines[i].trim().trim_start_matches(['-', ' ']);
    if is_attribution(first, || quote_follows(lines, i + 1)) {
        return Some(1);
    }
    if first.ends_with(':')
        || !ATTRIBUTIONS
            .iter()
            .any(|(start, _)| first.starts_with(start))
    {
        return None;
    }
    let second = lines.get(i + 1)?.trim();
    let joined = format!("{first} {second}");
    is_attribution(&joined, || quote_follows(lines, i + 2)).then_some(2)
}

/// `quote_follows` is asked only for lines that could be one, as it looks
/// ahead.
fn is_attribution(line: &str, quote_follows: impl FnOnce() -> bool) -> bool {
    let Some(head) = line.strip_suffix(':') else {
        return false;
    };
    if line.chars().count() > MAX_ATTRIBUTION_CHARS {
        return false;
    }
    let head = head.trim_end();
    let known = ATTRIBUTIONS.iter().any(|(start, verb)| {
        line.starts_with(start)
            && if verb.is_empty() {
                // German, Dutch and Scandinavian put the verb mid-line:
                // "Am 12.03.2024 um 10:00 schrieb Max <max@x.de>:".
                ["schrieb", "schreef", "skrev"]
                    .iter()
                    .any(|v| head.contains(v))
            } else {
                head.ends_with(verb)
            }
    });
    known || QUOTE_VERBS.iter().any(|v| head.ends_with(v)) && quote_follows()
}

/// Whether the next non-blank line from `from` is `>`-quoted.
fn quote_follows(lines: &[&str], from: usize) -> bool {
    lines
        .iter()
        .skip(from)
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| is_quoted(l))
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Outlook's block: `From:` followed by at least two of `Sent:`, `To:`,
/// `Cc:`, `Subject:` (or their translations) within a few lines; GMX and
/// others start with the date (`Gesendet:`, then `Von:`). Not when a
/// forward marker stands right above it: forwards are kept.
fn starts_header_block(lines: &[&str], i: usize) -> bool {
    let starts_with_from = header_key(lines[i], FROM_KEYS);
    if !starts_with_from && !header_key(lines[i], OTHER_KEYS) {
        return false;
    }
    let next: Vec<&str> = lines
        .iter()
        .skip(i + 1)
        .filter(|l| !l.trim().is_empty())
        .take(6)
        .copied()
        .collect();
    let others = next.iter().filter(|l| header_key(l, OTHER_KEYS)).count();
    let block = if starts_with_from {
        others >= 2
    } else {
        next.iter().take(2).any(|l| header_key(l, FROM_KEYS)) && others >= 2
    };
    let forwarded = lines[..i]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| is_forward_marker(l));
    block && !forwarded
}

/// `Key: value`, the key in `keys` (any case), also `*Key:*` as Outlook's
/// bold survives in text parts.
fn header_key(line: &str, keys: &[&str]) -> bool {
    let line = line.trim().trim_start_matches('*');
    let Some((key, _)) = line.split_once(':') else {
        return false;
    };
    let key = key.trim_end_matches('*').trim().to_lowercase();
    keys.contains(&key.as_str())
}

/// Drops a trailing block of `>`-quoted lines, and the attribution-like
/// line right above it when it names an address (`Ana <ana@x.com>:`, in
/// any language), also when wrapped onto two lines.
fn drop_trailing_quote<'a, 'b>(lines: &'b [&'a str]) -> &'b [&'a str] {
    let lines = trim_blank(lines);
    let mut start = lines.len();
    while start > 0 && (is_quoted(lines[start - 1]) || lines[start - 1].trim().is_empty()) {
        start -= 1;
    }
    if start == lines.len() {
        return lines;
    }
    let above = trim_blank(&lines[..start]);
    let n = above.len();
    let Some(last) = above.last().map(|l| l.trim()) else {
        return above;
    };
    if !last.ends_with(':') || last.chars().count() > MAX_ATTRIBUTION_CHARS {
        return above;
    }
    let before = n
        .checked_sub(2)
        .map(|i| above[i].trim())
        .filter(|l| !l.is_empty());
    match before {
        // "… "bob@x.org" <" / "bob@x.org> написал:"
        Some(b) if b.ends_with('<') || !last.contains('@') && b.contains('@') => &above[..n - 2],
        _ if last.contains('@') => &above[..n - 1],
        _ => above,
    }
}

/// Drops a last line like "Sent from my iPhone".
fn drop_device_line<'a, 'b>(lines: &'b [&'a str]) -> &'b [&'a str] {
    let lines = trim_blank(lines);
    let Some(last) = lines.last() else {
        return lines;
    };
    let lower = last.trim().to_lowercase();
    let device = lower.chars().count() <= 100 && DEVICE_LINES.iter().any(|p| lower.starts_with(p));
    if device {
        &lines[..lines.len() - 1]
    } else {
        lines
    }
}

/// The lines after an attribution at `cut` and the quote block under it,
/// when the sender wrote below the quote.
fn below_leading_quote<'a, 'b>(lines: &'b [&'a str], cut: usize) -> Option<&'b [&'a str]> {
    if cut >= lines.len() {
        return None;
    }
    let skip = attribution_len(lines, cut)?;
    let mut i = cut + skip;
    while lines
        .get(i)
        .is_some_and(|l| is_quoted(l) || l.trim().is_empty())
    {
        i += 1;
    }
    (i > cut + skip && i < lines.len()).then(|| &lines[i..])
}

/// Without blank lines at either end.
fn trim_blank<'a, 'b>(lines: &'b [&'a str]) -> &'b [&'a str] {
    let start = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(start, |p| p + 1);
    &lines[start..end.max(start)]
}

#[cfg(test)]
mod tests;
