//! The entry point: limits first, then `mail-parser` for the MIME work,
//! then our own reading of the envelope fields (ids, addresses, subject,
//! date) into validated values.

use super::{AutoKind, Limits, Mailbox, ParseError, Parsed, auto, body, quote};
use frontdesk_domain::EmailAddress;
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders};
use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// RFC 5322's line limit; no real id comes near it.
const MAX_ID_CHARS: usize = 998;

/// Parses one raw mail (RFC 5322, any line ends).
///
/// Broken mail is read as far as it goes. `mail-parser` promises never to
/// panic; should it break that promise on some input, the mail is refused
/// as [`ParseError::NotMime`] instead of taking the caller down.
pub fn parse(raw: &[u8], limits: &Limits) -> Result<Parsed, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let raw = normalized(raw);
    header_section_len(&raw, limits.max_header_bytes)?;
    catch_unwind(AssertUnwindSafe(|| parse_checked(&raw, limits))).unwrap_or_else(|_| {
        Err(ParseError::NotMime(
            "the MIME structure could not be read".to_owned(),
        ))
    })
}

fn parse_checked(raw: &[u8], limits: &Limits) -> Result<Parsed, ParseError> {
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| m.parts.first().is_some_and(|p| !p.headers.is_empty()))
        .ok_or_else(|| ParseError::NotMime("no header fields found".to_owned()))?;
    let from = first_mailbox(message.from())
        .or_else(|| first_mailbox(message.sender()))
        .ok_or(ParseError::NoSender)?;
    let subject = subject(&message);
    let body = body::collect(&message, limits)?;
    let text = clean_text(&body.text, limits.max_text_chars);
    let reply = quote::trim_reply(&text);
    let detected = auto::detect(&message, &from.address, &subject);
    let (auto, auto_reason): (Option<AutoKind>, Option<String>) = match detected {
        Some((kind, reason)) => (Some(kind), Some(reason)),
        None => (None, None),
    };
    Ok(Parsed {
        message_id: ids(message.header(mail_parser::HeaderName::MessageId))
            .into_iter()
            .next(),
        in_reply_to: ids(message.header(mail_parser::HeaderName::InReplyTo)),
        references: ids(message.header(mail_parser::HeaderName::References)),
        from,
        to: mailboxes(message.all_to()),
        cc: mailboxes(message.all_cc()),
        reply_to: first_mailbox(message.reply_to()),
        subject,
        date: message
            .date()
            .filter(|d| d.is_valid())
            .and_then(|d| d.to_timestamp().checked_mul(1000)),
        text,
        reply,
        attachments: body.attachments,
        auto,
        auto_reason,
    })
}

/// What `mail-parser` expects to see first: header fields. Drops blank
/// lines and an mbox `From ` envelope line before them (mail saved from a
/// mailbox file), and turns old Mac CR-only line ends into LF.
fn normalized(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut start = 0;
    loop {
        let rest = &raw[start..];
        let line_end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |p| p + 1);
        let line = &rest[..line_end];
        if line.iter().all(u8::is_ascii_whitespace) && line_end < rest.len() {
            start += line_end;
        } else if line.starts_with(b"From ")
            && !line[5..].trim_ascii_start().starts_with(b":")
            && line_end < rest.len()
        {
            start += line_end;
            break;
        } else {
            break;
        }
    }
    let raw = &raw[start..];
    let first_break = raw.iter().position(|&b| b == b'\r' || b == b'\n');
    let cr_only = first_break.is_some_and(|p| raw[p] == b'\r' && raw.get(p + 1) != Some(&b'\n'));
    if !cr_only {
        return Cow::Borrowed(raw);
    }
    let mut lf = raw.to_vec();
    for i in 0..lf.len() {
        if lf[i] == b'\r' && lf.get(i + 1) != Some(&b'\n') {
            lf[i] = b'\n';
        }
    }
    Cow::Owned(lf)
}

/// The header section's length, refusing one over `max` bytes before any
/// parsing is spent on it. Lines may end in CRLF, LF or a lone CR.
fn header_section_len(raw: &[u8], max: usize) -> Result<usize, ParseError> {
    let mut i = 0;
    let mut line_start = 0;
    while let Some(&b) = raw.get(i) {
        if i > max {
            return Err(ParseError::HeadersTooLarge);
        }
        if b == b'\n' || b == b'\r' {
            if i == line_start {
                return Ok(i);
            }
            i += if b == b'\r' && raw.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            line_start = i;
        } else {
            i += 1;
        }
    }
    if raw.len() > max {
        Err(ParseError::HeadersTooLarge)
    } else {
        Ok(raw.len())
    }
}

/// Message ids from an id header, without brackets or stray whitespace.
fn ids(value: Option<&HeaderValue<'_>>) -> Vec<String> {
    let raw: Vec<&str> = match value {
        Some(HeaderValue::Text(id)) => vec![id.as_ref()],
        Some(HeaderValue::TextList(ids)) => ids.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    raw.into_iter().filter_map(clean_id).collect()
}

fn clean_id(raw: &str) -> Option<String> {
    let id: String = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(MAX_ID_CHARS)
        .collect();
    (!id.is_empty()).then_some(id)
}

fn mailboxes<'a>(headers: impl Iterator<Item = &'a Address<'a>>) -> Vec<Mailbox> {
    let mut out: Vec<Mailbox> = Vec::new();
    for mailbox in headers.flat_map(|a| a.iter()).filter_map(mailbox) {
        if !out.iter().any(|m| m.address == mailbox.address) {
            out.push(mailbox);
        }
    }
    out
}

fn first_mailbox(header: Option<&Address<'_>>) -> Option<Mailbox> {
    header?.iter().find_map(mailbox)
}

/// A valid mailbox, also from `Name name@x.com` written without brackets
/// (which leaves the address inside the name).
fn mailbox(addr: &mail_parser::Addr<'_>) -> Option<Mailbox> {
    let written = addr.address.as_deref().map(str::trim);
    let parsed = written.and_then(|a| EmailAddress::parse(a.trim_end_matches('.')).ok());
    let Some(address) = parsed else {
        // `Name name@x.com` without brackets, or two addresses in one.
        let words = format!(
            "{} {}",
            addr.name.as_deref().unwrap_or_default(),
            written.unwrap_or_default()
        );
        let address = words
            .split(|c: char| c.is_whitespace() || "<>()\"',;".contains(c))
            .find_map(|word| EmailAddress::parse(word).ok())?;
        let name = addr
            .name
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .filter(|w| {
                !w.trim_matches(['<', '>'])
                    .eq_ignore_ascii_case(address.as_str())
            })
            .collect::<Vec<_>>()
            .join(" ");
        let name = one_line(&name).trim_matches(['"', '\'', ' ']).to_owned();
        return Some(Mailbox {
            name: (!name.is_empty()).then_some(name),
            address,
        });
    };
    let name = addr
        .name
        .as_deref()
        .map(|n| one_line(n).trim_matches(['"', '\'', ' ']).to_owned())
        .filter(|n| !n.is_empty());
    Some(Mailbox { name, address })
}

/// The decoded subject. `mail-parser` decodes RFC 2047 words; raw 8-bit
/// bytes that are not UTF-8 (old clients) are read in the charset the
/// mail's parts declare, multi-byte ones first (a Chinese mail's text part
/// may sit under a Latin-1 wrapper), else as Windows-1252, rather than
/// turned into replacement characters.
fn subject(message: &Message<'_>) -> String {
    let decoded = message.subject().unwrap_or_default();
    if decoded.contains(char::REPLACEMENT_CHARACTER)
        && let Some(raw) = raw_header(message, &mail_parser::HeaderName::Subject)
        && std::str::from_utf8(raw).is_err()
    {
        return one_line(&decode_8bit(message, raw));
    }
    one_line(decoded)
}

fn decode_8bit(message: &Message<'_>, raw: &[u8]) -> String {
    let mut declared: Vec<&'static encoding_rs::Encoding> = message
        .parts
        .iter()
        .filter_map(|p| p.content_type()?.attribute("charset"))
        .filter_map(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes()))
        .collect();
    declared.sort_by_key(is_single_byte);
    declared.dedup();
    declared
        .into_iter()
        .find_map(|e| e.decode_without_bom_handling_and_without_replacement(raw))
        .map_or_else(
            || encoding_rs::WINDOWS_1252.decode(raw).0.into_owned(),
            Cow::into_owned,
        )
}

fn is_single_byte(encoding: &&'static encoding_rs::Encoding) -> bool {
    use encoding_rs::{BIG5, EUC_JP, EUC_KR, GB18030, GBK, ISO_2022_JP, SHIFT_JIS, UTF_8};
    ![
        BIG5,
        EUC_JP,
        EUC_KR,
        GB18030,
        GBK,
        ISO_2022_JP,
        SHIFT_JIS,
        UTF_8,
    ]
    .contains(encoding)
}

/// The raw bytes of a top-level header's value.
pub(super) fn raw_header<'a>(
    message: &'a Message<'_>,
    name: &mail_parser::HeaderName<'_>,
) -> Option<&'a [u8]> {
    let header = message
        .parts
        .first()?
        .headers
        .iter()
        .find(|h| h.name == *name)?;
    message
        .raw_message
        .get(header.offset_start as usize..header.offset_end as usize)
}

/// One trimmed line: control characters (folding included) become single
/// spaces.
pub(super) fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `\n` line ends, no control characters but tabs, at most `max` characters.
fn clean_text(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    let mut chars = text.chars().peekable();
    let mut count = 0;
    while let Some(c) = chars.next() {
        if count >= max {
            break;
        }
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                    count += 1;
                }
            }
            '\n' | '\t' => {
                out.push(c);
                count += 1;
            }
            c if c.is_control() => {}
            c => {
                out.push(c);
                count += 1;
            }
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    // Leading blank lines go; the first line's indentation stays.
    let first_text = out.len() - out.trim_start().len();
    match out[..first_text].rfind('\n') {
        Some(nl) => out.split_off(nl + 1),
        None => out,
    }
}
