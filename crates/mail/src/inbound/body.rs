//! Which text a mail says and what it carries: `mail-parser` has already
//! sorted the MIME tree into body parts (text preferred over HTML within
//! `multipart/alternative`) and attachments; here HTML-only bodies become
//! text, forwarded mail (`message/rfc822`) is read into the text with its
//! own attachments collected, and parts become [`InboundAttachment`]s.

use super::{InboundAttachment, Limits, ParseError, html, names};
use mail_parser::decoders::base64::base64_decode;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};
use std::fmt::Write as _;

/// Forwarded mail inside forwarded mail is read this deep; deeper ones stay
/// attachments. Real forwards rarely nest more than twice.
const MAX_FORWARD_DEPTH: usize = 4;

/// Put before each forwarded mail's text, as Gmail does, so readers (and
/// [`super::trim_reply`], which keeps forwards) see where it starts.
pub(super) const FORWARD_MARKER: &str = "---------- Forwarded message ----------";

pub(super) struct Body {
    pub text: String,
    pub attachments: Vec<InboundAttachment>,
}

/// Reads the body text and attachments of `message`, refusing it when it
/// has more attachments than `limits` allow.
pub(super) fn collect(message: &Message<'_>, limits: &Limits) -> Result<Body, ParseError> {
    let mut walk = Walk {
        text: String::new(),
        attachments: Vec::new(),
        count: 0,
        max: limits.max_attachments,
        // HTML conversion and forwarded text stop growing the text well past
        // the cut `parse` makes anyway; a bound per mail, not per part.
        max_text_bytes: limits.max_text_chars.saturating_mul(4).saturating_add(1024),
    };
    walk.message(message, 0);
    if walk.count > walk.max {
        return Err(ParseError::TooManyAttachments(walk.count));
    }
    Ok(Body {
        text: walk.text,
        attachments: walk.attachments,
    })
}

struct Walk {
    text: String,
    attachments: Vec<InboundAttachment>,
    /// Attachments seen, also past `max` (when their data is not copied).
    count: usize,
    max: usize,
    max_text_bytes: usize,
}

impl Walk {
    fn message(&mut self, message: &Message<'_>, depth: usize) {
        self.body_text(message);
        for &id in &message.attachments {
            let Some(part) = message.parts.get(id as usize) else {
                continue;
            };
            match &part.body {
                PartType::Message(nested)
                    if depth < MAX_FORWARD_DEPTH && !nested.parts.is_empty() =>
                {
                    self.forwarded(nested, depth + 1);
                }
                PartType::Multipart(_) => {}
                _ => self.attachment(part),
            }
        }
    }

    /// The text of the body parts, in order. HTML parts count only when
    /// there is no text part: a `multipart/mixed` with a text and an HTML
    /// sibling (Apple Mail) says the same thing twice.
    fn body_text(&mut self, message: &Message<'_>) {
        let part = |id: &u32| message.parts.get(*id as usize).map(|p| &p.body);
        let mut parts: Vec<String> = message
            .text_body
            .iter()
            .filter_map(|id| match part(id) {
                Some(PartType::Text(text)) => Some(text.to_string()),
                _ => None,
            })
            .collect();
        for html_ids in [&message.text_body, &message.html_body] {
            if parts.iter().any(|p| !p.trim().is_empty()) {
                break;
            }
            parts = html_ids
                .iter()
                .filter_map(|id| match part(id) {
                    Some(PartType::Html(markup)) => {
                        Some(html::to_text(markup, self.max_text_bytes))
                    }
                    _ => None,
                })
                .collect();
        }
        for part in parts {
            let part = part.trim_end();
            if part.trim().is_empty() {
                continue;
            }
            self.paragraph_break();
            self.push_text(part);
        }
    }

    fn push_text(&mut self, s: &str) {
        let room = self.max_text_bytes.saturating_sub(self.text.len());
        if s.len() <= room {
            self.text.push_str(s);
        } else {
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.text.push_str(&s[..end]);
        }
    }

    /// A forwarded mail: a short header block, its text, its attachments.
    fn forwarded(&mut self, nested: &Message<'_>, depth: usize) {
        let mut header = format!("{FORWARD_MARKER}\n");
        if let Some(from) = nested.from().and_then(|a| a.first()) {
            let _ = writeln!(header, "From: {}", display_addr(from));
        }
        if let Some(date) = nested.date() {
            let _ = writeln!(header, "Date: {}", date.to_rfc822());
        }
        if let Some(subject) = nested.subject() {
            let _ = writeln!(header, "Subject: {}", super::parse::one_line(subject));
        }
        let to: Vec<String> = nested
            .to()
            .map(|a| a.iter().map(display_addr).collect())
            .unwrap_or_default();
        if !to.is_empty() {
            let _ = writeln!(header, "To: {}", to.join(", "));
        }
        self.paragraph_break();
        self.push_text(&header);
        self.message(nested, depth);
    }

    /// Ends the text so far with one blank line, unless it is empty.
    fn paragraph_break(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let trimmed = self.text.trim_end_matches('\n').len();
        self.text.truncate(trimmed);
        self.text.push_str("\n\n");
    }

    fn attachment(&mut self, part: &MessagePart<'_>) {
        self.count += 1;
        if self.count > self.max {
            return;
        }
        let content_type = content_type(part);
        let data = match &part.body {
            PartType::Text(s) if part.is_encoding_problem && is_base64(part) => {
                truncated_base64(s.as_bytes())
            }
            PartType::Text(s) | PartType::Html(s) => s.as_bytes().to_vec(),
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Message(m) => m.raw_message().to_vec(),
            PartType::Multipart(_) => Vec::new(),
        };
        let disposition = part.content_disposition();
        let attached = disposition.is_some_and(|d| d.is_attachment());
        let content_id = part
            .content_id()
            .map(|id| {
                id.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .trim()
            })
            .filter(|id| !id.is_empty())
            .map(|id| id.chars().filter(|c| !c.is_control()).take(250).collect());
        let inline = !attached
            && content_type.starts_with("image/")
            && (disposition.is_some_and(|d| d.is_inline()) || content_id.is_some());
        let file_name = names::file_name(part.attachment_name(), self.count, &content_type);
        self.attachments.push(InboundAttachment {
            file_name,
            content_type,
            data,
            inline,
            content_id,
        });
    }
}

fn is_base64(part: &MessagePart<'_>) -> bool {
    part.content_transfer_encoding()
        .is_some_and(|cte| cte.trim().eq_ignore_ascii_case("base64"))
}

/// A base64 part `mail-parser` gave up on, typically cut off in transit
/// (no closing boundary): decoded as far as whole groups go, rather than
/// kept as base64 text.
fn truncated_base64(raw: &[u8]) -> Vec<u8> {
    let mut clean: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .collect();
    clean.truncate(clean.len() / 4 * 4);
    base64_decode(&clean).unwrap_or_else(|| raw.to_vec())
}

/// `type/subtype`, lower-case; what the part's kind implies when unstated.
fn content_type(part: &MessagePart<'_>) -> String {
    let stated = part.content_type().map(|ct| match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub),
        None => ct.ctype().to_owned(),
    });
    let clean = stated
        .map(|s| {
            s.trim()
                .to_ascii_lowercase()
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(100)
                .collect::<String>()
        })
        .filter(|s| s.contains('/') && !s.starts_with('/') && !s.ends_with('/'));
    clean.unwrap_or_else(|| {
        match part.body {
            PartType::Text(_) => "text/plain",
            PartType::Html(_) => "text/html",
            PartType::Message(_) => "message/rfc822",
            _ => "application/octet-stream",
        }
        .to_owned()
    })
}

fn display_addr(addr: &mail_parser::Addr<'_>) -> String {
    let address = addr.address.as_deref().unwrap_or_default();
    match addr.name.as_deref().map(super::parse::one_line) {
        Some(name) if !name.is_empty() && !address.is_empty() => format!("{name} <{address}>"),
        Some(name) if !name.is_empty() => name,
        _ => address.to_owned(),
    }
}
